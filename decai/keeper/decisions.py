"""What a keeper does with the contributions it sees: pure decisions over plain values.

Nothing here talks to a chain, so every rule is unit-tested directly;
`decai.keeper.runner` gathers the values from the chain, asks these
functions, checks each action with the SDK's pre-checks and sends it.

For one account `me` on one trainer, at time `now` (the pending block's
timestamp):

- **refund** each of its own contributions once the refund wait is over and
  the model agrees with its label (points trainers: claim its point).
  A refund costs gas but returns the deposit and counts a good
  contribution, which is what gives reports their share, so it is always
  worth it;
- **report** someone else's contribution that the model disagrees with,
  when what the report would take exceeds its gas cost by the user's
  margin (`take >= gas * (1 + margin)`);
- **sweep** what is left of any contribution once the claim wait that lets
  `me` take everything is over (the owner's, or anyone's), under the same
  margin rule. A sweep does not depend on the model.

An action already done (the keeper's own record) or that the chain shows
as done (refunded, claimed by `me`) is never proposed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from decai.core.mechanisms import take_paid

REFUND = "refund"
REPORT = "report"
SWEEP = "sweep"
KINDS = (REFUND, REPORT, SWEEP)


@dataclass(frozen=True)
class Rules:
    """A trainer's claim rules (seconds) and its owner."""

    mechanism: str  # "deposit" or "points"
    refund_wait_s: int
    owner_claim_wait_s: int = 0
    any_address_claim_wait_s: int = 0
    owner: str = ""

    @property
    def points(self) -> bool:
        return self.mechanism == "points"


@dataclass(frozen=True)
class Policy:
    """What the keeper's user lets it do."""

    refunds: bool = True
    reports: bool = True
    sweeps: bool = True
    #: A report or sweep is sent only if its take >= gas cost * (1 + margin).
    margin: float = 0.2


@dataclass(frozen=True)
class Seen:
    """One contribution as the keeper sees it now (wei, seconds)."""

    key: str
    author: str
    label: int
    added_time: int
    initial_deposit: int
    claimable: int
    refunded: bool
    claim_count: int = 0
    claimed_by_me: bool = False
    #: The model's prediction for the sample now (None: not asked).
    prediction: int | None = None
    #: What a report or sweep by `me` would take now (None: not computed).
    take: int | None = None


@dataclass(frozen=True)
class Action:
    kind: str
    key: str
    #: Wei the action is expected to pay `me` (0 for points).
    expected: int = 0
    #: Wei of gas it is expected to cost.
    gas_cost: int = 0


def take_stage(seen: Seen, now: int, rules: Rules, me: str) -> str | None:
    """REPORT or SWEEP: how `me` could take from `seen` now (ignoring the
    model), or None when it cannot take from it at all now."""
    if rules.points:
        return None if seen.author == me or seen.refunded or seen.claim_count else REPORT
    age = now - seen.added_time
    if age < rules.refund_wait_s or seen.claimable == 0 or seen.claimed_by_me:
        return None
    if age >= rules.any_address_claim_wait_s or (age >= rules.owner_claim_wait_s and me == rules.owner):
        return SWEEP
    return None if seen.author == me else REPORT


def can_refund(seen: Seen, now: int, rules: Rules, me: str) -> bool:
    """Whether a refund of `seen` by `me` is open now, if the model agrees."""
    if seen.author != me or now - seen.added_time < rules.refund_wait_s:
        return False
    if rules.points:
        return not seen.refunded and seen.claim_count == 0
    return not seen.refunded and (seen.claimable > 0 or seen.initial_deposit == 0)


def finished(seen: Seen, now: int, rules: Rules, me: str) -> bool:
    """Whether `me` can never act on `seen` again (the keeper stops looking)."""
    if rules.points:
        return seen.refunded or seen.claim_count > 0
    if seen.claimed_by_me:
        return True
    # A free contribution (no deposit) of `me` can still be refunded to count as good.
    free_refund = seen.author == me and not seen.refunded and seen.initial_deposit == 0
    return seen.claimable == 0 and not free_refund


