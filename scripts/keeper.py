"""ape run keeper: claim what your account is owed, on time, without a click.

    ape run keeper --trainer spam-filter --account alice --state alice-keeper.json
    ape run keeper --trainer spam-filter --trainer 0x5FbD... --margin 0.5 --dry-run --once
    ape run keeper --trainer spam-filter --account alice --heldout heldout.csv --series health.csv

Every --interval seconds, for each trainer: refunds each of your
contributions as soon as its refund opens and the model agrees with it;
reports other people's contributions the model disagrees with when the
take is worth its gas by --margin; sweeps what is left once the claim
waits allow; for each --market: pushes the processing steps and withdraws
what you are owed. Every action is checked like the CLI's before it is
sent and logged as one line with its amounts. --state keeps what it has
done (restart-safe; without the file it rebuilds from the chain's events).
With --heldout it also measures the model's accuracy like `ape run monitor`
(alerts are logged and posted; the keeper keeps running). Ctrl-C stops it.
The same keeper runs as a Silverback bot: see bots/keeper.py.
"""

import click

from decai.apps.cli import DecaiCommand, load_account
from decai.apps.keeper import build_monitor, monitor_options
from decai.errors import DecaiError
from decai.keeper.service import KeeperSettings, build_keeper, run_loop
from decai.units import parse_duration


@click.command(cls=DecaiCommand)
@click.option("--trainer", "trainers", multiple=True, help="Trainer address or recorded name (repeat for several).")
@click.option("--market", "markets", multiple=True, help="Prediction market to follow (repeat for several).")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
@click.option("--state", default=None, help="JSON file of what the keeper did (created if missing).")
@click.option(
    "--margin", type=float, default=0.2, show_default=True, help="Report or sweep only if take >= gas x (1 + margin)."
)
@click.option("--no-reports", is_flag=True, help="Never report other people's contributions.")
@click.option("--no-sweeps", is_flag=True, help="Never sweep leftovers.")
@click.option("--dry-run", is_flag=True, help="Log what it would send; send nothing.")
@click.option("--interval", default="12s", show_default=True, help="Time between two rounds (e.g. 12s, 5m).")
@click.option("--once", is_flag=True, help="One round, then exit.")
@monitor_options(required=False)
def cli(provider, trainers, markets, account, state, margin, no_reports, no_sweeps, dry_run, interval, once, **monitor):
    if not trainers and not markets:
        raise DecaiError("give at least one --trainer or --market")
    sender = load_account(account, provider)
    settings = KeeperSettings(
        trainers=trainers,
        state=state,
        markets=markets,
        margin=margin,
        reports=not no_reports,
        sweeps=not no_sweeps,
        dry_run=dry_run,
    )
    keeper = build_keeper(sender, settings, log=click.echo)
    health = build_monitor(trainers[0] if trainers else None, log=click.echo, **monitor) if monitor["heldout"] else None
    click.echo(
        f"keeper for {sender.address}: {len(trainers)} trainer(s), {len(markets)} market(s)"
        + (" (dry run: nothing is sent)" if dry_run else "")
    )
    try:
        run_loop(keeper, health, interval_s=parse_duration(interval), once=once, log=click.echo)
    except KeyboardInterrupt:
        click.echo("keeper stopped")
