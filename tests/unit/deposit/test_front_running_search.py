"""Front-running the price, searched rather than hand-picked (on the Python
mirror of the price, tests/helpers/deposit_search.py; no chain).

A front-runner places k additions between an honest user's quote and its
transaction, at times of its choice. Whatever the timing, the quiet period
before the quote, the delay before the honest transaction is mined and the
cost weight:
- the time left on the price clock is at least (3/10)^k of what it was, so
  k additions raise the price at most sqrt(10/3)^k = 1.83^k times (and at
  most sqrt(quiet_s) times: the clock never counts less than one second),
  give or take the one wei the price rounds up;
- one addition never makes the honest transaction (sent with twice its
  quote) revert;
- no timing does better than all k additions in the honest transaction's
  own block, ahead of it.
The hill climb agrees with an exhaustive enumeration of small windows, and
finds the fewest additions that make the honest transaction revert: two
after any quiet period of 5 s or more, none at all after 4 s or less.
Against the SDK's whole send loop (re-quote and resend within its cap), a
front-runner reverting every attempt makes at most ADD_RETRIES + 1 honest
transactions revert, paying two additions for the first and at least one
for each resend; after a quiet of 80 s or more (12 s slots; 12 s with 1 s
blocks) the SDK stops after the first.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations_with_replacement

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st

from decai.chain.trainer import ADD_RETRIES, DEPOSIT_CAP_FACTOR
from decai.core.mechanisms import MAX_DEPOSIT, DepositParameters
from decai.units import DAY, HOUR
from tests.helpers.deposit_search import fewest_to_revert, run, search, siege

# Relative slack for the 9-decimal square root and the price's rounding up.
ROUNDING = Fraction(1, 10**8)
STEP = Fraction(10, 3)  # the square of the most one addition raises the price

cost_weights = st.one_of(st.sampled_from([1, 10**9, 10**15, MAX_DEPOSIT // 3600]), st.integers(1, MAX_DEPOSIT // 3600))
quiet_periods = st.one_of(st.integers(1, 120), st.integers(1, 7 * DAY))
delays = st.one_of(st.sampled_from([0, 1, 12]), st.integers(0, HOUR))


@st.composite
def attacks(draw):
    parameters = DepositParameters(cost_weight=draw(cost_weights))
    quiet_s, delay_s = draw(quiet_periods), draw(delays)
    additions = draw(st.integers(1, 6))
    offsets = tuple(draw(st.lists(st.integers(0, delay_s), min_size=additions, max_size=additions)))
    return parameters, quiet_s, delay_s, offsets


@settings(max_examples=1500)
@given(attacks())
def test_any_timing__k_additions_raise_the_price_at_most_1_83_to_the_k_and_one_never_reverts(attack):
    parameters, quiet_s, delay_s, offsets = attack
    additions = len(offsets)
    outcome = run(parameters, quiet_s, delay_s, offsets)
    # The search: push every attack size toward the bound, and single
    # additions toward a revert.
    target(float(outcome.ratio**2 / STEP**additions), label=f"price over its bound, {additions} additions")
    if additions == 1:
        target(float(outcome.ratio), label="price over quote, one addition")

    # The clock: at least (3/10)^k of the time there was at the honest transaction.
    assert outcome.elapsed_s * 10**additions >= 3**additions * (quiet_s + delay_s)
    # The price: at most 1.83^k and at most sqrt(quiet_s) times the quote,
    # give or take the wei the price rounds up (with a cost weight of 1 wei
    # the search finds 1470 wei after a quote of 805: 1.8261 > sqrt(10/3)).
    bound = min(STEP**additions, quiet_s) * (1 + ROUNDING)
    assert Fraction(outcome.price - 1, outcome.quote) ** 2 <= bound
    if additions == 1:
        assert outcome.price <= DEPOSIT_CAP_FACTOR * outcome.quote
        assert not outcome.reverts
    # No timing beats all the additions in the honest transaction's block.
    burst = run(parameters, quiet_s, delay_s, (delay_s,) * additions)
    assert outcome.ratio <= burst.ratio


@pytest.mark.parametrize("delay_s", [0, 1, 12])
@pytest.mark.parametrize("additions", [1, 2, 3])
def test_hill_climb__finds_the_exhaustive_worst_timing(delay_s, additions):
    parameters = DepositParameters()
    for quiet_s in (3, 5, 12, 60, HOUR):
        worst = max(
            run(parameters, quiet_s, delay_s, times).ratio
            for times in combinations_with_replacement(range(delay_s + 1), additions)
        )
        found, times = search(parameters, quiet_s, delay_s, additions, seed=quiet_s)
        assert found.ratio == worst
        assert run(parameters, quiet_s, delay_s, times) == found


@pytest.mark.parametrize("quiet_s", [1, 2, 3, 4])
@pytest.mark.parametrize("delay_s", [0, 12])
def test_after_four_quiet_seconds_or_less__no_number_of_additions_reverts_the_honest_one(quiet_s, delay_s):
    additions, outcome, _ = fewest_to_revert(DepositParameters(), quiet_s, delay_s)
    assert additions is None
    assert outcome.price <= DEPOSIT_CAP_FACTOR * outcome.quote


@pytest.mark.parametrize("quiet_s", [5, 12, 60, HOUR, DAY, 7 * DAY])
def test_after_five_quiet_seconds_or_more__two_additions_in_its_block_revert_the_honest_one(quiet_s):
    """The residual: the fewest additions that revert the honest transaction
    is two, both in its own block, ahead of it. They lock about 2.8 times
    the honest quote (the first pays the quote, the second at most twice
    it), refunded after refund_wait_s since the model agrees with ordinary
    samples."""
    parameters = DepositParameters()
    additions, outcome, times = fewest_to_revert(parameters, quiet_s, 0)
    assert (additions, times) == (2, (0, 0))
    assert outcome.reverts
    assert outcome.deposits[0] == outcome.quote
    assert outcome.quote < outcome.deposits[1] <= DEPOSIT_CAP_FACTOR * outcome.quote
    # Mined one slot later, the honest transaction still falls to two or three.
    later, _, _ = fewest_to_revert(parameters, quiet_s, 12)
    assert later in (2, 3)


@settings(max_examples=300)
@given(cost_weight=cost_weights, quiet_s=quiet_periods, block_s=st.sampled_from([1, 2, 12]))
def test_sdk_send_loop__at_most_retries_plus_one_reverted_each_paid_with_additions(cost_weight, quiet_s, block_s):
    found = siege(DepositParameters(cost_weight=cost_weight), quiet_s, block_s)
    target(float(found.reverted), label="honest transactions reverted")
    assert found.reverted <= ADD_RETRIES + 1
    if not found.reverted:
        assert found.end == "mined"
    else:
        assert found.additions >= found.reverted + 1
        assert found.end in ("stops", "gives up")
        assert (found.end == "gives up") == (found.reverted == ADD_RETRIES + 1)
    if quiet_s <= 4:
        assert found.reverted == 0


@pytest.mark.parametrize(("block_s", "resends_until_s"), [(1, 11), (12, 79)])
@given(data=st.data())
def test_sdk_send_loop__after_a_longer_quiet__at_most_one_revert(block_s, resends_until_s, data):
    """With blocks 1 s apart (anvil) resends can be reverted after up to 11 s
    of quiet, with 12 s slots after up to 79 s; after longer, the SDK's
    quote after the revert is above its cap and it stops."""
    quiet_s = data.draw(st.integers(resends_until_s + 1, 7 * DAY))
    assert siege(DepositParameters(), quiet_s, block_s).reverted <= 1
    assert siege(DepositParameters(), resends_until_s, block_s).reverted > 1


@pytest.mark.parametrize("block_s", [1, 12])
@pytest.mark.parametrize("quiet_s", [HOUR, DAY, 7 * DAY])
def test_sdk_send_loop__after_a_quiet_hour__one_revert_then_it_stops(quiet_s, block_s):
    parameters = DepositParameters()
    found = siege(parameters, quiet_s, block_s)
    first, outcome, _ = fewest_to_revert(parameters, quiet_s, 0)
    assert (found.reverted, found.end, found.additions, found.locked) == (1, "stops", first, outcome.locked)


def test_sdk_send_loop__after_a_few_quiet_seconds__every_resend_can_be_reverted():
    """The cap lets the SDK resend after a short quiet; each resend costs the
    front-runner at least one more addition, and the SDK gives up after
    ADD_RETRIES resends."""
    found = siege(DepositParameters(), 5, 1)
    assert (found.reverted, found.end) == (ADD_RETRIES + 1, "gives up")
    assert found.additions == 2 + ADD_RETRIES
