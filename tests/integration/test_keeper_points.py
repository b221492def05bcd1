"""The keeper on a points trainer: it claims its account's points and, in
the same round, reports a contribution the model rejects; nothing twice."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.core.mechanisms import PointsParameters
from decai.keeper.runner import Keeper
from decai.keeper.state import KeeperState
from decai.models import SparsePerceptron
from decai.units import DAY, HOUR


@pytest.fixture
def points_trainer(owner, chain):
    snapshot = chain.snapshot()
    try:
        model = SparsePerceptron(
            name="points",
            description="features 0-9 positive, 10-19 negative",
            encoder="indices",
            weights=[10 * ONE] * 10 + [-10 * ONE] * 10,
            intercept=0,
            learning_rate=ONE // 10,
        )
        deployment = deploy_trainer(model, PointsParameters(refund_wait_s=DAY), owner, progress=False)
        trainer = Trainer(deployment.contract)
        trainer.record = {"block": deployment.block_number}
        yield trainer
    finally:
        chain.restore(snapshot)


def test_keeper__points_trainer__claims_points_then_reports_the_rejected_one_once(
    points_trainer, contributor, stranger, chain
):
    trainer = points_trainer
    lines: list[str] = []
    keeper = Keeper(contributor, [trainer], KeeperState(contributor.address, chain.chain_id), log=lines.append)
    mine = [trainer.add_data([1, 2], 1, sender=contributor), trainer.add_data([11, 12], 0, sender=contributor)]
    chain.mine(timestamp=chain.blocks.head.timestamp + HOUR)
    wrong = trainer.add_data([3, 4], 0, sender=stranger)  # the model says 1
    assert keeper.tick().sent == []  # nothing open yet

    chain.mine(timestamp=chain.blocks.head.timestamp + DAY)
    first = keeper.tick()
    # Refunds first: the points they bring let the report that follows pass its check.
    assert first.failed == [] and [a["kind"] for a in first.sent] == ["refund", "refund", "report"]
    assert trainer.good_contributions(contributor.address) == 1  # two points earned, one spent on the report
    assert trainer.status(wrong).claim_count == 1
    assert all(trainer.status(c).refunded for c in mine)
    assert keeper.tick().sent == []  # nothing twice
    assert [line.split(" ", 1)[0] for line in lines] == ["refund", "refund", "report"]
