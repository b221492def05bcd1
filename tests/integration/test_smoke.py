from tests.helpers.chain import DAY, advance


def test_add_refund_report_cycle(sparse_trainer, contributor, reporter, chain):
    good = sparse_trainer.add_data([1, 2, 3], 1, sender=reporter)
    bad = sparse_trainer.add_data([4, 5, 6], 0, sender=contributor)
    advance(chain, DAY)
    assert sparse_trainer.refund(good, sender=reporter) == good.deposit
    taken = sparse_trainer.report(bad, sender=reporter)
    assert taken == bad.deposit // 2  # reporters share half; as much is burned
    assert sparse_trainer.claimable(bad) == bad.deposit % 2
