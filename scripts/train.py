"""ape run train: train a model with scikit-learn and export it as a decai model file.

    ape run train --data rotten-tomatoes --model-type naive_bayes --out nb.json
    ape run train --data breast-cancer --model-type dense_perceptron --out bc.json
    ape run train --data digits --model-type nearest_centroid --out digits.json
    ape run train --data reviews.csv --text-column review --label-column stars \
        --model-type sparse_nearest_centroid --out r.json

A CSV has a header row; its labels become classes 0..k-1 in numeric order
when every label is a number, else in sorted order of the names. Bad data
(a row with the wrong number of fields, a file that is not UTF-8, NaN or
infinity, a label unlike the others, a single class, a class with one row
or under 1% of them unless --allow-small-classes) or an output folder that
does not exist ends with one line `error: <file>:<line>: column ...`; the
model file is written only on success. Rows left out (an empty label) are
counted in a `warning:` line.

Prints the held-out accuracy of the scikit-learn model and of the exported
fixed-point model; deploy the file with `ape run deploy --model FILE`.
"""

import click

from decai.apps.cli import FRACTION, OfflineCommand, check_step_flag, warn
from decai.data.datasets import SOURCE_HELP
from decai.models.base import model_types
from decai.models.measured import steps_help


@click.command(cls=OfflineCommand, epilog=steps_help())
@click.option("--data", "source", required=True, help=SOURCE_HELP)
@click.option(
    "--label-column",
    default="label",
    show_default=True,
    help="CSV: the label column (classes in numeric order if all numbers, else sorted).",
)
@click.option("--text-column", default=None, help="CSV: a text column (otherwise every other column is a number).")
@click.option(
    "--model-type",
    required=True,
    type=click.Choice(model_types()),
    help="Model type; naive_bayes is recommended for text (its default step and kept figure: below).",
)
@click.option(
    "--encoder",
    "encoder_kind",
    type=click.Choice(["auto", "bow", "hash", "standard-unit", "unit", "column-mean", "pixels"]),
    default="auto",
    show_default=True,
    help=(
        "Text: bow or hash; numbers: standard-unit or unit (dense), column-mean (sparse: values above their "
        "column's mean, the default) or pixels (sparse: values above the row's mean)."
    ),
)
@click.option(
    "--vocabulary-size",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="bow: words kept (most frequent first).",
)
@click.option("--hash-features", default=1024, show_default=True, type=click.IntRange(min=1), help="hash: buckets.")
@click.option("--test-fraction", default=0.25, show_default=True, type=FRACTION)
@click.option(
    "--allow-small-classes",
    is_flag=True,
    help="Keep a class with one row or under 1%% of the rows (refused by default: often a typo); warn instead.",
)
@click.option("--name", default=None, help="Model name (default: from the data).")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--step",
    type=float,
    default=None,
    help="How far each later on-chain addition moves the model: a perceptron's learning rate, or 1/k for a counting "
    "model (its trained counts weigh k samples each). Default: the model type's for the data's kind, text or "
    "numbers (both below), measured to keep accuracy under attack (docs/SIMULATION.md).",
)
@click.option("--out", "output", required=True, type=click.Path(dir_okay=False), help="Model file to write.")
def cli(
    source,
    label_column,
    text_column,
    model_type,
    encoder_kind,
    vocabulary_size,
    hash_features,
    test_fraction,
    name,
    seed,
    step,
    output,
    allow_small_classes,
):
    from decai.data.pipeline import build_model_file

    check_step_flag("--step", model_type, step)
    report = build_model_file(
        source,
        model_type,
        output,
        label_column=label_column,
        text_column=text_column,
        encoder_kind=encoder_kind,
        vocabulary_size=vocabulary_size,
        hash_features=hash_features,
        test_fraction=test_fraction,
        name=name,
        seed=seed,
        step=step,
        allow_small_classes=allow_small_classes,
        warn=warn,
    )
    click.echo(report)
