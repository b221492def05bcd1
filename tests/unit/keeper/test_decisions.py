"""The keeper's decisions, tested directly (no chain)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from decai.keeper import decisions as d
from decai.keeper.markets import PROCESS, WITHDRAW, market_action
from decai.units import DAY

ME, OTHER, OWNER = "0xme", "0xother", "0xowner"
RULES = d.Rules("deposit", DAY, 10 * DAY, 20 * DAY, OWNER)
POINTS = d.Rules("points", DAY, owner=OWNER)
T0 = 1_000_000
DEPOSIT = 10**16
GAS = {d.REFUND: 10**14, d.REPORT: 10**14, d.SWEEP: 10**14}


def seen(author=ME, label=1, prediction=1, claimable=DEPOSIT, take=None, **changes) -> d.Seen:
    values = dict(
        key=f"0x{author}{label}",
        author=author,
        label=label,
        added_time=T0,
        initial_deposit=DEPOSIT,
        claimable=claimable,
        refunded=False,
        prediction=prediction,
        take=take,
    )
    return d.Seen(**{**values, **changes})


DEFAULT = d.Policy()


def decide(items, now, rules=RULES, policy=DEFAULT, done=None, me=ME):
    return d.decide(me, now, items, rules, policy, GAS, done)


def test_refund__as_the_wait_ends__is_sent_with_the_claimable_amount():
    assert decide([seen()], T0 + DAY - 1) == []
    assert decide([seen()], T0 + DAY) == [d.Action(d.REFUND, "0x0xme1", DEPOSIT, GAS[d.REFUND])]


def test_refund__model_disagrees_or_unknown__is_not_sent():
    assert decide([seen(prediction=0)], T0 + DAY) == []
    assert decide([seen(prediction=None)], T0 + DAY) == []


def test_refund__already_refunded_or_taken_empty_or_done__is_not_sent():
    assert decide([seen(refunded=True, claimable=0)], T0 + DAY) == []
    assert decide([seen(claimable=0)], T0 + DAY) == []
    assert decide([seen()], T0 + DAY, done={"0x0xme1": [d.REFUND]}) == []


def test_refund__free_contribution__is_still_sent_to_count_as_good():
    free = seen(initial_deposit=0, claimable=0)
    assert [a.kind for a in decide([free], T0 + DAY)] == [d.REFUND]
    assert not d.finished(free, T0 + DAY, RULES, ME)
    assert d.finished(replace(free, refunded=True), T0 + DAY, RULES, ME)


def test_refund__turned_off_by_policy__is_not_sent():
    assert decide([seen()], T0 + DAY, policy=d.Policy(refunds=False)) == []


def test_report__take_clears_the_margin__is_sent_and_below_it_is_not():
    bad = seen(author=OTHER, prediction=0, take=3 * 10**14)
    assert decide([bad], T0 + DAY, policy=d.Policy(margin=1.0)) == [
        d.Action(d.REPORT, bad.key, 3 * 10**14, GAS[d.REPORT])
    ]
    assert decide([bad], T0 + DAY, policy=d.Policy(margin=2.0)) == [
        d.Action(d.REPORT, bad.key, 3 * 10**14, GAS[d.REPORT])
    ]
    assert decide([bad], T0 + DAY, policy=d.Policy(margin=2.01)) == []


def test_report__model_agrees_or_too_early_or_claimed_or_done__is_not_sent():
    bad = seen(author=OTHER, prediction=0, take=DEPOSIT)
    assert decide([replace(bad, prediction=1)], T0 + DAY) == []
    assert decide([bad], T0 + DAY - 1) == []
    assert decide([replace(bad, claimed_by_me=True)], T0 + DAY) == []
    assert decide([bad], T0 + DAY, done={bad.key: [d.REPORT]}) == []
    assert decide([replace(bad, take=0)], T0 + DAY) == []


def test_report__own_contribution_the_model_rejects__is_never_reported():
    assert decide([seen(prediction=0, take=DEPOSIT)], T0 + DAY) == []


def test_sweep__after_anyones_wait__takes_what_is_left_whatever_the_model_says():
    left = seen(author=OTHER, prediction=None, take=DEPOSIT // 2, claimable=DEPOSIT // 2)
    assert decide([left], T0 + 20 * DAY - 1) == []
    assert decide([left], T0 + 20 * DAY) == [d.Action(d.SWEEP, left.key, DEPOSIT // 2, GAS[d.SWEEP])]
    assert decide([left], T0 + 20 * DAY, policy=d.Policy(sweeps=False)) == []


def test_sweep__owner__may_sweep_after_the_owners_wait():
    left = seen(author=OTHER, prediction=None, take=DEPOSIT)
    assert d.take_stage(left, T0 + 10 * DAY, RULES, OWNER) == d.SWEEP
    assert d.take_stage(left, T0 + 10 * DAY, RULES, ME) == d.REPORT


def test_sweep__own_contribution_not_refunded__is_recovered_after_anyones_wait():
    mine = seen(prediction=0, take=DEPOSIT)
    assert decide([mine], T0 + 20 * DAY) == [d.Action(d.SWEEP, mine.key, DEPOSIT, GAS[d.SWEEP])]


def test_decide__refunds_come_before_takes():
    items = [seen(author=OTHER, prediction=0, take=DEPOSIT), seen()]
    assert [a.kind for a in decide(items, T0 + DAY)] == [d.REFUND, d.REPORT]


def test_points__point_claimed_and_bad_contribution_reported_without_a_margin():
    mine, theirs = seen(), seen(author=OTHER, prediction=0)
    assert [a.kind for a in decide([mine, theirs], T0 + DAY, rules=POINTS)] == [d.REFUND, d.REPORT]
    settled = replace(theirs, claim_count=1)
    assert decide([settled], T0 + DAY, rules=POINTS) == []
    assert d.finished(settled, T0 + DAY, POINTS, ME)


def test_finished__claimed_or_empty__stops_the_keeper_looking():
    assert d.finished(seen(author=OTHER, claimed_by_me=True), T0, RULES, ME)
    assert d.finished(seen(author=OTHER, claimable=0), T0, RULES, ME)
    assert not d.finished(seen(author=OTHER), T0, RULES, ME)
    assert not d.finished(seen(), T0, RULES, ME)


def test_wants_prediction__only_for_refunds_and_reports_that_are_open():
    assert not d.wants_prediction(seen(), T0 + DAY - 1, RULES, ME, d.Policy())
    assert d.wants_prediction(seen(), T0 + DAY, RULES, ME, d.Policy())
    assert d.wants_prediction(seen(author=OTHER), T0 + DAY, RULES, ME, d.Policy())
    assert not d.wants_prediction(seen(author=OTHER), T0 + DAY, RULES, ME, d.Policy(reports=False))
    assert not d.wants_prediction(seen(author=OTHER), T0 + 20 * DAY, RULES, ME, d.Policy())


@pytest.mark.parametrize(
    ("initial", "claimable", "good", "total", "take"),
    [(100, 100, 1, 4, 12), (100, 10, 1, 4, 5), (100, 100, 0, 4, 0), (3, 3, 1, 4, 0), (100, 100, 4, 4, 50)],
)
def test_report_take__half_the_share_capped_at_what_is_left(initial, claimable, good, total, take):
    """A report needs the model to reject the sample, so it pays half of what it removes."""
    assert d.report_take(initial, claimable, good, total) == take


def test_take_paid__in_full_while_the_model_agrees__else_half_rounded_down():
    from decai.core.mechanisms import take_paid

    assert (take_paid(101, True), take_paid(101, False), take_paid(1, False)) == (101, 50, 0)


def test_next_refund_opening__earliest_pending_own_refund():
    items = [seen(), seen(added_time=T0 + 5, key="b"), seen(author=OTHER), seen(refunded=True, key="c")]
    assert d.next_refund_opening(ME, T0, items, RULES) == T0 + DAY
    assert d.next_refund_opening(ME, T0 + DAY, items, RULES) == T0 + DAY + 5
    assert d.next_refund_opening(ME, T0 + DAY + 5, items, RULES) is None


@pytest.mark.parametrize(
    ("phase", "deadline", "owed", "action"),
    [
        ("participation", 0, 0, None),
        ("reveal", T0 + 1, 0, None),
        ("reveal", T0, 0, PROCESS),
        ("processing", 0, 5, PROCESS),
        ("finished", 0, 5, WITHDRAW),
        ("cancelled", 0, 5, WITHDRAW),
        ("finished", 0, 0, None),
    ],
)
def test_market_action__processes_then_withdraws(phase, deadline, owed, action):
    assert market_action(phase, deadline, T0, owed) == action
