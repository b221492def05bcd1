"""The Python reference of the reward computation (no chain).

The contract is checked against this reference elsewhere; here the reference
itself is checked: the jumps give exactly the balances of playing the rounds
one by one, and the budget bounds hold.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decai.errors import DecaiError
from decai.market.encoding import Portion, chain_values, pack_uint32, portion_hash, split_test_set
from decai.market.reward import reward_balances, reward_balances_by_round, settle, settle_forfeit

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
@given(market_outcomes())
def test_jumps_equal_round_by_round(outcome):
    losses, m, rounds = outcome
    jumped = reward_balances(losses, m, rounds)
    played = reward_balances_by_round(losses, m, rounds)
    assert jumped.balances == played.balances
    assert jumped.dropped == played.dropped
    assert jumped.rounds_played == played.rounds_played
    assert jumped.jumps <= len(losses)


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
    # Per round the list earns exactly E_0 - E_T (the last member answers for
    # the dropped ones after it).
    net_units = sum(result.balances) - count * m
    assert net_units == reward_balances(losses, m, rounds).rounds_played * (losses[0] - losses[-1])


def test_the_last_member_answers_for_dropped_contributions_after_it():
    # Contribution 1 helps (4 -> 2 errors), contribution 2 harms (2 -> 3).
    # Contribution 2 drops after the first round; from then on contribution 1
    # is scored against the final model, so the list earns E_0 - E_T = 1 per
    # round, not E_0 - E_1 = 2, and the provider pays for what h_T achieved.
    result = reward_balances([4, 2, 3], num_test_samples=10, rounds=5)
    assert result.balances == (10 + 2 + 4 * 1, 10 - 1)
    assert result.dropped == (False, True)
    assert sum(result.balances) - 20 == 5 * (4 - 3)


def test_harmful_contributions_lose_up_to_their_stake():
    # Contribution 2 worsens h_1 by 2 errors of 4 for many rounds.
    result = reward_balances([4, 1, 3], num_test_samples=4, rounds=1000)
    balance_2 = result.balances[1]
    assert result.dropped[1]
    assert 0 <= balance_2 < 4


def test_nobody_dropped_shares_the_rounds():
    result = reward_balances([6, 5, 3, 3], num_test_samples=6, rounds=10)
    assert result.balances == (6 + 10, 6 + 20, 6)
    assert result.jumps == 1


def test_forfeit_splits_the_bounty_and_leaves_dust_to_the_provider():
    result = settle_forfeit(["a", "b", "a"], STAKE, 10 * STAKE + 1, "p")
    share = (10 * STAKE + 1) // 3
    assert result.payouts == (STAKE + share,) * 3
    assert result.owed == {"a": 2 * (STAKE + share), "b": STAKE + share, "p": 10 * STAKE + 1 - 3 * share}
    assert result.total == 10 * STAKE + 1 + 3 * STAKE


def test_portion_hash_is_the_abi_encoding():
    from eth_abi import encode
    from eth_utils import keccak

    portion = Portion(((1, 4), (), (0, 2, 3)), (1, 0, 1), b"\x07" * 32)
    assert portion.indices == [1, 4, 0, 2, 3]
    assert portion.lengths == [2, 0, 3]
    words = [1 | 4 << 32 | 0 << 64 | 2 << 96 | 3 << 128]
    assert pack_uint32(portion.indices) == words
    expected = keccak(encode(["uint256[]", "uint256[]", "uint64[]", "bytes32"], [words, [2, 0, 3], [1, 0, 1], b"\x07" * 32]))
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
    assert result.balances == (210, 9, 111)
    assert result.payouts == (210 * 10**15, 9 * 10**15, 111 * 10**15)
    assert result.provider_payout == 700 * 10**15
    worse = settle(["alice", "mallory", "bob"], [6, 4, 5, 6], 10, stake, bounty, "provider")
    assert worse.balances == (12, 9, 9)
    assert worse.provider_payout == bounty
