"""The simulation agents' decisions, without a chain."""

import json
import random
from statistics import mean

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decai.core.mechanisms import DepositParameters, PointsParameters
from decai.errors import DecaiError
from decai.simulation.agents import (
    ADVERSARY,
    DAY,
    HONEST,
    HOUR,
    REFUND,
    REPORT,
    SWEEP,
    UNIT,
    Agent,
    AgentSpec,
    ContributionView,
    adversary_agent,
    affordable_at,
    describe,
    free_rider_agent,
    honest_agent,
    load_agent_specs,
    make_agents,
)

PARAMETERS = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=9 * DAY, any_address_claim_wait_s=9 * DAY, cost_weight=3 * UNIT // 10
)
POINTS = PointsParameters(refund_wait_s=DAY)
T0 = 1_000_000


def agent(spec: AgentSpec, seed: int = 0) -> Agent:
    return Agent(spec, random.Random(seed))


def view(
    author="bob",
    label=1,
    age=DAY,
    prediction=1,
    claimable=50 * UNIT,
    deposit=50 * UNIT,
    refunded=False,
    claimed_by=(),
    key=None,
):
    return ContributionView(
        key=key or f"{author}-{label}-{age}-{prediction}",
        author=author,
        label=label,
        added_time=T0 - age,
        initial_deposit=deposit,
        claimable=claimable,
        refunded=refunded,
        claimed_by=frozenset(claimed_by),
        prediction=prediction,
    )


def kinds(claims):
    return [claim.kind for claim in claims]


# -- the price and when it becomes affordable --------------------------------------------


@given(
    cost_weight=st.integers(1, 10**16),
    willing=st.integers(1, 10**20),
    last_update=st.integers(0, 10**9),
)
def test_affordable_at__is_the_first_second_the_deposit_fits(cost_weight, willing, last_update):
    parameters = DepositParameters(cost_weight=cost_weight)
    when = affordable_at(parameters, last_update, willing)
    assert parameters.deposit(when, last_update) <= willing
    if when - 1 > last_update:
        assert parameters.deposit(when - 1, last_update) > willing


def test_affordable_at__nothing_willing__never():
    assert affordable_at(PARAMETERS, T0, 0) is None


def test_affordable_at__free_mechanism__at_once():
    assert affordable_at(DepositParameters(cost_weight=0), T0, 0) == T0


def test_decide_addition__price_above_willingness__waits_until_affordable_with_the_same_willingness():
    honest = agent(honest_agent(max_deposit_stdev=0))
    decision = honest.decide_addition(T0 + 60, 10_000 * UNIT, PARAMETERS, last_update_time=T0)
    assert not decision.add
    assert decision.price == PARAMETERS.deposit(T0 + 60, T0)
    assert decision.retry_at == affordable_at(PARAMETERS, T0, 50 * UNIT)
    assert PARAMETERS.deposit(decision.retry_at, T0) <= 50 * UNIT
    assert honest.pending_willingness == 50 * UNIT
    later = honest.decide_addition(decision.retry_at, 10_000 * UNIT, PARAMETERS, last_update_time=T0)
    assert later.add and later.price <= 50 * UNIT
    assert honest.pending_willingness is None  # the next addition draws again


def test_decide_addition__affordable__adds_at_the_contract_price():
    decision = agent(honest_agent()).decide_addition(T0 + HOUR, 10_000 * UNIT, PARAMETERS, last_update_time=T0)
    assert decision.add
    assert decision.price == PARAMETERS.deposit(T0 + HOUR, T0) == 18 * UNIT


def test_decide_addition__balance_short_of_price_and_gas_reserve__waits_for_its_next_turn():
    spec = honest_agent(gas_reserve=UNIT)
    price = PARAMETERS.deposit(T0 + HOUR, T0)
    short = agent(spec).decide_addition(T0 + HOUR, price + UNIT - 1, PARAMETERS, last_update_time=T0)
    assert (short.add, short.retry_at, short.reason) == (False, None, "balance too low")
    enough = agent(spec).decide_addition(T0 + HOUR, price + UNIT, PARAMETERS, last_update_time=T0)
    assert enough.add


