"""ape run tune: the simulation over a grid of settings, attacked and without adversaries.

    ape run tune                                                  # every model type at its default step, seeds 1-3
    ape run tune --model sparse_perceptron --step 0.03 --step 0.05 --step 0.1
    ape run tune --refund-wait 1d --refund-wait 3d --claim-wait 9d --cost-weight 3e14 --seeds 1,2,3 --jobs 2
    ape run tune --merge results/a --merge results/b --output results/ab   # one table of earlier sweeps
    ape run tune --summarise results/tune/imdb                    # its table and plots again from its runs.csv

Runs on the reference backend (the contracts' Python reference: no chain,
no gas), every combination of the values given, once per seed with the
default agents and once without the adversary (the control). Writes
runs.csv (every run), table.md, tune.png, kept.png and recommendation.json
to --output and prints the table and the recommended settings with the
reason: the setting whose attacked final accuracy is highest among those
that hold (attacked final >= control final - 1 point, attacked lowest >=
initial - 3 points, as means over the seeds) and learn (kept = (final -
initial) / (clean baseline - initial) at least 70%). The table also gives
the clean baseline, kept (attacked and control), the honest agents' share
of deposits returned by their own refunds and their additions postponed
for lack of funds. A run's final accuracy is the mean of its
measurements over the last simulated day; the last single measurement is
shown beside it. With --merge it runs nothing and writes the same files
from earlier sweeps of one data set; with --summarise DIR it runs nothing
and writes DIR's table, plots and recommendation again from its runs.csv.
See docs/SIMULATION.md.
"""

from pathlib import Path

import click

from decai.apps.cli import DurationType, OfflineCommand, check_step_flag, warn
from decai.data.datasets import BUILT_IN, SOURCE_HELP
from decai.models.base import model_types

ROOT = Path(__file__).resolve().parent.parent


def _duration(flag: str, text: str) -> int:
    from decai.errors import DecaiError
    from decai.units import parse_duration

    try:
        return parse_duration(text)
    except DecaiError as error:
        raise DecaiError(f"{flag}: {error}") from None


def _amount(flag: str, text: str) -> int:
    from decai.errors import DecaiError
    from decai.units import parse_wei

    try:
        return parse_wei(text)
    except DecaiError as error:
        raise DecaiError(f"{flag}: {error}") from None


def _seeds(text: str) -> list[int]:
    from decai.errors import DecaiError

    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise DecaiError(f"--seeds {text!r}: give integers separated by commas, e.g. 1,2,3") from None
    if not seeds:
        raise DecaiError("--seeds: give at least one seed")
    return seeds


