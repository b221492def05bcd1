"""Run take_rule.py for rules x checked x seeds x arms; append to runs.jsonl.

    python results/burn/run.py MODEL STEP DATASET --seeds 1,2,3 --rules today,half --checked 0,1

Runs already in runs.jsonl are skipped; one run at a time, under nice.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
RUNS = HERE / "runs.jsonl"
KEYS = ("model_type", "learning_rate", "dataset", "seed", "attacked", "rule", "checked", "check")
CHECK = "passes the turn"  # rows of the deployed check (older rows: none)


def done() -> set[tuple]:
    if not RUNS.exists():
        return set()
    rows = [json.loads(line) for line in RUNS.read_text().splitlines() if line.strip()]
    return {tuple(row.get(k) for k in KEYS) for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("step", type=float)
    parser.add_argument("dataset")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--rules", default="today,half")
    parser.add_argument("--checked", default="0,1")
    parser.add_argument("--arms", default="1,0")
    args = parser.parse_args()
    seen = done()
    for rule in args.rules.split(","):
        for checked in args.checked.split(","):
            for seed in args.seeds.split(","):
                for arm in args.arms.split(","):
                    key = (args.model, args.step, args.dataset, int(seed), arm == "1", rule, checked == "1", CHECK)
                    if key in seen:
                        continue
                    env = {**os.environ, "RULE": rule, "CHECKED": checked}
                    command = ["nice", "-n", "10", sys.executable, str(HERE / "take_rule.py")]
                    command += [args.model, str(args.step), seed, arm, args.dataset]
                    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
                    row = json.loads(out.strip().splitlines()[-1])
                    with RUNS.open("a") as runs:
                        runs.write(json.dumps(row) + "\n")
                    print(rule, checked, seed, arm, round(row["accuracy_final_mean_last_day"], 4), flush=True)


if __name__ == "__main__":
    main()
