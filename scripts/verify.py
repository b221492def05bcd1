"""ape run verify: is the deployed trainer what its record and model file say?

    ape run verify --trainer spam-filter --model my_model.json --network ethereum:sepolia:node
    ape run verify --trainer bc              # against the record's model hash only
    ape run verify --trainer bc --publish --network base:sepolia:node        # and on explorers
    ape run verify --market 0x... --creation-tx 0x... --publish --network base:sepolia:node

Compares the creation transaction with the compiled contract shipped in the
decai package and with the model file, the parameters as deployed and now,
and the mechanism the contract has (deposit or points) with the record
(decai/chain/verify.py). Exit status 1 if any check fails.

`--publish` then sends the contract's Vyper standard-JSON input to Sourcify
(no key needed) and, when ETHERSCAN_API_KEY is set in the environment, to
Etherscan's API v2 (decai/chain/publish.py); `--explorer` picks one. A market
has no record: give its address and the transaction that created it.
"""

import os
import sys

import click

from decai.apps.cli import DecaiCommand, is_live
from decai.errors import DecaiError


@click.command(cls=DecaiCommand)
@click.option("--trainer", default=None, help="Recorded trainer name, or the address of a recorded trainer.")
@click.option("--model", "model_path", default=None, help="The model file that was deployed.")
@click.option("--market", default=None, help="Address of a prediction market to publish (with --creation-tx).")
@click.option("--creation-tx", default=None, help="The transaction that created --market.")
@click.option("--publish", is_flag=True, help="Publish the verified source on block explorers.")
@click.option(
    "--explorer",
    "explorers",
    multiple=True,
    type=click.Choice(["sourcify", "etherscan"]),
    help="Where to publish (repeatable; default: Sourcify, and Etherscan when ETHERSCAN_API_KEY is set).",
)
def cli(provider, trainer, model_path, market, creation_tx, publish, explorers):
    from decai.chain.publish import ETHERSCAN_KEY, publication
    from decai.chain.publish import publish as send

    if (trainer is None) == (market is None):
        raise DecaiError("give either --trainer or --market")
    if market is not None and (creation_tx is None or not publish):
        raise DecaiError("--market needs --creation-tx and --publish (a market has no record to verify against)")
    if publish and not is_live(provider):
        network = provider.network
        raise DecaiError(f"{network.ecosystem.name}:{network.name} is not a public network: explorers cannot see it")
    explorers = tuple(explorers) or (("sourcify", "etherscan") if os.environ.get(ETHERSCAN_KEY) else ("sourcify",))
    if publish and "etherscan" in explorers and not os.environ.get(ETHERSCAN_KEY, "").strip():
        raise DecaiError(f"--explorer etherscan needs an API key in the environment: export {ETHERSCAN_KEY}=...")

    if trainer is not None:
        from decai.chain.verify import all_ok, verify_by_name
        from decai.models import load_model

        model = load_model(model_path) if model_path else None
        found, checks = verify_by_name(trainer, model)
        for check in checks:
            click.echo(str(check))
        if not all_ok(checks):
            click.echo("error: the deployment does not match", err=True)
            sys.exit(1)
        click.echo(f"verified: {trainer} is the deployed model")
        if not publish:
            return
        address, creation_tx = found.contract.address, found.record["transaction"]
    else:
        address = market
    item = publication(address, creation_tx)
    for line in send(item, explorers):
        click.echo(line)
