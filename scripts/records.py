"""ape run records: the recorded trainers of a network, and whether they are stale.

    ape run records --network ethereum:sepolia:node
    ape run records --prune                  # forget the stale records of this network

A record is stale when the chain it describes is gone (a restarted local
anvil), a reorg removed or moved its deployment, or its address no longer
holds the recorded code; stale records are never used to find a trainer. A
deployment that stopped half way is listed as "half done" and never pruned:
`ape run deploy --resume` finishes it. On a fork, the forked network's records are
listed too (pruning leaves those alone).
"""

import click

from decai.apps.cli import DecaiCommand


@click.command(cls=DecaiCommand)
@click.option("--prune", is_flag=True, help="Remove this network's stale records.")
def cli(provider, prune):
    from decai.chain.records import list_records, remove_records

    network = provider.network
    entries = list_records(provider)
    if not entries:
        click.echo(f"no trainers recorded for {network.ecosystem.name}:{network.name}")
    for entry in entries:
        status = "ok" if not entry.stale else f"{'half done' if entry.half_done else 'stale'}: {entry.problem}"
        source = "" if entry.network == network.name else f" (recorded on {entry.ecosystem}:{entry.network})"
        click.echo(f"{entry.name}: {entry.address} block {entry.record.get('block')}{source}: {status}")
    if prune:
        stale = [
            entry.name for entry in entries if entry.stale and not entry.half_done and entry.network == network.name
        ]
        if stale:
            path = remove_records(network.ecosystem.name, network.name, stale)
            click.echo(f"removed {len(stale)} stale record(s) from {path}: {', '.join(stale)}")
        else:
            click.echo("nothing to prune")
