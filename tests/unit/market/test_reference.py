"""The Python reference of the reward computation (no chain).

The contract is checked against this reference elsewhere; here the reference
itself is checked: the budget bounds hold, contributions appended by anyone
never lower an earlier payout unless they break a test sample the final
model got right, and earn nothing beyond the test samples they newly fix
(harm/undo pairs, exact or not, earn nothing); forfeiting never costs the
provider less than revealing, whatever the sybils.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decai.errors import DecaiError
from decai.market.encoding import Portion, chain_values, pack_uint32, portion_hash, split_test_set
from decai.market.reward import (
    first_fixes,
    live_contributions,
    replay_errors,
    reward_balances,
    settle,
    settle_forfeit,
)

STAKE = 10**15


def bits(*samples: int) -> int:
    return sum(1 << j for j in samples)


@st.composite
def market_outcomes(draw):
    """Random wrong-sets of h_0..h_T on a test set of M samples, and R."""
    m = draw(st.integers(1, 40))
    count = draw(st.integers(1, 12))
    wrong = draw(st.lists(st.integers(0, 2**m - 1), min_size=count + 1, max_size=count + 1))
    rounds = draw(st.integers(1, 60))
    return wrong, m, rounds


@settings(max_examples=300)
@given(market_outcomes(), st.integers(1, 10**18))
def test_budget_bounds(outcome, stake):
    wrong, m, rounds = outcome
    count = len(wrong) - 1
    losses = [bin(w).count("1") for w in wrong]
    bounty = rounds * stake + stake // 2
    authors = [f"a{i % 3}" for i in range(count)]
    result = settle(authors, wrong, m, stake, bounty, "provider")
    gain = sum(result.payouts) - count * stake
    assert all(b >= 0 for b in result.balances)
    assert all(p >= 0 for p in result.payouts)
    assert result.provider_payout >= 0 and result.burned >= 0
    assert result.total == bounty + count * stake
    # Units: losses are error counts, so the loss difference is (E_0 - E_T) / M.
    assert gain * m <= bounty * max(0, losses[0] - losses[-1])
    assert gain <= bounty
    reward = reward_balances(wrong, m, rounds)
    # Each credited sample is one h_0 gets wrong and h_T right; the paid
    # shares never exceed the final improvement.
    assert sum(reward.credits) == bin(wrong[0] & ~wrong[-1]).count("1")
    assert sum(reward.paid) == min(sum(reward.credits), max(0, losses[0] - losses[-1]))
    # The stake follows the contribution's own effect at its place.
    for balance, score, paid in zip(reward.balances, reward.scores, reward.paid):
        kept = balance - rounds * paid
        assert kept == (m if score > 0 else m - 1 if score == 0 else 0)


def test_first_fixes_credit_the_first_fixer_of_samples_still_right():
    # Sample 0: fixed by #1, broken by #2, fixed again by #3: credited to #1.
    # Sample 1: fixed by #2, broken by #3: wrong in h_T, credited to nobody.
    # Sample 2: right in h_0, broken by #1, fixed by #3: nobody (not an improvement).
    wrong = [bits(0, 1), bits(1, 2), bits(0, 2), bits(1)]
    assert first_fixes(wrong) == [1, 0, 0]
    result = reward_balances(wrong, num_test_samples=10, rounds=100)
    assert result.scores == (0, 0, 1)
    assert result.improvement == 1 and result.paid == (1, 0, 0)
    assert result.balances == (9 + 100, 9, 10)


def test_worked_example():
    # docs/MARKET.md: M = 10, R = 100. h_0 gets samples 0-5 wrong; alice fixes
    # 0 and 1, mallory breaks 0 and fixes 2... (E = 6, 4, 5, 3), bob fixes 0, 3, 4.
    wrong = [bits(0, 1, 2, 3, 4, 5), bits(2, 3, 4, 5), bits(0, 2, 3, 4, 5, 6), bits(5, 6)]
    wrong[2] = bits(0, 3, 4, 5, 6)
    result = reward_balances(wrong, num_test_samples=10, rounds=100)
    assert [bin(w).count("1") for w in wrong] == [6, 4, 5, 2]
    assert result.scores == (2, -1, 3)
    assert result.credits == (2, 1, 2) and result.paid == (2, 1, 1)
    assert result.balances == (10 + 200, 0 + 100, 10 + 100)


def test_forfeit_returns_stakes_and_burns_the_bounty():
    result = settle_forfeit(["a", "b", "a"], STAKE, 10 * STAKE + 1, "p")
    assert result.payouts == (STAKE,) * 3
    assert result.owed == {"a": 2 * STAKE, "b": STAKE}
    assert result.burned == 10 * STAKE + 1
    assert result.total == 10 * STAKE + 1 + 3 * STAKE


# ------------------------------------------------------ attacks, as properties --

NUM_FEATURES = 12


def _model():
    from decai.core.fixed_point import ONE
    from decai.models import SparsePerceptron

    return SparsePerceptron(
        name="t", description="t", encoder="indices", weights=[0] * NUM_FEATURES, intercept=-ONE // 2, learning_rate=ONE
    )


samples_st = st.lists(st.integers(0, NUM_FEATURES - 1), min_size=1, max_size=4, unique=True).map(sorted)
contributions_st = st.lists(st.tuples(samples_st, st.integers(0, 1)), min_size=1, max_size=10)


@settings(max_examples=400, deadline=None)
@given(
    base=contributions_st,
    appended=contributions_st,
    tests=st.lists(st.tuples(samples_st, st.integers(0, 1)), min_size=1, max_size=16),
    rounds=st.integers(1, 200),
)
def test_appended_contributions_take_nothing_they_did_not_add(base, appended, tests, rounds):
    """Anyone (any number of accounts) appends contributions after the
    others. Unless they break a test sample the final model got right, no
    earlier balance goes down; and whatever they do, they gain at most R
    units per test sample they newly fixed in the final model: nothing for
    appended work that leaves it no better, such as harm/undo pairs."""
    samples, labels = [x for x, _ in tests], [y for _, y in tests]
    m = len(tests)
    before = live_contributions(_model(), base)
    if not before:
        return
    both = live_contributions(_model(), base + appended)
    count = len(before)
    assert both[:count] == before
    wrong_before = replay_errors(_model(), before, samples, labels)
    wrong_both = replay_errors(_model(), both, samples, labels)
    alone = reward_balances(wrong_before, m, rounds).balances
    joined = reward_balances(wrong_both, m, rounds).balances
    broken = wrong_both[-1] & ~wrong_before[-1]
    newly_fixed = wrong_before[-1] & ~wrong_both[-1]
    if not broken:
        assert all(after >= b for after, b in zip(joined, alone))
    suffix_gain = sum(joined[count:]) - m * (len(both) - count)
    assert suffix_gain <= rounds * bin(newly_fixed).count("1")
    if not newly_fixed:
        assert suffix_gain <= 0


@settings(max_examples=200)
@given(
    honest=st.lists(st.integers(1, 2**20 - 1), min_size=1, max_size=8),
    sybils=st.integers(0, 300),
    rounds=st.integers(1, 100),
)
def test_forfeit_never_cheaper_than_reveal_whatever_the_sybils(honest, sybils, rounds):
    """The provider controls `sybils` idle contributions besides honest ones
    (each fixing some test samples). Revealing costs the provider at most
    the bounty (plus the one-unit fees of their own idle contributions, which
    are burned); not revealing costs the whole bounty (burned), never less,
    and no address gets any of it back."""
    stake = 10**15
    bounty = rounds * stake
    m = 20
    wrong, current = [2**m - 1], 2**m - 1
    for fixed in honest:
        current &= ~fixed
        wrong.append(current)
    wrong += [current] * sybils
    authors = [f"h{k}" for k in range(len(honest))] + ["provider"] * sybils
    revealed = settle(authors, wrong, m, stake, bounty, "provider")
    forfeit = settle_forfeit(authors, stake, bounty, "provider")
    provider_in = bounty + sybils * stake
    cost_reveal = provider_in - revealed.owed.get("provider", 0)
    cost_forfeit = provider_in - forfeit.owed.get("provider", 0)
    own_fees = sybils * (stake - (m - 1) * stake // m)
    assert cost_forfeit == bounty
    assert cost_reveal <= bounty + own_fees


def test_portion_hash_is_the_abi_encoding():
    from eth_abi import encode
    from eth_utils import keccak

    portion = Portion(((1, 4), (), (0, 2, 3)), (1, 0, 1), b"\x07" * 32)
    assert portion.indices == [1, 4, 0, 2, 3]
    assert portion.lengths == [2, 0, 3]
    words = [1 | 4 << 32 | 0 << 64 | 2 << 96 | 3 << 128]
    assert pack_uint32(portion.indices) == words
    expected = keccak(
        encode(["uint256[]", "uint256[]", "uint64[]", "bytes32"], [words, [2, 0, 3], [1, 0, 1], b"\x07" * 32])
    )
    assert portion.hash() == expected == portion_hash(*portion.args())
    assert Portion.from_dict(portion.to_dict()) == portion


def test_split_keeps_order_and_checks_samples():
    samples = [[i] for i in range(10)]
    portions = split_test_set(samples, [i % 2 for i in range(10)], 3, num_features=10)
    assert [len(p.samples) for p in portions] == [3, 3, 4]
    assert [s for p in portions for s in p.samples] == [tuple(s) for s in samples]
    assert len({p.salt for p in portions}) == 3
    with pytest.raises(DecaiError, match="strictly increasing"):
        split_test_set([[2, 1], [3]], [0, 1], 2)
    with pytest.raises(DecaiError, match="out of range"):
        split_test_set([[2], [30]], [0, 1], 2, num_features=10)
    with pytest.raises(DecaiError, match="2 to 16 portions"):
        split_test_set(samples, [0] * 10, 1)
    with pytest.raises(DecaiError, match="at most 256 samples"):
        split_test_set([[1]] * 600, [0] * 600, 2)


def test_pack_uint32_and_chain():
    assert pack_uint32([1, 2, 3, 4, 5, 6, 7, 8, 9]) == [sum(v << (32 * i) for i, v in enumerate(range(1, 9))), 9]
    values = chain_values([[1, 2], [3]])
    assert values[0] == b"\x00" * 32 and len(values) == 3 and len(set(values)) == 3


def test_worked_example_of_docs_market_md():
    stake, bounty = 10**16, 10**18
    wrong = [bits(0, 1, 2, 3, 4, 5), bits(2, 3, 4, 5), bits(0, 3, 4, 5, 6), bits(5, 6)]
    result = settle(["alice", "mallory", "bob"], wrong, 10, stake, bounty, "provider")
    assert result.balances == (210, 100, 110)
    assert result.payouts == (210 * 10**15, 100 * 10**15, 110 * 10**15)
    assert result.burned == stake
    assert result.provider_payout == bounty + 3 * stake - 420 * 10**15 - stake == 600 * 10**15
