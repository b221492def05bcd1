"""ape run tune: the simulation over a grid of settings, attacked and without adversaries.

    ape run tune                                                  # every model type at its default step, seeds 1-3
    ape run tune --model sparse_perceptron --step 0.03 --step 0.05 --step 0.1
    ape run tune --refund-wait 1d --refund-wait 3d --claim-wait 9d --cost-weight 3e14 --seeds 1,2,3 --jobs 2
    ape run tune --merge results/a --merge results/b --output results/ab   # one table of earlier sweeps

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
for lack of funds. With --merge it runs
nothing and writes the same files from earlier sweeps of one data set. See
docs/SIMULATION.md.
"""

from pathlib import Path

import click

from decai.apps.cli import OfflineCommand, check_step_flag
from decai.data.datasets import SOURCE_HELP
from decai.models.base import model_types

ROOT = Path(__file__).resolve().parent.parent


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
    help="On-chain step to try (repeat; default: each model type's).",
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
@click.option("--duration", default="28d", show_default=True, help="Simulated time during which agents add data.")
@click.option("--max-test", default=1000, show_default=True, help="At most this many test samples.")
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
    merged,
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

    from decai.simulation.config import SimulationConfig
    from decai.simulation.sweep import SweepGrid, run_sweep
    from decai.units import DAY, parse_duration, parse_wei

    console = Console()
    if merged:
        from decai.simulation.sweep import read_runs

        _report(console, read_runs([Path(m) for m in merged]), Path(output))
        return
    for model_type in models or model_types():
        for step in learning_rates:
            check_step_flag("--step", model_type, step)
    grid = SweepGrid(
        model_types=list(models) or list(model_types()),
        learning_rates=list(learning_rates) or [None],
        refund_waits_s=[parse_duration(w) for w in refund_waits] or [DAY],
        claim_waits_s=[parse_duration(w) for w in claim_waits] or [SimulationConfig.any_address_claim_wait_s],
        cost_weights=[parse_wei(w) for w in cost_weights] or [SimulationConfig.cost_weight],
        seeds=_seeds(seeds),
        control=control,
        base=dict(duration_s=parse_duration(duration), max_test=max_test, dataset=dataset),
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
                f"final {row['accuracy_final']:.1%}",
            )

        rows = run_sweep(grid, jobs=jobs, progress=progress)
    _report(console, rows, Path(output))


def _report(console, rows, output: Path) -> None:
    from decai.simulation.sweep import recommend, rich_table, summarise, write_sweep

    paths = write_sweep(rows, output)
    lines = summarise(rows)
    console.print(rich_table(lines))
    advice = recommend(lines)
    console.print(f"[bold]recommended:[/] {advice['settings']}")
    console.print(f"because {advice['reason']}")
    for path in paths.values():
        console.print(f"wrote {path}")
