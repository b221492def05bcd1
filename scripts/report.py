"""ape run report: take (a share of) the deposit of someone's bad contribution.

    ape run report --trainer spam-filter --data 9,12 --label 0 --added-time 1700000000 --author 0xabc... --account TEST::2
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
@click.option("--label", type=int, required=True, help="The label it was added with.")
@click.option("--added-time", type=int, required=True, help="The timestamp of its AddData event.")
@click.option("--author", required=True, help="The address that added it.")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@handle_errors
def cli(provider, trainer, data, values, text, label, added_time, author, account):
    model = connect_trainer(trainer)
    sender = load_account(account, provider)
    sample = parse_sample(model, data, text, values)
    try:
        contribution = Contribution(data=tuple(sample), label=label, added_time=added_time, author=author, deposit=0)
    except ValueError:
        raise DecaiError(f"{author} is not an address") from None
    problem = model.report_problem(contribution, sender.address, chain.pending_timestamp)
    if problem:
        raise DecaiError(problem)
    amount = model.report(contribution, sender=sender)
    click.echo(f"took {amount} wei")
