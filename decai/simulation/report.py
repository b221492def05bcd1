"""What a simulation run leaves behind: summary, time series, plot, console view.

`write_outputs(result, directory)` writes

- `summary.json`: accuracy initial/final (the last measurement)/baseline/
  lowest and the mean of the last day's measurements (the final accuracy
  the goal and `ape run tune` use), kept (the share of what the data can
  teach that the run kept, from the last day's mean), the honest agents' share of deposits returned by their
  own refunds and their additions postponed for lack of funds, every agent's
  money and
  counts, the configuration, the transaction counts and the run time;
- `timeseries.csv`: one row per record (hourly by default): simulated
  time, the accuracy on the hidden test split where it was measured, and
  every agent's balance (wei and percent of its start);
- `simulation.png`: each agent's balance (% of start) and the model's
  accuracy over simulated time, with the clean baseline drawn.

Under the points mechanism nothing but gas is paid, so the time series
also holds every agent's points, and the plot shows points (right axis)
instead of balances.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from decai.core.mechanisms import BADGES
from decai.models.base import model_class
from decai.simulation.agents import ADVERSARY, FREE_RIDER, HONEST, UNIT, describe
from decai.simulation.books import SimulationResult
from decai.units import DAY

SUMMARY = "summary.json"
TIMESERIES = "timeseries.csv"
PLOT = "simulation.png"


def summary(result: SimulationResult) -> dict[str, Any]:
    # A CSV is named by its file name: the summary is meant to be shared, the local path is not.
    config = {**result.config, "dataset": Path(result.config["dataset"]).name}
    return {
        "accuracy_initial": round(result.accuracy_initial, 6),
        "accuracy_final": round(result.accuracy_final, 6),
        "baseline_accuracy": round(result.baseline_accuracy, 6),
        "accuracy_lowest": round(lowest_accuracy(result), 6),
        "accuracy_final_mean_last_day": round(final_mean_last_day(result), 6),
        **learning_figures(result),
        "agents": result.agents,
        "experiment": {
            "dataset": result.dataset_name,
            "model_type": config["model_type"],
            "mechanism": config["mechanism"],
            "backend": result.backend,
            "seed": config["seed"],
            "adding_days": config["duration_s"] / DAY,
            "settled": config["settle"] and not result.interrupted,
            "simulated_days": round(result.simulated_s / DAY, 4),
            "sizes": result.sizes,
        },
        "money": (
            "wei; balances are the agents' account balances, net of gas (gas_paid says how much of the change was gas)"
        ),
        "transactions": result.transactions,
        "runtime_s": result.runtime_s,
        "interrupted": result.interrupted,
        "stop_reason": result.stop_reason,
        "balance_check": result.balance_check,
        "problems": result.problems,
        "trainer": result.trainer,
        "config": config,
    }


def lowest_accuracy(result: SimulationResult) -> float:
    """The lowest accuracy measured during the run."""
    return min((row["accuracy"] for row in result.series if row["accuracy"] is not None), default=result.accuracy_final)


def final_mean_last_day(result: SimulationResult) -> float:
    """The mean of the accuracies measured during the last simulated day of
    additions (the model does not change once additions stop): less
    dependent on the last few contributions than the final accuracy."""
    end = min(result.config["duration_s"], result.simulated_s)
    last = [
        row["accuracy"] for row in result.series if row["accuracy"] is not None and end - DAY <= row["time_s"] <= end
    ]
    return sum(last) / len(last) if last else result.accuracy_final


def kept(initial: float | None, final: float | None, baseline: float | None) -> float | None:
    """The share of what the data can teach that the run kept: (final -
    initial) / (clean baseline - initial). None when the baseline is no
    better than the initial model (there is nothing to learn)."""
    if initial is None or final is None or baseline is None or baseline - initial < 1e-9:
        return None
    return (final - initial) / (baseline - initial)


def learning_figures(result: SimulationResult) -> dict[str, Any]:
    """What a run learnt and what it cost the honest agents: kept (its final
    accuracy taken as the mean over the last day, `final_mean_last_day`),
    the share of their deposits that came back through their own refunds
    (the rest is taken or swept), and the additions they postponed for lack
    of funds."""
    honest = [a for a in result.agents.values() if a["kind"] == HONEST]
    contributions = sum(a["contributions"] for a in honest)
    return {
        "kept": kept(result.accuracy_initial, final_mean_last_day(result), result.baseline_accuracy),
        "honest_refunded_share": sum(a["refunds"] for a in honest) / contributions if contributions else None,
        "honest_postponed_for_funds": sum(a["additions_postponed_for_funds"] for a in honest),
    }


def is_points(result: SimulationResult) -> bool:
    return result.config["mechanism"] == "points"


def _percent(balance: int, start: int) -> float:
    return 100.0 * balance / start if start else 100.0


def write_timeseries(result: SimulationResult, path: Path) -> None:
    names = list(result.agents)
    starts = {name: result.agents[name]["start_balance"] for name in names}
    scorers = [name for name in names if is_points(result) and result.agents[name]["kind"] != FREE_RIDER]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["time_s", "day", "adding", "accuracy"]
            + [f"{name}_balance_wei" for name in names]
            + [f"{name}_balance_percent" for name in names]
            + [f"{name}_points" for name in scorers]
        )
        for row in result.series:
            accuracy = "" if row["accuracy"] is None else f"{row['accuracy']:.6f}"
            balances = [row[f"{name}_balance_wei"] for name in names]
            writer.writerow(
                [row["time_s"], f"{row['time_s'] / DAY:.4f}", int(row["adding"]), accuracy]
                + balances
                + [f"{_percent(b, starts[n]):.3f}" for b, n in zip(balances, names)]
                + [row[f"{name}_points"] for name in scorers]
            )


def plot(result: SimulationResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 5.5), dpi=120)
    points = is_points(result)
    # Points: nothing but gas is paid, so the agents' lines are their points, on their own axis.
    agent_axes = axes.twinx() if points else axes
    colours = {
        "honest": ["#1b9e77", "#66a61e", "#2c7fb8", "#7570b3"],
        ADVERSARY: ["#d95f02", "#e7298a", "#a6761d"],
        FREE_RIDER: ["#666666"],
    }
    used = {kind: 0 for kind in colours}
    for name, agent in result.agents.items():
        kind = agent["kind"]
        if points and kind == FREE_RIDER:
            continue
        palette = colours.get(kind, colours["honest"])
        colour = palette[used.get(kind, 0) % len(palette)]
        used[kind] = used.get(kind, 0) + 1
        days = [row["time_s"] / DAY for row in result.series]
        if points:
            values = [row[f"{name}_points"] for row in result.series]
        else:
            values = [_percent(row[f"{name}_balance_wei"], agent["start_balance"]) for row in result.series]
        style = {"honest": "-", ADVERSARY: "--", FREE_RIDER: ":"}.get(kind, "-")
        kind_name = kind.replace("_", " ")
        what = "points" if points else "balance"
        label = f"{name} {what}" if name.replace("-", " ").startswith(kind_name) else f"{name} ({kind_name}) {what}"
        agent_axes.plot(days, values, style, color=colour, linewidth=2, label=label)
    evaluated = [row for row in result.series if row["accuracy"] is not None]
    axes.plot(
        [row["time_s"] / DAY for row in evaluated],
        [100 * row["accuracy"] for row in evaluated],
        "-",
        color="black",
        linewidth=1.8,
        marker=".",
        markersize=4,
        label="model accuracy on the hidden test split",
    )
    axes.axhline(
        100 * result.baseline_accuracy,
        color="black",
        linestyle=(0, (1, 2)),
        linewidth=1.3,
        label=f"clean baseline (all clean data, off chain): {100 * result.baseline_accuracy:.1f}%",
    )
    config = result.config
    if config["settle"] and result.simulated_s > config["duration_s"]:
        axes.axvline(
            config["duration_s"] / DAY, color="grey", linewidth=1, alpha=0.6, label="additions stop; claims settle"
        )
    axes.set_title(
        f"{result.dataset_name} · {config['model_type'].replace('_', ' ')} · {config['mechanism']} mechanism"
        + (", on chain" if result.backend == "chain" else f" ({result.backend} backend)")
        + (" (interrupted)" if result.interrupted else ""),
        fontsize=11,
    )
    axes.set_xlabel("simulated time (days)")
    axes.set_xlim(0, max(result.simulated_s / DAY, 1e-9))
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if points:
        axes.set_ylabel("accuracy (%)")
        axes.set_ylim(0, 100)
        agent_axes.set_ylabel("points (contributions settled as good)")
        agent_axes.set_ylim(bottom=0)
        handles, labels = [], []
        for ax in (agent_axes, axes):
            more_handles, more_labels = ax.get_legend_handles_labels()
            handles += more_handles
            labels += more_labels
        axes.legend(handles, labels, loc="upper left", fontsize=8, framealpha=0.9)
    else:
        axes.set_ylabel("percent (balance: % of start; accuracy)")
        axes.legend(loc="best", fontsize=8, framealpha=0.9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_outputs(result: SimulationResult, directory: Path) -> dict[str, Path]:
    """Write summary, time series and plot into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {"summary": directory / SUMMARY, "timeseries": directory / TIMESERIES, "plot": directory / PLOT}
    paths["summary"].write_text(json.dumps(summary(result), indent=1) + "\n")
    write_timeseries(result, paths["timeseries"])
    plot(result, paths["plot"])
    return paths


