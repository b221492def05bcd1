"""Agents of the collaborative-training simulation, and what they decide.

Three kinds, after the original paper's experiment:

- **honest**: labels its samples correctly (wrong with probability
  `mistake_rate`), adds one about every `mean_wait_s`;
- **adversary**: gives every sample a wrong label, adds about every
  `mean_wait_s`, and is willing to pay a higher deposit;
- **free rider**: only asks the model for predictions (free view calls).

Every contributing agent claims what the mechanism lets it claim, on its
own clock (every `claim_interval_s`): refunds of its own contributions that
the model agrees with once the refund wait is over, shares of other
people's deposits that the model disagrees with (once it has a good
contribution of its own), and everything left of any contribution after
the any-address wait. Honest agents cannot tell an adversary's mistakes
from anyone else's: they take from every contribution the model rejects.

The contract, not the agent, sets the deposit
(`cost_weight * 3600 / sqrt(seconds on its price clock)`), so an
agent's deposit parameter is the most it will pay for one addition (drawn
per addition from a normal distribution). When the price is higher it
waits until the price falls to what it will pay; when its balance does not
cover the price and a gas reserve, it waits for its next turn.

Under the points mechanism nothing is paid: adding is free, a refund
claims a point for an own contribution the model agrees with, a report
marks someone else's contribution the model disagrees with as bad and
spends one of the reporter's points (it needs at least one, and at least
as many as the author has), and each contribution is settled once, one way
or the other; there is nothing to sweep.

Everything here is a pure decision over plain values: no chain, so the
decisions are unit-tested directly; `decai.simulation.engine` carries them out
as transactions.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from decai.core.mechanisms import DEPOSIT_SCALE_S, ROOT_SCALE, DepositParameters, PointsParameters
from decai.errors import DecaiError
from decai.units import DAY, HOUR, MINUTE

MechanismParameters = DepositParameters | PointsParameters

#: The simulation's unit of money: 10**15 wei (0.001 ether). The original
#: experiment's "50 units" deposit is 0.05 ether here.
UNIT = 10**15

HONEST = "honest"
ADVERSARY = "adversary"
FREE_RIDER = "free_rider"
KINDS = (HONEST, ADVERSARY, FREE_RIDER)

REFUND = "refund"
REPORT = "report"
SWEEP = "sweep"


@dataclass(frozen=True)
class AgentSpec:
    """Who an agent is and how it behaves. Money in wei, times in seconds."""

    name: str
    kind: str
    start_balance: int = 10_000 * UNIT
    #: Mean of the exponential time between two of its actions.
    mean_wait_s: float = 10 * MINUTE
    #: The most it pays for one addition: normal(mean, stdev), drawn per addition.
    max_deposit: int = 50 * UNIT
    max_deposit_stdev: int = 10 * UNIT
    #: Honest agents: probability that a label is wrong by mistake.
    mistake_rate: float = 0.0
    #: How often it looks for refunds and deposits to take.
    claim_interval_s: int = HOUR
    refunds: bool = True
    reports: bool = True
    sweeps: bool = True
    #: Ether kept back for gas: it adds data only if it keeps this much after
    #: the deposit (a node wants gas limit x fee up front: 1 unit per
    #: simulated transaction at the default fee).
    gas_reserve: int = 2 * UNIT
    #: Deposit mechanism: add a sample only if the model, after learning it,
    #: would predict its label (otherwise the deposit is likely taken, half
    #: burned). Default: honest agents check, adversaries do not.
    checks_samples: bool | None = None

    def __post_init__(self) -> None:
        if not self.name or not all(c.isalnum() or c in "-_" for c in self.name):
            raise DecaiError(f"agent name {self.name!r}: use letters, digits, '-' and '_'")
        if self.kind not in KINDS:
            raise DecaiError(f"agent {self.name}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.start_balance < 0 or self.max_deposit < 0 or self.max_deposit_stdev < 0 or self.gas_reserve < 0:
            raise DecaiError(f"agent {self.name}: amounts must not be negative")
        if not self.mean_wait_s > 0 or self.claim_interval_s <= 0:
            raise DecaiError(f"agent {self.name}: mean_wait_s and claim_interval_s must be positive")
        if not 0 <= self.mistake_rate <= 1:
            raise DecaiError(f"agent {self.name}: mistake_rate must be between 0 and 1")
        if self.checks_samples is None:
            object.__setattr__(self, "checks_samples", self.honest)
        elif not isinstance(self.checks_samples, bool):
            raise DecaiError(f"agent {self.name}: checks_samples must be true or false")

    @property
    def honest(self) -> bool:
        return self.kind != ADVERSARY

    @property
    def contributes(self) -> bool:
        return self.kind != FREE_RIDER

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentSpec:
        """An agent from JSON: amounts in wei, or in units with a `_units` suffix
        (`"start_balance_units": 10000`), times in seconds."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key.endswith("_units") and key[: -len("_units")] in known:
                values[key[: -len("_units")]] = int(round(float(value) * UNIT))
            elif key in known:
                values[key] = value
            else:
                raise DecaiError(f"agent {data.get('name', '?')}: unknown parameter {key!r}")
        if "name" not in values or "kind" not in values:
            raise DecaiError("every agent needs a name and a kind")
        return cls(**values)


