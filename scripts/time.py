"""ape run time: show the chain's clock, or move it forward (local chains and forks).

    ape run time                      # the latest block's time
    ape run time --advance 1d         # mine an empty block one day later

Refunds and reports wait for a trainer's refund wait; on a local chain or a
fork this is how you get there without waiting. Live networks are refused.
"""

from datetime import datetime, timezone

import click

from decai.apps.cli import DecaiCommand, DurationType, is_live
from decai.errors import DecaiError
from decai.units import human_duration


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@click.command(cls=DecaiCommand)
@click.option(
    "--advance",
    type=DurationType(minimum=1),
    default=None,
    help="How far to move the clock: seconds or a number with s, m, h, d or w (e.g. 1d; at most 100 years).",
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
    target = head.timestamp + advance
    try:
        _when(target)
    except (ValueError, OverflowError):
        raise DecaiError(f"--advance {human_duration(advance)}: the chain's clock would leave the calendar") from None
    chain.mine(timestamp=target)
    new = chain.blocks.head
    click.echo(
        f"chain time {new.timestamp} ({_when(new.timestamp)}), block {new.number}: "
        f"{human_duration(new.timestamp - head.timestamp)} later"
    )
