"""runs.jsonl -> one line per setting: means over the seeds present in both arms.

kept = (attacked final - initial) / (baseline - initial), from the means;
holds = attacked final >= control final - 1 point and lowest >= initial - 3.
"""

import json
import statistics
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    groups: dict = defaultdict(dict)
    for line in (HERE / "runs.jsonl").read_text().splitlines():
        row = json.loads(line)
        key = (
            row["dataset"],
            row["model_type"],
            row["learning_rate"],
            row["margin"],
            "forget" if row.get("forget") else "-",
        )
        groups[key][(row["seed"], row["attacked"])] = row
    print(
        "| set | model | step | margin | forget | seeds | attacked (control) | lowest (initial) "
        "| baseline | kept | holds | honest | adversary |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(groups, key=str):
        runs = groups[key]
        seeds = sorted(s for s, a in runs if a and (s, False) in runs)
        if not seeds:
            continue
        att = [runs[(s, True)] for s in seeds]
        ctl = [runs[(s, False)] for s in seeds]

        def mean(rows, field):
            return statistics.mean(r[field] for r in rows) * 100

        final, control = mean(att, "accuracy_final_mean_last_day"), mean(ctl, "accuracy_final_mean_last_day")
        lowest, initial, base = (
            mean(att, "accuracy_lowest"),
            mean(att, "accuracy_initial"),
            mean(att, "baseline_accuracy"),
        )
        kept = (final - initial) / (base - initial) if base > initial else float("nan")
        holds = final >= control - 1 and lowest >= initial - 3
        honest = statistics.mean(r["honest_balance_change_percent"] for r in att)
        adversary = statistics.mean(r["adversary_balance_change_percent"] for r in att)
        seed_text = ",".join(map(str, seeds))
        margin = key[3]
        print(
            f"| {key[0]} | {key[1]} | {key[2]} | {margin:g} | {key[4]} | {seed_text} | {final:.2f} ({control:.2f}) "
            f"| {lowest:.2f} ({initial:.2f}) | {base:.2f} | {kept:.0%} | {'yes' if holds else 'no'} "
            f"| {honest:+.1f}% | {adversary:+.1f}% |"
        )


if __name__ == "__main__":
    main()
