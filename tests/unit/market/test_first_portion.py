"""The first portion: drawn from a block hash after the commitment, revealed
by the provider to open participation; or the market is cancelled."""

import ape
import pytest

from decai.market.encoding import Portion, pack_uint32, portion_hash
from tests.helpers.market import BOUNTY, DAY, PARAMETERS, advance


def test_draw__in_the_commit_block__reverts(market, portions, provider, stranger):
    market.commit(portions, BOUNTY, sender=provider)
    # The next transaction is mined in the random block itself.
    with ape.reverts("prediction_market: randomness not available yet"):
        market.contract.draw_first_portion(sender=stranger)


def test_draw__uses_the_hash_of_the_block_after_the_commit(committed, stranger, chain):
    c = committed.contract
    receipt = c.draw_first_portion(sender=stranger)
    target = c.random_block()
    expected = int.from_bytes(chain.blocks[target].hash, "big") % c.num_portions()
    assert tuple(c.first_portion()) == (True, expected)
    event = next(iter(receipt.decode_logs(c.FirstPortionDrawn)))
    assert (event.index, event.random_block) == (expected, target)


def test_draw__after_256_blocks__expired_and_anyone_may_cancel(committed, portions, provider, stranger, chain):
    """Issue 11 item 4: waiting for another block hash gives the provider no
    new draw: once random_block's hash is gone, nobody can draw or reveal,
    and anyone may cancel at once (nobody has staked yet)."""
    c = committed.contract
    chain.mine(300)
    with ape.reverts("prediction_market: draw expired"):
        c.draw_first_portion(sender=stranger)
    for index in range(len(portions)):
        with ape.reverts("prediction_market: draw expired"):
            c.reveal_first_portion(index, *portions[index].args(), sender=provider)
    c.cancel(sender=stranger)
    assert committed.phase == "cancelled"
    assert c.owed(provider) == c.bounty()


def test_draw__within_256_blocks__uses_random_block(committed, stranger, chain):
    c = committed.contract
    chain.mine(200)
    c.draw_first_portion(sender=stranger)
    target = c.random_block()
    expected = int.from_bytes(chain.blocks[target].hash, "big") % c.num_portions()
    assert tuple(c.first_portion()) == (True, expected)


def test_draw__twice__reverts(committed, stranger):
    committed.contract.draw_first_portion(sender=stranger)
    with ape.reverts("prediction_market: first portion already drawn"):
        committed.contract.draw_first_portion(sender=stranger)


def test_draw__before_commit__reverts(market, stranger):
    with ape.reverts("prediction_market: not awaiting the first portion"):
        market.contract.draw_first_portion(sender=stranger)


def test_reveal_first__opens_participation(committed, portions, provider, chain):
    index = committed.reveal_first(portions, sender=provider)
    c = committed.contract
    assert committed.phase == "participation"
    assert c.opened_at() == chain.blocks.head.timestamp
    assert c.participation_deadline() == c.opened_at() + PARAMETERS.max_duration_s
    assert c.next_portion() == (1 if index == 0 else 0)
    # The first portion is proof only: it is not stored as test data.
    assert c.num_test_samples() == 0


def test_reveal_first__wrong_portion__reverts(committed, portions, provider):
    index = committed.first_portion(sender=provider)
    other = (index + 1) % len(portions)
    with ape.reverts("prediction_market: wrong portion"):
        committed.contract.reveal_first_portion(other, *portions[other].args(), sender=provider)


def test_reveal_first__wrong_content__reverts(committed, portions, provider):
    index = committed.first_portion(sender=provider)
    other = (index + 1) % len(portions)
    with ape.reverts("prediction_market: portion does not match its hash"):
        committed.contract.reveal_first_portion(index, *portions[other].args(), sender=provider)
    wrong_salt = Portion(portions[index].samples, portions[index].labels, b"\x01" * 32)
    with ape.reverts("prediction_market: portion does not match its hash"):
        committed.contract.reveal_first_portion(index, *wrong_salt.args(), sender=provider)


def test_reveal_first__not_provider__reverts(committed, portions, stranger):
    index = committed.first_portion(sender=stranger)
    with ape.reverts("prediction_market: caller is not the provider"):
        committed.contract.reveal_first_portion(index, *portions[index].args(), sender=stranger)


def test_reveal_first__after_commit_window__reverts(committed, portions, provider, chain):
    index = committed.first_portion(sender=provider)
    advance(chain, DAY)
    with ape.reverts("prediction_market: commit window over"):
        committed.contract.reveal_first_portion(index, *portions[index].args(), sender=provider)


