"""ape run predict: ask a trainer's model for a prediction (free).

ape run predict --trainer spam-filter --data 3,17,256
ape run predict --trainer 0x... --values "17.9,10.3,122.8,..."
ape run predict --trainer reviews --text "a wonderful film"
"""

import click

from decai.apps.cli import DecaiCommand, connect_trainer, parse_sample, warn


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--data", default=None, help="The sample as integers (feature indices, or fixed-point values).")
@click.option("--values", default=None, help="Real numbers, encoded with the model's encoder (dense models).")
@click.option("--text", default=None, help="Raw text, encoded with the model's encoder (text models).")
def cli(provider, trainer, data, values, text):
    model = connect_trainer(trainer)
    sample = parse_sample(model, data, text, values)
    if text is not None and not sample:
        warn("the text has no word the model knows; predicting an empty sample")
    label = model.predict(sample)
    click.echo(f"{label} ({model.classes[label]})")
