"""The points mechanism: free contributions, points, reports, badges."""

import ape
import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.mechanisms import BADGES, PointsParameters
from tests.helpers.chain import DAY, at, dense_model, sparse_model

POINTS = PointsParameters(refund_wait_s=DAY)


@pytest.fixture
def game(owner) -> Trainer:
    return Trainer(deploy_trainer(sparse_model(), POINTS, owner, progress=False).contract)


def test_add_data__free__first_contribution_badge(game, contributor):
    assert game.next_deposit() == 0
    tx = game.contract.add_data([1, 2], 1, sender=contributor)
    assert [(e.account, e.badge) for e in tx.decode_logs(game.contract.BadgeAwarded)] == [(contributor.address, 0)]
    assert game.badges(contributor.address) == ["first contribution"]
    tx = game.contract.add_data([3], 1, sender=contributor)
    assert list(tx.decode_logs(game.contract.BadgeAwarded)) == []  # exactly once
    stats = game.contract.stats(contributor)
    assert (stats.contributions, stats.points, stats.labels_used, stats.distinct_days) == (2, 0, 0b10, 1)
    assert game.contract.balance == 0


def test_add_data__with_value__reverts(game, contributor):
    with ape.reverts("points: no deposit is taken"):
        game.contract.add_data([1], 1, sender=contributor, value=1)


def test_every_label_badge(game, contributor, chain):
    game.contract.add_data([1], 1, sender=contributor)
    at(chain, chain.blocks.head.timestamp + 10)
    tx = game.contract.add_data([2], 0, sender=contributor)
    assert [e.badge for e in tx.decode_logs(game.contract.BadgeAwarded)] == [3]
    assert game.contract.has_badge(contributor, 3)


def test_seven_distinct_days_badge(game, contributor, chain):
    start = chain.blocks.head.timestamp
    for day in range(7):
        at(chain, start + day * DAY + 5)
        tx = game.contract.add_data([day + 1], 1, sender=contributor)
        at(chain, start + day * DAY + 60)
        game.contract.add_data([day + 100], 1, sender=contributor)  # same day: not a new one
    assert game.contract.stats(contributor).distinct_days == 7
    assert [e.badge for e in tx.decode_logs(game.contract.BadgeAwarded)] == [4]


def test_refund__claims_a_point_once(game, contributor, chain):
    contribution = game.add_data([1, 2], 1, sender=contributor)
    at(chain, contribution.added_time + DAY - 1)
    with ape.reverts("points: wait not over"):
        game.contract.refund([1, 2], 1, contribution.added_time, sender=contributor)
    at(chain, contribution.added_time + DAY)
    tx = game.contract.refund([1, 2], 1, contribution.added_time, sender=contributor)
    event = next(iter(tx.decode_logs(game.contract.PointAwarded)))
    assert (event.author, event.key) == (contributor.address, contribution.key)
    assert game.good_contributions(contributor.address) == game.contract.total_good_contributions() == 1
    with ape.reverts("points: already settled"):
        game.contract.refund([1, 2], 1, contribution.added_time, sender=contributor)


def test_refund__model_disagrees__reverts(game, contributor, chain):
    contribution = game.add_data([1, 2], 0, sender=contributor)
    at(chain, contribution.added_time + DAY)
    with ape.reverts("points: model disagrees with the label"):
        game.contract.refund([1, 2], 0, contribution.added_time, sender=contributor)


def test_ten_points_badge(game, contributor, chain):
    added = []
    for i in range(10):
        at(chain, chain.blocks.head.timestamp + 30)
        added.append(game.add_data([i + 1], 1, sender=contributor))
    at(chain, chain.blocks.head.timestamp + DAY)
    for c in added[:9]:
        tx = game.contract.refund(list(c.data), 1, c.added_time, sender=contributor)
        assert list(tx.decode_logs(game.contract.BadgeAwarded)) == []
    tx = game.contract.refund(list(added[9].data), 1, added[9].added_time, sender=contributor)
    assert [e.badge for e in tx.decode_logs(game.contract.BadgeAwarded)] == [1]


def test_report__settles_as_bad(game, contributor, reporter, chain):
    earned = game.add_data([900], 1, sender=reporter)
    bad = game.add_data([1, 2, 3], 0, sender=contributor)
    at(chain, bad.added_time + DAY)
    with ape.reverts("points: reporter has no points"):
        game.contract.report([1, 2, 3], 0, bad.added_time, contributor, sender=reporter)
    game.refund(earned, sender=reporter)
    with ape.reverts("points: cannot report own contribution"):
        game.contract.report([1, 2, 3], 0, bad.added_time, contributor, sender=contributor)
    tx = game.contract.report([1, 2, 3], 0, bad.added_time, contributor, sender=reporter)
    event = next(iter(tx.decode_logs(game.contract.Reported)))
    assert (event.reporter, event.author, event.key) == (reporter.address, contributor.address, bad.key)
    assert game.contract.stats(contributor).reported == 1
    assert game.contract.stats(reporter).reports_made == 1
    # The report spent the reporter's point.
    assert game.contract.stats(reporter).points == game.good_contributions(reporter.address) == 0
    assert game.contract.total_good_contributions() == 0
    with ape.reverts("points: already settled"):
        game.contract.refund([1, 2, 3], 0, bad.added_time, sender=contributor)
    with ape.reverts("points: already settled"):
        game.contract.report([1, 2, 3], 0, bad.added_time, contributor, sender=reporter)


def test_report__model_agrees__reverts(game, contributor, reporter, chain):
    earned = game.add_data([900], 1, sender=reporter)
    fine = game.add_data([1, 2], 1, sender=contributor)
    at(chain, fine.added_time + DAY)
    game.refund(earned, sender=reporter)
    with ape.reverts("points: model agrees with the label"):
        game.contract.report([1, 2], 1, fine.added_time, contributor, sender=reporter)


def test_badge_views(game, contributor):
    assert [game.contract.badge_name(b) for b in range(5)] == list(BADGES)
    with ape.reverts("points: unknown badge"):
        game.contract.badge_name(5)
    with ape.reverts("points: unknown badge"):
        game.contract.has_badge(contributor, 5)


def test_dense_points_trainer(owner, contributor, chain):
    trainer = Trainer(deploy_trainer(dense_model(), POINTS, owner, progress=False).contract)
    assert trainer.kind == "points/dense_perceptron"
    half = 10**9 // 2
    sample = [half, half, half, half, 0, 0, 0, 0]
    contribution = trainer.add_data(sample, 1, sender=contributor)
    at(chain, contribution.added_time + DAY)
    assert trainer.refund_problem(contribution, contribution.added_time + DAY) is None
    trainer.refund(contribution, sender=contributor)
    assert trainer.good_contributions(contributor.address) == 1


def test_sdk_points_problems(game, contributor, reporter, chain):
    bad = game.add_data([1, 2, 3], 0, sender=contributor)
    assert game.refund_problem(bad, bad.added_time + 60) == "too early: it can be settled in 23h 59m"
    later = bad.added_time + DAY
    assert game.refund_problem(bad, later) == "the model now disagrees with label 0: no point"
    assert game.report_problem(bad, reporter.address, later) == "you need at least one point before you can report"
