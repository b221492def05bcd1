"""ape run deploy: deploy a model behind an incentive mechanism.

    ape run deploy --network ethereum:local:foundry
    ape run deploy --model my_model.json --refund-wait 1d --cost-weight 1e15 --name spam-filter
    ape run deploy --mechanism points --refund-wait 1d --name game
    ape run deploy --network ethereum:sepolia:node --account me --name spam-filter   # asks first
    ape run deploy --network ethereum:sepolia:node --account me --dry-run            # only the estimate
    ape run deploy --model my_model.json --name spam-filter --resume                 # finish a stopped deploy

Without --model, deploys the built-in breast-cancer perceptron. Records the
deployment under --name in deployments/<ecosystem>_<network>.json. On a live
network (not local, not a fork) it shows every transaction's estimated gas
and the total cost, and deploys only after a "yes" at the prompt or with
--yes; without a terminal to ask on, it refuses.

The record is written before the contract exists and updated as the setup
goes on, so a deploy stopped half way (Ctrl-C, a crash, a node gone) is
never lost: run the same command again, or with --resume, and it finishes
from the chain's own state, sending only what is missing.
"""

import sys

import click

from decai.apps.cli import DecaiCommand, given, is_live, load_account
from decai.errors import DecaiError
from decai.units import format_ether, format_gwei, parse_duration, parse_wei

#: The flag a user types for each mechanism parameter, for error messages.
FLAGS = {
    "any_address_claim_wait_s": "--any-claim-wait",
    "owner_claim_wait_s": "--owner-claim-wait",
    "refund_wait_s": "--refund-wait",
    "cost_weight": "--cost-weight",
}
#: Options of the deposit mechanism only (parameter name -> flag).
DEPOSIT_ONLY = {
    "cost_weight": "--cost-weight",
    "owner_claim_wait": "--owner-claim-wait",
    "any_claim_wait": "--any-claim-wait",
}


def _parsed(parse, flag, text):
    try:
        return parse(text)
    except DecaiError as error:
        raise DecaiError(f"{flag}: {error}") from None


def mechanism_parameters(mechanism, refund_wait, owner_claim_wait, any_claim_wait, cost_weight):
    """The mechanism's parameters from the flags; errors name the flags."""
    from decai.core.mechanisms import DepositParameters, PointsParameters

    if mechanism == "points":
        for name, flag in DEPOSIT_ONLY.items():
            if given(name):
                raise DecaiError(f"{flag} does not apply to a points trainer")
    try:
        if mechanism == "points":
            return PointsParameters(refund_wait_s=_parsed(parse_duration, "--refund-wait", refund_wait))
        return DepositParameters(
            refund_wait_s=_parsed(parse_duration, "--refund-wait", refund_wait),
            owner_claim_wait_s=_parsed(parse_duration, "--owner-claim-wait", owner_claim_wait),
            any_address_claim_wait_s=_parsed(parse_duration, "--any-claim-wait", any_claim_wait),
            cost_weight=_parsed(parse_wei, "--cost-weight", cost_weight),
        )
    except DecaiError as error:
        message = str(error)
        for name, flag in FLAGS.items():
            message = message.replace(name, flag)
        raise DecaiError(message) from None


