"""`ape run market <command>`: the prediction market from the command line.

    ape run market demo                         # a whole market on a fresh local chain
    ape run market deploy --features 1000 --stake 0.01ether --account A
    ape run market commit ADDRESS --test-set test.json --portions 4 \\
        --bounty 1ether --out portions.json --account A
    ape run market reveal-first ADDRESS --portions-file portions.json --account A
    ape run market add ADDRESS --sample 1,5,9 --label 1 --account B
    ape run market end ADDRESS --account A
    ape run market reveal ADDRESS --portions-file portions.json --account A
    ape run market process ADDRESS --account C
    ape run market withdraw ADDRESS --account B
    ape run market status ADDRESS [--who ADDRESS ...]
    ape run market cancel ADDRESS --account A
    ape run market gas [--bounds]

Every command but `demo` takes --network (a running node keeps state between
commands: `make node`, `export APE_FOUNDRY_HOST=http://127.0.0.1:8545`, then
--network ethereum:local:foundry) and --account
(an alias, or TEST::0 for the local test accounts; a keyfile account signs
without prompting when DECAI_PASSPHRASE holds its passphrase). Amounts are wei, or a
number with gwei or ether. The commands are thin: the work is in
decai.market. As in every decai script (decai.apps.cli), bad input ends with
a one-line `error: ...` on stderr and exit code 1, before any transaction is
sent, and Ape's own log lines (connecting, each confirmed transaction) and
call traces are hidden unless -v/--verbose.
"""

from __future__ import annotations

import functools
import json
import random

import click
from ape.cli import account_option as ape_account_option

from decai.apps.cli import ADDRESS, DecaiCommand, OfflineCommand, uint, unlock
from decai.errors import DecaiError
from decai.units import format_ether, parse_wei


def account_option():
    """Ape's --account (an alias, TEST::n, or a choice when left out); a
    keyfile account signs without prompting when DECAI_PASSPHRASE is set."""

    def decorate(function):
        @functools.wraps(function)
        def unlocked(*args, **kwargs):
            kwargs["account"] = unlock(kwargs["account"])
            return function(*args, **kwargs)

        return ape_account_option()(unlocked)

    return decorate


def _amount(flag: str, text: str) -> int:
    try:
        return parse_wei(text)
    except DecaiError as error:
        raise DecaiError(f"{flag}: {error}") from None


def _market(address: str):
    from decai.market.client import Market

    return Market.at(address)


def _check_samples(path: str, samples, lines, num_features: int) -> None:
    """Each sample of a test set against the model, by the file's line."""
    from decai.market.encoding import check_sparse_sample

    for sample, line in zip(samples, lines):
        check_sparse_sample(sample, num_features, what=f"{path}:{line}: sample")


def _benchmark_module():
    import decai.market.gas

    return decai.market.gas


