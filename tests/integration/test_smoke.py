from tests.helpers.chain import DAY, advance


def test_add_refund_report_cycle(sparse_trainer, contributor, reporter, chain):
    good = sparse_trainer.add_data([1, 2, 3], 1, sender=reporter)
    bad = sparse_trainer.add_data([4, 5, 6], 0, sender=contributor, unlearnable=True)
    advance(chain, DAY)
    assert sparse_trainer.refund(good, sender=reporter) == good.deposit
    taken = sparse_trainer.report(bad, sender=reporter)
    # The model rejects the sample: half of the deposit is paid, the rest burned.
    assert taken == bad.deposit // 2
    assert sparse_trainer.claimable(bad) == 0
    assert sparse_trainer.contract.balance == bad.deposit - taken
