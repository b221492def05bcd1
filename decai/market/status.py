"""A snapshot of a prediction market, as `ape run market status` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from eth_utils import to_checksum_address

from decai.units import format_ether, human_duration

PHASES = ("setup", "committed", "participation", "reveal", "processing", "finished", "cancelled")
STAGES = ("none", "score", "replay", "rounds", "forfeit", "leave_out")


@dataclass
class MarketStatus:
    """A snapshot of a market, for `ape run market status` and clients."""

    address: str
    phase: str
    stage: str
    now: int
    provider: str
    bounty: int
    stake: int
    num_portions: int
    first_portion: int | None
    next_portion: int
    num_contributions: int
    num_test_samples: int
    deadlines: dict[str, int]
    processing_cursor: int
    rounds_left: int
    initial_loss: int | None
    final_loss: int | None
    forfeited: bool
    total_owed: int
    balance: int
    owed: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What `ape run market status` prints: amounts in ether, deadlines
        as dates with the time left (`in 23h 59m`), like the other commands."""
        out = [
            f"market      {self.address}",
            f"phase       {self.phase}"
            + (f" (stage {self.stage}, cursor {self.processing_cursor})" if self.phase == "processing" else ""),
            f"provider    {self.provider}",
            f"bounty      {format_ether(self.bounty)}   stake {format_ether(self.stake)}   "
            f"rounds {self.bounty // self.stake if self.stake else 0}",
            f"portions    {self.num_portions}"
            + (f", first revealed: {self.first_portion}" if self.first_portion is not None else "")
            + (f", next to reveal: {self.next_portion}" if self.phase == "reveal" else ""),
            f"contributions {self.num_contributions}   test samples {self.num_test_samples}",
        ]
        for name, when in self.deadlines.items():
            if when:
                delta = when - self.now
                state = f"in {human_duration(delta)}" if delta > 0 else f"passed {human_duration(-delta)} ago"
                date = datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
                out.append(f"{name:<22} {date} ({state})")
        if self.initial_loss is not None and self.num_test_samples:
            out.append(
                f"test errors h_0 {self.initial_loss}/{self.num_test_samples}, "
                f"h_T {self.final_loss}/{self.num_test_samples}"
            )
        if self.forfeited:
            out.append("the provider did not reveal in time: the bounty was forfeited to the contributors")
        out.append(f"contract balance {format_ether(self.balance)}, owed to accounts {format_ether(self.total_owed)}")
        for account, amount in self.owed.items():
            out.append(f"owed to {account}: {format_ether(amount)}")
        return out


def read_status(c: Any, accounts: Sequence[str] = ()) -> MarketStatus:
    """The state of the market contract `c`, with what `accounts` are owed."""
    from ape import chain

    phase = PHASES[int(c.phase())]
    drawn, first = c.first_portion()
    count = int(c.num_contributions())
    finished = phase == "finished" and not c.forfeited() and count > 0
    return MarketStatus(
        address=c.address,
        phase=phase,
        stage=STAGES[int(c.stage())],
        now=int(chain.blocks.head.timestamp),
        provider=str(c.market_provider()),
        bounty=int(c.bounty()),
        stake=int(c.stake()),
        num_portions=int(c.num_portions()),
        first_portion=int(first) if drawn else None,
        next_portion=int(c.next_portion()),
        num_contributions=count,
        num_test_samples=int(c.num_test_samples()),
        deadlines={
            "commit deadline": int(c.commit_deadline()) if phase == "committed" else 0,
            "participation deadline": int(c.participation_deadline()) if phase == "participation" else 0,
            "reveal deadline": int(c.reveal_deadline()) if phase == "reveal" else 0,
        },
        processing_cursor=int(c.processing_cursor()),
        rounds_left=int(c.rounds_left()),
        initial_loss=int(c.initial_loss()) if finished else None,
        final_loss=int(c.contribution(count - 1)[5]) if finished else None,
        forfeited=bool(c.forfeited()),
        total_owed=int(c.total_owed()),
        balance=int(chain.provider.get_balance(c.address)),
        owed={to_checksum_address(a): int(c.owed(a)) for a in accounts},
    )
