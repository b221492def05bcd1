"""ape run simulate: the collaborative-training experiment on the real contracts.

    ape run simulate                                   # the default experiment (make simulate)
    ape run simulate --duration 3d --seed 7
    ape run simulate --dataset my.csv --label-column spam --model sparse_perceptron
    ape run simulate --agents agents.json --output results/simulation/mine

Deploys a model trained on a small part of the data to a local chain and
lets honest agents, adversaries and free riders act on it over simulated
time, every action a transaction from the agent's own account. Writes
summary.json, timeseries.csv and simulation.png to --output. Ctrl-C stops
the run and still writes what it has. On a local network the run uses an
anvil of its own (see decai.chain.node: Ape's keeps every transaction's trace in
memory).
"""

import contextlib
from pathlib import Path

import click

from decai.apps.cli import (
    FRACTION,
    AmountType,
    DecaiCommand,
    DurationType,
    check_step_flag,
    parse_duration,
    parse_wei,
    warn,
)
from decai.data.datasets import SOURCE_HELP
from decai.errors import DecaiError
from decai.models.base import model_types
from decai.models.measured import DEFAULT_TEXT_MODEL

ROOT = Path(__file__).resolve().parent.parent


def _agents(agents_file, honest, adversaries, free_riders):
    from decai.data.files import read_agents
    from decai.simulation.agents import adversary_agent, free_rider_agent, honest_agent

    if agents_file is not None:
        return read_agents(agents_file)

    def named(base, count, make):
        return [make(base if count == 1 else f"{base}-{i + 1}") for i in range(count)]

    return (
        named("honest", honest, honest_agent)
        + named("adversary", adversaries, adversary_agent)
        + named("free-rider", free_riders, free_rider_agent)
    )


