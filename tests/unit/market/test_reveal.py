"""Reveal: after participation the provider reveals the other portions in
order; each must match its hash; they become the stored test set."""

import ape

from decai.market.encoding import Portion
from tests.helpers.market import BOUNTY, DAY, PARAMETERS, advance, contribute


def others(market, portions):
    first = int(market.contract.first_portion()[1])
    return [i for i in range(len(portions)) if i != first]


def test_reveal__in_order_stores_the_test_set(revealing, portions, provider):
    c = revealing.contract
    order = others(revealing, portions)
    for step, index in enumerate(order):
        assert c.next_portion() == index
        receipt = c.reveal_portion(index, *portions[index].args(), sender=provider)
        event = next(iter(receipt.decode_logs(c.PortionRevealed)))
        assert event.index == index and event.salt == portions[index].salt
        if step < len(order) - 1:
            assert revealing.phase == "reveal"
    assert revealing.phase == "processing" and revealing.stage == "score"
    samples = [list(s) for i in order for s in portions[i].samples]
    labels = [label for i in order for label in portions[i].labels]
    assert c.num_test_samples() == len(samples)
    assert c.num_test_indices() == sum(len(s) for s in samples)
    assert revealing.test_set() == (samples, labels)


def test_test_sample__unknown_index__reverts(processing):
    with ape.reverts("prediction_market: no such test sample"):
        processing.contract.test_sample(processing.contract.num_test_samples())


def test_reveal__beyond_the_test_set_capacity__reverts(provider, contributors, chain):
    """Three portions of 200 one-feature samples: whichever is revealed
    first, the second evaluated portion would make 400 > 256 samples."""
    from decai.market.encoding import Portion
    from tests.helpers.market import HOUR, deploy_market

    # Built directly: the client (split_test_set) would refuse this split.
    portions = [
        Portion(tuple((i % 24,) for i in range(200)), tuple(i % 2 for i in range(200)), bytes([p + 1]) * 32)
        for p in range(3)
    ]
    market = deploy_market(provider)
    market.contract.commit([p.hash() for p in portions], sender=provider, value=BOUNTY)
    chain.mine(1)
    market.reveal_first(portions, sender=provider)
    contribute(market, contributors, 3)
    advance(chain, HOUR)
    market.contract.end_participation(sender=provider)
    first = int(market.contract.next_portion())
    market.contract.reveal_portion(first, *portions[first].args(), sender=provider)
    second = int(market.contract.next_portion())
    with ape.reverts("prediction_market: test set too large"):
        market.contract.reveal_portion(second, *portions[second].args(), sender=provider)


def test_reveal__out_of_order__reverts(revealing, portions, provider):
    order = others(revealing, portions)
    with ape.reverts("prediction_market: portion revealed out of order"):
        revealing.contract.reveal_portion(order[1], *portions[order[1]].args(), sender=provider)
    first = int(revealing.contract.first_portion()[1])
    with ape.reverts("prediction_market: portion revealed out of order"):
        revealing.contract.reveal_portion(first, *portions[first].args(), sender=provider)


def test_reveal__wrong_content__reverts(revealing, portions, provider):
    index = int(revealing.contract.next_portion())
    other = Portion(portions[index].samples, portions[index].labels[::-1], portions[index].salt)
    if other == portions[index]:
        other = Portion(portions[index].samples[:-1], portions[index].labels[:-1], portions[index].salt)
    with ape.reverts("prediction_market: portion does not match its hash"):
        revealing.contract.reveal_portion(index, *other.args(), sender=provider)
    assert revealing.contract.num_test_samples() == 0


def test_reveal__not_provider__reverts(revealing, portions, stranger):
    index = int(revealing.contract.next_portion())
    with ape.reverts("prediction_market: caller is not the provider"):
        revealing.contract.reveal_portion(index, *portions[index].args(), sender=stranger)


def test_reveal__after_deadline__reverts(revealing, portions, provider, chain):
    index = int(revealing.contract.next_portion())
    advance(chain, PARAMETERS.reveal_window_s)
    with ape.reverts("prediction_market: reveal deadline passed"):
        revealing.contract.reveal_portion(index, *portions[index].args(), sender=provider)


def test_reveal__during_participation__reverts(open_market, portions, provider):
    index = int(open_market.contract.next_portion())
    with ape.reverts("prediction_market: not revealing"):
        open_market.contract.reveal_portion(index, *portions[index].args(), sender=provider)


def test_reveal__after_the_last__reverts(processing, portions, provider):
    with ape.reverts("prediction_market: not revealing"):
        processing.contract.reveal_portion(0, *portions[0].args(), sender=provider)


def test_process__while_reveal_open__reverts(revealing, stranger):
    with ape.reverts("prediction_market: reveal window still open"):
        revealing.contract.process(10, sender=stranger)


def test_forfeit__after_deadline_stakes_back_and_bounty_burned(
    revealing, portions, provider, contributors, stranger, chain
):
    """Issue 11 item 2: a forfeited bounty is owed to nobody, so the provider
    cannot recover any of it through contributions of their own."""
    c = revealing.contract
    index = int(c.next_portion())
    c.reveal_portion(index, *portions[index].args(), sender=provider)  # one of two: not enough
    advance(chain, DAY)
    contributions = revealing.contributions()
    calls = revealing.keep(sender=stranger, max_steps=3)
    assert calls == 2
    assert revealing.phase == "finished" and c.forfeited()
    expected = {}
    for contribution in contributions:
        expected[contribution.author] = expected.get(contribution.author, 0) + c.stake()
    for account, amount in expected.items():
        assert c.owed(account) == amount
    assert c.owed(provider) == 0
    total = c.stake() * len(contributions)
    paid = sum(revealing.withdraw(sender=a) for a in contributors if c.owed(a))
    assert paid == total
    assert chain.provider.get_balance(c.address) == BOUNTY
    with ape.reverts("prediction_market: nothing to withdraw"):
        c.withdraw(sender=contributors[0])
    with ape.reverts("prediction_market: nothing to withdraw"):
        c.withdraw(sender=provider)
    with ape.reverts("prediction_market: nothing to process"):
        c.process(1, sender=stranger)
