"""refund: only the author, once, after the wait, if the model agrees."""

import ape

from decai.core.contributions import Contribution
from tests.helpers.chain import DAY, at

GOOD = [1, 2, 3]


def _refund(trainer, contribution, sender):
    return trainer.contract.refund(list(contribution.data), contribution.label, contribution.added_time, sender=sender)


def test_refund__after_wait_and_model_agrees__pays_and_counts_good(sparse_trainer, contributor, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)  # exactly at the end of the wait
    before = contributor.balance
    tx = _refund(sparse_trainer, contribution, contributor)
    assert contributor.balance == before + contribution.deposit - tx.total_fees_paid
    assert sparse_trainer.contract.balance == 0
    assert sparse_trainer.good_contributions(contributor.address) == 1
    assert sparse_trainer.contract.total_good_contributions() == 1
    status = sparse_trainer.status(contribution)
    assert (status.claimable, status.initial_deposit, status.claim_count, status.refunded) == (
        0,
        contribution.deposit,
        1,
        True,
    )
    event = next(iter(tx.decode_logs(sparse_trainer.contract.Refund)))
    assert (event.author, event.key, event.amount) == (contributor.address, contribution.key, contribution.deposit)


def test_refund__before_wait__reverts(sparse_trainer, contributor, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY - 1)
    with ape.reverts("deposit: refund wait not over"):
        _refund(sparse_trainer, contribution, contributor)


def test_refund__model_disagrees__reverts(sparse_trainer, contributor, chain):
    # Every weight is 2.0, so the model says 1 for any sample; label 0 is
    # wrong (and the perceptron's update moves these weights to 1.0 only).
    contribution = sparse_trainer.add_data(GOOD, 0, sender=contributor, unlearnable=True)
    assert sparse_trainer.predict(GOOD) == 1
    at(chain, contribution.added_time + DAY)
    with ape.reverts("deposit: model disagrees with the label"):
        _refund(sparse_trainer, contribution, contributor)


def test_refund__twice__reverts(sparse_trainer, contributor, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)
    _refund(sparse_trainer, contribution, contributor)
    with ape.reverts("deposit: already refunded"):
        _refund(sparse_trainer, contribution, contributor)
    assert sparse_trainer.good_contributions(contributor.address) == 1


def test_refund__by_someone_else__not_found(sparse_trainer, contributor, stranger, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)
    # The key binds the author: the stranger's refund names a contribution of theirs that does not exist.
    with ape.reverts("data_handler: contribution not found"):
        _refund(sparse_trainer, contribution, stranger)


def test_refund__wrong_time__not_found(sparse_trainer, contributor, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)
    with ape.reverts("data_handler: contribution not found"):
        sparse_trainer.contract.refund(GOOD, 1, contribution.added_time - 1, sender=contributor)


def test_refund__after_everything_taken__reverts(sparse_trainer, contributor, reporter, owner, chain):
    contribution = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + 10 * DAY)
    sparse_trainer.report(contribution, sender=owner)  # the owner's sweep takes everything
    with ape.reverts("deposit: nothing left to refund"):
        _refund(sparse_trainer, contribution, contributor)


def test_refund__after_partial_take__pays_the_rest(sparse_trainer, contributor, reporter, chain):
    contract = sparse_trainer.contract
    # The reporter earns a good contribution first.
    earned = sparse_trainer.add_data([900], 1, sender=reporter)
    # The contributor's sample [1, 2, 3] labelled 0: wrong now, so reportable.
    contribution = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    other = sparse_trainer.add_data([10, 11], 1, sender=contributor)
    at(chain, other.added_time + DAY)  # the last of the three may be a second later than the others
    sparse_trainer.refund(earned, sender=reporter)
    sparse_trainer.refund(other, sender=contributor)
    taken = sparse_trainer.report(contribution, sender=reporter)
    # share = deposit * 1 / 2 good contributions in total; the model rejects
    # the sample, so half of the share is paid and half burned.
    removed = contribution.deposit // 2
    assert taken == removed // 2
    assert sparse_trainer.burned_in(sparse_trainer.last_receipt) == removed - taken
    # Lower the weights of 1, 2, 3 until the model says 0 for them.
    for _ in range(6):
        at(chain, chain.blocks.head.timestamp + 60)  # a new key each time
        sparse_trainer.add_data([1, 2, 3], 0, sender=reporter, unlearnable=True)
    assert sparse_trainer.predict([1, 2, 3]) == 0
    before = contract.balance
    paid = sparse_trainer.refund(contribution, sender=contributor)
    assert paid == contribution.deposit - removed
    assert contract.balance == before - paid


def test_refund__zero_deposit__counts_good(owner, contributor, chain):
    from decai.chain.deploy import deploy_trainer
    from decai.chain.trainer import Trainer
    from decai.core.mechanisms import DepositParameters
    from tests.helpers.chain import sparse_model

    free = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=2 * DAY, any_address_claim_wait_s=2 * DAY, cost_weight=0
    )
    trainer = Trainer(deploy_trainer(sparse_model(), free, owner, progress=False).contract)
    contribution = trainer.add_data(GOOD, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)
    assert trainer.refund(contribution, sender=contributor) == 0
    assert trainer.good_contributions(contributor.address) == 1


def test_sdk_refund_problem__explains_each_case(sparse_trainer, contributor, chain):
    good = sparse_trainer.add_data(GOOD, 1, sender=contributor)
    bad = sparse_trainer.add_data([7], 0, sender=contributor, unlearnable=True)
    now = good.added_time + 60
    assert sparse_trainer.refund_problem(good, now) == "too early: refunds open in 23h 59m"
    unknown = Contribution(data=(5,), label=1, added_time=now, author=contributor.address, deposit=0)
    assert (
        sparse_trainer.refund_problem(unknown, now)
        == "no such contribution: check the sample, label, added time and account"
    )
    later = max(good.added_time, bad.added_time) + DAY  # mined in the same second or the next one
    assert sparse_trainer.refund_problem(good, later) is None
    assert sparse_trainer.refund_problem(bad, later) == "the model now predicts 1, not your label 0: no refund"
