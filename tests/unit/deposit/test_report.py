"""report: taking deposits of contributions the model now disagrees with,
and the owner's and anyone's sweeps after their waits."""

import ape

from tests.helpers.chain import DAY, at


def _setup_reporter(trainer, reporter, chain):
    """Give `reporter` one good contribution; returns the time it was refunded."""
    earned = trainer.add_data([900], 1, sender=reporter)
    return earned


def _report(trainer, contribution, sender):
    return trainer.contract.report(
        list(contribution.data), contribution.label, contribution.added_time, contribution.author, sender=sender
    )


def test_report__bad_contribution__reporter_takes_share(sparse_trainer, contributor, reporter, chain):
    earned = _setup_reporter(sparse_trainer, reporter, chain)
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    sparse_trainer.refund(earned, sender=reporter)
    before = reporter.balance
    tx = _report(sparse_trainer, bad, reporter)
    # The reporter holds all the good contributions: the share is the whole
    # deposit. The model rejects the sample, so half is paid, half burned.
    assert reporter.balance == before + bad.deposit // 2 - tx.total_fees_paid
    assert sparse_trainer.claimable(bad) == 0
    assert sparse_trainer.contract.balance == bad.deposit - bad.deposit // 2
    assert sparse_trainer.has_claimed(bad, reporter.address)
    event = next(iter(tx.decode_logs(sparse_trainer.contract.Report)))
    assert (event.reporter, event.author, event.key, event.amount, event.burned) == (
        reporter.address,
        contributor.address,
        bad.key,
        bad.deposit // 2,
        bad.deposit - bad.deposit // 2,
    )
    assert sparse_trainer.status(bad).claim_count == 1


def test_report__share_proportional_to_good_contributions(sparse_trainer, contributor, reporter, stranger, chain):
    earned = [sparse_trainer.add_data([900 + i], 1, sender=reporter) for i in range(1)]
    others = [sparse_trainer.add_data([950 + i], 1, sender=stranger) for i in range(3)]
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    for c in earned:
        sparse_trainer.refund(c, sender=reporter)
    for c in others:
        sparse_trainer.refund(c, sender=stranger)
    # Each removes its share and is paid half of it (the model rejects the sample).
    assert sparse_trainer.report(bad, sender=reporter) == bad.deposit * 1 // 4 // 2
    assert sparse_trainer.report(bad, sender=stranger) == bad.deposit * 3 // 4 // 2
    assert sparse_trainer.claimable(bad) == bad.deposit - bad.deposit // 4 - bad.deposit * 3 // 4


def test_report__before_wait__reverts(sparse_trainer, contributor, reporter, chain):
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY - 1)
    with ape.reverts("deposit: refund wait not over"):
        _report(sparse_trainer, bad, reporter)


def test_report__own_contribution__reverts(sparse_trainer, contributor, chain):
    earned = sparse_trainer.add_data([900], 1, sender=contributor)
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    sparse_trainer.refund(earned, sender=contributor)
    with ape.reverts("deposit: cannot report own contribution"):
        _report(sparse_trainer, bad, contributor)


def test_report__reporter_without_good_data__reverts(sparse_trainer, contributor, reporter, chain):
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    with ape.reverts("deposit: reporter has no good contributions"):
        _report(sparse_trainer, bad, reporter)


def test_report__model_agrees__reverts(sparse_trainer, contributor, reporter, chain):
    earned = _setup_reporter(sparse_trainer, reporter, chain)
    fine = sparse_trainer.add_data([1, 2, 3], 1, sender=contributor)
    at(chain, fine.added_time + DAY)
    sparse_trainer.refund(earned, sender=reporter)
    with ape.reverts("deposit: model agrees with the label"):
        _report(sparse_trainer, fine, reporter)


def test_report__twice_by_same_reporter__reverts(sparse_trainer, contributor, reporter, stranger, chain):
    earned = _setup_reporter(sparse_trainer, reporter, chain)
    extra = sparse_trainer.add_data([901], 1, sender=stranger)
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    sparse_trainer.refund(earned, sender=reporter)
    sparse_trainer.refund(extra, sender=stranger)
    _report(sparse_trainer, bad, reporter)  # half of it
    assert sparse_trainer.claimable(bad) > 0
    with ape.reverts("deposit: already claimed"):
        _report(sparse_trainer, bad, reporter)


