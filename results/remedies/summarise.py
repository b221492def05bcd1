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


# The selections quoted in docs/SIMULATION.md -> doc_tables.md.
def setting(dataset, model, step, rule, tau, seeds):
    runs = [
        r
        for r in rows
        if (r["dataset"], r["model_type"], r["learning_rate"], r["rule"], r["tau"]) == (dataset, model, step, rule, tau)
        and r["seed"] in seeds
    ]
    return (summarise(runs)[0] if len({r["seed"] for r in runs}) == len(seeds) else None), runs


def whole(x):
    return "-" if x is None else f"{100 * x:.0f}%"


def describe(rule, tau):
    return {
        "plain": "as deployed",
        "pa": "PA-I, clipped at the step",
        "skip_mean": f"skip beyond {tau:g} running means",
        "skip_cos": f"skip beyond cosine {tau:g}",
        "shrink": f"shrink (half at {tau:g} running mean)",
        "skip_odds": f"skip beyond log-odds {tau:g}",
    }[rule]


def doc_line(dataset, model, step, rule, tau, with_model=False):
    line, runs = setting(dataset, model, step, rule, tau, {1, 2, 3})
    gap = 100 * (line["accuracy_final"] - line["control_accuracy_final"])
    cells = [model] if with_model else []
    cells += [
        f"{step:g}",
        describe(rule, tau),
        f"{pct(line['accuracy_final'])}% ({pct(line['control_accuracy_final'])}%)",
        f"{gap:+.2f}",
        f"{pct(line['accuracy_lowest'])}% ({pct(line['accuracy_initial'])}%)",
        f"{whole(line['kept'])} ({whole(line['control_kept'])})",
        "yes" if line["holds"] else "no",
        f"{line['honest_balance_change_percent']:+.1f}%",
    ]
    for seeds in (set(range(1, 6)), set(range(1, 11))):
        more, _ = setting(dataset, model, step, rule, tau, seeds)
        cells.append(
            "-"
            if more is None
            else f"{100 * (more['accuracy_final'] - more['control_accuracy_final']):+.2f}, {whole(more['kept'])}"
        )
    attacked = [r for r in runs if r["attacked"]]
    cells.append(f"{share(attacked, 'honest')} / {share(attacked, 'adversary')}")
    return "| " + " | ".join(cells) + " |"


HEAD = (
    "step | update rule | final (control) | attacked − control | lowest (initial) | kept (control) | holds |"
    " honest's balance | seeds 1-5: attacked − control, kept | seeds 1-10 | mistakes learnt: honest / adversary |"
)
AP, NB = "averaged_perceptron", "naive_bayes"
SELECTIONS = {
    "rotten-tomatoes, averaged perceptron": [
        (0.1, "plain", 0.0), (1.0, "plain", 0.0), (2.0, "plain", 0.0), (1.0, "skip_mean", 1.0),
        (1.0, "skip_mean", 1.5), (1.0, "skip_mean", 2.0), (1.0, "skip_mean", 3.0), (1.0, "skip_cos", 0.03),
        (1.0, "skip_cos", 0.05), (1.0, "shrink", 1.0), (2.0, "shrink", 1.0), (1.0, "pa", 0.0), (2.0, "pa", 0.0),
        (4.0, "pa", 0.0), (2.0, "skip_mean", 1.5), (2.0, "skip_mean", 2.0), (2.0, "skip_mean", 2.5),
        (2.0, "skip_mean", 3.0), (3.0, "skip_mean", 2.0), (3.0, "skip_mean", 2.5), (4.0, "skip_mean", 1.5),
        (4.0, "skip_mean", 2.0),
    ],
    "rotten-tomatoes, sparse perceptron": [
        (0.03, "plain", 0.0), (0.25, "plain", 0.0), (0.25, "skip_mean", 2.0), (1.0, "skip_mean", 2.0),
    ],
    "rotten-tomatoes, naive Bayes": [
        (0.25, "plain", 0.0), (0.25, "skip_odds", 1.0), (0.25, "skip_odds", 1.5), (0.25, "skip_odds", 2.0),
        (0.25, "skip_odds", 3.0), (0.333, "skip_odds", 1.0), (0.5, "skip_odds", 0.5), (0.5, "skip_odds", 1.0),
        (0.5, "skip_odds", 2.0),
    ],
}  # fmt: skip
OTHERS = [(AP, 1.0, "plain", 0.0), (AP, 2.0, "skip_mean", 2.0), (AP, 3.0, "skip_mean", 2.0)]
OTHERS += [(NB, 0.25, "plain", 0.0), (NB, 0.25, "skip_odds", 1.0)]
doc = []
for title, chosen in SELECTIONS.items():
    model = AP if "averaged" in title else "sparse_perceptron" if "sparse" in title else NB
    doc += [f"## {title}", "", "| " + HEAD, "|---" * HEAD.count("|") + "|"]
    doc += [doc_line("rotten-tomatoes", model, *s) for s in chosen] + [""]
for dataset in ("imdb", "rotten-tomatoes-imbalanced"):
    doc += [f"## {dataset}", "", "| model | " + HEAD, "|---" * (HEAD.count("|") + 1) + "|"]
    doc += [doc_line(dataset, model, *s, with_model=True) for model, *s in OTHERS] + [""]
(HERE / "doc_tables.md").write_text("\n".join(doc))
