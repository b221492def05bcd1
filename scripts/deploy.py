"""ape run deploy: deploy a model behind an incentive mechanism.

    ape run deploy --network ethereum:local:foundry
    ape run deploy --model my_model.json --refund-wait 1d --cost-weight 1e15 --name spam-filter
    ape run deploy --mechanism points --refund-wait 1d --name game

Without --model, deploys the built-in breast-cancer perceptron. Records the
deployment under --name in deployments/<ecosystem>_<network>.json.
"""

import click
from ape.cli import ConnectedProviderCommand

from decai import DecaiError
from decai.cli import handle_errors, is_live, load_account, parse_duration, parse_wei


@click.command(cls=ConnectedProviderCommand)
@click.option("--model", "model_path", default=None, help="Model file (JSON, see README). Default: the built-in breast-cancer perceptron.")
@click.option("--name", default=None, help="Record name for this deployment (default: the model's name).")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@click.option("--mechanism", type=click.Choice(["deposit", "points"]), default="deposit", show_default=True,
              help="deposit: deposit, refund and take; points: free, points and badges.")
@click.option("--refund-wait", default="1d", show_default=True, help="Wait before refunds and reports (e.g. 3600, 15m, 1d).")
@click.option("--owner-claim-wait", default="10d", show_default=True, help="Wait before the owner may take what is left.")
@click.option("--any-claim-wait", default="20d", show_default=True, help="Wait before anyone may take what is left.")
@click.option("--cost-weight", default="1e15", show_default=True, help="Deposit scale in wei (0 = free to add).")
@click.option("--max-gas-per-tx", type=int, default=None, help="Cap per transaction (default: 90% of the block gas limit).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation on a live network.")
@handle_errors
def cli(provider, model_path, name, account, mechanism, refund_wait, owner_claim_wait, any_claim_wait, cost_weight, max_gas_per_tx, yes):
    from decai.deploy import deploy_trainer
    from decai.mechanisms import DepositParameters, PointsParameters
    from decai.models import load_model
    from decai.records import model_hash, save_record
    from decai.training import default_model

    model = load_model(model_path) if model_path else default_model()[0]
    if mechanism == "points":
        parameters = PointsParameters(refund_wait_s=parse_duration(refund_wait))
    else:
        parameters = DepositParameters(
            refund_wait_s=parse_duration(refund_wait),
            owner_claim_wait_s=parse_duration(owner_claim_wait),
            any_address_claim_wait_s=parse_duration(any_claim_wait),
            cost_weight=parse_wei(cost_weight),
        )
    sender = load_account(account, provider)
    if is_live(provider) and not yes:
        if not click.confirm(f"Deploy {model.type} '{model.name}' to {provider.network.name} from {sender.address}?"):
            raise DecaiError("deployment cancelled")
    deployment = deploy_trainer(model, parameters, sender, max_gas_per_tx=max_gas_per_tx, progress=True)
    record_name = name or model.name
    network = provider.network
    path = save_record(
        network.ecosystem.name,
        network.name,
        record_name,
        {
            "address": deployment.contract.address,
            "contract": deployment.contract_name,
            "block": deployment.block_number,
            "chain_id": provider.chain_id,
            "deployer": sender.address,
            "mechanism": parameters.to_dict(),
            "model_type": model.type,
            "model_hash": model_hash(model.to_dict()),
            "encoder": model.encoder,
            "encoder_params": model.encoder_params,
            "gas": dict(deployment.transactions),
        },
    )
    click.echo(f"deployed {deployment.contract_name} '{model.name}' at {deployment.contract.address}")
    click.echo(f"gas used: {deployment.total_gas:,} in {len(deployment.transactions)} transaction(s)")
    click.echo(f"recorded as '{record_name}' in {path}")
