"""Run margin.py over settings x seeds x arms, two at a time; append to runs.jsonl.

    python results/margin/run.py DATASET MODEL:STEP:MARGIN[:forget] ... [--seeds 1,2,3]

Runs already in runs.jsonl are skipped.
"""

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
RUNS = HERE / "runs.jsonl"
KEYS = ("model_type", "learning_rate", "dataset", "seed", "attacked", "margin", "unit", "forget")


def done() -> set[tuple]:
    if not RUNS.exists():
        return set()
    rows = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
    return {tuple(row.get(k) for k in KEYS) for row in rows}


def one(job: tuple) -> None:
    dataset, model, step, margin, unit, forget, seed, arm = job
    env = {**os.environ, "MARGIN": margin, "UNIT": unit, "FORGET": "1" if forget else "0"}
    command = ["nice", "-n", "10", sys.executable, str(HERE / "margin.py"), model, step, seed, arm, dataset]
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode:
        print(job, out.stderr[-800:], flush=True)
        return
    row = json.loads(out.stdout.strip().splitlines()[-1])
    with RUNS.open("a") as runs:
        runs.write(json.dumps(row) + "\n")
    print(
        job,
        round(row["accuracy_final_mean_last_day"] * 100, 2),
        round(row["honest_balance_change_percent"], 1),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("settings", nargs="+")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    seen = done()
    jobs = []
    for setting in args.settings:
        model, step, margin, *rest = setting.split(":")
        unit = "step"
        forget = "forget" in rest
        for seed in args.seeds.split(","):
            for arm in ("1", "0"):
                key = (model, float(step), args.dataset, int(seed), arm == "1", float(margin), unit, forget)
                if key not in seen:
                    jobs.append((args.dataset, model, step, margin, unit, forget, seed, arm))
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, jobs))


if __name__ == "__main__":
    main()
