"""Incentive mechanisms: their parameters, and a Python model of each.

The models follow the contracts rule for rule and raise `Rejected` with the
contract's exact revert reason, so property tests can check that the chain
and the model agree on every outcome, and simulations can plan ahead.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from math import isqrt
from typing import Any

from decai.errors import DecaiError, Rejected
from decai.units import DAY

DEPOSIT_SCALE_S = 3600
MAX_DEPOSIT = 2**96 - 1
# The square root of the elapsed time is taken to 9 decimals.
ROOT_SCALE = 10**9
# Each accepted contribution moves the price clock 7/10 of the way to now,
# so one addition raises the price at most sqrt(10/3) = 1.83 times.
CLOCK_STEP_TENTHS = 7


def advance_clock(clock: int, now: int) -> int:
    """The price clock after a contribution accepted at `now`."""
    return clock + (now - clock) * CLOCK_STEP_TENTHS // 10


@dataclass(frozen=True)
class DepositParameters:
    """Deposit, refund and take (see contracts/lib/mechanisms/deposit.vy).

    refund_wait_s < owner_claim_wait_s <= any_address_claim_wait_s: the
    refund window must close strictly before anyone else may sweep, or the
    owner (or anyone) could take an honest deposit in the block its refund
    opens;
    cost_weight in wei (the deposit is cost_weight * 3600 / sqrt(seconds on
    the price clock), rounded up; one update per hour costs about
    cost_weight * 60; each addition moves the clock 7/10 of the way to now).
    """

    refund_wait_s: int = DAY
    owner_claim_wait_s: int = 10 * DAY
    any_address_claim_wait_s: int = 20 * DAY
    cost_weight: int = 10**15

    mechanism = "deposit"

    def __post_init__(self) -> None:
        for name in ("refund_wait_s", "owner_claim_wait_s", "any_address_claim_wait_s", "cost_weight"):
            if getattr(self, name) < 0:
                raise DecaiError(f"{name} must not be negative")
        if self.refund_wait_s >= self.owner_claim_wait_s:
            # The contract: "deposit: owner wait must exceed refund wait".
            raise DecaiError(
                "owner_claim_wait_s must exceed refund_wait_s (else the owner could race the author's refund)"
            )
        if self.owner_claim_wait_s > self.any_address_claim_wait_s:
            raise DecaiError("owner_claim_wait_s must not exceed any_address_claim_wait_s")
        if self.cost_weight > MAX_DEPOSIT // DEPOSIT_SCALE_S:
            raise DecaiError(f"cost_weight must be at most {MAX_DEPOSIT // DEPOSIT_SCALE_S} wei")

    def constructor_args(self) -> list[int]:
        return [self.refund_wait_s, self.owner_claim_wait_s, self.any_address_claim_wait_s, self.cost_weight]

    def deposit(self, now: int, last_update_time: int) -> int:
        """The deposit `add_data` requires in a block with timestamp `now`
        (`last_update_time` is the contract's price clock)."""
        if self.cost_weight == 0:
            return 0
        root = isqrt(max(1, now - last_update_time) * ROOT_SCALE * ROOT_SCALE)
        return -(-self.cost_weight * DEPOSIT_SCALE_S * ROOT_SCALE // root)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            "refund_wait_s": self.refund_wait_s,
            "owner_claim_wait_s": self.owner_claim_wait_s,
            "any_address_claim_wait_s": self.any_address_claim_wait_s,
            "cost_weight": self.cost_weight,
        }


@dataclass
class _Record:
    author: Hashable
    added_time: int
    initial_deposit: int
    claimable: int
    claim_count: int = 0
    refunded: bool = False
    claimed_by: set = field(default_factory=set)


def take_paid(removed: int, model_agrees: bool) -> int:
    """Wei a take (report or sweep) that removes `removed` from a deposit
    pays: all of it while the model agrees with the sample, else half,
    rounded down; the rest is burned (stays in the contract, owed to no
    one)."""
    return removed if model_agrees else removed // 2


def take_forgets(model_forgets: bool, first_claim: bool, burned: int) -> bool:
    """Whether a take removed its sample from the model, as a deposit
    trainer does: its model can forget (`Model.forgets_taken`), the take was
    the contribution's first claim, and it burned part of the deposit (so
    the model rejected the sample; a take while the model agrees takes
    everything and burns nothing, so no later take is a first one)."""
    return model_forgets and first_claim and burned > 0


class DepositLedger:
    """The deposit mechanism's bookkeeping, in Python.

    Contributions are identified by whatever hashable key the caller uses
    (normally the on-chain key). `model_agrees` is supplied by the caller,
    who knows the model's prediction at that moment.
    """

    def __init__(self, parameters: DepositParameters, owner: Hashable, deployed_at: int):
        self.parameters = parameters
        self.owner = owner
        self.last_update_time = deployed_at
        self.records: dict[Hashable, _Record] = {}
        self.good: dict[Hashable, int] = {}
        self.total_good = 0
        self.paid_out = 0
        self.deposited = 0
        #: Wei removed by takes but paid to no one (see `report`).
        self.burned = 0

    def next_deposit(self, now: int) -> int:
        return self.parameters.deposit(now, self.last_update_time)

    def held(self) -> int:
        """Wei the contract owes: the sum of everything claimable (its
        balance also keeps what was burned)."""
        return sum(record.claimable for record in self.records.values())

    def add(self, key: Hashable, author: Hashable, now: int, value: int, model_rejects: str | None = None) -> int:
        """`model_rejects`: the model's revert reason for this sample, if it
        refuses it (checked after the deposit and the key, as on chain)."""
        deposit = self.next_deposit(now)
        if value < deposit:
            raise Rejected("deposit: insufficient deposit")
        if key in self.records:
            raise Rejected("data_handler: data already added")
        if model_rejects:
            raise Rejected(model_rejects)
        self.last_update_time = advance_clock(self.last_update_time, now)
        self.records[key] = _Record(author, now, deposit, deposit)
        self.deposited += deposit
        return deposit

    def _record(self, key: Hashable) -> _Record:
        if key not in self.records:
            raise Rejected("data_handler: contribution not found")
        return self.records[key]

    def untaken(self, key: Hashable) -> bool:
        """True until the contribution's first refund or take: a take now,
        while the model rejects the sample, makes a model that can forget
        (`Model.forgets_taken`) forget it, as on chain."""
        return self._record(key).claim_count == 0

    def problem(self, key: Hashable, claimant: Hashable, now: int, model_agrees: bool, refund: bool) -> str | None:
        """The reason a refund (`refund`) or take by `claimant` would be
        refused now, or None; changes nothing."""
        try:
            if refund:
                self._refund_checks(key, now, model_agrees)
            else:
                self._take_amount(key, claimant, now, model_agrees)
        except Rejected as refused:
            return str(refused)
        return None

    def _refund_checks(self, key: Hashable, now: int, model_agrees: bool) -> _Record:
        record = self._record(key)
        if record.refunded:
            raise Rejected("deposit: already refunded")
        if record.claimable == 0 and record.initial_deposit != 0:
            raise Rejected("deposit: nothing left to refund")
        if now - record.added_time < self.parameters.refund_wait_s:
            raise Rejected("deposit: refund wait not over")
        if not model_agrees:
            raise Rejected("deposit: model disagrees with the label")
        return record

    def refund(self, key: Hashable, now: int, model_agrees: bool) -> int:
        record = self._refund_checks(key, now, model_agrees)
        amount = record.claimable
        record.claimable = 0
        record.claim_count += 1
        record.refunded = True
        self.good[record.author] = self.good.get(record.author, 0) + 1
        self.total_good += 1
        self.paid_out += amount
        return amount

    def _take_amount(self, key: Hashable, reporter: Hashable, now: int, model_agrees: bool) -> int:
        record = self._record(key)
        if record.claimable == 0:
            raise Rejected("deposit: nothing left to take")
        if reporter in record.claimed_by:
            raise Rejected("deposit: already claimed")
        age = now - record.added_time
        if age < self.parameters.refund_wait_s:
            raise Rejected("deposit: refund wait not over")
        amount = record.claimable
        take_all = age >= self.parameters.any_address_claim_wait_s or (
            age >= self.parameters.owner_claim_wait_s and reporter == self.owner
        )
        if not take_all:
            if reporter == record.author:
                raise Rejected("deposit: cannot report own contribution")
            if model_agrees:
                raise Rejected("deposit: model agrees with the label")
            reporter_good = self.good.get(reporter, 0)
            if reporter_good == 0:
                raise Rejected("deposit: reporter has no good contributions")
            # Rounded down; a zero share takes nothing, so the amount never
            # falls as the share grows.
            share = record.initial_deposit * reporter_good // self.total_good
            if share == 0:
                raise Rejected("deposit: share rounds to zero")
            amount = min(share, amount)
        return amount

    def report(self, key: Hashable, reporter: Hashable, now: int, model_agrees: bool) -> int:
        amount = self._take_amount(key, reporter, now, model_agrees)
        record = self.records[key]
        record.claimable -= amount
        record.claim_count += 1
        record.claimed_by.add(reporter)
        paid = take_paid(amount, model_agrees)
        self.burned += amount - paid
        self.paid_out += paid
        return paid


# -- points and badges ---------------------------------------------------

BADGES = ("first contribution", "10 points", "100 points", "every label used", "contributions on 7 days")


@dataclass(frozen=True)
class PointsParameters:
    """Points and badges (see contracts/lib/mechanisms/points.vy): no deposit."""

    refund_wait_s: int = 86_400

    mechanism = "points"

    def __post_init__(self) -> None:
        if self.refund_wait_s < 0:
            raise DecaiError("refund_wait_s must not be negative")

    def constructor_args(self) -> list[int]:
        return [self.refund_wait_s]

    def deposit(self, now: int, last_update_time: int) -> int:
        return 0

    def to_dict(self) -> dict[str, Any]:
        return {"mechanism": self.mechanism, "refund_wait_s": self.refund_wait_s}


@dataclass
class AccountStats:
    contributions: int = 0
    points: int = 0
    reported: int = 0
    reports_made: int = 0
    labels_used: int = 0
    last_day: int = 0
    distinct_days: int = 0
    badges: int = 0


class PointsLedger:
    """The points mechanism's bookkeeping, in Python (same rules, same reasons)."""

    def __init__(self, parameters: PointsParameters, num_classes: int):
        self.parameters = parameters
        self.num_classes = num_classes
        self.records: dict[Hashable, dict[str, Any]] = {}
        self.stats: dict[Hashable, AccountStats] = {}
        self.total_good = 0
        self.awarded: list[tuple[Hashable, int]] = []

    def _stats(self, account: Hashable) -> AccountStats:
        return self.stats.setdefault(account, AccountStats())

    def _award(self, account: Hashable, stats: AccountStats, badge: int) -> None:
        if not stats.badges >> badge & 1:
            stats.badges |= 1 << badge
            self.awarded.append((account, badge))

    def add(
        self, key: Hashable, author: Hashable, label: int, now: int, value: int = 0, model_rejects: str | None = None
    ) -> None:
        """`model_rejects`: the model's revert reason for this sample, if any."""
        if key in self.records:
            raise Rejected("data_handler: data already added")
        if value != 0:
            raise Rejected("points: no deposit is taken")
        if model_rejects:
            raise Rejected(model_rejects)
        self.records[key] = {"author": author, "added_time": now, "settled": None}
        stats = self._stats(author)
        stats.contributions += 1
        if label < 64:
            stats.labels_used |= 1 << label
        day = now // DAY
        if stats.contributions == 1 or day != stats.last_day:
            stats.distinct_days += 1
            stats.last_day = day
        self._award(author, stats, 0)
        full = (1 << self.num_classes) - 1
        if self.num_classes <= 64 and stats.labels_used & full == full:
            self._award(author, stats, 3)
        if stats.distinct_days >= 7:
            self._award(author, stats, 4)

    def _settle(self, key: Hashable, now: int) -> dict[str, Any]:
        if key not in self.records:
            raise Rejected("data_handler: contribution not found")
        record = self.records[key]
        if record["settled"] is not None:
            raise Rejected("points: already settled")
        if now - record["added_time"] < self.parameters.refund_wait_s:
            raise Rejected("points: wait not over")
        return record

    def refund(self, key: Hashable, now: int, model_agrees: bool) -> None:
        record = self._settle(key, now)
        if not model_agrees:
            raise Rejected("points: model disagrees with the label")
        record["settled"] = "good"
        stats = self._stats(record["author"])
        stats.points += 1
        if stats.points >= 10:
            self._award(record["author"], stats, 1)
        if stats.points >= 100:
            self._award(record["author"], stats, 2)
        self.total_good += 1

    def report(self, key: Hashable, reporter: Hashable, now: int, model_agrees: bool) -> None:
        record = self._settle(key, now)
        if reporter == record["author"]:
            raise Rejected("points: cannot report own contribution")
        if model_agrees:
            raise Rejected("points: model agrees with the label")
        if self._stats(reporter).points == 0:
            raise Rejected("points: reporter has no points")
        if self._stats(reporter).points < self._stats(record["author"]).points:
            raise Rejected("points: reporter has fewer points than the author")
        record["settled"] = "bad"
        # A report spends one of the reporter's points.
        self._stats(reporter).points -= 1
        self.total_good -= 1
        self._stats(reporter).reports_made += 1
        self._stats(record["author"]).reported += 1
