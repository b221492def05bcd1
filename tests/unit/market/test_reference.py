"""The Python reference of the reward computation (no chain).

The contract is checked against this reference elsewhere; here the reference
itself is checked: the budget bounds hold, contributions appended by anyone
never lower an earlier payout unless they make the final model worse, and
earn nothing beyond the errors they remove from it (harm/undo pairs, exact
or not, earn nothing); forfeiting never costs the provider less than
revealing, whatever the sybils.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decai.errors import DecaiError
from decai.market.encoding import Portion, chain_values, pack_uint32, portion_hash, split_test_set
from decai.market.reward import live_contributions, replay_losses, reward_balances, settle, settle_forfeit

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
    assert result.provider_payout >= 0 and result.burned >= 0
    assert result.total == bounty + count * stake
    # Units: losses are error counts, so the loss difference is (E_0 - E_T) / M.
    assert gain * m <= bounty * max(0, losses[0] - losses[-1])
    assert gain <= bounty
    reward = reward_balances(losses, m, rounds)
    assert sum(reward.paid) == max(0, losses[0] - losses[-1])
    # What the idle and harmful lose is shared or burned, never created.
    lost = sum(m - k for k in reward.kept)
    assert sum(reward.income) <= lost
    for balance, score, kept, paid, income in zip(
        reward.balances, reward.scores, reward.kept, reward.paid, reward.income
    ):
        assert kept == (m if score > 0 else m - 1 if score == 0 else 0)
        assert balance == kept + rounds * paid + income
        assert paid <= max(0, score) and (income == 0 or score > 0)


def test_worked_example():
    # docs/MARKET.md: E = (6, 4, 5, 3), M = 10, R = 100. Scores +2, -1, +2;
    # the improvement 3 pays alice 2 and bob 1 (first come, first served);
    # mallory's stake (10 units) goes to alice, the only positive score before it.
    result = reward_balances([6, 4, 5, 3], num_test_samples=10, rounds=100)
    assert result.scores == (2, -1, 2)
    assert result.paid == (2, 0, 1)
    assert result.income == (10, 0, 0)
    assert result.balances == (10 + 200 + 10, 0, 10 + 100)


def test_harm_after_an_improvement_only_lowers_the_latest_shares():
    # alice and bob improve by 2 each, mallory's harm (-3) at the end makes
    # h_T worse: the improvement left (1) pays alice, the first; mallory's
    # stake goes to both, 2 : 2.
    result = reward_balances([8, 6, 4, 7], num_test_samples=10, rounds=50)
    assert result.paid == (1, 0, 0)
    assert result.income == (5, 5, 0)
    assert result.balances == (10 + 50 + 5, 10 + 5, 0)


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
    others. Unless they make the final model worse, no earlier balance goes
    down; and whatever they do, they gain at most R units per error they
    removed from the final model: nothing for appended work that leaves it
    no better, such as harm/undo pairs, exact or not."""
    samples, labels = [x for x, _ in tests], [y for _, y in tests]
    m = len(tests)
    before = live_contributions(_model(), base)
    if not before:
        return
    both = live_contributions(_model(), base + appended)
    count = len(before)
    assert both[:count] == before
    losses_before = replay_losses(_model(), before, samples, labels)
    losses_both = replay_losses(_model(), both, samples, labels)
    alone = reward_balances(losses_before, m, rounds).balances
    joined = reward_balances(losses_both, m, rounds).balances
    better = losses_before[-1] - losses_both[-1]
    if better >= 0:
        assert all(after >= b for after, b in zip(joined, alone))
    suffix_gain = sum(joined[count:]) - m * (len(both) - count)
    assert suffix_gain <= rounds * max(0, better)
    if better <= 0:
        assert suffix_gain <= 0


@settings(max_examples=200)
@given(
    honest=st.lists(st.integers(-3, 3), min_size=1, max_size=8),
    sybils=st.integers(0, 300),
    m=st.integers(1, 40),
    rounds=st.integers(1, 100),
)
def test_forfeit_never_cheaper_than_reveal_whatever_the_sybils(honest, sybils, m, rounds):
    """The provider controls `sybils` idle contributions besides honest ones
    with the given scores. Revealing costs the provider at most the bounty
    (plus the one-unit fees of their own idle contributions, which go to
    the earlier positive scores); not revealing costs the whole bounty
    (burned), never less, and no address gets any of it back."""
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
    assert result.balances == (220, 0, 110)
    assert result.payouts == (220 * 10**15, 0, 110 * 10**15)
    assert result.burned == 0
    assert result.provider_payout == 700 * 10**15
    worse = settle(["alice", "mallory", "bob"], [6, 4, 5, 6], 10, stake, bounty, "provider")
    # h_T no better than h_0: no share; both forfeited stakes go to alice.
    assert worse.balances == (30, 0, 0)
    assert worse.provider_payout == bounty