def honest_agent(name: str = "honest", **changes) -> AgentSpec:
    """The original's good agent: ~50 units every ~10 minutes, rarely wrong."""
    values = dict(mean_wait_s=10 * MINUTE, max_deposit=50 * UNIT, max_deposit_stdev=10 * UNIT, mistake_rate=0.01)
    return AgentSpec(name=name, kind=HONEST, **{**values, **changes})


def adversary_agent(name: str = "adversary", **changes) -> AgentSpec:
    """The original's bad agent: wrong labels, up to ~100 units, about hourly."""
    values = dict(mean_wait_s=HOUR, max_deposit=100 * UNIT, max_deposit_stdev=3 * UNIT)
    return AgentSpec(name=name, kind=ADVERSARY, **{**values, **changes})


def free_rider_agent(name: str = "free-rider", **changes) -> AgentSpec:
    """Asks for a prediction about every 30 minutes and never pays."""
    values = dict(mean_wait_s=30 * MINUTE, max_deposit=0, max_deposit_stdev=0)
    return AgentSpec(name=name, kind=FREE_RIDER, **{**values, **changes})


def default_agents() -> list[AgentSpec]:
    return [honest_agent(), adversary_agent(), free_rider_agent()]


# -- what an agent sees and decides ---------------------------------------------


@dataclass(frozen=True)
class ContributionView:
    """One contribution as an agent sees it when deciding what to claim."""

    key: Any
    author: str  # agent name
    label: int
    added_time: int
    initial_deposit: int
    claimable: int
    refunded: bool
    claimed_by: frozenset = frozenset()
    #: The model's current prediction for the sample (None: not asked).
    prediction: int | None = None

    @property
    def settled(self) -> bool:
        """Points mechanism: refunded (a point) or reported (bad) already."""
        return self.refunded or bool(self.claimed_by)


def is_points(parameters) -> bool:
    """Whether `parameters` are the points mechanism's (no deposits)."""
    return getattr(parameters, "mechanism", "deposit") == "points"


@dataclass(frozen=True)
class Claim:
    kind: str  # REFUND, REPORT or SWEEP
    key: Any


@dataclass(frozen=True)
class Addition:
    """The decision at an agent's turn to add data.

    `add`: send it now for `price`; otherwise wait until `retry_at`
    (None: until the next turn), for the reason in `reason`.
    """

    add: bool
    price: int
    retry_at: int | None = None
    reason: str = ""


