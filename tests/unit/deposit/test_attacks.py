"""Free good contributions, equal waits and dust shares: each attack on the deposit mechanism performed
end to end; none pays any more (exact revert reasons asserted)."""

from __future__ import annotations

import ape
import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.mechanisms import DepositLedger, DepositParameters, PointsParameters
from decai.errors import Rejected
from decai.models.base import model_types
from tests.helpers.chain import DAY, PARAMETERS, at, averaged_model, dense_model, revert_reason, sparse_model
from tests.helpers.models import small_naive_bayes, small_nearest_centroid, small_sparse_nearest_centroid

POINTS = PointsParameters(refund_wait_s=DAY)

# What each model type's add_data says to a sample that carries no
# information: an empty one (sparse models) or the all-zero vector (dense
# models, where the unit-norm check already refuses it).
EMPTY = {
    "sparse_perceptron": (sparse_model, [], "sparse_perceptron: empty sample"),
    "naive_bayes": (small_naive_bayes, [], "naive_bayes: empty sample"),
    "sparse_nearest_centroid": (small_sparse_nearest_centroid, [], "sparse_nearest_centroid: empty sample"),
    "dense_perceptron": (dense_model, [0] * 8, "dense_perceptron: sample is not normalised"),
    "nearest_centroid": (small_nearest_centroid, [0] * 10, "nearest_centroid: sample is not normalised"),
    "averaged_perceptron": (averaged_model, [], "averaged_perceptron: empty sample"),
}


def test_empty_sample_table__covers_every_registered_model_type():
    assert set(EMPTY) == set(model_types())


# -- free good contributions --------------------------------------------------


def test_empty_sample__the_risk_free_refund__is_refused_at_add(sparse_trainer, contributor, chain):
    """The attack: an empty sample scores exactly the intercept (0 here, so
    the model predicts 0 and always will); add it with label 0, wait, refund:
    a good contribution without any risk. The add now reverts."""
    assert sparse_trainer.predict([]) == 0
    deposit = sparse_trainer.next_deposit()
    with ape.reverts("sparse_perceptron: empty sample"):
        sparse_trainer.contract.add_data([], 0, sender=contributor, value=2 * deposit)
    # The SDK refuses it off chain, before any transaction.
    with pytest.raises(Rejected, match="add_data rejected: sparse_perceptron: empty sample"):
        sparse_trainer.add_data([], 0, sender=contributor)
    assert sparse_trainer.good_contributions(contributor.address) == 0


@pytest.mark.parametrize("mechanism", [PARAMETERS, POINTS], ids=["deposit", "points"])
@pytest.mark.parametrize("model_type", list(EMPTY))
def test_sample_without_information__refused_by_every_model(owner, contributor, chain, model_type, mechanism):
    make, sample, reason = EMPTY[model_type]
    model = make()
    contract = deploy_trainer(model, mechanism, owner, progress=False).contract
    value = int(contract.next_deposit()) * 2
    assert revert_reason(chain, contract, "add_data", sample, 0, sender=contributor, value=value) == reason
    # The Python mirror refuses it too (sparse models with the contract's reason).
    with pytest.raises(Exception, match=reason if "empty" in reason else "sample is not normalised"):
        model.update(sample, 0)


def test_twenty_partners__cannot_farm_good_contributions_to_take(sparse_trainer, contributor, owner, chain, accounts):
    """The take scenario: 20 partner accounts each add an empty sample (a
    certain refund), refund it, and so hold 20 of the good contributions;
    each then reports every honest-looking-but-wrong contribution for its
    share. Now no partner gets a single good contribution, so none can
    report."""
    # The model disagrees: reportable.
    victim = sparse_trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    partners = [accounts.generate_test_account() for _ in range(20)]
    for partner in partners:
        chain.set_balance(partner.address, 10**21)
    at(chain, victim.added_time + 60)
    price = PARAMETERS.deposit(victim.added_time + 60, victim.added_time)
    for partner in partners:
        assert revert_reason(chain, sparse_trainer.contract, "add_data", [], 0, sender=partner, value=price) == (
            "sparse_perceptron: empty sample"
        )
    at(chain, victim.added_time + DAY)
    for partner in partners:
        assert sparse_trainer.good_contributions(partner.address) == 0
        assert (
            revert_reason(
                chain,
                sparse_trainer.contract,
                "report",
                [1, 2, 3],
                0,
                victim.added_time,
                contributor.address,
                sender=partner,
            )
            == "deposit: reporter has no good contributions"
        )
    assert sparse_trainer.claimable(victim) == victim.deposit


# -- equal waits let someone race the author -----------------------------------


@pytest.mark.parametrize("waits", [(DAY, DAY, DAY), (DAY, DAY, 20 * DAY)], ids=["all-equal", "refund-equals-owner"])
def test_equal_waits__sweep_race__cannot_be_deployed(owner, waits):
    """The attack: with refund wait == any-address wait, a stranger's sweep
    (or, with refund wait == owner wait, the owner's) lands in the block the
    author's refund opens and takes the honest deposit. Such a trainer can no
    longer be deployed, on chain or through the Python parameters."""
    parameters = dict(
        refund_wait_s=waits[0], owner_claim_wait_s=waits[1], any_address_claim_wait_s=waits[2], cost_weight=10**15
    )
    with pytest.raises(Exception, match="owner_claim_wait_s must exceed refund_wait_s"):
        DepositParameters(**parameters)
    from ape import project

    from decai.chain.deploy import _constructor_args

    args = _constructor_args(sparse_model(num_features=4), PARAMETERS, [], True)
    args[-5:-2] = list(waits)
    with ape.reverts("deposit: owner wait must exceed refund wait"):
        owner.deploy(project.DepositSparsePerceptron, *args)


