"""ape run monitor: a deployed model's accuracy over time, with an alert when it falls.

    ape run monitor --trainer spam-filter --heldout heldout.csv --series health.csv --once
    ape run monitor --trainer spam-filter --heldout heldout.csv --series health.csv \\
        --every 1h --after-additions 20 --max-drop 0.05 --webhook http://localhost:9000/alerts

Measures the model's accuracy on a public held-out CSV (a label column and
the sample as the model's encoder reads it) with the contract's own
predictions at one block, and appends a row to --series: the block, its
time, the accuracy, the number of contributions, the deposits held and the
reports. Measures at start, then every --every and after every
--after-additions additions. When the accuracy falls more than --max-drop
below its best it logs an alert line, posts it as JSON to --webhook, and
exits 1.
"""

import click

from decai.apps.cli import DecaiCommand
from decai.apps.keeper import build_monitor, monitor_options
from decai.keeper.service import run_loop
from decai.units import parse_duration


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@monitor_options(required=True)
@click.option("--interval", default="12s", show_default=True, help="How often to check whether a measurement is due.")
@click.option("--once", is_flag=True, help="Measure once, then exit.")
def cli(provider, trainer, interval, once, **options):
    monitor = build_monitor(trainer, log=click.echo, **options)
    try:
        code = run_loop(
            None, monitor, interval_s=parse_duration(interval), once=once, stop_on_alert=True, log=click.echo
        )
    except KeyboardInterrupt:
        code = 0
    if code:
        raise SystemExit(code)