@click.command(cls=DecaiCommand)
@click.option(
    "--dataset",
    default="rotten-tomatoes",
    show_default=True,
    help=SOURCE_HELP,
)
@click.option("--label-column", default="label", show_default=True, help="CSV: the label column.")
@click.option(
    "--allow-small-classes",
    is_flag=True,
    help="CSV: keep a class with one row or under 1%% of the rows (refused by default: often a typo).",
)
@click.option(
    "--text-column", default=None, help="CSV: the text column (default: the only other column, if it is text)."
)
@click.option(
    "--model",
    "model_type",
    default=DEFAULT_TEXT_MODEL,
    show_default=True,
    type=click.Choice(model_types()),
    help="Model type (its default step and what it kept under attack: ape run train --help).",
)
@click.option(
    "--mechanism",
    default="deposit",
    show_default=True,
    type=click.Choice(["deposit", "points"]),
    help="deposit: deposit, refund and take; points: free additions, points and badges.",
)
@click.option(
    "--agents",
    "agents_file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Agents as a JSON list (see docs/SIMULATION.md).",
)
@click.option(
    "--honest", default=1, show_default=True, type=click.IntRange(min=0), help="Honest agents (without --agents)."
)
@click.option(
    "--adversaries", default=1, show_default=True, type=click.IntRange(min=0), help="Adversaries (without --agents)."
)
@click.option(
    "--free-riders", default=1, show_default=True, type=click.IntRange(min=0), help="Free riders (without --agents)."
)
@click.option(
    "--duration",
    default="28d",
    type=DurationType(minimum=1),
    show_default=True,
    help="Simulated time during which agents add data.",
)
@click.option(
    "--settle/--no-settle", default=True, show_default=True, help="Afterwards, go on claiming until nothing is left."
)
@click.option("--seed", default=1, show_default=True)
@click.option(
    "--step",
    "--learning-rate",
    "learning_rate",
    type=float,
    help="The model's on-chain step, relative to the off-chain training's (a perceptron's learning rate; a counting "
    "model's deployed counts weigh 1/step samples). Default: the model type's for the data's kind (text or "
    "numbers; ape run train --help lists both), the largest measured to hold accuracy under attack.",
)
@click.option(
    "--initial-fraction",
    default=0.08,
    type=FRACTION,
    show_default=True,
    help="Share of the training data the deployed model starts from.",
)
@click.option(
    "--test-fraction",
    default=0.2,
    type=FRACTION,
    show_default=True,
    help="Share of the data hidden for testing.",
)
@click.option(
    "--max-test", default=1000, type=click.IntRange(min=1), show_default=True, help="At most this many test samples."
)
@click.option(
    "--vocabulary-size",
    default=1000,
    type=click.IntRange(min=1),
    show_default=True,
    help="Text: words in the vocabulary.",
)
@click.option("--refund-wait", default="1d", type=DurationType(), show_default=True)
@click.option(
    "--any-claim-wait",
    default="9d",
    type=DurationType(),
    show_default=True,
    help="Wait before anyone (and the owner) may take what is left.",
)
@click.option("--cost-weight", default="3e14", type=AmountType(), show_default=True, help="Deposit scale in wei.")
@click.option(
    "--eval-interval",
    default="6h",
    type=DurationType(minimum=1),
    show_default=True,
    help="Simulated time between accuracy measurements.",
)
@click.option(
    "--backend",
    type=click.Choice(["chain", "reference"]),
    default="chain",
    show_default=True,
    help="chain: the deployed contracts; reference: their Python reference (fast, no gas) for exploring.",
)
@click.option(
    "--transport",
    type=click.Choice(["rpc", "sdk"]),
    default="rpc",
    show_default=True,
    help="rpc: raw signed transactions (fast); sdk: through decai.chain.trainer.Trainer and Ape (about 10x slower).",
)
@click.option(
    "--network-fees",
    default="free",
    show_default=True,
    help="Gas price of every transaction: l1, base, op, arbitrum (docs/NETWORKS.md), or an amount such as 0.02gwei.",
)
@click.option(
    "--precheck/--no-precheck", default=True, show_default=True, help="Run each claim as an eth_call before sending it."
)
@click.option(
    "--output", default=str(ROOT / "results" / "simulation"), show_default=True, type=click.Path(file_okay=False)
)
@click.option("--progress/--no-progress", default=True, show_default=True)
def cli(
    provider,
    dataset,
    label_column,
    allow_small_classes,
    text_column,
    model_type,
    mechanism,
    agents_file,
    honest,
    adversaries,
    free_riders,
    duration,
    settle,
    seed,
    learning_rate,
    initial_fraction,
    test_fraction,
    max_test,
    vocabulary_size,
    refund_wait,
    any_claim_wait,
    cost_weight,
    eval_interval,
    backend,
    transport,
    network_fees,
    precheck,
    output,
    progress,
):
    from rich.console import Console

    from decai.chain.node import simulation_network
    from decai.simulation.config import SimulationConfig, prepare_experiment
    from decai.simulation.engine import StopFlag
    from decai.simulation.fees import parse_network_fees
    from decai.simulation.report import RichProgress, print_header, print_result, write_outputs
    from decai.simulation.runner import interrupt_stops, run_experiment

    check_step_flag("--step", model_type, learning_rate)
    gas_price = parse_network_fees(network_fees)
    if gas_price and backend != "chain":
        raise DecaiError("--network-fees needs --backend chain: the reference backend has no gas")
    console = Console()
    wait = parse_duration(any_claim_wait)
    config = SimulationConfig(
        dataset=dataset,
        label_column=label_column,
        text_column=text_column,
        model_type=model_type,
        mechanism=mechanism,
        agents=_agents(agents_file, honest, adversaries, free_riders),
        duration_s=parse_duration(duration),
        settle=settle,
        seed=seed,
        learning_rate=learning_rate,
        initial_fraction=initial_fraction,
        test_fraction=test_fraction,
        max_test=max_test,
        vocabulary_size=vocabulary_size,
        refund_wait_s=parse_duration(refund_wait),
        owner_claim_wait_s=wait,
        any_address_claim_wait_s=wait,
        cost_weight=parse_wei(cost_weight),
        eval_interval_s=parse_duration(eval_interval),
        transport=transport,
        gas_price=gas_price,
        precheck=precheck,
        allow_small_classes=allow_small_classes,
    )
    prepared = prepare_experiment(config)
    for note in prepared.dataset.notes:
        warn(note)
    print_header(console, config, prepared, backend)
    stop = StopFlag()
    network = simulation_network(provider) if backend == "chain" else contextlib.nullcontext()
    with network, interrupt_stops(stop):
        console.print("running; Ctrl-C stops the run and still writes what it has")
        if progress:
            with RichProgress(config.duration_s, console=console) as bar:
                result = run_experiment(config, backend=backend, prepared=prepared, progress=bar, stop=stop)
        else:
            result = run_experiment(config, backend=backend, prepared=prepared, stop=stop)
    paths = write_outputs(result, Path(output))
    print_result(console, result, paths)
