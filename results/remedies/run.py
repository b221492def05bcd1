"""Run bounded.py for settings x seeds x arms, two at a time; rows go to runs.jsonl.

    python results/remedies/run.py DATASET MODEL:STEP:RULE[:TAU] ... [--seeds 1,2,3]

A run already in runs.jsonl (same data set, model, step, rule, tau, seed and
arm) is not repeated. Then `python results/remedies/summarise.py` writes
runs.csv and the table.
"""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
RUNS = HERE / "runs.jsonl"
args = sys.argv[1:]
seeds = [1, 2, 3]
if "--seeds" in args:
    at = args.index("--seeds")
    seeds = [int(s) for s in args[at + 1].split(",")]
    del args[at : at + 2]
dataset, settings = args[0], args[1:]


def key(dataset, model, step, rule, tau, seed, attacked):
    return (dataset, model, float(step), rule, float(tau), int(seed), bool(attacked))


done = set()
if RUNS.exists():
    for line in RUNS.read_text().splitlines():
        r = json.loads(line)
        done.add(key(r["dataset"], r["model_type"], r["learning_rate"], r["rule"], r["tau"], r["seed"], r["attacked"]))

tasks = []
for setting in settings:
    model, step, rule, *rest = setting.split(":")
    tau = rest[0] if rest else "0"
    for seed in seeds:
        for attacked in (1, 0):
            if key(dataset, model, step, rule, tau, seed, attacked) not in done:
                tasks.append([model, step, str(seed), str(attacked), dataset, rule, tau])


def run(task):
    out = subprocess.run(
        ["nice", "-n", "10", sys.executable, str(HERE / "bounded.py"), *task], capture_output=True, text=True
    )
    if out.returncode:
        return task, None, out.stderr.strip().splitlines()[-1:]
    return task, out.stdout.strip().splitlines()[-1], None


with ThreadPoolExecutor(max_workers=2) as pool:
    for task, line, error in pool.map(run, tasks):
        if line is None:
            print("failed", task, error, flush=True)
            continue
        with RUNS.open("a") as handle:
            handle.write(line + "\n")
        r = json.loads(line)
        print(" ".join(task), round(r["accuracy_final_mean_last_day"], 4), flush=True)