def test_reveal_first__draws_when_nobody_has(committed, portions, provider):
    # Without a separate draw, the reveal draws; a wrong guess reverts and
    # leaves the draw undone.
    c = committed.contract
    with ape.reverts("prediction_market: wrong portion"):
        c.reveal_first_portion(99, *portions[0].args(), sender=provider)
    assert tuple(c.first_portion()) == (False, 0)


@pytest.mark.parametrize(
    "samples, labels, reason",
    [
        (((3, 1),), (1,), "prediction_market: test feature indices must increase"),
        (((2, 2),), (1,), "prediction_market: test feature indices must increase"),
        (((1, 24),), (1,), "prediction_market: test feature index out of range"),
        (((1,),), (2,), "prediction_market: test label must be 0 or 1"),
        (tuple(tuple(range(i, i + 1)) for i in range(0)), (), "prediction_market: empty portion"),
    ],
)
def test_reveal_first__invalid_samples__reverts(market, provider, chain, samples, labels, reason):
    # A provider who committed to an invalid portion can never reveal it.
    bad = Portion(samples, labels, b"\x02" * 32)
    market.contract.commit([bad.hash(), bad.hash()], sender=provider, value=BOUNTY)
    chain.mine(1)
    index = market.first_portion(sender=provider)
    with ape.reverts(reason):
        market.contract.reveal_first_portion(index, *bad.args(), sender=provider)
    assert market.phase == "committed"


def test_reveal_first__too_long_sample__reverts(market, provider, chain):
    bad = Portion((tuple(range(129)),), (1,), b"\x02" * 32)
    market.contract.commit([bad.hash(), bad.hash()], sender=provider, value=BOUNTY)
    chain.mine(1)
    index = market.first_portion(sender=provider)
    with ape.reverts("prediction_market: test sample too long"):
        market.contract.reveal_first_portion(index, *bad.args(), sender=provider)


@pytest.mark.parametrize(
    "words, lengths, labels, reason",
    [
        (pack_uint32([1, 2]), [2], [1, 0], "prediction_market: lengths and labels differ in number"),
        (pack_uint32([1, 2]), [1], [1], "prediction_market: lengths do not match the indices"),
        (pack_uint32([1, 2]), [9], [1], "prediction_market: lengths do not match the indices"),
        (pack_uint32([1, 2]) + [0], [2], [1], "prediction_market: lengths do not match the indices"),
        (pack_uint32(list(range(1, 10))), [8], [1], "prediction_market: lengths do not match the indices"),
        (pack_uint32([1, 2, 3]), [2], [1], "prediction_market: lengths do not match the indices"),
    ],
)
def test_reveal_first__malformed_portion__reverts(market, provider, chain, words, lengths, labels, reason):
    salt = b"\x04" * 32
    committed_hash = portion_hash(words, lengths, labels, salt)
    market.contract.commit([committed_hash, committed_hash], sender=provider, value=BOUNTY)
    chain.mine(1)
    index = market.first_portion(sender=provider)
    with ape.reverts(reason):
        market.contract.reveal_first_portion(index, words, lengths, labels, salt, sender=provider)


def test_cancel__by_provider_before_reveal__returns_the_bounty(committed, provider, chain):
    c = committed.contract
    committed.cancel(sender=provider)
    assert committed.phase == "cancelled"
    assert c.owed(provider) == BOUNTY
    before = provider.balance
    receipt = c.withdraw(sender=provider)
    assert provider.balance == before + BOUNTY - receipt.total_fees_paid
    assert chain.provider.get_balance(c.address) == 0


def test_cancel__by_stranger_within_window__reverts(committed, stranger):
    with ape.reverts("prediction_market: commit window not over"):
        committed.contract.cancel(sender=stranger)


def test_cancel__by_stranger_after_window__returns_the_bounty(committed, provider, stranger, chain):
    advance(chain, DAY)
    committed.cancel(sender=stranger)
    assert committed.contract.owed(provider) == BOUNTY
    assert committed.contract.owed(stranger) == 0


def test_cancel__after_participation_opened__reverts(open_market, provider):
    with ape.reverts("prediction_market: nothing to cancel"):
        open_market.contract.cancel(sender=provider)


def test_cancelled__nothing_else_happens(committed, portions, provider, contributors):
    committed.cancel(sender=provider)
    c = committed.contract
    with ape.reverts("prediction_market: not awaiting the first portion"):
        c.reveal_first_portion(0, *portions[0].args(), sender=provider)
    with ape.reverts("prediction_market: participation is not open"):
        c.add_data([1], 1, sender=contributors[0], value=c.stake())
    with ape.reverts("prediction_market: nothing to withdraw"):
        c.withdraw(sender=contributors[0])
