"""The engine's bookkeeping: every contribution and what is left of it,
every agent's account of the run, the flag that ends a run early, and the
result of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from decai.core.contributions import Contribution
from decai.simulation.agents import AgentSpec, ContributionView


@dataclass
class Entry:
    """A contribution and what is left of it (mirrors the contract's record)."""

    contribution: Contribution
    author: str
    claimable: int
    key: bytes = b""
    refunded: bool = False
    claimed_by: set = field(default_factory=set)
    #: Points mechanism: settled once, by a refund (a point) or a report.
    points: bool = False

    def __post_init__(self) -> None:
        self.key = self.key or self.contribution.key

    @property
    def open(self) -> bool:
        if self.points:
            return not self.refunded and not self.claimed_by
        return self.claimable > 0 or (not self.refunded and self.contribution.deposit == 0)

    def view(self, prediction: int | None = None) -> ContributionView:
        c = self.contribution
        return ContributionView(
            key=self.key,
            author=self.author,
            label=c.label,
            added_time=c.added_time,
            initial_deposit=c.deposit,
            claimable=self.claimable,
            refunded=self.refunded,
            claimed_by=frozenset(self.claimed_by),
            prediction=prediction,
        )


@dataclass
class Book:
    """One agent's account of the run (wei)."""

    spec: AgentSpec
    address: str
    balance: int
    contributions: int = 0
    refunds: int = 0
    takes: int = 0
    own_sweeps: int = 0
    deposited: int = 0
    refunded: int = 0
    taken: int = 0
    recovered: int = 0
    gas: int = 0
    good: int = 0
    #: Own contributions that others reported (points: settled as bad).
    reported: int = 0
    postponed_price: int = 0
    postponed_funds: int = 0
    #: Own deposits burned by takes made while the model rejected them.
    burned: int = 0
    #: Own samples the model forgot at such a take (forgetting models).
    forgotten: int = 0
    #: Samples not added because the model would still reject them after
    #: learning them (agents that check their samples).
    passed_by: int = 0
    turns_without_a_learnable_sample: int = 0
    prechecks_failed: int = 0
    claim_rounds_without_gas: int = 0
    predictions: int = 0
    correct_predictions: int = 0


@dataclass
class SimulationResult:
    config: dict[str, Any]
    dataset_name: str
    backend: str
    sizes: dict[str, int]
    baseline_accuracy: float
    accuracy_initial: float
    accuracy_final: float
    series: list[dict[str, Any]]
    agents: dict[str, dict[str, Any]]
    transactions: dict[str, int]
    simulated_s: int
    runtime_s: float
    interrupted: bool
    stop_reason: str
    balance_check: dict[str, Any]
    problems: list[str]
    trainer: dict[str, Any]


class StopFlag:
    """Set to end a run early; the run finishes its current event and
    still returns (and writes) everything it has."""

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""

    def request(self, reason: str = "stopped") -> None:
        self.requested = True
        self.reason = self.reason or reason
