"""ape run time: show the chain's clock, or move it forward (local chains and forks).

    ape run time                      # the latest block's time
    ape run time --advance 1d         # mine an empty block one day later

Refunds and reports wait for a trainer's refund wait; on a local chain or a
fork this is how you get there without waiting. Live networks are refused.
"""

from datetime import datetime, timezone

import click

from decai.apps.cli import DecaiCommand, is_live
from decai.errors import DecaiError
from decai.units import human_duration, parse_duration


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@click.command(cls=DecaiCommand)
@click.option(
    "--advance", default=None, help="How far to move the clock: seconds or a number with s, m, h, d or w (e.g. 1d)."
)
def cli(provider, advance):
    from ape import chain

    head = chain.blocks.head
    if advance is None:
        click.echo(f"chain time {head.timestamp} ({_when(head.timestamp)}), block {head.number}")
        return
    network = provider.network
    if is_live(provider):
        raise DecaiError(f"{network.ecosystem.name}:{network.name} is a live network: its clock cannot be moved")
    try:
        seconds = parse_duration(advance)
    except DecaiError as error:
        raise DecaiError(f"--advance: {error}") from None
    chain.mine(timestamp=head.timestamp + seconds)
    new = chain.blocks.head
    click.echo(
        f"chain time {new.timestamp} ({_when(new.timestamp)}), block {new.number}: "
        f"{human_duration(new.timestamp - head.timestamp)} later"
    )
