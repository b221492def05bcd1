"""Tuning sweep: the simulation over a grid of settings, attacked and
without adversaries, on the reference backend (`ape run tune`).

    grid = SweepGrid(model_types=["averaged_perceptron"], learning_rates=[0.1, 0.25], seeds=[1, 2, 3])
    rows = run_sweep(grid, jobs=2)                   # one row per run
    write_sweep(rows, grid, Path("results/tune"))    # runs.csv, table.md, tune.png, recommendation.json

Every grid point runs once per seed with the agents given (attacked) and
once with the adversaries left out (control). A run's *final* accuracy is
the mean of its measurements over the last simulated day of additions
(`accuracy_final_mean_last_day` in runs.csv), which depends less on the
last few contributions than the single last measurement (`accuracy_final`
in runs.csv; `accuracy_last_measurement` in the summary, shown beside it).
A setting *holds* when, averaged over the seeds, the attacked final
accuracy is at least the control's minus `FINAL_TOLERANCE` and the
attacked lowest accuracy is at least the initial accuracy minus
`LOWEST_TOLERANCE` (the accuracy goal). It
*learns* when the attacked final keeps at least `KEPT_GOAL` of what the data
can teach: kept = (final - initial) / (clean baseline - initial). The
recommendation is the setting with the highest attacked final accuracy
among those that hold and learn, else among those that hold (ties: the
honest agents' balance). Beside the accuracies, each line reports the
honest agents' share of deposits returned by their own refunds and the
additions they postponed for lack of funds.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from decai.data.datasets import built_in_kind, load_source
from decai.errors import DecaiError
from decai.models.base import model_class
from decai.simulation.agents import ADVERSARY, HONEST, AgentSpec, default_agents
from decai.simulation.config import SimulationConfig, prepare_experiment
from decai.units import DAY

#: Attacked final accuracy may be this far below the control's (fraction).
FINAL_TOLERANCE = 0.01
#: Attacked lowest accuracy may be this far below the initial one (fraction).
LOWEST_TOLERANCE = 0.03
#: A setting learns when its attacked final keeps at least this share of the
#: gain from the initial model to the clean baseline.
KEPT_GOAL = 0.7
#: The parameters a grid varies, in the order of the table's columns.
PARAMETERS = ("model_type", "learning_rate", "refund_wait_s", "claim_wait_s", "cost_weight")
#: The accuracies of a summary line (means over the seeds) and the runs.csv
#: column each is the mean of: "final", on which a setting holds and keeps,
#: is the mean over the last simulated day.
SUMMARY_ACCURACIES = {
    "accuracy_initial": "accuracy_initial",
    "accuracy_final": "accuracy_final_mean_last_day",
    "accuracy_last_measurement": "accuracy_final",
    "accuracy_lowest": "accuracy_lowest",
}
RUNS_CSV = "runs.csv"
TABLE = "table.md"
PLOT = "tune.png"
KEPT_PLOT = "kept.png"
RECOMMENDATION = "recommendation.json"


@dataclass
class SweepGrid:
    """The values to try for each parameter; every combination is run."""

    model_types: Sequence[str] = ("sparse_perceptron",)
    #: None: each model type's default step for the data's kind (`Model.default_step_for`).
    learning_rates: Sequence[float | None] = (None,)
    refund_waits_s: Sequence[int] = (DAY,)
    claim_waits_s: Sequence[int] = (9 * DAY,)
    cost_weights: Sequence[int] = (SimulationConfig.cost_weight,)
    seeds: Sequence[int] = (1, 2, 3)
    #: Also run every point without adversaries (needed for the goal).
    control: bool = True
    agents: list[AgentSpec] = field(default_factory=default_agents)
    #: Anything else of SimulationConfig (duration_s, max_test, dataset, ...).
    base: dict[str, Any] = field(default_factory=dict)

    def data_kind(self) -> str:
        """TEXT or NUMBERS: the kind of `base`'s data set (a CSV file is read to know)."""
        dataset = self.base.get("dataset", SimulationConfig.dataset)
        kind = built_in_kind(dataset)
        if kind is None:
            kind = load_source(
                dataset,
                label_column=self.base.get("label_column", SimulationConfig.label_column),
                text_column=self.base.get("text_column", SimulationConfig.text_column),
                allow_small_classes=self.base.get("allow_small_classes", False),
            ).kind
        return kind

    def points(self) -> list[dict[str, Any]]:
        points = []
        kind = self.data_kind() if None in self.learning_rates else None
        for model_type, rate, *rest in itertools.product(
            self.model_types, self.learning_rates, self.refund_waits_s, self.claim_waits_s, self.cost_weights
        ):
            rate = model_class(model_type).default_step_for(kind) if rate is None else rate
            point = dict(zip(PARAMETERS, (model_type, rate, *rest)))
            if point not in points:
                points.append(point)
        return points

    def runs(self) -> list[tuple[dict[str, Any], int, bool]]:
        """(point, seed, attacked) for every run, attacked first."""
        kinds = (True, False) if self.control else (True,)
        return [(p, s, a) for p in self.points() for s in self.seeds for a in kinds]

    def config(self, point: dict[str, Any], seed: int, attacked: bool) -> SimulationConfig:
        agents = [a for a in self.agents if attacked or a.kind != ADVERSARY]
        return SimulationConfig(
            **self.base,
            model_type=point["model_type"],
            learning_rate=point["learning_rate"],
            refund_wait_s=point["refund_wait_s"],
            owner_claim_wait_s=point["claim_wait_s"],
            any_address_claim_wait_s=point["claim_wait_s"],
            cost_weight=point["cost_weight"],
            seed=seed,
            agents=agents,
        )


