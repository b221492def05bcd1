"""A contributor contract that re-enters the trainer while being paid.

Every entry point that moves ether holds the trainer's reentrancy lock, so
the nested call fails. Either the whole payment reverts (nothing changes),
or the contributor swallows the failure and is paid exactly once.
"""

import ape
import pytest

from tests.helpers.chain import DAY, at

SAMPLE = [1, 2, 3]


@pytest.fixture
def attacker(contributor, project, sparse_trainer):
    return contributor.deploy(project.ReentrantContributor, sparse_trainer.address)


def _added(trainer, attacker, label, sender, chain):
    tx = attacker.add(SAMPLE, label, sender=sender, value=10**19)
    event = next(iter(tx.decode_logs(trainer.contract.AddData)))
    return event.added_time, event.deposit


@pytest.mark.parametrize("mode", [1, 2, 3], ids=["refund", "report", "add_data"])
def test_reentry_during_refund__bubbles__nothing_changes(sparse_trainer, attacker, contributor, chain, mode):
    added_time, deposit = _added(sparse_trainer, attacker, 1, contributor, chain)
    at(chain, added_time + DAY)
    attacker.arm(mode, True, SAMPLE, 1, added_time, attacker.address, sender=contributor)
    balance = sparse_trainer.contract.balance
    with ape.reverts("reentrant contributor: re-entry refused"):
        attacker.refund(SAMPLE, 1, added_time, sender=contributor)
    assert sparse_trainer.contract.balance == balance == deposit
    assert sparse_trainer.contract.claimable(SAMPLE, 1, added_time, attacker.address) == deposit
    assert sparse_trainer.good_contributions(attacker.address) == 0


def test_reentry_during_refund__swallowed__paid_once(sparse_trainer, attacker, contributor, chain):
    added_time, deposit = _added(sparse_trainer, attacker, 1, contributor, chain)
    at(chain, added_time + DAY)
    attacker.arm(1, False, SAMPLE, 1, added_time, attacker.address, sender=contributor)
    attacker.refund(SAMPLE, 1, added_time, sender=contributor)
    assert attacker.reentry_attempts() == attacker.reentry_failed() == 1
    # The excess of the add came back at once, the deposit now: exactly what was sent, once.
    assert attacker.balance == 10**19
    assert sparse_trainer.contract.balance == 0
    assert sparse_trainer.good_contributions(attacker.address) == 1


def test_reentry_during_report__swallowed__paid_once(sparse_trainer, attacker, contributor, reporter, chain):
    # The attacker earns a good contribution, then reports a bad one twice over.
    added_time, _ = _added(sparse_trainer, attacker, 1, contributor, chain)
    bad = sparse_trainer.add_data([7, 8], 0, sender=reporter, unlearnable=True)
    at(chain, added_time + DAY + 60)
    attacker.refund(SAMPLE, 1, added_time, sender=contributor)
    paid_before = attacker.balance
    attacker.arm(2, False, [7, 8], 0, bad.added_time, reporter.address, sender=contributor)
    attacker.report([7, 8], 0, bad.added_time, reporter.address, sender=contributor)
    assert attacker.reentry_failed() == 1
    # Paid once: half of the deposit (the model rejects the sample, the rest is burned).
    assert attacker.balance - paid_before == bad.deposit // 2
    assert sparse_trainer.claimable(bad) == 0


def test_excess_to_contract_without_receive__add_reverts(sparse_trainer, contributor, project, chain):
    # The excess of a deposit goes back in the same transaction; a sender
    # that refuses ether cannot overpay (and cannot lose the excess).
    attacker = contributor.deploy(project.ReentrantContributor, sparse_trainer.address)
    attacker.arm(3, True, SAMPLE, 1, 0, attacker.address, sender=contributor)
    with ape.reverts("reentrant contributor: re-entry refused"):
        attacker.add([9], 1, sender=contributor, value=10**19)
    assert sparse_trainer.contract.balance == 0