def test_decide_addition__adversary_pays_what_the_honest_agent_will_not():
    now = T0 + 200  # 0.3 units * 3600 / isqrt(200) = 77 units
    price = PARAMETERS.deposit(now, T0)
    assert 50 * UNIT < price < 97 * UNIT
    assert not agent(honest_agent(max_deposit_stdev=0)).decide_addition(now, 10_000 * UNIT, PARAMETERS, T0).add
    assert agent(adversary_agent(max_deposit_stdev=0)).decide_addition(now, 10_000 * UNIT, PARAMETERS, T0).add


# -- timing and labels ----------------------------------------------------------------------


def test_next_delay__exponential_with_the_given_mean():
    honest = agent(honest_agent(mean_wait_s=600), seed=3)
    delays = [honest.next_delay() for _ in range(4000)]
    assert min(delays) >= 1
    assert 570 < mean(delays) < 630
    # Exponential: about 1 - 1/e of the waits are shorter than the mean.
    assert 0.60 < sum(d < 600 for d in delays) / len(delays) < 0.66


def test_label_for__honest_without_mistakes__always_true():
    honest = agent(honest_agent(mistake_rate=0))
    assert all(honest.label_for(label, 2) == label for label in [0, 1] * 200)


def test_label_for__honest_mistakes__at_the_given_rate():
    honest = agent(honest_agent(mistake_rate=0.1), seed=5)
    wrong = sum(honest.label_for(1, 2) != 1 for _ in range(5000))
    assert 400 < wrong < 600


def test_label_for__adversary__never_the_true_label_and_every_other_one():
    adversary = agent(adversary_agent())
    assert [adversary.label_for(label, 2) for label in (0, 1)] == [1, 0]
    given = {adversary.label_for(2, 4) for _ in range(200)}
    assert given == {0, 1, 3}


# -- claims ---------------------------------------------------------------------------------


def test_choose_claims__own_after_refund_wait_model_agrees__refund():
    honest = agent(honest_agent(name="alice"))
    assert kinds(honest.choose_claims(T0, [view("alice", age=DAY)], PARAMETERS, 0)) == [REFUND]


def test_choose_claims__own_before_refund_wait__nothing():
    honest = agent(honest_agent(name="alice"))
    assert honest.choose_claims(T0, [view("alice", age=DAY - 1)], PARAMETERS, 5) == []


def test_choose_claims__own_model_disagrees__waits_then_sweeps_what_is_left():
    honest = agent(honest_agent(name="alice"))
    early = view("alice", age=5 * DAY, prediction=0)
    late = view("alice", age=9 * DAY, prediction=0)
    assert honest.choose_claims(T0, [early], PARAMETERS, 5) == []
    assert kinds(honest.choose_claims(T0, [late], PARAMETERS, 5)) == [SWEEP]


def test_choose_claims__other_model_disagrees__report_only_with_a_good_contribution():
    honest = agent(honest_agent(name="alice"))
    bad = view("mallory", prediction=0)
    assert honest.choose_claims(T0, [bad], PARAMETERS, 0) == []
    assert kinds(honest.choose_claims(T0, [bad], PARAMETERS, 1)) == [REPORT]


def test_choose_claims__a_refund_in_the_same_round_enables_reports_and_comes_first():
    honest = agent(honest_agent(name="alice"))
    claims = honest.choose_claims(T0, [view("mallory", prediction=0), view("alice")], PARAMETERS, 0)
    assert kinds(claims) == [REFUND, REPORT]


def test_choose_claims__other_model_agrees__nothing_until_the_sweep():
    honest = agent(honest_agent(name="alice"))
    assert honest.choose_claims(T0, [view("bob", age=2 * DAY)], PARAMETERS, 3) == []
    assert kinds(honest.choose_claims(T0, [view("bob", age=9 * DAY)], PARAMETERS, 3)) == [SWEEP]


def test_choose_claims__already_claimed_or_empty__nothing():
    honest = agent(honest_agent(name="alice"))
    views = [
        view("mallory", prediction=0, claimed_by={"alice"}),
        view("mallory", prediction=0, claimable=0, key="empty"),
        view("mallory", age=10 * DAY, claimed_by={"alice"}, key="swept"),
    ]
    assert honest.choose_claims(T0, views, PARAMETERS, 3) == []