# -- console -----------------------------------------------------------------------------


def units(wei: int) -> str:
    return f"{wei / UNIT:,.1f}"


def results_table(result: SimulationResult):
    from rich import box
    from rich.table import Table

    if is_points(result):
        table = Table(
            title="Agents (points mechanism: nothing is paid but gas, in units of 0.001 ether)",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for column in ("agent", "added", "points", "reported", "reports made", "badges", "gas"):
            table.add_column(column, justify="left" if column == "agent" else "right", no_wrap=True)
        for name, agent in result.agents.items():
            table.add_row(
                name,
                str(agent["contributions"]),
                str(agent.get("points", 0)),
                str(agent.get("reported_by_others", 0)),
                str(agent["takes"]),
                f"{len(agent.get('badges') or [])} of {len(BADGES)}",
                f"{agent['gas_paid'] / UNIT:,.0f}",
            )
        return table

    table = Table(
        title="Agents (money in units of 0.001 ether; balances net of gas; passed by: samples not added because"
        " the model would not learn them; burned: own deposits half burned by takes)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    columns = ("agent", "start", "end", "change", "added", "passed by", "refunds", "takes", "lost", "burned", "gas")
    for column in columns:
        table.add_column(column, justify="left" if column == "agent" else "right", no_wrap=True)
    for name, agent in result.agents.items():
        start = agent["start_balance"]
        table.add_row(
            name,
            f"{start / UNIT:,.0f}",
            f"{agent['end_balance'] / UNIT:,.0f}",
            f"{_percent(agent['end_balance'], start) - 100:+.1f}%",
            str(agent["contributions"]),
            str(agent.get("samples_passed_by", 0)),
            str(agent["refunds"]),
            str(agent["takes"]),
            f"{agent['lost_to_others'] / UNIT:,.0f}",
            f"{agent.get('burned', 0) / UNIT:,.0f}",
            f"{agent['gas_paid'] / UNIT:,.0f}",
        )
    return table


def describe_agents(specs) -> list[str]:
    return [f"{spec.name} ({spec.kind.replace('_', ' ')}): {describe(spec)}" for spec in specs]


class RichProgress:
    """A rich progress bar over simulated time, showing the accuracy, every
    agent's balance and the transactions sent."""

    def __init__(self, total_s: int, console=None):
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.total_s = total_s
        self.progress = Progress(
            TextColumn("[bold]day {task.fields[day]:>5.2f}/{task.fields[days]:g}"),
            BarColumn(bar_width=20),
            TextColumn("acc {task.fields[accuracy]:.1%}"),
            TextColumn("{task.fields[balances]}"),
            TextColumn("tx {task.fields[tx]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None

    def __enter__(self):
        self.progress.__enter__()
        self.task = self.progress.add_task(
            "simulating",
            total=self.total_s,
            day=0.0,
            days=round(self.total_s / DAY, 1),
            accuracy=0.0,
            balances="",
            tx=0,
        )
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, simulation, elapsed_s: int, total_s: int) -> None:
        if simulation.points:
            balances = " ".join(
                f"{name} {book.good} pt" for name, book in simulation.books.items() if book.spec.contributes
            )
        else:
            balances = " ".join(f"{name} {simulation.balance_percent(name):.0f}%" for name in simulation.books)
        self.progress.update(
            self.task,
            completed=elapsed_s,
            total=total_s,
            day=elapsed_s / DAY,
            days=round(total_s / DAY, 1),
            accuracy=simulation.accuracy,
            balances=balances,
            tx=sum(simulation.transactions.values()),
        )


def print_header(console, config, prepared, backend: str) -> None:
    sizes = prepared.sizes()
    parameters = config.mechanism_parameters()
    console.rule("[bold]decai simulation: collaborative training on the real contracts")
    console.print(
        f"data: {prepared.dataset.name} ({prepared.dataset.kind}, classes {', '.join(prepared.dataset.classes)}); "
        f"{prepared.encoding_description}"
    )
    console.print(
        f"split (seed {config.seed}): {sizes['initial']} samples train the deployed model, {sizes['pool']} are "
        f"the agents' pool, {sizes['test']} are hidden for testing"
        + (f" ({sizes['dropped']} could not be encoded)" if sizes["dropped"] else "")
    )
    console.print(
        f"model: {config.model_type}"
        + f", {model_class(config.model_type).describe_step(config.learning_rate)}"
        + "; clean baseline "
        f"(trained off chain on all the clean training data): [bold]{prepared.baseline_accuracy:.1%}"
    )
    if config.mechanism == "points":
        console.print(
            f"mechanism: points; adding is free; after {parameters.refund_wait_s / DAY:g} d a contribution the model "
            "agrees with earns its author a point, one it disagrees with can be reported by anyone with a point"
        )
    else:
        console.print(
            f"mechanism: {config.mechanism}; refund after {parameters.refund_wait_s / DAY:g} d, "
            f"anyone may take what is left after {parameters.any_address_claim_wait_s / DAY:g} d; "
            f"deposit {units(parameters.cost_weight * 60)} units "
            f"after an hour without additions, {units(parameters.deposit(600, 0))} after 10 minutes"
        )
    for line in describe_agents(config.agents):
        console.print(f"  - {line}")
    console.print(
        f"adding for {config.duration_s / DAY:g} simulated days"
        + (", then claims settle until nothing is left" if config.settle else "")
        + ("" if backend == "chain" else f" [yellow](backend: {backend}, no chain)")
    )
    if config.gas_price:
        console.print(
            f"gas: {config.gas_price / 10**9:g} gwei per gas; an addition of 200,000 gas costs "
            f"{units(200_000 * config.gas_price)} units"
        )


def print_result(console, result: SimulationResult, paths: dict[str, Path]) -> None:
    if result.interrupted:
        console.print(
            f"[yellow]{result.stop_reason}: writing what the run has "
            f"after {result.simulated_s / DAY:.2f} simulated days"
        )
    console.print(results_table(result))
    console.print(
        f"accuracy on the hidden test split: initial [bold]{result.accuracy_initial:.1%}[/], final (mean of the "
        f"last day) [bold]{final_mean_last_day(result):.1%}[/] (lowest {lowest_accuracy(result):.1%}, "
        f"last measured {result.accuracy_final:.1%}), clean baseline {result.baseline_accuracy:.1%}"
    )
    figures = learning_figures(result)
    learnt = (
        "nothing to learn (the clean baseline is no better than the initial model)"
        if figures["kept"] is None
        else f"kept [bold]{figures['kept']:.0%}[/] of what the data can teach (final - initial) / (baseline - initial)"
    )
    refunded = figures["honest_refunded_share"]
    console.print(
        f"{learnt}; honest agents: {'-' if refunded is None else f'{refunded:.0%}'} of their deposits came back "
        f"through their own refunds, {figures['honest_postponed_for_funds']} additions postponed for lack of funds"
    )
    forgotten = {name: agent.get("forgotten", 0) for name, agent in result.agents.items()}
    if any(forgotten.values()):
        console.print(
            "samples removed from the model when taken while it rejected them: "
            + ", ".join(f"{name} {count}" for name, count in forgotten.items() if count)
        )
    tx = result.transactions
    console.print(
        f"{sum(tx.values())} transactions ({', '.join(f'{n} {k}' for k, n in tx.items())}) over "
        f"{result.simulated_s / DAY:.1f} simulated days in {result.runtime_s:.0f} s"
    )
    check = result.balance_check
    if check.get("checked"):
        console.print(
            "tracked balances equal the accounts' balances on chain"
            if check["matches"]
            else f"[red]balance mismatch: {check['mismatches']}"
        )
    for problem in result.problems:
        console.print(f"[red]problem: {problem}")
    for path in paths.values():
        console.print(f"wrote {path}")
