"""The self-take through an accomplice, performed with ordinary samples.

A spammer adds wrongly labelled samples that the model keeps rejecting.
Its second account farms a record first: 20 ordinary samples the model
already agrees with, each refunded in full a day later, so it holds most
of the trainer's good contributions. Then the spammer's accounts take the
spam deposits back: the accomplice reports them (its share is most of each
deposit), the owner's or anyone's sweep takes what is left, and the
spammer may sweep its own leftovers too. Whatever the order, every take
made while the model rejects a sample pays half of what it removes and
burns the rest, so the spammer's accounts together recover at most half of
each deposit, and spam costs money again.
"""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from tests.helpers.chain import DAY, PARAMETERS, at, sparse_model

# Ordinary sparse samples: a few feature indices each. The test model
# predicts 1 for any of them (every weight 2.0, intercept 0), and one
# perceptron update with label 0 (step 1.0) leaves each weight at 1.0, so
# the model still predicts 1: the spam stays rejected.
SPAM = [[3, 17, 256], [5, 40, 311], [8, 77, 402], [11, 123, 505], [14, 150, 640]]
FARM = [[600 + i, 700 + i] for i in range(20)]


@pytest.fixture
def spam_and_farm(owner, contributor, reporter, stranger, chain):
    """The trainer after the spammer (`contributor`) added SPAM with label 0,
    its accomplice (`stranger`) farmed FARM, and an honest `reporter` earned
    one good contribution; a day later, with every refund made."""
    trainer = Trainer(deploy_trainer(sparse_model(), PARAMETERS, owner, progress=False).contract)
    honest = trainer.add_data([900, 901], 1, sender=reporter)
    farmed = [trainer.add_data(sample, 1, sender=stranger) for sample in FARM]
    # An attacker does not run the SDK's check: it sends the samples as they are.
    spam = [trainer.add_data(sample, 0, sender=contributor, unlearnable=True) for sample in SPAM]
    at(chain, spam[-1].added_time + DAY)
    trainer.refund(honest, sender=reporter)
    for c in farmed:
        trainer.refund(c, sender=stranger)
    for c in spam:
        assert trainer.predict(c.data) == 1  # still rejected a day later
    assert (trainer.good_contributions(stranger.address), trainer.contract.total_good_contributions()) == (20, 21)
    return trainer, spam


@pytest.mark.parametrize("sweeper", ["accomplice", "spammer", "owner"])
def test_farmed_accomplice__reports_then_sweeps__spammer_recovers_at_most_half(
    spam_and_farm, owner, contributor, reporter, stranger, chain, accounts, sweeper
):
    """`sweeper`: who takes what the reports leave: a third account of the
    spammer's, the spammer itself, or the owner (a trainer the spammer
    deployed), at the owner's wait."""
    trainer, spam = spam_and_farm
    third = accounts.generate_test_account()
    chain.set_balance(third.address, 10**21)
    who = {"accomplice": third, "spammer": contributor, "owner": owner}[sweeper]
    team = [contributor, stranger] + ([who] if who is not contributor else [])
    before = {a.address: a.balance for a in team}
    fees = dict.fromkeys(before, 0)
    deposits = sum(c.deposit for c in spam)

    def send(sender, contribution) -> int:
        paid = trainer.report(contribution, sender=sender)
        if sender.address in fees:
            fees[sender.address] += trainer.last_receipt.total_fees_paid
        return paid

    honest_paid = 0
    for index, c in enumerate(spam):
        # The accomplice's share is 20/21 of each deposit, the honest
        # reporter's 1/21; each is paid half of what its share removes.
        assert send(stranger, c) == c.deposit * 20 // 21 // 2
        if index < 2:
            assert (paid := send(reporter, c)) == c.deposit * 1 // 21 // 2
            honest_paid += paid
    # What the reports left (the honest share of three, and rounding) waits
    # for a sweep.
    at(chain, spam[-1].added_time + (10 if sweeper == "owner" else 20) * DAY)
    for c in spam:
        left = trainer.claimable(c)
        assert left > 0 and send(who, c) == left // 2
    recovered = sum(a.balance - before[a.address] + fees[a.address] for a in team)
    # Before the rule the team got back 95% of the spam deposits.
    assert 0 < recovered <= deposits // 2
    # Nothing is owed any more; the balance is what was burned.
    assert all(trainer.claimable(c) == 0 for c in spam)
    burned = deposits - recovered - honest_paid
    assert trainer.contract.balance == burned >= deposits // 2


def test_spammer_stays_silent__its_own_sweep_gets_half(owner, contributor, chain):
    """With no reporter at all, the spammer sweeps its rejected deposits back
    once anyone may: half of each."""
    trainer = Trainer(deploy_trainer(sparse_model(), PARAMETERS, owner, progress=False).contract)
    spam = [trainer.add_data(sample, 0, sender=contributor, unlearnable=True) for sample in SPAM]
    at(chain, spam[-1].added_time + 20 * DAY)
    paid = [trainer.report(c, sender=contributor) for c in spam]
    assert paid == [c.deposit // 2 for c in spam]


def test_sdk_check__refuses_the_spam_before_sending(owner, contributor, chain):
    """The SDK's check names what would happen, and sends nothing."""
    from decai.errors import DecaiError

    trainer = Trainer(deploy_trainer(sparse_model(), PARAMETERS, owner, progress=False).contract)
    nonce = contributor.nonce
    with pytest.raises(DecaiError, match=r"^the model would still not predict label 0 \(negative\) for this sample"):
        trainer.add_data(SPAM[0], 0, sender=contributor)
    assert contributor.nonce == nonce
    assert trainer.would_learn(SPAM[0], 1) and not trainer.would_learn(SPAM[0], 0)