def test_choose_claims__refunded_or_taken_own__no_refund():
    honest = agent(honest_agent(name="alice"))
    views = [view("alice", refunded=True, claimable=0), view("alice", claimable=0, key="taken")]
    assert honest.choose_claims(T0, views, PARAMETERS, 3) == []


def test_choose_claims__own_without_deposit__refund_counts_it_as_good():
    honest = agent(honest_agent(name="alice"))
    free = view("alice", claimable=0, deposit=0)
    assert kinds(honest.choose_claims(T0, [free], PARAMETERS, 0)) == [REFUND]


def test_choose_claims__no_prediction__only_sweeps():
    honest = agent(honest_agent(name="alice"))
    views = [
        view("alice", prediction=None),
        view("bob", prediction=None, key="b"),
        view("bob", age=9 * DAY, prediction=None, key="old"),
    ]
    assert kinds(honest.choose_claims(T0, views, PARAMETERS, 3)) == [SWEEP]


def test_choose_claims__policies_switch_reports_and_sweeps_off():
    quiet = agent(honest_agent(name="alice", reports=False, sweeps=False))
    views = [view("mallory", prediction=0), view("mallory", age=9 * DAY, prediction=0, key="old")]
    assert quiet.choose_claims(T0, views, PARAMETERS, 3) == []


def test_choose_claims__adversary_takes_from_honest_data_the_model_rejects():
    adversary = agent(adversary_agent(name="mallory"))
    assert kinds(adversary.choose_claims(T0, [view("alice", prediction=0)], PARAMETERS, 1)) == [REPORT]


@pytest.mark.parametrize(
    "contribution, wanted",
    [
        (view("alice"), True),  # own: refund if the model agrees
        (view("alice", age=DAY - 1), False),  # too early for anything
        (view("bob", prediction=None), True),  # someone else's: report if it disagrees
        (view("bob", age=9 * DAY), False),  # a sweep needs no prediction
        (view("bob", claimed_by={"alice"}), False),
        (view("alice", refunded=True, claimable=0), False),
    ],
)
def test_wants_prediction__only_when_the_model_decides(contribution, wanted):
    assert agent(honest_agent(name="alice")).wants_prediction(contribution, T0, PARAMETERS) is wanted


# -- claims under the points mechanism (nothing paid; each contribution settled once) ---------------


def point(author="bob", label=1, age=DAY, prediction=1, refunded=False, claimed_by=(), key=None):
    return view(
        author, label, age, prediction, claimable=0, deposit=0, refunded=refunded, claimed_by=claimed_by, key=key
    )


def test_points__own_contribution_the_model_agrees_with__claims_its_point():
    honest = agent(honest_agent(name="alice"))
    assert kinds(honest.choose_claims(T0, [point("alice")], POINTS, 0)) == [REFUND]
    assert honest.choose_claims(T0, [point("alice", age=DAY - 1)], POINTS, 0) == []
    assert honest.choose_claims(T0, [point("alice", prediction=0)], POINTS, 0) == []


def test_points__others_rejected_contribution__reported_once_the_reporter_has_a_point():
    honest = agent(honest_agent(name="alice"))
    bad = point("mallory", prediction=0)
    assert honest.choose_claims(T0, [bad], POINTS, 0) == []
    assert kinds(honest.choose_claims(T0, [bad], POINTS, 1)) == [REPORT]
    assert kinds(honest.choose_claims(T0, [bad, point("alice")], POINTS, 0)) == [REFUND, REPORT]


def test_points__each_report_spends_a_point():
    honest = agent(honest_agent(name="alice"))
    bad = [point("mallory", prediction=0, key=f"bad-{i}") for i in range(3)]
    # One point buys one report; two points two; a point claimed this round counts.
    assert kinds(honest.choose_claims(T0, bad, POINTS, 1)) == [REPORT]
    assert kinds(honest.choose_claims(T0, bad, POINTS, 2)) == [REPORT, REPORT]
    assert kinds(honest.choose_claims(T0, [*bad, point("alice")], POINTS, 1)) == [REFUND, REPORT, REPORT]
    # The author's points are compared with what is left after each report.
    assert kinds(honest.choose_claims(T0, bad, POINTS, 2, {"alice": 2, "mallory": 2})) == [REPORT]


