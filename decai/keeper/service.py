"""Building a keeper from its settings, and running it: the entry points' shared part.

`ape run keeper` polls (`run_loop`): one tick per interval, the monitor
measuring whenever it is due. The Silverback bot (bots/keeper.py) ticks on
every new block instead; both build the keeper with `build_keeper`, from
command-line flags or from the environment (`settings_from_env`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from decai.errors import DecaiError
from decai.keeper.decisions import Policy
from decai.keeper.runner import Keeper
from decai.keeper.state import KeeperState


@dataclass
class KeeperSettings:
    trainers: Sequence[str]
    state: str | None = None
    markets: Sequence[str] = ()
    margin: float = 0.2
    refunds: bool = True
    reports: bool = True
    sweeps: bool = True
    dry_run: bool = False


def settings_from_env(environ=os.environ) -> KeeperSettings:
    """Settings of the Silverback bot: DECAI_KEEPER_TRAINERS (names or
    addresses, comma separated), DECAI_KEEPER_STATE (file),
    DECAI_KEEPER_MARKETS, DECAI_KEEPER_MARGIN, DECAI_KEEPER_DRY_RUN=1,
    DECAI_KEEPER_NO_REPORTS=1, DECAI_KEEPER_NO_SWEEPS=1."""

    def flag(name: str) -> bool:
        return environ.get(name, "").strip().lower() in ("1", "true", "yes")

    trainers = [t.strip() for t in environ.get("DECAI_KEEPER_TRAINERS", "").split(",") if t.strip()]
    if not trainers:
        raise DecaiError("set DECAI_KEEPER_TRAINERS to the trainers to keep (names or addresses, comma separated)")
    try:
        margin = float(environ.get("DECAI_KEEPER_MARGIN", "0.2"))
    except ValueError:
        raise DecaiError(f"DECAI_KEEPER_MARGIN must be a number, got {environ['DECAI_KEEPER_MARGIN']!r}") from None
    return KeeperSettings(
        trainers=trainers,
        state=environ.get("DECAI_KEEPER_STATE") or None,
        markets=[m.strip() for m in environ.get("DECAI_KEEPER_MARKETS", "").split(",") if m.strip()],
        margin=margin,
        reports=not flag("DECAI_KEEPER_NO_REPORTS"),
        sweeps=not flag("DECAI_KEEPER_NO_SWEEPS"),
        dry_run=flag("DECAI_KEEPER_DRY_RUN"),
    )


def build_keeper(account, settings: KeeperSettings, log: Callable[[str], None] = print) -> Keeper:
    """A keeper for `account` on the connected network."""
    from ape import chain

    from decai.chain.trainer import Trainer
    from decai.market.client import Market

    if settings.margin < 0:
        raise DecaiError(f"--margin must not be negative, got {settings.margin}")
    trainers = [Trainer.find(reference) for reference in settings.trainers]
    for trainer in trainers:
        if trainer.mechanism == "market":
            raise DecaiError(f"{trainer.address} is a prediction market: give it with --market")
    markets = [Market.at(Trainer.find(reference).address) for reference in settings.markets]
    state = KeeperState.load(settings.state, account.address, int(chain.chain_id))
    policy = Policy(settings.refunds, settings.reports, settings.sweeps, settings.margin)
    names = {trainer.address: reference for trainer, reference in zip(trainers, settings.trainers)}
    return Keeper(account, trainers, state, policy, markets=markets, dry_run=settings.dry_run, log=log, names=names)


def run_loop(
    keeper: Keeper | None,
    monitor=None,
    *,
    interval_s: float = 12,
    once: bool = False,
    stop_on_alert: bool = False,
    log: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Tick and measure until interrupted (or once); returns the exit code:
    1 if the monitor raised an alert and `stop_on_alert`, else 0."""
    alerted, first = False, True
    while True:
        if keeper is not None:
            keeper.tick()
        # The monitor measures at start, then whenever a measurement is due.
        if monitor is not None and (first or monitor.due()):
            row = monitor.measure()
            log(monitor.describe(row))
            if monitor.check(row):
                alerted = True
                if stop_on_alert:
                    return 1
        if once:
            return 1 if alerted and stop_on_alert else 0
        first = False
        sleep(interval_s)
