"""ape run refund: reclaim the deposit of one of your contributions.

    ape run refund --trainer spam-filter --data 3,17,256 --label 1 --added-time 1700000000 --account TEST::1
    ape run refund --trainer spam-filter --all --account TEST::1     # every contribution of yours that qualifies

Each refund is checked first (the same checks as the contract, at the
pending block's time), so one that is too early or that the model no longer
supports sends nothing and says why. `--all` exits 1 when nothing could be
refunded, with one line per contribution saying why. `ape run claims` lists
what you can refund now and when the rest opens.
"""

import click

from decai.apps.cli import DecaiCommand, connect_trainer, load_account, parse_label, parse_sample, uint
from decai.core.contributions import Contribution
from decai.errors import DecaiError, Rejected


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--data", default=None, help="The sample as it was added (integers).")
@click.option("--values", default=None, help="The sample as real numbers (dense models).")
@click.option("--text", default=None, help="The sample as raw text (text models).")
@click.option("--label", default=None, help="The label it was added with (index or class name).")
@click.option(
    "--added-time", type=uint(), default=None, help="The timestamp printed by add_data (or of the AddData event)."
)
@click.option("--all", "refund_all", is_flag=True, help="Refund every contribution of yours that can be refunded now.")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
def cli(provider, trainer, data, values, text, label, added_time, refund_all, account):
    model = connect_trainer(trainer)
    sender = load_account(account, provider)
    if refund_all:
        given = [
            flag
            for flag, value in (
                ("--data", data),
                ("--values", values),
                ("--text", text),
                ("--label", label),
                ("--added-time", added_time),
            )
            if value is not None
        ]
        if given:
            raise DecaiError(f"--all refunds every contribution of yours; it takes no {given[0]}")
        refund_every(model, sender)
        return
    if label is None or added_time is None:
        raise DecaiError("give --label and --added-time with the sample (or use --all)")
    label_index = parse_label(model, label)
    sample = parse_sample(model, data, text, values)
    contribution = Contribution(
        data=tuple(sample), label=label_index, added_time=added_time, author=sender.address, deposit=0
    )
    amount = model.refund(contribution, sender=sender)
    click.echo(f"refunded {amount} wei")


def refund_every(model, sender) -> None:
    mine = model.contributions(author=sender.address)
    if not mine:
        raise DecaiError(f"{sender.address} has added nothing to this trainer")
    done = 0
    for contribution in mine:
        try:
            amount = model.refund(contribution, sender=sender)
        except Rejected as error:
            click.echo(
                f"added at {contribution.added_time}: not refunded: {str(error).removeprefix('refund rejected: ')}"
            )
            continue
        click.echo(f"added at {contribution.added_time}: refunded {amount} wei")
        done += 1
    if done == 0:
        raise DecaiError(f"none of your {len(mine)} contribution(s) could be refunded")
    click.echo(f"{done} of {len(mine)} contribution(s) refunded")
