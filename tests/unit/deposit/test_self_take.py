"""Self-take through a farmed accomplice. A report's share is the reporter's
good contributions over all good contributions, so a spammer's second
account that farms many ordinary, refunded contributions took 95% of the
spam deposit, and spam cost gas and nothing else. Now reporters share half
of a rejected deposit and every take burns as much as it pays; the owner's
and anyone's sweeps of a rejected deposit take half of what is left. Attack
performed with ordinary samples, the owner as a third accomplice."""

from __future__ import annotations

from tests.helpers.chain import DAY, HOUR, at

SPAM = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]  # ordinary samples the model predicts 1 for, labelled 0
FARM = [[100 + i] for i in range(20)]  # ordinary samples the model agrees with (label 1)


def _add_an_hour_later(trainer, sample, label, sender, chain):
    """Add at an ordinary pace: an hour on the price clock after the last."""
    at(chain, max(trainer.contract.last_update_time() + HOUR, chain.blocks.head.timestamp + 1))
    return trainer.add_data(sample, label, sender=sender)


def test_accomplice_with_20_farmed_contributions__spammer_side_recovers_at_most_half(
    sparse_trainer, owner, contributor, reporter, stranger, chain
):
    spammer, accomplice, honest = contributor, stranger, reporter
    contract = sparse_trainer.contract
    earned = _add_an_hour_later(sparse_trainer, [900], 1, honest, chain)
    farmed = [_add_an_hour_later(sparse_trainer, sample, 1, accomplice, chain) for sample in FARM]
    spam = [_add_an_hour_later(sparse_trainer, sample, 0, spammer, chain) for sample in SPAM]
    spam_deposit = sum(c.deposit for c in spam)
    assert spam_deposit > 0

    at(chain, spam[-1].added_time + DAY)
    sparse_trainer.refund(earned, sender=honest)
    refunded = sum(sparse_trainer.refund(c, sender=accomplice) for c in farmed)
    assert refunded == sum(c.deposit for c in farmed)  # farming cost gas only
    assert contract.good_contributions(accomplice) == 20

    recovered = {spammer.address: 0, accomplice.address: 0, owner.address: 0}
    honest_taken = 0
    for c in spam:
        assert sparse_trainer.predict(c.data) != c.label  # the model rejects the spam
        recovered[accomplice.address] += sparse_trainer.report(c, sender=accomplice)
        honest_taken += sparse_trainer.report(c, sender=honest)
    # Shares of half: 20/21 and 1/21 of half of each deposit.
    assert recovered[accomplice.address] == sum(c.deposit * 20 // 42 for c in spam)
    assert honest_taken == sum(c.deposit // 42 for c in spam)

    # The owner, a third account of the spammer, sweeps what is left once
    # its wait is over: half of it, the rest burned.
    at(chain, spam[-1].added_time + 10 * DAY)
    for c in spam:
        left = sparse_trainer.claimable(c)
        recovered[owner.address] += sparse_trainer.report(c, sender=owner)
        assert sparse_trainer.claimable(c) == 0
        assert left > 0
    # Nothing is left for the spammer's own account, even after every wait.
    at(chain, spam[-1].added_time + 20 * DAY)
    assert all(sparse_trainer.report_problem(c, spammer.address, spam[-1].added_time + 20 * DAY) for c in spam)

    spam_side = sum(recovered.values())
    assert spam_side <= spam_deposit // 2
    # Everything else of the spam deposit was burned, and the contract holds it.
    assert contract.burned() == spam_deposit - spam_side - honest_taken
    assert contract.balance == contract.burned()
    print(f"\nspammer side recovers {100 * spam_side / spam_deposit:.1f}% of the spam deposit (was 95.2%)")


def test_spammer_refunds_after_the_model_flips__still_at_most_half(sparse_trainer, owner, contributor, stranger, chain):
    """After its accomplice's report, the spammer trains the model until it
    agrees with the spam and claims the refund: what is left is halved."""
    spammer, accomplice = contributor, stranger
    farmed = [_add_an_hour_later(sparse_trainer, sample, 1, accomplice, chain) for sample in FARM[:5]]
    others = [_add_an_hour_later(sparse_trainer, sample, 1, owner, chain) for sample in FARM[5:10]]
    spam = _add_an_hour_later(sparse_trainer, SPAM[0], 0, spammer, chain)
    at(chain, spam.added_time + DAY)
    for c in farmed:
        sparse_trainer.refund(c, sender=accomplice)
    for c in others:
        sparse_trainer.refund(c, sender=owner)
    taken = sparse_trainer.report(spam, sender=accomplice)
    while sparse_trainer.predict(spam.data) != spam.label:
        _add_an_hour_later(sparse_trainer, SPAM[0], 0, accomplice, chain)
    refunded = sparse_trainer.refund(spam, sender=spammer)
    assert taken > 0 and refunded > 0
    assert taken + refunded <= spam.deposit // 2