@click.command(cls=OfflineCommand)
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(model_types()),
    help="Model type to try (repeat; default: every type).",
)
@click.option(
    "--step",
    "--learning-rate",
    "learning_rates",
    multiple=True,
    type=float,
    help="On-chain step to try (repeat; default: each model type's for the data's kind, text or numbers).",
)
@click.option("--refund-wait", "refund_waits", multiple=True, help="Refund wait to try (repeat; default 1d).")
@click.option(
    "--claim-wait", "claim_waits", multiple=True, help="Owner and any-address claim wait to try (repeat; default 9d)."
)
@click.option(
    "--cost-weight", "cost_weights", multiple=True, help="Deposit scale in wei to try (repeat; default 3e14)."
)
@click.option("--seeds", default="1,2,3", show_default=True, help="Seeds, comma separated.")
@click.option(
    "--control/--no-control", default=True, show_default=True, help="Also run every setting without adversaries."
)
@click.option(
    "--duration",
    default="28d",
    type=DurationType(minimum=1),
    show_default=True,
    help="Simulated time during which agents add data.",
)
@click.option(
    "--max-test", default=1000, type=click.IntRange(min=1), show_default=True, help="At most this many test samples."
)
@click.option(
    "--allow-small-classes",
    is_flag=True,
    help="CSV: keep a class with one row or under 1%% of the rows (refused by default: often a typo).",
)
@click.option(
    "--dataset",
    default="rotten-tomatoes",
    show_default=True,
    help=SOURCE_HELP,
)
@click.option(
    "--merge",
    "merged",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Run nothing: summarise the runs.csv of earlier sweeps of one data set (repeat) into --output.",
)
@click.option(
    "--summarise",
    "summarised",
    type=click.Path(file_okay=False),
    help="Run nothing: write DIR's table, plots and recommendation again from its runs.csv (left as it is).",
)
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(min=1), help="Runs at a time (processes).")
@click.option("--output", default=str(ROOT / "results" / "tune"), show_default=True, type=click.Path(file_okay=False))
def cli(
    models,
    learning_rates,
    refund_waits,
    claim_waits,
    cost_weights,
    seeds,
    control,
    duration,
    max_test,
    dataset,
    allow_small_classes,
    merged,
    summarised,
    jobs,
    output,
):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from decai.data.datasets import load_source
    from decai.simulation.config import SimulationConfig
    from decai.simulation.sweep import SweepGrid, run_sweep
    from decai.units import DAY

    console = Console()
    if summarised:
        from decai.errors import DecaiError
        from decai.simulation.sweep import read_runs

        if merged:
            raise DecaiError("--summarise and --merge: give one of them")
        _report(console, read_runs([Path(summarised)]), Path(summarised), runs=False)
        return
    if merged:
        from decai.simulation.sweep import read_runs

        _report(console, read_runs([Path(m) for m in merged]), Path(output))
        return
    for model_type in models or model_types():
        for step in learning_rates:
            check_step_flag("--step", model_type, step)
    refund_waits_s = [_duration("--refund-wait", w) for w in refund_waits] or [DAY]
    claim_waits_s = [_duration("--claim-wait", w) for w in claim_waits] or [SimulationConfig.any_address_claim_wait_s]
    weights = [_amount("--cost-weight", w) for w in cost_weights] or [SimulationConfig.cost_weight]
    seed_list = _seeds(seeds)
    # The data set is read here first, so that a bad file is one line before any run starts.
    if dataset not in BUILT_IN:
        for note in load_source(dataset, allow_small_classes=allow_small_classes).notes:
            warn(note)
    grid = SweepGrid(
        model_types=list(models) or list(model_types()),
        learning_rates=list(learning_rates) or [None],
        refund_waits_s=refund_waits_s,
        claim_waits_s=claim_waits_s,
        cost_weights=weights,
        seeds=seed_list,
        control=control,
        base=dict(duration_s=duration, max_test=max_test, dataset=dataset, allow_small_classes=allow_small_classes),
    )
    total = len(grid.runs())
    console.print(
        f"{len(grid.points())} settings x {len(grid.seeds)} seeds x {2 if control else 1} = {total} runs, "
        f"{jobs} at a time (reference backend)"
    )
    with Progress(
        TextColumn("[bold]tuning"),
        BarColumn(bar_width=30),
        MofNCompleteColumn(),
        TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("tune", total=total, last="")

        def progress(row):
            kind = "attacked" if row["attacked"] else "control"
            bar.update(
                task,
                advance=1,
                last=f"{row['model_type']} step {row['learning_rate']:g} seed {row['seed']} {kind}: "
                f"final (last-day mean) {row['accuracy_final_mean_last_day']:.1%}",
            )

        rows = run_sweep(grid, jobs=jobs, progress=progress)
    _report(console, rows, Path(output))


def _report(console, rows, output: Path, *, runs: bool = True) -> None:
    from decai.simulation.sweep import recommend, rich_table, summarise, write_sweep

    paths = write_sweep(rows, output, runs=runs)
    lines = summarise(rows)
    console.print(rich_table(lines))
    advice = recommend(lines)
    console.print(f"[bold]recommended:[/] {describe_settings(advice['settings'])}")
    console.print(f"because {advice['reason']}")
    for path in paths.values():
        console.print(f"wrote {path}")


def describe_settings(settings: dict) -> str:
    """A recommended setting in words: the step as its model type reads it
    (a perceptron's learning rate, a counting model's 1/k), waits as
    durations, the cost weight in wei."""
    from decai.models.base import model_class
    from decai.units import human_duration

    model_type, step = settings["model_type"], settings["learning_rate"]
    return (
        f"{model_type}, {model_class(model_type).describe_step(step)}, "
        f"refund wait {human_duration(settings['refund_wait_s'])}, "
        f"claim wait {human_duration(settings['claim_wait_s'])}, cost weight {float(settings['cost_weight']):.3g} wei"
    )
