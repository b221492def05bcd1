"""runs.jsonl -> runs.csv (one row per run) and summary.md (one line per setting).

Each setting (data set, model, step, rule, tau) is summarised by the sweep's own
`decai.simulation.sweep.summarise` (means over the seeds; kept from the means;
holds = attacked final >= control - 1 point and lowest >= initial - 3 points).
"""

import csv
import json
from pathlib import Path

from decai.simulation.sweep import summarise

HERE = Path(__file__).parent
KEY = ("dataset", "model_type", "learning_rate", "rule", "tau")
rows = [json.loads(line) for line in (HERE / "runs.jsonl").read_text().splitlines()]
rows.sort(key=lambda r: (*(r[k] for k in KEY), r["seed"], not r["attacked"]))

flat = []
for r in rows:
    out = {k: v for k, v in r.items() if k not in ("stats", "margins")}
    for agent, figures in r["stats"].items():
        for name, value in figures.items():
            out[f"{agent}_{name}"] = value
    flat.append(out)
columns = list(dict.fromkeys(c for r in flat for c in r))
with (HERE / "runs.csv").open("w", newline="") as handle:
    writer = csv.DictWriter(handle, columns)
    writer.writeheader()
    writer.writerows(flat)


def pct(x):
    return "-" if x is None else f"{100 * x:.1f}"


def share(runs, agent):
    moved = [r["stats"].get(agent, {}).get("updated", 0) for r in runs]
    added = [r["stats"].get(agent, {}).get("added", 0) for r in runs]
    return f"{100 * sum(moved) / sum(added):.0f}%" if sum(added) else "-"


def table(seeds, least=1):
    groups: dict[tuple, list] = {}
    for r in rows:
        if r["seed"] in seeds:
            groups.setdefault(tuple(r[k] for k in KEY), []).append(r)
    lines = [
        "| data set | model | step | rule | tau | seeds | initial | final (control) | attacked - control | lowest |"
        " clean baseline | kept (control) | holds | honest % | adversary % | moved: honest / adversary |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, runs in groups.items():
        if len(runs) < 2 * least:
            continue
        line = summarise(runs)[0]
        attacked = [r for r in runs if r["attacked"]]
        dataset, model, step, rule, tau = key
        gap = 100 * (line["accuracy_final"] - line["control_accuracy_final"])
        lines.append(
            f"| {dataset} | {model} | {step:g} | {rule} | {tau:g} | {line['seeds']} | {pct(line['accuracy_initial'])} |"
            f" {pct(line['accuracy_final'])} ({pct(line['control_accuracy_final'])}) | {gap:+.2f} |"
            f" {pct(line['accuracy_lowest'])} | {pct(line['baseline_accuracy'])} |"
            f" {pct(line['kept'])}% ({pct(line['control_kept'])}%) | {'yes' if line['holds'] else 'no'} |"
            f" {line['honest_balance_change_percent']:+.1f} | {line['adversary_balance_change_percent']:+.1f} |"
            f" {share(attacked, 'honest')} / {share(attacked, 'adversary')} |"
        )
    return lines


text = []
for title, seeds, least in (
    ("Seeds 1-3 (the goal's)", {1, 2, 3}, 1),
    ("Seeds 1-5, where run", {1, 2, 3, 4, 5}, 1),
    ("Seeds 1-10, the settings run on more than five", set(range(1, 11)), 6),
):
    text += [f"## {title}", "", *table(seeds, least), ""]
(HERE / "summary.md").write_text("\n".join(text))
print("\n".join(text))