# -- running -------------------------------------------------------------------------

# Per process: the prepared experiment (split, encoding, off-chain training)
# does not depend on the mechanism's parameters nor on the model's step
# (`set_step` applies it to a copy); it is prepared once per model type and
# seed and reused.
_PREPARED: dict[tuple, Any] = {}


def _prepared(config: SimulationConfig):
    key = (
        config.dataset,
        config.label_column,
        config.text_column,
        config.model_type,
        config.seed,
        config.test_fraction,
        config.max_test,
        config.initial_fraction,
        config.vocabulary_size,
    )
    if key not in _PREPARED:
        _PREPARED[key] = prepare_experiment(replace(config, learning_rate=1.0))
    prepared = _PREPARED[key]
    model = prepared.model.copy()
    model.set_step(config.learning_rate)
    config.check()
    return replace(prepared, model=model)


def run_one(grid: SweepGrid, point: dict[str, Any], seed: int, attacked: bool) -> dict[str, Any]:
    """One reference-backend run; its row of runs.csv."""
    from decai.simulation.report import final_mean_last_day, learning_figures, lowest_accuracy
    from decai.simulation.runner import run_experiment

    config = grid.config(point, seed, attacked)
    result = run_experiment(config, backend="reference", prepared=_prepared(config))
    row: dict[str, Any] = {**point, "seed": seed, "attacked": attacked, "dataset": config.dataset}
    row.update(
        accuracy_initial=result.accuracy_initial,
        accuracy_final=result.accuracy_final,
        accuracy_final_mean_last_day=final_mean_last_day(result),
        accuracy_lowest=lowest_accuracy(result),
        baseline_accuracy=result.baseline_accuracy,
    )
    for kind in (HONEST, ADVERSARY):
        agents = [a for a in result.agents.values() if a["kind"] == kind]
        start = sum(a["start_balance"] for a in agents)
        end = sum(a["end_balance"] for a in agents)
        row[f"{kind}_balance_change_percent"] = 100.0 * (end - start) / start if start else None
    row.update(learning_figures(result))
    row["runtime_s"] = result.runtime_s
    return row


def _run_packed(args) -> dict[str, Any]:
    return run_one(*args)


