"""Command-line pieces shared by `ape run keeper` and `ape run monitor`."""

from __future__ import annotations

import click

from decai.apps.cli import connect_trainer
from decai.errors import DecaiError
from decai.units import parse_duration


def monitor_options(required: bool):
    """The held-out set's and the series' flags (shared with `ape run keeper`)."""

    def wrap(function):
        for option in reversed(
            [
                click.option("--heldout", required=required, default=None, help="Held-out CSV to measure on."),
                click.option("--label-column", default="label", show_default=True, help="Its label column."),
                click.option("--text-column", default=None, help="Its text column (text models)."),
                click.option("--series", default=None, help="CSV file the measurements are appended to."),
                click.option("--every", default=None, help="Measure at least this often (e.g. 1h)."),
                click.option("--after-additions", type=int, default=None, help="Measure after this many additions."),
                click.option(
                    "--max-drop", type=float, default=0.05, show_default=True, help="Alert below best minus this."
                ),
                click.option("--webhook", default=None, help="URL the alert is POSTed to as JSON."),
            ]
        ):
            function = option(function)
        return function

    return wrap


def build_monitor(
    trainer, *, heldout, label_column, text_column, series, every, after_additions, max_drop, webhook, log
):
    from decai.keeper.monitor import Monitor, load_heldout

    if trainer is None:
        raise DecaiError("--heldout needs a --trainer to measure")
    if after_additions is not None and after_additions < 1:
        raise DecaiError(f"--after-additions must be at least 1, got {after_additions}")
    if webhook is not None and not webhook.startswith(("http://", "https://")):
        raise DecaiError(f"--webhook must be an http:// or https:// URL, got {webhook!r}")
    model = connect_trainer(trainer) if isinstance(trainer, str) else trainer
    samples, labels = load_heldout(heldout, model, label_column, text_column)
    return Monitor(
        model,
        samples,
        labels,
        series=series,
        max_drop=max_drop,
        webhook=webhook,
        every_s=parse_duration(every) if every else None,
        after_additions=after_additions,
        log=log,
    )
