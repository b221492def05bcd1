"""ape run add_data: train a trainer's model with one labelled sample.

    ape run add_data --trainer spam-filter --data 3,17,256 --label 1 --account TEST::1

Sends the current deposit plus a margin; the excess comes back at once.
"""

import click
from ape.cli import ConnectedProviderCommand

from decai.apps.cli import connect_trainer, handle_errors, load_account, parse_sample, parse_wei


@click.command(cls=ConnectedProviderCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--label", required=True, type=int, help="The sample's label (class index).")
@click.option("--data", default=None, help="The sample as integers (feature indices, or fixed-point values).")
@click.option("--values", default=None, help="Real numbers, encoded with the model's encoder (dense models).")
@click.option("--text", default=None, help="Raw text, encoded with the model's encoder (text models).")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@click.option("--value", "value_text", default=None, help="Wei to send (default: the current deposit plus 25%).")
@handle_errors
def cli(provider, trainer, label, data, values, text, account, value_text):
    model = connect_trainer(trainer)
    sample = parse_sample(model, data, text, values)
    sender = load_account(account, provider)
    value = parse_wei(value_text) if value_text is not None else None
    contribution = model.add_data(sample, label, sender=sender, value=value)
    click.echo(
        f"added at time {contribution.added_time} with a deposit of {contribution.deposit} wei "
        f"(key 0x{contribution.key.hex()})"
    )
    click.echo(f"refund with: ape run refund --trainer {trainer} --added-time {contribution.added_time} --data {','.join(map(str, sample))} --label {label}")