def _parse_sample(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise DecaiError(f"a sample is comma-separated feature indices, got {text!r}") from None


@click.group()
def cli():
    """The prediction market: provider, contributors, keepers."""


@cli.command(cls=DecaiCommand)
@click.option("--model", "model_file", type=click.Path(), help="A decai sparse_perceptron model file.")
@click.option(
    "--features",
    type=uint(minimum=1),
    default=1000,
    show_default=True,
    help="Without --model: zero weights over this many features.",
)
@click.option(
    "--stake", default="0.01ether", show_default=True, help="Per contribution: wei, or a number with gwei or ether."
)
@click.option(
    "--min-duration",
    type=uint(),
    default=86_400,
    show_default=True,
    help="Seconds before the provider may end participation.",
)
@click.option(
    "--max-duration", type=uint(), default=7 * 86_400, show_default=True, help="Seconds after which anyone may end it."
)
@click.option(
    "--min-contributions",
    type=uint(),
    default=10,
    show_default=True,
    help="Contributions after which the provider may end early.",
)
@click.option(
    "--commit-window",
    type=uint(),
    default=86_400,
    show_default=True,
    help="Seconds to reveal the first portion after committing.",
)
@click.option(
    "--reveal-window",
    type=uint(),
    default=86_400,
    show_default=True,
    help="Seconds to reveal the rest after participation.",
)
@account_option()
def deploy(
    model_file, features, stake, min_duration, max_duration, min_contributions, commit_window, reveal_window, account
):
    """Deploy a sparse perceptron behind the prediction market."""
    from decai.chain.deploy import deploy_trainer
    from decai.core.fixed_point import ONE
    from decai.market.client import MarketParameters
    from decai.models import SparsePerceptron, load_model

    if model_file:
        model = load_model(model_file)
        if model.type != "sparse_perceptron":
            raise DecaiError(f"the market holds sparse perceptrons; {model_file} is a {model.type}")
    else:
        model = SparsePerceptron(
            name="market model",
            description="sparse perceptron",
            encoder="indices",
            weights=[0] * features,
            intercept=-1,
            learning_rate=ONE,
        )
    parameters = MarketParameters(
        _amount("--stake", stake), min_duration, max_duration, min_contributions, commit_window, reveal_window
    )
    deployment = deploy_trainer(model, parameters, account)
    click.echo(
        f"market deployed at {deployment.contract.address} in transaction {deployment.transaction_hash} "
        f"({deployment.total_gas:,} gas)"
    )


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option("--test-set", required=True, type=click.Path(), help="JSON or CSV test set (see the module notes).")
@click.option(
    "--portions",
    "num_portions",
    type=click.IntRange(2, 16),
    default=4,
    show_default=True,
    help="Portions to split it into (2-16).",
)
@click.option("--bounty", required=True, help="The bounty: wei, or a number with gwei or ether (at least one stake).")
@click.option(
    "--out", type=click.Path(), required=True, help="Where to write the portions and their salts (keep it secret)."
)
@click.option("--shuffle/--no-shuffle", default=True, show_default=True, help="Shuffle the test set before splitting.")
@account_option()
def commit(address, test_set, num_portions, bounty, out, shuffle, account):
    """Provider: split a test set, commit to its portions, stake the bounty.

    The secrets file appears at --out only once the commitment is mined
    (mode 0600); nothing is sent if the contract would refuse."""
    from decai.data.files import read_test_set
    from decai.market.encoding import split_test_set
    from decai.market.files import check_target, pending_portions

    bounty_wei = _amount("--bounty", bounty)
    try:
        check_target(out)
    except DecaiError as error:
        raise DecaiError(f"--out: {error}") from None
    samples, labels, lines = read_test_set(test_set)
    market = _market(address)
    _check_samples(test_set, samples, lines, int(market.contract.num_features()))
    if shuffle:
        order = list(range(len(samples)))
        random.SystemRandom().shuffle(order)
        samples, labels = [samples[i] for i in order], [labels[i] for i in order]
    portions = split_test_set(samples, labels, num_portions, num_features=int(market.contract.num_features()))
    market.check_commit(portions, bounty_wei, sender=account)
    with pending_portions(out, portions, market=address):
        receipt = market.commit(portions, bounty_wei, sender=account)
    click.echo(
        f"committed {num_portions} portions, bounty {format_ether(bounty_wei)} ({receipt.gas_used:,} gas); "
        f"secrets in {out}"
    )


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@account_option()
def draw(address, account):
    """Anyone: fix which portion the provider must reveal first."""
    click.echo(f"first portion: {_market(address).first_portion(sender=account)}")


@cli.command("reveal-first", cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option("--portions-file", required=True, type=click.Path(), help="The file written by `commit`.")
@account_option()
def reveal_first(address, portions_file, account):
    """Provider: reveal the drawn portion; participation opens."""
    from decai.market.files import load_portions

    index = _market(address).reveal_first(load_portions(portions_file), sender=account)
    click.echo(f"revealed portion {index}; participation is open")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option("--sample", required=True, help="Comma-separated increasing feature indices, e.g. 1,5,9.")
@click.option("--label", type=click.IntRange(0, 1), required=True, help="0 or 1.")
@click.option("--value", default=None, help="Wei (or gwei, ether) to send (default: the stake).")
@account_option()
def add(address, sample, label, value, account):
    """Contributor: add one labelled sample with the stake."""
    market = _market(address)
    contribution = market.add_data(
        _parse_sample(sample), label, sender=account, value=None if value is None else _amount("--value", value)
    )
    click.echo(f"contribution {contribution.index} recorded; stake {format_ether(market.stake)}")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@account_option()
def end(address, account):
    """Provider (or anyone after the deadline): end participation."""
    market = _market(address)
    market.end_participation(sender=account)
    click.echo(f"participation ended; phase: {market.phase}")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option("--portions-file", required=True, type=click.Path(), help="The file written by `commit`.")
@account_option()
def reveal(address, portions_file, account):
    """Provider: reveal the remaining portions, one transaction each."""
    from decai.market.files import load_portions

    market = _market(address)
    if market.phase != "reveal":
        raise DecaiError(f"nothing to reveal: the market is in phase {market.phase}")
    revealed = market.reveal_rest(
        load_portions(portions_file), sender=account, progress=lambda i: click.echo(f"revealed portion {i}")
    )
    click.echo(f"revealed {len(revealed)} portions; phase: {market.phase}")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option(
    "--max-steps",
    type=uint(minimum=1),
    default=256,
    show_default=True,
    help="Steps per call before the gas cap halves them.",
)
@click.option(
    "--gas-cap", type=uint(64, minimum=21_000), default=8_000_000, show_default=True, help="Most gas per call."
)
@account_option()
def process(address, max_steps, gas_cap, account):
    """Keeper: run the reward computation to its end (anyone may)."""
    market = _market(address)
    if market.phase not in ("processing", "reveal"):
        raise DecaiError(f"nothing to process: the market is in phase {market.phase}")
    calls = market.keep(
        sender=account,
        max_steps=max_steps,
        gas_cap=gas_cap,
        on_call=lambda stage, steps, gas: click.echo(f"{stage:<8} {steps:>5} steps {gas:>10,} gas"),
    )
    click.echo(f"{calls} calls; phase: {market.phase}")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@account_option()
def withdraw(address, account):
    """Anyone owed something: withdraw it."""
    click.echo(f"withdrew {format_ether(_market(address).withdraw(sender=account))}")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@account_option()
def cancel(address, account):
    """Provider before the first reveal, anyone after the commit window: cancel."""
    _market(address).cancel(sender=account)
    click.echo("market cancelled; the provider may withdraw the bounty")


@cli.command(cls=DecaiCommand)
@click.argument("address", type=ADDRESS)
@click.option("--who", multiple=True, type=ADDRESS, help="Also show what these accounts are owed.")
def status(address, who):
    """Phase, deadlines, balances."""
    for line in _market(address).status(list(who)).lines():
        click.echo(line)


@cli.command(cls=DecaiCommand)
@click.option(
    "--bounds", is_flag=True, help="Also measure the largest supported test set (starts its own untraced anvil)."
)
def gas(bounds):
    """Gas of every market step (the "PM" entry of benchmarks/gas.json)."""
    benchmark = _benchmark_module()
    figures = benchmark.pm_gas()
    if bounds:
        figures.update({f"bounds_{k}": v for k, v in benchmark.pm_bounds_gas_untraced().items()})
    click.echo(json.dumps({"PM": figures}, indent=1))


@cli.command(cls=OfflineCommand)
@click.option(
    "--seed", type=int, default=4, show_default=True, help="Picks the data and the order of the contributions."
)
def demo(seed):
    """A whole market on a fresh local chain: honest and harmful contributors.

    The chain is a private anvil started for the demo and stopped after it,
    with no --network and whatever APE_FOUNDRY_HOST says: your own node is left alone."""
    from decai.chain.node import fresh_local_chain
    from decai.market.demo import run_demo

    with fresh_local_chain():
        click.echo("prediction market demo on a fresh local chain (a private anvil, stopped afterwards)")
        run_demo(seed=seed, echo=click.echo)
