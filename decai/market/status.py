"""A snapshot of a prediction market, as `ape run market status` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address

PHASES = ("setup", "committed", "participation", "reveal", "processing", "finished", "cancelled")
STAGES = ("none", "score", "replay", "rounds", "forfeit")


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
    burned_stakes: int
    total_owed: int
    balance: int
    owed: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"market      {self.address}",
            f"phase       {self.phase}"
            + (f" (stage {self.stage}, cursor {self.processing_cursor})" if self.phase == "processing" else ""),
            f"provider    {self.provider}",
            f"bounty      {self.bounty} wei   stake {self.stake} wei   "
            f"rounds {self.bounty // self.stake if self.stake else 0}",
            f"portions    {self.num_portions}"
            + (f", first revealed: {self.first_portion}" if self.first_portion is not None else "")
            + (f", next to reveal: {self.next_portion}" if self.phase == "reveal" else ""),
            f"contributions {self.num_contributions}   test samples {self.num_test_samples}",
        ]
        for name, when in self.deadlines.items():
            if when:
                delta = when - self.now
                state = f"in {delta} s" if delta > 0 else f"passed {-delta} s ago"
                out.append(f"{name:<22} {when} ({state})")
        if self.initial_loss is not None and self.num_test_samples:
            out.append(
                f"test errors h_0 {self.initial_loss}/{self.num_test_samples}, "
                f"h_T {self.final_loss}/{self.num_test_samples}"
            )
        if self.forfeited:
            out.append("the provider did not reveal in time: the bounty was burned, the stakes go back")
        if self.burned_stakes:
            out.append(f"burned stakes (harmful or idle contributions) {self.burned_stakes} wei")
        out.append(f"contract balance {self.balance} wei, owed to accounts {self.total_owed} wei")
        for account, amount in self.owed.items():
            out.append(f"owed to {account}: {amount} wei")
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
        final_loss=int(c.contribution(count - 1)[4]) if finished else None,
        forfeited=bool(c.forfeited()),
        burned_stakes=int(c.burned_stakes()),
        total_owed=int(c.total_owed()),
        balance=int(chain.provider.get_balance(c.address)),
        owed={to_checksum_address(a): int(c.owed(a)) for a in accounts},
    )