def test_strict_gap__when_refunds_open_nobody_can_sweep(owner, contributor, stranger, chain):
    """With the smallest legal gap (owner and anyone one second after the
    refund), the moment refunds open only the author can take an honest
    deposit."""
    tight = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=DAY + 1, any_address_claim_wait_s=DAY + 1, cost_weight=10**15
    )
    trainer = Trainer(deploy_trainer(sparse_model(), tight, owner, progress=False).contract)
    honest = trainer.add_data([4, 5], 1, sender=contributor)
    at(chain, honest.added_time + DAY)
    for sweeper in (owner, stranger):
        assert (
            revert_reason(
                chain, trainer.contract, "report", [4, 5], 1, honest.added_time, contributor.address, sender=sweeper
            )
            == "deposit: model agrees with the label"
        )
    assert trainer.refund(honest, sender=contributor) == honest.deposit


# -- dust shares -----------------------------------------------------------------


def test_dust_share__takes_nothing_and_the_larger_share_takes_more(owner, contributor, reporter, stranger, chain):
    """The finding's numbers: a 12-wei deposit, 13 good contributions, one
    reporter with 1 of them and one with 12. Before, the share 12 * 1 // 13
    = 0 took everything left (12 wei) while 12 * 12 // 13 = 11 took 11. Now
    the zero share takes nothing and the larger share removes 11, of which
    it is paid 5 and 6 are burned (the model rejects the sample)."""
    dust = DepositParameters(
        refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=1
    )
    trainer = Trainer(deploy_trainer(sparse_model(), dust, owner, progress=False).contract)
    small = [trainer.add_data([100], 1, sender=reporter)]
    large = [trainer.add_data([200 + i], 1, sender=stranger) for i in range(12)]
    # 3600 / sqrt(90_000) = 12 wei: the contribution follows 25 hours on the price clock.
    at(chain, trainer.contract.last_update_time() + 90_000)
    bad = trainer.add_data([1, 2, 3], 0, sender=contributor, unlearnable=True)
    assert bad.deposit == 12
    at(chain, bad.added_time + DAY)
    for c in small:
        trainer.refund(c, sender=reporter)
    for c in large:
        trainer.refund(c, sender=stranger)
    assert (trainer.good_contributions(reporter.address), trainer.good_contributions(stranger.address)) == (1, 12)
    assert trainer.contract.total_good_contributions() == 13

    # The Python ledger says the same.
    ledger = DepositLedger(dust, owner.address, 0)
    assert ledger.add("bad", contributor.address, 90_000, 12) == 12
    ledger.good, ledger.total_good = {reporter.address: 1, stranger.address: 12}, 13
    with pytest.raises(Rejected, match="deposit: share rounds to zero"):
        ledger.report("bad", reporter.address, 90_000 + DAY, model_agrees=False)
    assert ledger.report("bad", stranger.address, 90_000 + DAY, model_agrees=False) == 5
    assert (ledger.records["bad"].claimable, ledger.burned) == (1, 6)

    assert (
        revert_reason(
            chain, trainer.contract, "report", [1, 2, 3], 0, bad.added_time, contributor.address, sender=reporter
        )
        == "deposit: share rounds to zero"
    )
    assert trainer.report(bad, sender=stranger) == 5
    assert trainer.burned_in(trainer.last_receipt) == 6
    # The reporter with the small share still gets nothing: 1 wei is left,
    # which waits for the owner's and anyone's sweeps.
    assert (
        revert_reason(
            chain, trainer.contract, "report", [1, 2, 3], 0, bad.added_time, contributor.address, sender=reporter
        )
        == "deposit: share rounds to zero"
    )
    assert trainer.claimable(bad) == 1
    at(chain, bad.added_time + 10 * DAY)
    # The owner's sweep removes the last wei; half of 1, rounded down, is 0.
    assert trainer.report(bad, sender=owner) == 0
    assert trainer.burned_in(trainer.last_receipt) == 1
    # Nothing is owed; the balance is what was burned.
    assert trainer.claimable(bad) == 0 and trainer.contract.balance == 7


def test_zero_share__is_no_longer_the_biggest_payout(owner):
    """Monotone: over every reporter share of a 12-wei deposit with 13 good
    contributions, the amount paid never falls as the share grows (half of
    what the share removes, rounded down)."""
    parameters = DepositParameters(cost_weight=1)
    amounts = []
    for good in range(1, 14):
        ledger = DepositLedger(parameters, owner.address, 0)
        ledger.add("bad", "author", 90_000, 12)
        ledger.good, ledger.total_good = {"reporter": good}, 13
        try:
            amounts.append(ledger.report("bad", "reporter", 90_000 + DAY, model_agrees=False))
        except Rejected as rejection:
            assert str(rejection) == "deposit: share rounds to zero"
            amounts.append(0)
    assert amounts == sorted(amounts)
    assert (amounts[0], amounts[11], amounts[12]) == (0, 5, 6)
