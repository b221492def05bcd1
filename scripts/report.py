"""ape run report: take (a share of) the deposit of someone's bad contribution.

    ape run report --trainer spam-filter --data 9,12 --label 0 --added-time 1700000000 \
        --author 0xabc... --account TEST::2

Checked first, like refund: a report the contract would refuse (too early,
the model agrees with the label, no good contribution of your own yet)
sends nothing and says why. `ape run claims` lists what you can report now.
A naive Bayes trainer removes the sample from its model at the first take
made while the model rejects it; the output says so.
"""

import click

from decai.apps.cli import (
    ADDRESS,
    DecaiCommand,
    connect_trainer,
    load_account,
    parse_label,
    parse_sample,
    uint,
)
from decai.core.contributions import Contribution
from decai.core.mechanisms import take_forgets
from decai.errors import DecaiError


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--data", default=None, help="The sample as it was added (integers).")
@click.option("--values", default=None, help="The sample as real numbers (dense models).")
@click.option("--text", default=None, help="The sample as raw text (text models).")
@click.option("--label", required=True, help="The label it was added with (index or class name).")
@click.option("--added-time", type=uint(), required=True, help="The timestamp of its AddData event.")
@click.option("--author", required=True, type=ADDRESS, help="The address that added it.")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
def cli(provider, trainer, data, values, text, label, added_time, author, account):
    model = connect_trainer(trainer)
    label_index = parse_label(model, label)
    sample = parse_sample(model, data, text, values)
    sender = load_account(account, provider)
    try:
        contribution = Contribution(
            data=tuple(sample), label=label_index, added_time=added_time, author=author, deposit=0
        )
    except ValueError:
        raise DecaiError(f"--author {author} is not an address") from None
    amount = model.report(contribution, sender=sender)
    burned = model.burned_in(model.last_receipt)
    # The contribution's first claim, if this take is the only one on record.
    forgot = take_forgets(model.forgets_taken, model.status(contribution).claim_count == 1, burned)
    click.echo(
        f"took {amount} wei"
        + (f" ({burned} wei burned: the model rejects the sample)" if burned else "")
        + ("; the sample is removed from the model" if forgot else "")
    )