def test_points__author_with_more_points__not_reported():
    honest = agent(honest_agent(name="alice"))
    bad = point("mallory", prediction=0)
    assert honest.choose_claims(T0, [bad], POINTS, 2, {"alice": 2, "mallory": 3}) == []
    assert kinds(honest.choose_claims(T0, [bad], POINTS, 3, {"alice": 3, "mallory": 3})) == [REPORT]
    # A point claimed in the same round counts before the report.
    assert kinds(honest.choose_claims(T0, [bad, point("alice")], POINTS, 2, {"alice": 2, "mallory": 3})) == [
        REFUND,
        REPORT,
    ]


def test_points__no_sweeps_ever_and_settled_contributions_left_alone():
    honest = agent(honest_agent(name="alice"))
    views = [
        point("bob", age=30 * DAY, key="old-agreed"),  # agreed, someone else's: nothing to do
        point("alice", age=30 * DAY, prediction=0, key="old-own-rejected"),  # own, rejected: no sweep
        point("alice", refunded=True, key="pointed"),
        point("mallory", prediction=0, claimed_by={"bob"}, key="reported"),
    ]
    assert honest.choose_claims(T0, views, POINTS, 5) == []


@pytest.mark.parametrize(
    "contribution, wanted",
    [
        (point("alice"), True),
        (point("bob", age=30 * DAY), True),  # no sweep: the model decides at any age
        (point("bob", age=DAY - 1), False),
        (point("alice", refunded=True), False),
        (point("bob", claimed_by={"carol"}), False),
    ],
)
def test_points__wants_prediction_only_for_unsettled_contributions(contribution, wanted):
    assert agent(honest_agent(name="alice")).wants_prediction(contribution, T0, POINTS) is wanted


def test_points__additions_are_free_and_never_wait_for_the_price():
    honest = agent(honest_agent(name="alice"))
    decision = honest.decide_addition(T0, 10 * UNIT, POINTS, T0 - 1)
    assert decision.add and decision.price == 0


# -- specs ------------------------------------------------------------------------------------


def test_specs__defaults_follow_the_original_experiment():
    honest, adversary, rider = honest_agent(), adversary_agent(), free_rider_agent()
    assert (honest.kind, honest.mean_wait_s, honest.max_deposit, honest.honest) == (HONEST, 600, 50 * UNIT, True)
    assert (adversary.kind, adversary.mean_wait_s, adversary.max_deposit, adversary.honest) == (
        ADVERSARY,
        3600,
        100 * UNIT,
        False,
    )
    assert rider.honest and not rider.contributes
    assert "wrong labels" in describe(adversary) and "pays nothing" in describe(rider)


def test_load_agent_specs__units_and_seconds():
    data = json.loads(
        '[{"name": "alice", "kind": "honest", "start_balance_units": 500, "mean_wait_s": 120},'
        ' {"name": "mallory", "kind": "adversary", "max_deposit": 7}]'
    )
    alice, mallory = load_agent_specs(data)
    assert (alice.start_balance, alice.mean_wait_s) == (500 * UNIT, 120)
    assert mallory.max_deposit == 7


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "non-empty JSON list"),
        ([{"name": "a"}], "needs a name and a kind"),
        ([{"name": "a", "kind": "saint"}], "kind must be one of"),
        ([{"name": "a", "kind": "honest", "speed": 3}], "unknown parameter 'speed'"),
        ([{"name": "a b", "kind": "honest"}], "use letters, digits"),
        ([{"name": "a", "kind": "honest", "mistake_rate": 2}], "mistake_rate must be between 0 and 1"),
        ([{"name": "a", "kind": "honest", "mean_wait_s": 0}], "must be positive"),
    ],
)
def test_load_agent_specs__bad_input__one_line_error(data, message):
    with pytest.raises(DecaiError) as error:
        load_agent_specs(data)
    assert message in str(error.value)


def test_make_agents__names_must_be_distinct_and_seeds_are_reproducible():
    with pytest.raises(DecaiError, match="distinct: alice repeated"):
        make_agents([honest_agent("alice"), adversary_agent("alice")], seed=1)
    first = [a.next_delay() for a in make_agents([honest_agent("a"), honest_agent("b")], seed=1)]
    again = [a.next_delay() for a in make_agents([honest_agent("a"), honest_agent("b")], seed=1)]
    assert first == again and first[0] != first[1]
