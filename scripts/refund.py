"""ape run refund: reclaim the deposit of one of your contributions.

    ape run refund --trainer spam-filter --data 3,17,256 --label 1 --added-time 1700000000 --account TEST::1
    ape run refund --trainer spam-filter --all --account TEST::1     # every contribution of yours that qualifies
"""

import click
from ape import chain
from ape.cli import ConnectedProviderCommand

from decai.errors import DecaiError
from decai.apps.cli import connect_trainer, handle_errors, load_account, parse_sample
from decai.core.contributions import Contribution


@click.command(cls=ConnectedProviderCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--data", default=None, help="The sample as it was added (integers).")
@click.option("--values", default=None, help="The sample as real numbers (dense models).")
@click.option("--text", default=None, help="The sample as raw text (text models).")
@click.option("--label", type=int, default=None, help="The label it was added with.")
@click.option("--added-time", type=int, default=None, help="The timestamp printed by add_data (or of the AddData event).")
@click.option("--all", "refund_all", is_flag=True, help="Refund every contribution of yours that can be refunded now.")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@handle_errors
def cli(provider, trainer, data, values, text, label, added_time, refund_all, account):
    model = connect_trainer(trainer)
    sender = load_account(account, provider)
    if refund_all:
        mine = model.contributions(author=sender.address)
        done = 0
        for contribution in mine:
            problem = model.refund_problem(contribution, chain.pending_timestamp)
            if problem is None:
                amount = model.refund(contribution, sender=sender)
                click.echo(f"added at {contribution.added_time}: refunded {amount} wei")
                done += 1
            else:
                click.echo(f"added at {contribution.added_time}: skipped, {problem}")
        click.echo(f"{done} of {len(mine)} contribution(s) refunded")
        return
    if label is None or added_time is None:
        raise DecaiError("give --label and --added-time with the sample (or use --all)")
    sample = parse_sample(model, data, text, values)
    contribution = Contribution(data=tuple(sample), label=label, added_time=added_time, author=sender.address, deposit=0)
    problem = model.refund_problem(contribution, chain.pending_timestamp)
    if problem:
        raise DecaiError(problem)
    amount = model.refund(contribution, sender=sender)
    click.echo(f"refunded {amount} wei")
