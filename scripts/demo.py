"""ape run demo: deploy a model, train it with honest and dishonest accounts, show what happened.

The demo always runs on a fresh local chain: a private anvil started for it
and stopped afterwards (it takes no --network and ignores APE_FOUNDRY_HOST),
so a node you keep for other work is never used or changed.
"""

import click

from decai.apps.cli import OfflineCommand


@click.command(cls=OfflineCommand)
@click.option("--contributions", default=60, show_default=True, help="How many samples are added.")
@click.option("--seed", default=1, show_default=True)
def cli(contributions, seed):
    from ape import accounts, chain

    from decai.apps.demo import run_demo
    from decai.chain.node import fresh_local_chain

    with fresh_local_chain():
        click.echo("decai demo on a fresh local chain (a private anvil, stopped afterwards)")
        run_demo(accounts.test_accounts, chain, contributions=contributions, seed=seed)
