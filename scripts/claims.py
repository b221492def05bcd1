"""ape run claims: what your account can refund or report on a trainer now, and when the rest opens.

    ape run claims --trainer bc --account TEST::1

Your own contributions: refundable now (with the command to do it) or why
not yet. Other accounts' contributions: those you may report now, and those
you may report once their wait is over. Every check is the SDK's, at the
time the next block will have.
"""

import click

from decai.apps.cli import DecaiCommand, connect_trainer, load_account


def _command(trainer: str, action: str, contribution, account: str | None) -> str:
    data = ",".join(map(str, contribution.data))
    author = f" --author {contribution.author}" if action == "report" else ""
    who = f" --account {account}" if account else ""
    return (
        f"ape run {action} --trainer {trainer} --data {data} --label {contribution.label} "
        f"--added-time {contribution.added_time}{author}{who}"
    )


@click.command(cls=DecaiCommand)
@click.option("--trainer", required=True, help="Trainer address or recorded name.")
@click.option("--account", default=None, help="Account alias, or TEST::n (default TEST::0 on local networks).")
def cli(provider, trainer, account):
    model = connect_trainer(trainer)
    sender = load_account(account, provider)
    now = model.pending_time()
    everything = model.contributions()
    mine = [c for c in everything if c.author == sender.address]
    others = [c for c in everything if c.author != sender.address]

    click.echo(f"{sender.address} on {trainer}: {len(mine)} contribution(s) of yours, {len(others)} of others")
    refund_now = 0
    for contribution in mine:
        problem = model.refund_problem(contribution, now)
        if problem is None:
            refund_now += 1
            click.echo(
                f"  refund now (added at {contribution.added_time}): "
                f"{_command(trainer, 'refund', contribution, account)}"
            )
        else:
            click.echo(f"  added at {contribution.added_time}: {problem}")

    report_now, later, not_reportable = 0, 0, 0
    for contribution in others:
        problem = model.report_problem(contribution, sender.address, now)
        if problem is None:
            report_now += 1
            click.echo(
                f"  report now (by {contribution.author}, added at {contribution.added_time}): "
                f"{_command(trainer, 'report', contribution, account)}"
            )
        elif problem.startswith("too early"):
            later += 1
            click.echo(f"  by {contribution.author}, added at {contribution.added_time}: {problem}")
        else:
            not_reportable += 1
    click.echo(
        f"refundable now: {refund_now}; reportable now: {report_now}; report window not open yet: {later}; "
        f"not reportable by you: {not_reportable}"
    )
