"""ape run demo: deploy a model, train it with honest and dishonest accounts, show what happened."""

import click
from ape import accounts, chain
from ape.cli import ConnectedProviderCommand

from decai.apps.cli import handle_errors


@click.command(cls=ConnectedProviderCommand)
@click.option("--contributions", default=60, show_default=True, help="How many samples are added.")
@click.option("--seed", default=1, show_default=True)
@handle_errors
def cli(provider, contributions, seed):
    from decai.apps.demo import run_demo

    run_demo(accounts.test_accounts, chain, contributions=contributions, seed=seed)