def run_sweep(
    grid: SweepGrid, *, jobs: int = 2, progress: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    """Every run of the grid, `jobs` at a time; `progress(row)` after each."""
    tasks = [(grid, p, s, a) for p, s, a in grid.runs()]
    rows: list[dict[str, Any]] = []
    if jobs <= 1:
        for task in tasks:
            rows.append(_run_packed(task))
            if progress:
                progress(rows[-1])
        return rows
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for row in pool.map(_run_packed, tasks):
            rows.append(row)
            if progress:
                progress(row)
    return rows


def read_runs(directories: Sequence[Path]) -> list[dict[str, Any]]:
    """The rows of earlier sweeps' runs.csv, typed as `run_one` returns them
    and sorted by setting; a run repeated (the same settings, seed and kind)
    is kept once. Runs of different data sets are refused: their
    accuracies do not compare."""
    rows: dict[tuple, dict[str, Any]] = {}
    for directory in directories:
        path = Path(directory) / RUNS_CSV
        try:
            with path.open(newline="") as handle:
                records = list(csv.DictReader(handle))
        except OSError as error:
            raise DecaiError(f"cannot read {path}: {error.strerror or error}") from None
        for line, record in enumerate(records, start=2):
            try:
                row = _typed(record)
            except (KeyError, ValueError) as error:
                raise DecaiError(f"{path}:{line}: not a row of `ape run tune` ({error})") from None
            rows.setdefault(tuple(row[c] for c in (*PARAMETERS, "seed", "attacked", "dataset")), row)
    datasets = sorted({row["dataset"] for row in rows.values()})
    if len(datasets) > 1:
        raise DecaiError(f"the runs are of different data sets ({', '.join(datasets)}); merge one data set at a time")
    return sorted(rows.values(), key=lambda r: (*(r[c] for c in PARAMETERS), r["seed"], not r["attacked"]))


_INTEGERS = ("refund_wait_s", "claim_wait_s", "cost_weight", "seed")


def _typed(record: dict[str, str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for column, text in record.items():
        if column in ("model_type", "dataset"):
            row[column] = text
        elif column == "attacked":
            row[column] = {"True": True, "False": False}[text]
        elif column in _INTEGERS:
            row[column] = int(text)
        else:
            row[column] = float(text) if text != "" else None
    required = (*PARAMETERS, "seed", "attacked", "dataset", *SUMMARY_ACCURACIES.values())
    missing = [c for c in required if row.get(c) is None]
    if missing:
        raise KeyError(", ".join(missing))
    return row


# -- summarising ------------------------------------------------------------------------


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per grid point: means over the seeds, attacked vs control,
    whether the setting holds and whether it learns (kept, from the means,
    at least `KEPT_GOAL`; a setting whose clean baseline is no better than
    its initial model has nothing to learn, its kept is None). The line's
    `accuracy_final` is the mean of the runs' last-day means, on which
    holding and keeping are decided; `accuracy_last_measurement` the mean
    of their single last measurements."""
    from decai.simulation.report import kept

    points: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[p] for p in PARAMETERS)
        entry = points.setdefault(key, {"point": dict(zip(PARAMETERS, key)), "attacked": [], "control": []})
        entry["attacked" if row["attacked"] else "control"].append(row)
    lines = []
    for entry in points.values():
        attacked, control = entry["attacked"], entry["control"]
        line = dict(entry["point"])
        line["seeds"] = len(attacked)
        for metric, column in SUMMARY_ACCURACIES.items():
            line[metric] = _mean([r[column] for r in attacked])
            line[f"control_{metric}"] = _mean([r[column] for r in control])
        line["baseline_accuracy"] = _mean([r.get("baseline_accuracy") for r in attacked])
        line["kept"] = kept(line["accuracy_initial"], line["accuracy_final"], line["baseline_accuracy"])
        line["control_kept"] = kept(line["accuracy_initial"], line["control_accuracy_final"], line["baseline_accuracy"])
        line["honest_balance_change_percent"] = _mean([r["honest_balance_change_percent"] for r in attacked])
        line["adversary_balance_change_percent"] = _mean([r["adversary_balance_change_percent"] for r in attacked])
        line["honest_refunded_share"] = _mean([r.get("honest_refunded_share") for r in attacked])
        for prefix, runs in (("", attacked), ("control_", control)):
            line[f"{prefix}honest_postponed_for_funds"] = _mean([r.get("honest_postponed_for_funds") for r in runs])
        final_ok = (
            line["control_accuracy_final"] is not None
            and line["accuracy_final"] >= line["control_accuracy_final"] - FINAL_TOLERANCE
        )
        lowest_ok = line["accuracy_lowest"] >= line["accuracy_initial"] - LOWEST_TOLERANCE
        line["final_holds"], line["lowest_holds"] = final_ok, lowest_ok
        line["holds"] = final_ok and lowest_ok
        line["learns"] = line["kept"] is None or line["kept"] >= KEPT_GOAL
        lines.append(line)
    return lines


def recommend(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """The setting with the highest attacked final accuracy among those that
    hold and learn (else among those that hold), and why."""
    holding = [line for line in lines if line["holds"]]
    if not holding:
        best = max(
            lines,
            key=lambda ln: ln["accuracy_final"] - ln["control_accuracy_final"]
            if ln["control_accuracy_final"] is not None
            else ln["accuracy_final"],
        )
        return {
            "settings": _settings(best),
            "holds": False,
            "learns": best.get("learns"),
            "reason": (
                "no setting of the grid holds (attacked final >= control - 1 point and lowest >= initial - 3 points); "
                f"this one comes closest: attacked final {best['accuracy_final']:.1%} vs control "
                f"{_pct(best['control_accuracy_final'])}, lowest {best['accuracy_lowest']:.1%} "
                f"vs initial {best['accuracy_initial']:.1%}"
            ),
        }
    learning = [line for line in holding if line.get("learns", True)]
    best = max(
        learning or holding,
        key=lambda ln: (round(ln["accuracy_final"], 4), ln["honest_balance_change_percent"] or 0),
    )
    if learning:
        verdict = (
            f"{len(learning)} of {len(lines)} settings hold and keep at least {KEPT_GOAL:.0%} of what they can learn"
        )
    else:
        verdict = (
            f"{len(holding)} of {len(lines)} settings hold but none keeps {KEPT_GOAL:.0%} of what it can learn "
            "(the goal is missed)"
        )
    return {
        "settings": _settings(best),
        "holds": True,
        "learns": bool(learning),
        "reason": (
            f"{verdict} over {best['seeds']} seeds; this one ends highest under attack: "
            f"final (mean of the last day) {best['accuracy_final']:.1%} (control "
            f"{_pct(best['control_accuracy_final'])}, clean baseline {_pct(best.get('baseline_accuracy'))}), "
            f"kept {_share(best.get('kept'))}, lowest "
            f"{best['accuracy_lowest']:.1%} (initial {best['accuracy_initial']:.1%}), honest balance "
            f"{best['honest_balance_change_percent']:+.1f}%, adversary {best['adversary_balance_change_percent']:+.1f}%"
        ),
    }


def _settings(line: dict[str, Any]) -> dict[str, Any]:
    return {p: line[p] for p in PARAMETERS}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _share(value: float | None) -> str:
    """Kept or a refund share as a percentage; "-": nothing to learn (or no run)."""
    return "-" if value is None else f"{value:.0%}"


def _count(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table_markdown(lines: list[dict[str, Any]]) -> str:
    head = (
        "model",
        "step",
        "refund wait",
        "claim wait",
        "cost weight",
        "seeds",
        "initial",
        "final (control)",
        "lowest (control)",
        "last measured (control)",
        "baseline",
        "kept (control)",
        "honest",
        "adversary",
        "refunded",
        "postponed (control)",
        "holds",
        "learns",
    )
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for ln in lines:
        out.append(
            "| "
            + " | ".join(
                [
                    ln["model_type"],
                    f"{ln['learning_rate']:g}",
                    f"{ln['refund_wait_s'] / DAY:g} d",
                    f"{ln['claim_wait_s'] / DAY:g} d",
                    f"{ln['cost_weight']:.3g}",
                    str(ln["seeds"]),
                    _pct(ln["accuracy_initial"]),
                    f"{_pct(ln['accuracy_final'])} ({_pct(ln['control_accuracy_final'])})",
                    f"{_pct(ln['accuracy_lowest'])} ({_pct(ln['control_accuracy_lowest'])})",
                    f"{_pct(ln['accuracy_last_measurement'])} ({_pct(ln['control_accuracy_last_measurement'])})",
                    _pct(ln.get("baseline_accuracy")),
                    f"{_share(ln.get('kept'))} ({_share(ln.get('control_kept'))})",
                    _signed(ln["honest_balance_change_percent"]),
                    _signed(ln["adversary_balance_change_percent"]),
                    _share(ln.get("honest_refunded_share")),
                    f"{_count(ln.get('honest_postponed_for_funds'))} "
                    f"({_count(ln.get('control_honest_postponed_for_funds'))})",
                    "yes" if ln["holds"] else ("no (final)" if not ln["final_holds"] else "no (lowest)"),
                    _learns(ln),
                ]
            )
            + " |"
        )
    return "\n".join(out) + "\n"


def _learns(line: dict[str, Any]) -> str:
    if line.get("kept") is None:
        return "nothing to learn" if line.get("baseline_accuracy") is not None else "-"
    return "yes" if line["kept"] >= KEPT_GOAL else "no"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f}%"


def rich_table(lines: list[dict[str, Any]]):
    from rich.table import Table

    table = Table(
        title="Sweep: means over the seeds, attacked (control without adversaries); final: the mean over the last day"
    )
    rows = [r.strip("|").split("|") for r in table_markdown(lines).splitlines()]
    for column in rows[0]:
        table.add_column(column.strip(), justify="right")
    for row in rows[2:]:
        table.add_row(*[c.strip() for c in row])
    return table


def write_sweep(rows: list[dict[str, Any]], directory: Path, *, runs: bool = True) -> dict[str, Path]:
    """runs.csv (every run; left as it is when `runs` is False), table.md,
    tune.png, kept.png and recommendation.json."""
    from decai.simulation.sweep_plot import plot_kept, plot_sweep

    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "table": directory / TABLE,
        "plot": directory / PLOT,
        "kept_plot": directory / KEPT_PLOT,
        "recommendation": directory / RECOMMENDATION,
    }
    if runs:
        paths = {"runs": directory / RUNS_CSV, **paths}
        # Runs of older sweeps may lack newer columns: every column any run has, in order of appearance.
        columns = list(dict.fromkeys(column for row in rows for column in row)) or list(PARAMETERS)
        temporary = paths["runs"].with_suffix(".csv.part")
        with temporary.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        temporary.rename(paths["runs"])
    lines = summarise(rows)
    paths["table"].write_text(table_markdown(lines))
    plot_sweep(lines, paths["plot"])
    plot_kept({rows[0]["dataset"] if rows else "": lines}, paths["kept_plot"])
    paths["recommendation"].write_text(json.dumps({**recommend(lines), "settings_summary": lines}, indent=1) + "\n")
    return paths
