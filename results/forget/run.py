"""Run forget.py over settings x seeds x arms, two at a time; append to runs.jsonl.

    python results/forget/run.py DATASET MODEL:STEP:FORGET:CHECKED ... [--seeds 1,2,3]

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
KEYS = ("model_type", "learning_rate", "dataset", "seed", "attacked", "forget", "checked")


def done() -> set[tuple]:
    if not RUNS.exists():
        return set()
    rows = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
    for row in rows:  # older rows: the deployed check as True, none as False
        row["checked"] = {True: "1", False: "0"}.get(row["checked"], row["checked"])
    return {tuple(row.get(k) for k in KEYS) for row in rows}


def one(job: tuple) -> None:
    dataset, model, step, forget, checked, seed, arm = job
    env = {**os.environ, "FORGET": forget, "CHECKED": checked}
    command = ["nice", "-n", "10", sys.executable, str(HERE / "forget.py"), model, step, seed, arm, dataset]
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
        model, step, forget, checked = setting.split(":")
        for seed in args.seeds.split(","):
            for arm in ("1", "0"):
                key = (
                    model,
                    float(step),
                    args.dataset,
                    int(seed),
                    arm == "1",
                    {"1": True, "0": False}.get(forget, forget),
                    checked,
                )
                if key not in seen:
                    jobs.append((args.dataset, model, step, forget, checked, seed, arm))
    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(one, jobs))


if __name__ == "__main__":
    main()
