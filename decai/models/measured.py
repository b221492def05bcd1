"""What each model type's default step was measured to do under attack.

For every built-in data set a type takes, `measured.json` (beside this
module) holds the figures of the committed sweep (`ape run tune`,
reference backend, default agents, means over seeds 1-3) at the type's
default step for the set's kind (text or numbers, `Model.default_step_for`):
the initial, attacked final, control final and clean
baseline accuracies (final: the mean over the last simulated day), kept = (attacked final - initial) / (clean baseline -
initial) (None when the baseline is no better than the initial model:
nothing to learn) and whether the setting holds. The figures are data,
written from the sweeps' runs.csv by

    python -m decai.models.measured

and a test checks them against the committed runs, so that `ape run train
--help`, the README and docs/SIMULATION.md quote one measurement.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from decai.errors import DecaiError

FILE = Path(__file__).with_name("measured.json")
#: The committed sweep of each built-in data set, relative to the repository.
SWEEPS = {
    "rotten-tomatoes": "results/tune/model_types",
    "imdb": "results/tune/imdb",
    "rotten-tomatoes-imbalanced": "results/tune/rotten_tomatoes_imbalanced",
    "breast-cancer": "results/tune/breast_cancer",
    "digits": "results/tune/digits",
}
#: The model `make simulate`, the README and `ape run train` recommend for text.
DEFAULT_TEXT_MODEL = "naive_bayes"


@cache
def measured() -> dict[str, dict[str, dict[str, Any]]]:
    """{model type: {data set: figures}} as committed."""
    try:
        return json.loads(FILE.read_text())["models"]
    except (OSError, ValueError, KeyError) as error:
        raise DecaiError(f"cannot read the measured defaults {FILE}: {error}") from None


def describe(model_type: str) -> str:
    """For help texts: the default step's kept figure per data set ("-":
    nothing to learn), and where it does not hold."""
    figures = measured().get(model_type, {})
    if not figures:
        return "not measured"
    kept = ", ".join(f"{d} {'-' if f['kept'] is None else format(f['kept'], '.0%')}" for d, f in figures.items())
    failing = [d for d, f in figures.items() if not f["holds"]]
    return f"kept {kept}; " + (f"does not hold on {', '.join(failing)}" if failing else "holds on all")


def steps_help() -> str:
    """A help epilog: every model type's default step and what it kept."""
    from decai.models.base import model_class, model_types

    lines = [
        "\b",
        "Default steps, and what they kept of what the data can teach under attack",
        "(ape run tune, seeds 1-3, final accuracy: the mean over the last day;",
        "-: nothing to learn; docs/SIMULATION.md). (numbers: ...): the default for breast-cancer,",
        "digits and a CSV of numbers, where its figures were measured; text uses the first.",
    ]
    for model_type in model_types():
        tag = " (recommended for text)" if model_type == DEFAULT_TEXT_MODEL else ""
        cls = model_class(model_type)
        numbers = cls.default_step_for("numbers")
        steps = f"step {cls.default_step:g}" + ("" if numbers == cls.default_step else f" (numbers: {numbers:g})")
        lines.append(f"  {model_type}{tag}, {steps}:")
        lines.extend(f"    {part}" for part in describe(model_type).split("; "))
    return "\n".join(lines)


def build(root: Path) -> dict[str, Any]:
    """The content of measured.json from the committed sweeps under `root`."""
    from decai.data.datasets import built_in_kind
    from decai.models.base import model_class, model_types
    from decai.simulation.sweep import read_runs, summarise

    models: dict[str, dict[str, Any]] = {t: {} for t in model_types()}
    for dataset, directory in SWEEPS.items():
        lines = summarise(read_runs([root / directory]))
        for model_type in model_types():
            step = model_class(model_type).default_step_for(built_in_kind(dataset))
            line = next(
                (ln for ln in lines if ln["model_type"] == model_type and abs(ln["learning_rate"] - step) < 1e-12),
                None,
            )
            if line is None:
                continue
            models[model_type][dataset] = {
                "step": step,
                "seeds": line["seeds"],
                "initial": round(line["accuracy_initial"], 4),
                "final": round(line["accuracy_final"], 4),
                "control_final": round(line["control_accuracy_final"], 4),
                "lowest": round(line["accuracy_lowest"], 4),
                "baseline": None if line["baseline_accuracy"] is None else round(line["baseline_accuracy"], 4),
                "kept": None if line["kept"] is None else round(line["kept"], 2),
                "holds": line["holds"],
            }
    return {
        "about": (
            "ape run tune at each type's default step: reference backend, default agents, means over the seeds; "
            "final: the mean of the accuracies measured over the last simulated day"
        ),
        "sweeps": SWEEPS,
        "models": models,
    }


if __name__ == "__main__":
    FILE.write_text(json.dumps(build(Path(__file__).resolve().parents[2]), indent=1) + "\n")
    print(f"wrote {FILE}")
