"""Free poison, then report. Adding to a points trainer is
free, so an attacker trains the model against a victim's sample and then
reports it with one farmed point. A reporter now needs at least as many
points as the author, and each report spends one of the reporter's points:
griefing costs the griefer at least what it costs the victim, and one
farmed point buys one report, never a series."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.mechanisms import AccountStats, PointsLedger, PointsParameters
from decai.errors import Rejected
from tests.helpers.chain import DAY, at, revert_reason, sparse_model

POINTS = PointsParameters(refund_wait_s=DAY)
VICTIM_SAMPLE = [5, 6]  # weights 2.0 each: score 4, predicted 1


@pytest.fixture
def game(owner) -> Trainer:
    return Trainer(deploy_trainer(sparse_model(), POINTS, owner, progress=False).contract)


def _earn(game, account, chain, samples):
    """Points for `account`: add samples the model agrees with, wait, claim."""
    added = [game.add_data(sample, 1, sender=account) for sample in samples]
    at(chain, chain.blocks.head.timestamp + DAY)
    gas = [game.last_receipt.gas_used]
    for contribution in added:
        game.refund(contribution, sender=account)
        gas.append(game.last_receipt.gas_used)
    return gas


def _poison(game, attacker, chain):
    """Train the model against the victim's sample until it disagrees (two
    free adds with the opposite label here); returns their gas."""
    gas = []
    while game.predict(VICTIM_SAMPLE) == 1:
        at(chain, chain.blocks.head.timestamp + 1)  # a new key each time
        game.add_data(VICTIM_SAMPLE, 0, sender=attacker)
        gas.append(game.last_receipt.gas_used)
    return gas


def test_poison_then_report__an_author_with_points_is_protected(game, contributor, reporter, chain):
    victim, attacker = contributor, reporter
    _earn(game, victim, chain, [[10], [11]])  # the victim's record: 2 points
    farm_gas = _earn(game, attacker, chain, [[900]])  # the attacker farms 1 point
    honest = game.add_data(VICTIM_SAMPLE, 1, sender=victim)
    poison_gas = _poison(game, attacker, chain)
    assert len(poison_gas) == 2
    at(chain, honest.added_time + DAY)
    contract = game.contract
    # The victim can no longer claim the point...
    assert revert_reason(chain, contract, "refund", VICTIM_SAMPLE, 1, honest.added_time, sender=victim) == (
        "points: model disagrees with the label"
    )
    # ...but the attacker, with 1 point against the victim's 2, cannot report it.
    assert revert_reason(
        chain, contract, "report", VICTIM_SAMPLE, 1, honest.added_time, victim.address, sender=attacker
    ) == ("points: reporter has fewer points than the author")
    assert game.report_problem(honest, attacker.address, honest.added_time + DAY) == (
        "you have fewer points (1) than the author (2): you cannot report them"
    )
    # The Python ledger agrees.
    ledger = PointsLedger(POINTS, num_classes=2)
    ledger.stats[victim.address] = AccountStats(points=2)
    ledger.stats[attacker.address] = AccountStats(points=1)
    ledger.add("honest", victim.address, 1, 0)
    with pytest.raises(Rejected, match="points: reporter has fewer points than the author"):
        ledger.report("honest", attacker.address, DAY, model_agrees=False)
    # Measured cost of the attack that remains (an attacker who farms as many
    # points as the victim has): one add and one refund per point, plus the
    # poison adds. Printed for README's points section.
    print(f"\npoison adds: {poison_gas}; farming one point: add {farm_gas[0]} + refund {farm_gas[1]}")


def test_poison_then_report__needs_as_many_points_as_the_author(game, contributor, reporter, chain):
    """What remains: an author without points is exposed to anyone with one
    farmed point, and an author with k points to anyone who farms k."""
    victim, attacker = contributor, reporter
    _earn(game, attacker, chain, [[900]])
    fresh = game.add_data(VICTIM_SAMPLE, 1, sender=victim)
    _poison(game, attacker, chain)
    at(chain, fresh.added_time + DAY)
    game.report(fresh, sender=attacker)
    assert game.contract.stats(victim).reported == 1
    # The victim lost the point it would have earned; the attacker paid one.
    assert game.good_contributions(attacker.address) == 0


def test_farmed_point_and_three_poison_adds__grief_one_newcomer_at_most_once(
    game, contributor, stranger, reporter, chain
):
    """The finding: one farmed ordinary point and 3 free poisoning
    transactions got a newcomer's honest contribution reported, and the
    point was never spent, so the same farm griefed again and again. Now the
    first report spends the point: the second newcomer contribution cannot
    be reported, and the attacker is back to no points."""
    newcomers, attacker = [contributor, stranger], reporter
    sample = [5, 6, 7]  # weights 2.0 each: score 6, predicted 1; free poison adds flip it
    _earn(game, attacker, chain, [[900]])
    honest = [game.add_data(sample, 1, sender=newcomer) for newcomer in newcomers]
    poison_gas = []
    while game.predict(sample) == 1:
        at(chain, chain.blocks.head.timestamp + 1)
        game.add_data(sample, 0, sender=attacker)
        poison_gas.append(game.last_receipt.gas_used)
    assert 1 <= len(poison_gas) <= 3  # two here; the reported attack needed three
    at(chain, max(c.added_time for c in honest) + DAY)

    game.report(honest[0], sender=attacker)
    # Cost to the victim: the point it would have earned. Cost to the
    # attacker: the point it farmed.
    assert game.contract.stats(newcomers[0]).reported == 1
    assert game.good_contributions(attacker.address) == 0
    # It cannot repeat: the next newcomer's contribution is out of reach.
    assert revert_reason(
        chain, game.contract, "report", sample, 1, honest[1].added_time, newcomers[1].address, sender=attacker
    ) == ("points: reporter has no points")
    assert game.report_problem(honest[1], attacker.address, honest[1].added_time + DAY) == (
        "you need at least one point before you can report"
    )
    # The Python ledger agrees, step by step.
    ledger = PointsLedger(POINTS, num_classes=2)
    ledger.stats[attacker.address] = AccountStats(points=1)
    ledger.total_good = 1
    for i, newcomer in enumerate(newcomers):
        ledger.add(f"honest{i}", newcomer.address, 1, 0)
    ledger.report("honest0", attacker.address, DAY, model_agrees=False)
    assert (ledger.stats[attacker.address].points, ledger.total_good) == (0, 0)
    with pytest.raises(Rejected, match="points: reporter has no points"):
        ledger.report("honest1", attacker.address, DAY, model_agrees=False)
    assert sum(ledger.stats[n.address].reported for n in newcomers) == 1
