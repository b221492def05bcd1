"""ape run export: write a trainer's whole crowd-sourced data set to a file.

    ape run export --trainer spam-filter                         # spam-filter.csv
    ape run export --trainer 0x... --output data.parquet         # needs pyarrow
    ape run export --trainer spam-filter --from-block 5000000 --page-size 2000 --network ethereum:sepolia:node

One row per contribution (sample, label, author, time, deposit, claim
status), reconstructed from the trainer's events, for deposit and points
trainers alike; see decai/chain/export.py. The output is checked before any
event is read: its name must end in .csv, .parquet or .pq, and a folder or a
missing folder is refused.
"""

import click

from decai.apps.cli import DecaiCommand, connect_trainer


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option(
    "--output",
    default=None,
    help="File to write (default: <trainer>.csv): .csv writes CSV, .parquet or .pq Parquet; other endings are refused.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="Override the format the suffix implies.",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    default=None,
    help="First block to read (default: the recorded deployment block, else 0).",
)
@click.option("--to-block", type=click.IntRange(min=0), default=None, help="Last block to read (default: the head).")
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Blocks per event request (halved when the node refuses).",
)
@click.option(
    "--status-from",
    type=click.Choice(["events", "view"]),
    default="events",
    show_default=True,
    help="Claim status from the events read, or the contract's contribution(key) view (one call per row).",
)
@click.option(
    "--model", "model_path", default=None, help="Model file, for the encoder's vocabulary when no record has it."
)
def cli(provider, trainer, output, file_format, from_block, to_block, page_size, status_from, model_path):
    from pathlib import Path

    from decai.chain.export import check_output, export_dataset, format_for

    if output is not None:  # checked before the chain is asked anything
        format_for(check_output(Path(output)), file_format)
    model = connect_trainer(trainer)
    if model_path:
        from decai.models import load_model

        model.encoder_params = load_model(model_path).encoder_params
    path = output or f"{trainer if not trainer.startswith('0x') else model.address}.csv"
    summary = export_dataset(
        model,
        path,
        format=file_format,
        start_block=from_block,
        stop_block=to_block,
        page_size=page_size,
        status_from=status_from,
        progress=True,
    )
    click.echo(
        f"wrote {summary.rows} contribution(s) from {summary.senders} account(s), "
        f"blocks {summary.start_block}-{summary.stop_block}, to {summary.path} ({summary.format})"
    )
    if summary.tokens_note:
        click.echo(f"note: {summary.tokens_note}")