def test_report__nothing_left__reverts(sparse_trainer, contributor, reporter, stranger, chain):
    earned = _setup_reporter(sparse_trainer, reporter, chain)
    extra = sparse_trainer.add_data([901], 1, sender=stranger)
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    sparse_trainer.refund(earned, sender=reporter)
    sparse_trainer.refund(extra, sender=stranger)
    _report(sparse_trainer, bad, reporter)
    _report(sparse_trainer, bad, stranger)
    assert sparse_trainer.claimable(bad) == 0
    with ape.reverts("deposit: nothing left to take"):
        _report(sparse_trainer, bad, contributor)


def test_report__unknown_contribution__reverts(sparse_trainer, contributor, reporter, chain):
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + DAY)
    with ape.reverts("data_handler: contribution not found"):
        sparse_trainer.contract.report([1, 2, 3], 1, bad.added_time, contributor, sender=reporter)


def test_report__owner_after_owner_wait__takes_everything_even_if_model_agrees(
    sparse_trainer, owner, contributor, chain
):
    fine = sparse_trainer.add_data([1, 2, 3], 1, sender=contributor)
    at(chain, fine.added_time + 10 * DAY - 1)
    with ape.reverts("deposit: model agrees with the label"):
        _report(sparse_trainer, fine, owner)
    at(chain, fine.added_time + 10 * DAY)
    assert sparse_trainer.report(fine, sender=owner) == fine.deposit
    assert sparse_trainer.contract.balance == 0


def test_report__stranger_after_owner_wait__still_needs_the_report_rules(sparse_trainer, contributor, stranger, chain):
    fine = sparse_trainer.add_data([1, 2, 3], 1, sender=contributor)
    at(chain, fine.added_time + 10 * DAY)
    with ape.reverts("deposit: model agrees with the label"):
        _report(sparse_trainer, fine, stranger)


def test_report__anyone_after_any_address_wait__takes_everything(sparse_trainer, contributor, stranger, chain):
    fine = sparse_trainer.add_data([1, 2, 3], 1, sender=contributor)
    at(chain, fine.added_time + 20 * DAY)
    assert sparse_trainer.report(fine, sender=stranger) == fine.deposit


def test_report__author_after_any_address_wait__gets_half_of_own_rejected_leftovers(sparse_trainer, contributor, chain):
    """A sweep of a sample the model rejects burns half, the author's own too."""
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    at(chain, bad.added_time + 20 * DAY)
    assert sparse_trainer.report(bad, sender=contributor) == bad.deposit // 2
    assert sparse_trainer.claimable(bad) == 0


def test_report__small_share__is_capped_share(owner, contributor, reporter, stranger, chain):
    """With a tiny deposit the share floor(deposit * good / total) is small
    but positive: the reporter takes exactly that."""
    from decai.chain.deploy import deploy_trainer
    from decai.chain.trainer import Trainer
    from decai.core.mechanisms import DepositParameters
    from tests.helpers.chain import sparse_model

    tiny = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=1
    )
    trainer = Trainer(deploy_trainer(sparse_model(), tiny, owner, progress=False).contract)
    earned = trainer.add_data([900], 1, sender=reporter)
    others = [trainer.add_data([950 + i], 1, sender=stranger) for i in range(4)]
    at(chain, chain.blocks.head.timestamp + 3600)
    bad = trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    assert bad.deposit == 60  # 1 wei * 3600 / isqrt(3600)
    at(chain, bad.added_time + DAY)
    trainer.refund(earned, sender=reporter)
    for c in others:
        trainer.refund(c, sender=stranger)
    # share = 60 * 1 // 5 = 12 > 0: capped share, half of it paid
    assert trainer.report(bad, sender=reporter) == 6


def test_sdk_report_problem__explains(sparse_trainer, contributor, reporter, chain):
    bad = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    later = bad.added_time + DAY
    assert sparse_trainer.report_problem(bad, reporter.address, bad.added_time) == "too early: reports open in 1d"
    assert (
        sparse_trainer.report_problem(bad, reporter.address, bad.added_time + 3599) == "too early: reports open in 23h"
    )
    assert (
        sparse_trainer.report_problem(bad, contributor.address, later)
        == "you cannot report your own contribution (refund it instead)"
    )
    assert (
        sparse_trainer.report_problem(bad, reporter.address, later)
        == "you need at least one refunded (good) contribution before you can report"
    )
