"""ape run raw_inputs: share the contributors' own data (texts, numbers as typed).

    ape run raw_inputs export --output reviews-raw.jsonl --trainer reviews
    ape run raw_inputs import theirs.jsonl
    ape run raw_inputs import dataset.csv --trainer reviews     # the raw column of an export
    ape run raw_inputs import theirs.jsonl --model reviews.json  # a trainer recorded nowhere here

`ape run add_data --text/--values` and the dashboard keep what a
contributor typed in the network's raw-input store (decai/data/raw_inputs.py),
keyed by transaction. `export` writes that store (or one trainer's part of it)
to a file; `import` checks every entry of someone's store file, or of the
`raw` column of a data-set CSV, against its transaction on this chain (the
trainer's encoder must turn it into the sample the contribution holds) and
keeps them. One entry that does not match refuses the whole file, naming its
line; nothing is written.
"""

from pathlib import Path

import click

from decai.apps.cli import DecaiCommand
from decai.errors import DecaiError


@click.group()
def cli():
    """Export or import the raw inputs behind a data set's samples."""


def _trainers(encoder_params=None):
    """Trainers by address, with their records' encoder parameters (or
    `encoder_params`, from --model, for a trainer recorded nowhere here)."""
    from decai.chain.trainer import Trainer

    cache = {}

    def trainer_for(address: str):
        if address not in cache:
            trainer = Trainer.find(address)
            if trainer.encoder_params is None and encoder_params:
                trainer.encoder_params = encoder_params
            cache[address] = trainer
        return cache[address]

    return trainer_for


@cli.command("import", cls=DecaiCommand)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--trainer", default=None, help="Trainer (address or recorded name) of a CSV's rows.")
@click.option(
    "--model", "model_path", default=None, help="Model file, for the encoder's vocabulary when no record has it."
)
def import_(provider, file, trainer, model_path):
    from decai.data.raw_inputs import import_file

    encoder_params = None
    if model_path:
        from decai.models import load_model

        encoder_params = load_model(model_path).encoder_params

    address = None
    if trainer is not None:
        from decai.apps.cli import connect_trainer

        address = connect_trainer(trainer).address
    added, already, path = import_file(file, _trainers(encoder_params), provider, trainer=address)
    click.echo(f"kept {added} raw input(s) from {file} in {path}" + (f" ({already} already known)" if already else ""))


@cli.command("export", cls=DecaiCommand)
@click.option("--output", required=True, help="File to write, ending in .jsonl.")
@click.option("--trainer", default=None, help="Only this trainer's entries (address or recorded name).")
def export(provider, output, trainer):
    from decai.chain.export import check_output
    from decai.data.raw_inputs import RawStore, known_entries

    path = check_output(Path(output))
    if path.suffix.lower() != ".jsonl":
        raise DecaiError(f"--output {path}: a raw-input store is a .jsonl file")
    address = None
    if trainer is not None:
        from decai.apps.cli import connect_trainer

        address = connect_trainer(trainer).address
    entries = list(known_entries(address).values())
    RawStore(path).write(entries)
    click.echo(f"wrote {len(entries)} raw input(s) to {path}")