@click.command(cls=DecaiCommand)
@click.option(
    "--model",
    "model_path",
    default=None,
    help="Model file (JSON, see README). Default: the built-in breast-cancer perceptron.",
)
@click.option("--name", default=None, help="Record name for this deployment (default: the model's name).")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@click.option(
    "--mechanism",
    type=click.Choice(["deposit", "points"]),
    default="deposit",
    show_default=True,
    help="deposit: deposit, refund and take; points: free, points and badges.",
)
@click.option(
    "--refund-wait", default="1d", show_default=True, help="Wait before refunds and reports (e.g. 3600, 15m, 1d)."
)
@click.option(
    "--owner-claim-wait", default="10d", show_default=True, help="Wait before the owner may take what is left."
)
@click.option("--any-claim-wait", default="20d", show_default=True, help="Wait before anyone may take what is left.")
@click.option("--cost-weight", default="1e15", show_default=True, help="Deposit scale in wei (0 = free to add).")
@click.option(
    "--max-gas-per-tx",
    type=int,
    default=None,
    help="Cap per transaction (default: 16,777,216, EIP-7825's cap, or 90% of the block gas limit if less).",
)
@click.option(
    "--confirmations",
    type=int,
    default=None,
    help="Blocks to wait after each transaction (default: the network's required_confirmations).",
)
@click.option("--dry-run", is_flag=True, help="Show the transactions and their estimated gas, send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation on a live network.")
@click.option("--resume", is_flag=True, help="Finish the deployment recorded under --name that stopped half way.")
def cli(
    provider,
    model_path,
    name,
    account,
    mechanism,
    refund_wait,
    owner_claim_wait,
    any_claim_wait,
    cost_weight,
    max_gas_per_tx,
    confirmations,
    dry_run,
    yes,
    resume,
):
    from decai.chain.deploy import deploy_trainer, plan_deployment
    from decai.chain.records import load_records, model_hash
    from decai.chain.resume import NeverCreated, StageRecorder, resumable, resume_deployment
    from decai.data.training import default_model
    from decai.models import load_model

    parameters = mechanism_parameters(mechanism, refund_wait, owner_claim_wait, any_claim_wait, cost_weight)
    if mechanism == "deposit" and parameters.refund_wait_s == 0:
        # With no wait a contributor takes the deposit back in the next
        # block, before anyone may report the contribution: it deters nothing.
        raise DecaiError(
            "--refund-wait 0: a deposit trainer needs a refund wait (with none, a contributor takes the deposit "
            "back at once and it deters nothing); give e.g. --refund-wait 1d"
        )
    if max_gas_per_tx is not None and max_gas_per_tx <= 0:
        raise DecaiError("--max-gas-per-tx must be positive")
    model = load_model(model_path) if model_path else default_model()[0]
    if confirmations is not None and confirmations < 0:
        raise DecaiError("--confirmations must not be negative")
    network = provider.network
    where = f"{network.ecosystem.name}:{network.name}"
    waits = network.required_confirmations if confirmations is None else confirmations
    sender = load_account(account, provider, signs=not dry_run)
    record_name = name or model.name
    previous = load_records(network.ecosystem.name, network.name).get(record_name)
    if resume or (resumable(previous) and not dry_run):
        if not resumable(previous):
            raise DecaiError(f"--resume: no half-done deployment named '{record_name}' on {where}")
        click.echo(f"resuming the deployment of '{record_name}' at {previous['address']} ({previous['status']})")
        try:
            deployment, record, path = resume_deployment(
                record_name, previous, model, sender, provider, confirmations, waits, max_gas_per_tx=max_gas_per_tx
            )
        except NeverCreated as error:
            if resume:
                raise
            click.echo(f"{error}: deploying anew")
        else:
            click.echo(
                f"finished {deployment.contract_name} '{model.name}' at {deployment.contract.address} with "
                f"{len(deployment.transactions)} more transaction(s); recorded as '{record_name}' in {path}"
            )
            return

    plan = plan_deployment(model, parameters, sender, max_gas_per_tx=max_gas_per_tx)
    gas_price = int(provider.gas_price)
    cost = plan.total_gas * gas_price
    balance = int(provider.get_balance(sender.address))
    live = is_live(provider)
    if live or dry_run:
        click.echo(
            f"{plan.contract_name} '{model.name}' ({model_hash(model.to_dict())}) on {where} from {sender.address}:"
        )
        for tx in plan.transactions:
            click.echo(f"  {tx.name:<28} {tx.gas:>12,} gas ({'estimated by the node' if tx.exact else 'at most'})")
        click.echo(
            f"  {'total':<28} {plan.total_gas:>12,} gas in {len(plan.transactions)} transaction(s); "
            f"at {format_gwei(gas_price)} gwei about {format_ether(cost, unit=False)} ETH "
            f"(balance {format_ether(balance, unit=False)} ETH)"
        )
        click.echo(f"  each transaction waits for {waits} confirmation(s)")
    if dry_run:
        return
    if cost > balance:
        raise DecaiError(
            f"{sender.address} has {format_ether(balance, unit=False)} ETH; "
            f"the deployment needs about {format_ether(cost, unit=False)} ETH"
        )
    if live and not yes:
        summary = (
            f"{plan.total_gas:,} gas (about {format_ether(cost, unit=False)} ETH) "
            f"in {len(plan.transactions)} transaction(s)"
        )
        if not sys.stdin.isatty():
            raise DecaiError(f"refusing to deploy to live network {where} without --yes: estimated {summary}")
        if not click.confirm(f"Deploy to {where} for an estimated {summary}?"):
            raise DecaiError("deployment cancelled")

    recorder = StageRecorder(record_name, model, parameters, sender, provider, waits)
    deployment = deploy_trainer(
        model, parameters, sender, progress=True, confirmations=confirmations, plan=plan, on_stage=recorder
    )
    path = recorder.save(recorder.full(deployment))
    click.echo(
        f"deployed {deployment.contract_name} '{model.name}' at {deployment.contract.address} "
        f"in block {deployment.block_number}"
    )
    click.echo(
        f"gas used: {deployment.total_gas:,} in {len(deployment.transactions)} transaction(s), "
        f"each confirmed by {waits} block(s)"
    )
    if previous and previous.get("address") != deployment.contract.address:
        click.echo(f"the record '{record_name}' pointed to {previous['address']} before")
    click.echo(f"recorded as '{record_name}' in {path}")
