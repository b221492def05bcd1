"""ape run add_data: train a trainer's model with one labelled sample.

    ape run add_data --trainer spam-filter --data 3,17,256 --label 1 --account TEST::1
    ape run add_data --trainer bc --values "17.99,10.38,..." --label malignant --account TEST::1

Sends twice the pending block's deposit (one addition by someone else
just before raises the price at most 1.83 times); the excess comes back at
once. The contract is asked first (a call on the pending block), so a
deposit that is too small or data already added costs no transaction. If
someone else's contributions raise the price further, the deposit is quoted
again and the transaction resent, never sending more than twice the first
quote unless `--max-deposit` allows more (above the cap: one line, nothing
sent). Two or more additions mined just ahead of yours can make it revert,
costing that transaction's gas (the README measures this residual).

On a deposit trainer the sample is first checked on a copy of the public
model: if the model would still predict another label after learning it,
its deposit would likely be reported and taken (half of it burned), so
nothing is sent unless `--unlearnable` says to add it anyway.

The raw input of --text or --values (the text, or the numbers as typed) is
kept in the network's raw-input store, keyed by the transaction, so the data
set keeps what contributors wrote (`ape run raw_inputs` shares it).
"""

import click

from decai.apps.cli import (
    AmountType,
    DecaiCommand,
    connect_trainer,
    load_account,
    parse_label,
    parse_numbers,
    parse_sample,
)
from decai.errors import DecaiError


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--label", required=True, help="The sample's class: its index or its name.")
@click.option("--data", default=None, help="The sample as integers (feature indices, or fixed-point values).")
@click.option("--values", default=None, help="Real numbers, encoded with the model's encoder (dense models).")
@click.option("--text", default=None, help="Raw text, encoded with the model's encoder (text models).")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@click.option(
    "--value",
    "value",
    type=AmountType(),
    default=None,
    help="Wei to send, e.g. 1e15 or 0.001ether (default: twice the current deposit; the excess comes back).",
)
@click.option(
    "--max-deposit",
    "max_deposit",
    type=AmountType(),
    default=None,
    help="Most wei ever to send, e.g. 0.01ether (default: twice the first quote); refuse if the price rises above it.",
)
@click.option(
    "--unlearnable",
    is_flag=True,
    help="Add the sample even if the model would still reject it after learning it (its deposit is then at risk).",
)
def cli(provider, trainer, label, data, values, text, account, value, max_deposit, unlearnable):
    model = connect_trainer(trainer)
    label_index = parse_label(model, label)
    sample = parse_sample(model, data, text, values)
    if text is not None and not sample:
        raise DecaiError("the text has no word the model knows; an empty sample cannot be added (it says nothing)")
    raw = text if text is not None else [float(v) for v in parse_numbers(values)] if values is not None else None
    sender = load_account(account, provider)
    contribution = model.add_data(
        sample, label_index, sender=sender, value=value, max_deposit=max_deposit, raw=raw, unlearnable=unlearnable
    )
    click.echo(
        f"added at time {contribution.added_time} with a deposit of {contribution.deposit} wei "
        f"(key 0x{contribution.key.hex()})"
    )
    click.echo(
        f"refund with: ape run refund --trainer {trainer} --added-time {contribution.added_time} "
        f"--data {','.join(map(str, sample))} --label {label_index}" + (f" --account {account}" if account else "")
    )