def wants_prediction(seen: Seen, now: int, rules: Rules, me: str, policy: Policy) -> bool:
    """Whether deciding about `seen` needs the model's prediction now."""
    if now - seen.added_time < rules.refund_wait_s:
        return False
    if policy.refunds and can_refund(seen, now, rules, me):
        return True
    return policy.reports and take_stage(seen, now, rules, me) == REPORT


def wants_take(seen: Seen, now: int, rules: Rules, me: str, policy: Policy) -> bool:
    """Whether the take of `seen` should be computed (a report or sweep is possible)."""
    stage = take_stage(seen, now, rules, me)
    if stage == SWEEP:
        return policy.sweeps
    if stage == REPORT:
        return policy.reports and seen.prediction is not None and seen.prediction != seen.label
    return False


def pays(take: int, gas_cost: int, margin: float) -> bool:
    """Whether taking `take` wei for `gas_cost` wei of gas clears the margin."""
    return take > 0 and take >= gas_cost * (1 + margin)


def decide(
    me: str,
    now: int,
    seen: Iterable[Seen],
    rules: Rules,
    policy: Policy,
    gas_cost: Mapping[str, int],
    done: Mapping[str, Iterable[str]] | None = None,
) -> list[Action]:
    """The actions `me` takes now: refunds first (each adds a good
    contribution, which the reports' shares depend on), then reports and
    sweeps. `gas_cost`: wei one action of each kind costs now; `done`:
    the kinds of action already sent per key."""
    done = done or {}
    refunds: list[Action] = []
    takes: list[Action] = []
    for item in seen:
        already = set(done.get(item.key, ()))
        if REFUND not in already and policy.refunds and can_refund(item, now, rules, me):
            if item.prediction is not None and item.prediction == item.label:
                refunds.append(Action(REFUND, item.key, 0 if rules.points else item.claimable, gas_cost.get(REFUND, 0)))
                continue
            # The model rejects it: once the claim waits are over, the author
            # may still sweep what is left, like anyone.
        if already & {REPORT, SWEEP}:
            continue
        stage = take_stage(item, now, rules, me)
        if stage is None or not wants_take(item, now, rules, me, policy):
            continue
        if rules.points:
            takes.append(Action(REPORT, item.key, 0, gas_cost.get(REPORT, 0)))
            continue
        cost = gas_cost.get(stage, 0)
        if item.take is not None and pays(item.take, cost, policy.margin):
            takes.append(Action(stage, item.key, item.take, cost))
    return refunds + takes


def next_refund_opening(me: str, now: int, seen: Iterable[Seen], rules: Rules) -> int | None:
    """When the next of `me`'s own refunds opens (None: none pending)."""
    times = [
        item.added_time + rules.refund_wait_s
        for item in seen
        if item.author == me and not item.refunded and item.added_time + rules.refund_wait_s > now
    ]
    return min(times, default=None)


def report_take(initial_deposit: int, claimable: int, reporter_good: int, total_good: int) -> int:
    """What a report pays, as the deposit contract computes it from its views
    (`contribution`, `good_contributions`, `total_good_contributions`): the
    reporter's share of the initial deposit, capped at what is left, is
    removed, and half of it is paid (a report needs the model to reject the
    sample). The one place the keeper mirrors the contract's share rule."""
    if reporter_good == 0 or total_good == 0:
        return 0
    return take_paid(min(initial_deposit * reporter_good // total_good, claimable), model_agrees=False)


__all__ = [
    "KINDS",
    "REFUND",
    "REPORT",
    "SWEEP",
    "Action",
    "Policy",
    "Rules",
    "Seen",
    "can_refund",
    "decide",
    "finished",
    "next_refund_opening",
    "pays",
    "report_take",
    "take_stage",
    "wants_prediction",
    "wants_take",
]