def affordable_at(parameters: DepositParameters, last_update_time: int, willing: int) -> int | None:
    """The first time at which the deposit is at most `willing`, if nobody
    else adds data meanwhile (None: never, i.e. it will not pay anything).

    deposit = ceil(A * R / r) with A = cost_weight * 3600, R = 10**9 and
    r = isqrt(dt * R**2); ceil(A * R / r) <= W exactly when r >= s with
    s = ceil(A * R / W), and isqrt(dt * R**2) >= s when dt >= ceil(s**2 / R**2).
    """
    if getattr(parameters, "cost_weight", 0) == 0:  # points, or free deposits
        return last_update_time
    if willing <= 0:
        return None
    scale = parameters.cost_weight * DEPOSIT_SCALE_S * ROOT_SCALE
    root = -(-scale // willing)
    return last_update_time + -(-(root * root) // (ROOT_SCALE * ROOT_SCALE))


class Agent:
    """An agent's behaviour: its spec, its random source and its plans."""

    def __init__(self, spec: AgentSpec, rng: random.Random):
        self.spec = spec
        self.rng = rng
        #: The deposit it settled on for an addition it is waiting to make.
        self.pending_willingness: int | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    # -- timing -----------------------------------------------------------------
    def next_delay(self) -> int:
        """Seconds until its next action: exponential, at least 1."""
        return max(1, int(round(self.rng.expovariate(1.0 / self.spec.mean_wait_s))))

    # -- labels -----------------------------------------------------------------
    def label_for(self, true_label: int, num_classes: int) -> int:
        """The label it gives a sample whose true label is `true_label`."""
        wrong = self.spec.kind == ADVERSARY or (
            self.spec.kind == HONEST and self.spec.mistake_rate > 0 and self.rng.random() < self.spec.mistake_rate
        )
        if not wrong or num_classes < 2:
            return true_label
        # Any other label, uniformly (the other one, for two classes).
        return (true_label + 1 + self.rng.randrange(num_classes - 1)) % num_classes

    # -- money --------------------------------------------------------------------
    def willingness(self) -> int:
        """The most it pays for its next addition (kept until it adds)."""
        if self.pending_willingness is None:
            drawn = self.rng.normalvariate(self.spec.max_deposit, self.spec.max_deposit_stdev)
            self.pending_willingness = max(0, int(drawn))
        return self.pending_willingness

    def decide_addition(
        self, now: int, balance: int, parameters: MechanismParameters, last_update_time: int
    ) -> Addition:
        """Add now, or wait: for a lower price, or for money."""
        price = parameters.deposit(now, last_update_time)
        willing = self.willingness()
        if price > willing:
            retry = affordable_at(parameters, last_update_time, willing)
            if retry is None:
                return Addition(False, price, None, "will not pay any deposit")
            return Addition(False, price, max(retry, now + 1), "price above what it will pay")
        if balance < price + self.spec.gas_reserve:
            return Addition(False, price, None, "balance too low")
        self.pending_willingness = None
        return Addition(True, price)

    # -- claims -------------------------------------------------------------------
    def wants_prediction(self, view: ContributionView, now: int, parameters: MechanismParameters) -> bool:
        """Whether `view` could be worth a claim now, so the model should be asked."""
        age = now - view.added_time
        if age < parameters.refund_wait_s:
            return False
        own = view.author == self.name
        if is_points(parameters):
            return not view.settled and (self.spec.refunds if own else self.spec.reports)
        if own and self.spec.refunds and not view.refunded and (view.claimable > 0 or view.initial_deposit == 0):
            return True
        if view.claimable == 0 or self.name in view.claimed_by:
            return False
        if self.spec.sweeps and age >= parameters.any_address_claim_wait_s:
            return False  # a sweep does not depend on the model
        return self.spec.reports and not own

    def choose_claims(
        self,
        now: int,
        views: Iterable[ContributionView],
        parameters: MechanismParameters,
        good_contributions: int,
        points_of: Mapping[str, int] | None = None,
    ) -> list[Claim]:
        """What it claims now, refunds first (they count as good
        contributions, which give reports their share). Under the points
        mechanism a report needs at least as many points as the author has
        (`points_of`: every agent's points now) and spends one of them."""
        refunds: list[Claim] = []
        takes: list[Claim] = []
        good = good_contributions
        candidates: list[ContributionView] = []
        for view in views:
            age = now - view.added_time
            if age < parameters.refund_wait_s:
                continue
            own = view.author == self.name
            agrees = view.prediction == view.label
            if is_points(parameters):
                if view.settled or view.prediction is None:
                    continue
                if own and self.spec.refunds and agrees:
                    refunds.append(Claim(REFUND, view.key))
                    good += 1
                elif not own and self.spec.reports and not agrees:
                    candidates.append(view)  # decided once this round's points are counted
                continue
            if (
                own
                and self.spec.refunds
                and not view.refunded
                and (view.claimable > 0 or view.initial_deposit == 0)
                and view.prediction is not None
                and agrees
            ):
                refunds.append(Claim(REFUND, view.key))
                good += 1
                continue
            if view.claimable == 0 or self.name in view.claimed_by:
                continue
            if self.spec.sweeps and age >= parameters.any_address_claim_wait_s:
                takes.append(Claim(SWEEP, view.key))
            elif self.spec.reports and not own and view.prediction is not None and not agrees:
                takes.append(Claim(REPORT, view.key))
        if good == 0:
            takes = [claim for claim in takes if claim.kind == SWEEP]
        for view in candidates:
            # Each report spends one of the reporter's points, and needs at
            # least as many as the author has.
            if good > 0 and (points_of is None or good >= points_of.get(view.author, 0)):
                takes.append(Claim(REPORT, view.key))
                good -= 1
        return refunds + takes


def make_agents(specs: Sequence[AgentSpec], seed: int) -> list[Agent]:
    """One agent per spec, each with its own random source derived from `seed`."""
    names = [spec.name for spec in specs]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise DecaiError(f"agent names must be distinct: {', '.join(duplicates)} repeated")
    return [Agent(spec, random.Random(f"{seed}:{spec.name}")) for spec in specs]


def load_agent_specs(data: Any) -> list[AgentSpec]:
    """Agents from parsed JSON: a list of agent objects (see AgentSpec.from_dict)."""
    if not isinstance(data, list) or not data:
        raise DecaiError("an agents file holds a non-empty JSON list of agents")
    return [AgentSpec.from_dict(item) for item in data]


def describe(spec: AgentSpec) -> str:
    """A one-line description for the console and the summary."""
    if spec.kind == FREE_RIDER:
        return f"predicts about every {_human(spec.mean_wait_s)}, pays nothing"
    labels = (
        "wrong labels"
        if spec.kind == ADVERSARY
        else (f"correct labels ({spec.mistake_rate:.0%} mistakes)" if spec.mistake_rate else "correct labels")
    )
    return (
        f"{labels}, adds about every {_human(spec.mean_wait_s)}, pays up to ~{spec.max_deposit / UNIT:g} units, "
        f"starts with {spec.start_balance / UNIT:g} units"
    )


def _human(seconds: float) -> str:
    if seconds >= DAY and seconds % DAY == 0:
        return f"{seconds / DAY:g} d"
    if seconds >= HOUR:
        return f"{seconds / HOUR:g} h"
    if seconds >= MINUTE:
        return f"{seconds / MINUTE:g} min"
    return f"{seconds:g} s"


__all__ = [
    "ADVERSARY",
    "Addition",
    "Agent",
    "AgentSpec",
    "Claim",
    "ContributionView",
    "DAY",
    "FREE_RIDER",
    "HONEST",
    "HOUR",
    "MINUTE",
    "REFUND",
    "REPORT",
    "SWEEP",
    "UNIT",
    "adversary_agent",
    "affordable_at",
    "default_agents",
    "describe",
    "free_rider_agent",
    "honest_agent",
    "is_points",
    "load_agent_specs",
    "make_agents",
]
