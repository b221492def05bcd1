"""The sweep's plots (`ape run tune`): accuracy and balances per setting
(tune.png), and what each setting kept of what the data can teach against
how well it held under attack (kept.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from decai.simulation.sweep import FINAL_TOLERANCE, KEPT_GOAL, PARAMETERS
from decai.units import DAY

#: The kept range drawn (percent); values beyond are drawn at the edge.
KEPT_LOW, KEPT_HIGH = -50.0, 175.0


def plot_sweep(lines: list[dict[str, Any]], path: Path) -> None:
    """Accuracy (final and lowest, attacked vs control) and balances per setting."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    varying = [p for p in PARAMETERS if len({ln[p] for ln in lines}) > 1] or ["model_type"]
    labels = [", ".join(_short(p, ln[p]) for p in varying) for ln in lines]
    x = range(len(lines))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(max(7, 0.9 * len(lines) + 3), 7.5), dpi=110, sharex=True)
    for key, style, name in (("accuracy_final", "o-", "final (last-day mean)"), ("accuracy_lowest", "v--", "lowest")):
        top.plot(x, [100 * ln[key] for ln in lines], style, color="#d95f02", label=f"{name}, attacked")
        top.plot(
            x,
            [100 * ln[f"control_{key}"] if ln[f"control_{key}"] is not None else float("nan") for ln in lines],
            style,
            color="#1b9e77",
            label=f"{name}, control (no adversary)",
        )
    top.plot(x, [100 * ln["accuracy_initial"] for ln in lines], ":", color="black", label="initial")
    for i, ln in enumerate(lines):
        if ln["holds"]:
            top.annotate(
                "holds",
                (i, 100 * ln["accuracy_final"]),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=7,
            )
    top.set_ylabel("accuracy (%)")
    top.grid(alpha=0.3)
    top.legend(fontsize=7, loc="best")
    top.set_title("Tuning sweep (reference backend, means over seeds)", fontsize=10)
    bottom.bar(
        [i - 0.2 for i in x],
        [ln["honest_balance_change_percent"] or 0 for ln in lines],
        0.4,
        color="#1b9e77",
        label="honest",
    )
    bottom.bar(
        [i + 0.2 for i in x],
        [ln["adversary_balance_change_percent"] or 0 for ln in lines],
        0.4,
        color="#d95f02",
        label="adversary",
    )
    bottom.axhline(0, color="black", linewidth=0.8)
    bottom.set_ylabel("balance change, attacked (%)")
    bottom.set_xticks(list(x))
    bottom.set_xticklabels(labels, rotation=35, ha="right", fontsize=7)
    bottom.legend(fontsize=7)
    bottom.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _short(parameter: str, value) -> str:
    if parameter == "model_type":
        return str(value).replace("_perceptron", " p.").replace("_", " ")
    if parameter.endswith("_s"):
        return f"{parameter[:-2].replace('_', ' ')} {value / DAY:g}d"
    if parameter == "learning_rate":
        return f"step {value:g}"
    return f"{parameter.replace('_', ' ')} {value:.2g}"


def plot_kept(lines_by_dataset: dict[str, list[dict[str, Any]]], path: Path) -> None:
    """One point per setting (and data set): kept under attack (y) against
    robustness, the attacked final minus the control's final in points (x).
    The goal is the upper right: x >= -1 point and y >= `KEPT_GOAL`.
    Settings with nothing to learn (no kept figure) are left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5.5), dpi=110)
    markers = "osD^vP*X"
    models = sorted({ln["model_type"] for lines in lines_by_dataset.values() for ln in lines})
    colours = {m: plt.get_cmap("tab10")(i) for i, m in enumerate(models)}
    seen: set[str] = set()
    for position, (_dataset, lines) in enumerate(sorted(lines_by_dataset.items())):
        for ln in lines:
            if ln.get("kept") is None or ln["control_accuracy_final"] is None:
                continue
            x = 100 * (ln["accuracy_final"] - ln["control_accuracy_final"])
            # A baseline hardly above the start makes kept huge: drawn at the edge, with its value.
            y = min(max(100 * ln["kept"], KEPT_LOW), KEPT_HIGH)
            text = f"{ln['learning_rate']:g}" + ("" if y == 100 * ln["kept"] else f" ({100 * ln['kept']:.0f}%)")
            label = ln["model_type"] if ln["model_type"] not in seen else None
            seen.add(ln["model_type"])
            axes.scatter(
                x,
                y,
                marker=markers[position % len(markers)],
                color=colours[ln["model_type"]],
                edgecolors="black" if ln["holds"] else "none",
                s=45,
                label=label,
            )
            axes.annotate(text, (x, y), fontsize=6, xytext=(3, 3), textcoords="offset points")
    for position, dataset in enumerate(sorted(lines_by_dataset)):
        axes.scatter([], [], marker=markers[position % len(markers)], color="grey", label=dataset or "data")
    axes.axvline(-100 * FINAL_TOLERANCE, color="black", linestyle=":", linewidth=0.8)
    axes.axhline(100 * KEPT_GOAL, color="black", linestyle=":", linewidth=0.8)
    axes.set_ylim(KEPT_LOW - 5, KEPT_HIGH + 5)
    axes.set_xlabel("robustness: attacked final - control final (points)")
    axes.set_ylabel("kept under attack (% of clean baseline - initial)")
    axes.set_title("What the crowd's data taught, against how well it held (black edge: holds)", fontsize=10)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(arguments: list[str]) -> None:
    """python -m decai.simulation.sweep_plot OUT.png NAME=DIR ...: one kept
    plot over the sweeps in DIR (each a data set, named NAME)."""
    from decai.errors import DecaiError
    from decai.simulation.sweep import read_runs, summarise

    if len(arguments) < 2 or not all("=" in a for a in arguments[1:]):
        raise SystemExit("usage: python -m decai.simulation.sweep_plot OUT.png NAME=DIR [NAME=DIR ...]")
    lines = {}
    for argument in arguments[1:]:
        name, _, directory = argument.partition("=")
        try:
            lines[name] = summarise(read_runs([Path(d) for d in directory.split(",")]))
        except DecaiError as error:
            raise SystemExit(f"error: {error}") from None
    plot_kept(lines, Path(arguments[0]))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
