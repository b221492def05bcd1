"""The Python reference of the reward computation (no chain).

The contract is checked against this reference elsewhere; here the reference
itself is checked: the budget bounds hold, a harm/undo pair never lowers
anyone else's payout, and forfeiting never costs the provider less than
revealing, whatever the sybils.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decai.errors import DecaiError
from decai.market.encoding import Portion, chain_values, pack_uint32, portion_hash, split_test_set
from decai.market.reward import cancelled_pairs, replay_losses, reward_balances, settle, settle_forfeit

STAKE = 10**15


@st.composite
def market_outcomes(draw):
    """Random E_0..E_T on a test set of M samples, and a number of rounds."""
    m = draw(st.integers(1, 40))
    count = draw(st.integers(1, 12))
    losses = draw(st.lists(st.integers(0, m), min_size=count + 1, max_size=count + 1))
    rounds = draw(st.integers(1, 60))
    return losses, m, rounds


@settings(max_examples=300)
@given(market_outcomes(), st.integers(1, 10**18))
def test_budget_bounds(outcome, stake):
    losses, m, rounds = outcome
    count = len(losses) - 1
    bounty = rounds * stake + stake // 2
    authors = [f"a{i % 3}" for i in range(count)]
    result = settle(authors, losses, m, stake, bounty, "provider")
    gain = sum(result.payouts) - count * stake
    assert all(b >= 0 for b in result.balances)
    assert all(p >= 0 for p in result.payouts)
    assert result.provider_payout >= 0
    assert result.total == bounty + count * stake
    # Units: losses are error counts, so the loss difference is (E_0 - E_T) / M.
    assert gain * m <= bounty * max(0, losses[0] - losses[-1])
    assert gain <= bounty
    # Each contribution is paid by its own score: harm forfeits the stake,
    # no effect costs one unit, help keeps the stake and earns a share.
    reward = reward_balances(losses, m, rounds)
    for balance, score in zip(reward.balances, reward.scores):
        assert (balance == 0) if score < 0 else (balance == m - 1 if score == 0 else balance >= m)


def test_worked_example():
    # docs/MARKET.md: E = (6, 4, 5, 3), M = 10, R = 100. Scores +2, -1, +2;
    # pool = 100 * 3 + 10 (mallory's stake) = 310, shared 2 : 2.
    result = reward_balances([6, 4, 5, 3], num_test_samples=10, rounds=100)
    assert result.scores == (2, -1, 2)
    assert result.pool == 310
    assert result.balances == (10 + 155, 0, 10 + 155)


def test_dropping_harm_does_not_charge_the_next_contribution():
    # The old rounds charged a dropped harmful contribution's damage to the
    # next member every round; now each is scored by its own effect once.
    result = reward_balances([4, 2, 3, 2], num_test_samples=10, rounds=50)
    assert result.scores == (2, -1, 1)
    assert result.balances[2] > 10


def test_forfeit_returns_stakes_and_burns_the_bounty():
    result = settle_forfeit(["a", "b", "a"], STAKE, 10 * STAKE + 1, "p")
    assert result.payouts == (STAKE,) * 3
    assert result.owed == {"a": 2 * STAKE, "b": STAKE}
    assert result.burned == 10 * STAKE + 1
    assert result.total + result.burned == 10 * STAKE + 1 + 3 * STAKE


# ---------------------------------------------------- issue 11 properties --

NUM_FEATURES = 12


def _model():
    from decai.core.fixed_point import ONE
    from decai.models import SparsePerceptron

    return SparsePerceptron(
        name="t", description="t", encoder="indices", weights=[0] * NUM_FEATURES, intercept=-ONE // 2, learning_rate=ONE
    )


samples_st = st.lists(st.integers(0, NUM_FEATURES - 1), min_size=1, max_size=4, unique=True).map(sorted)


@settings(max_examples=300, deadline=None)
@given(
    base=st.lists(st.tuples(samples_st, st.integers(0, 1)), min_size=1, max_size=10),
    tests=st.lists(st.tuples(samples_st, st.integers(0, 1)), min_size=1, max_size=16),
    pair=st.tuples(samples_st, st.integers(0, 1)),
    where=st.tuples(st.integers(0, 10), st.integers(0, 10)),
    rounds=st.integers(1, 200),
)
def test_harm_undo_pair_never_lowers_anyone_elses_payout(base, tests, pair, where, rounds):
    """Issue 11 item 1: insert a harm/undo pair (a sample, then the same
    sample with the other label) anywhere into any sequence of accepted
    contributions: every other contribution's balance is at least what it is
    without the pair (exactly: the pair is cancelled and skipped by the
    replay, its two fees of one unit enlarge the pool), and the pair itself
    earns nothing (it pays two units)."""
    sample, label = pair
    base = [(x, y) for x, y in base if x != sample]
    if not base:
        return
    i, j = sorted((min(where[0], len(base)), min(where[1], len(base))))
    with_pair = base[:i] + [(sample, label)] + base[i:j] + [(sample, 1 - label)] + base[j:]
    positions = [k for k in range(len(with_pair)) if k not in (i, j + 1)]
    samples, labels = [x for x, _ in tests], [y for _, y in tests]
    m = len(tests)
    without = reward_balances(replay_losses(_model(), base, samples, labels), m, rounds).balances
    withp = reward_balances(replay_losses(_model(), with_pair, samples, labels), m, rounds).balances
    assert cancelled_pairs(with_pair)[i] and cancelled_pairs(with_pair)[j + 1]
    assert all(withp[k] >= b for k, b in zip(positions, without))
    assert withp[i] + withp[j + 1] == 2 * (m - 1)  # the pair pays one unit each


@settings(max_examples=200)
@given(
    honest=st.lists(st.integers(-3, 3), min_size=1, max_size=8),
    sybils=st.integers(0, 300),
    m=st.integers(1, 40),
    rounds=st.integers(1, 100),
)
def test_forfeit_never_cheaper_than_reveal_whatever_the_sybils(honest, sybils, m, rounds):
    """Issue 11 item 2: the provider controls `sybils` neutral contributions
    besides honest ones with the given scores. Revealing costs the provider
    at most the bounty (plus the fees of their own no-effect contributions);
    not revealing costs the whole bounty (burned), never less, and no
    address gets any of it back."""
    stake = 10**15
    bounty = rounds * stake
    losses, e = [m * 10], m * 10
    for score in honest + [0] * sybils:
        e -= score
        losses.append(e)
    m_eval = m * 10 + 3 * 8  # error counts stay within the test set
    authors = [f"h{k}" for k in range(len(honest))] + ["provider"] * sybils
    revealed = settle(authors, losses, m_eval, stake, bounty, "provider")
    forfeit = settle_forfeit(authors, stake, bounty, "provider")
    provider_in = bounty + sybils * stake
    cost_reveal = provider_in - revealed.owed.get("provider", 0)
    cost_forfeit = provider_in - forfeit.owed.get("provider", 0)
    # Not revealing costs exactly the whole bounty, and revealing never costs
    # more of the bounty: what reveal costs beyond it is only the one-unit
    # fees the provider's own no-effect contributions pay into the pool.
    own_fees = sybils * (stake - (m_eval - 1) * stake // m_eval)
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
    result = settle(["alice", "mallory", "bob"], [6, 4, 5, 3], 10, stake, bounty, "provider")
    assert result.balances == (165, 0, 165)
    assert result.payouts == (165 * 10**15, 0, 165 * 10**15)
    assert result.provider_payout == 700 * 10**15
    worse = settle(["alice", "mallory", "bob"], [6, 4, 5, 6], 10, stake, bounty, "provider")
    assert worse.balances == (30, 0, 0)
    assert worse.provider_payout == bounty
