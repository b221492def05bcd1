"""ape run verify: is the deployed trainer what its record and model file say?

    ape run verify --trainer spam-filter --model my_model.json --network ethereum:sepolia:node
    ape run verify --trainer bc              # against the record's model hash only

Compares the creation transaction with the compiled contract shipped in the
decai package and with the model file, the parameters as deployed and now,
and the mechanism the contract has (deposit or points) with the record
(decai/chain/verify.py). Exit status 1 if any check fails.
"""

import sys

import click

from decai.apps.cli import DecaiCommand


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Recorded trainer name, or the address of a recorded trainer.")
@click.option("--model", "model_path", default=None, help="The model file that was deployed.")
def cli(provider, trainer, model_path):
    from decai.chain.verify import all_ok, verify_by_name
    from decai.models import load_model

    model = load_model(model_path) if model_path else None
    _, checks = verify_by_name(trainer, model)
    for check in checks:
        click.echo(str(check))
    if not all_ok(checks):
        click.echo("error: the deployment does not match", err=True)
        sys.exit(1)
    click.echo(f"verified: {trainer} is the deployed model")
