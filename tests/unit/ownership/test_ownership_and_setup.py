"""Ownership, the setup phase and constructor validation."""

import ape
import pytest

from decai.chain.deploy import _constructor_args
from decai.core.fixed_point import ONE, pack_int64
from decai.core.mechanisms import DepositParameters
from tests.helpers.chain import PARAMETERS, sparse_model


@pytest.fixture
def open_trainer(owner, project):
    """A sparse trainer whose setup is still open and whose weights are unset."""
    model = sparse_model(num_features=12)
    return owner.deploy(project.DepositSparsePerceptron, *_constructor_args(model, PARAMETERS, [], False))


def test_setup__owner_loads_chunks_then_finishes(open_trainer, owner, contributor):
    words = pack_int64([3 * ONE] * 12)
    assert not open_trainer.setup_finished()
    with ape.reverts("ownership: setup is not finished"):
        open_trainer.add_data([1], 1, sender=contributor, value=10**19)
    open_trainer.init_parameters(0, words[:2], sender=owner)
    open_trainer.init_parameters(2, words[2:], sender=owner)
    tx = open_trainer.finish_setup(sender=owner)
    assert next(iter(tx.decode_logs(open_trainer.SetupFinished))).owner == owner.address
    assert open_trainer.setup_finished()
    assert [open_trainer.weight(i) for i in range(12)] == [3 * ONE] * 12
    open_trainer.add_data([1], 1, sender=contributor, value=10**19)


def test_setup__closed_forever(open_trainer, owner):
    open_trainer.finish_setup(sender=owner)
    with ape.reverts("ownership: setup is closed"):
        open_trainer.init_parameters(0, [1], sender=owner)
    with ape.reverts("ownership: setup is closed"):
        open_trainer.finish_setup(sender=owner)


def test_setup__not_owner__reverts(open_trainer, contributor):
    with ape.reverts("ownership: caller is not the owner"):
        open_trainer.init_parameters(0, [1], sender=contributor)
    with ape.reverts("ownership: caller is not the owner"):
        open_trainer.finish_setup(sender=contributor)


def test_setup__words_beyond_the_model__reverts(open_trainer, owner):
    with ape.reverts("sparse_perceptron: weights beyond the last feature"):
        open_trainer.init_parameters(2, [0, 0], sender=owner)  # 12 features = 3 words


def test_transfer_ownership(open_trainer, owner, contributor):
    tx = open_trainer.transfer_ownership(contributor, sender=owner)
    event = next(iter(tx.decode_logs(open_trainer.OwnershipTransferred)))
    assert (event.previous_owner, event.new_owner) == (owner.address, contributor.address)
    assert open_trainer.owner() == contributor.address
    assert not open_trainer.setup_finished()  # the flag shares the owner's word
    with ape.reverts("ownership: caller is not the owner"):
        open_trainer.finish_setup(sender=owner)
    open_trainer.finish_setup(sender=contributor)
    open_trainer.transfer_ownership(owner, sender=contributor)
    assert open_trainer.setup_finished()


def test_transfer_ownership__zero_address__reverts(open_trainer, owner):
    with ape.reverts("ownership: new owner is the zero address"):
        open_trainer.transfer_ownership("0x" + "00" * 20, sender=owner)


def test_new_owner_sweeps_after_owner_wait(sparse_trainer, owner, contributor, stranger, chain):
    from tests.helpers.chain import DAY, at

    contribution = sparse_trainer.add_data([1, 2], 1, sender=contributor)
    sparse_trainer.contract.transfer_ownership(stranger, sender=owner)
    at(chain, contribution.added_time + 10 * DAY)
    assert sparse_trainer.report(contribution, sender=stranger) == contribution.deposit


@pytest.mark.parametrize(
    "waits, reason",
    [
        ((2, 1, 3), "deposit: owner wait must exceed refund wait"),
        # Equal refund and owner waits: the owner could sweep in the block
        # the author's refund opens (all three equal: anyone could).
        ((2, 2, 3), "deposit: owner wait must exceed refund wait"),
        ((2, 2, 2), "deposit: owner wait must exceed refund wait"),
        ((0, 0, 0), "deposit: owner wait must exceed refund wait"),
        ((1, 3, 2), "deposit: owner wait exceeds any-address wait"),
    ],
)
def test_constructor__bad_waits__reverts(owner, project, waits, reason):
    model = sparse_model(num_features=4)
    args = _constructor_args(model, PARAMETERS, [], True)
    args[-5:-2] = list(waits)
    with ape.reverts(reason):
        owner.deploy(project.DepositSparsePerceptron, *args)


def test_constructor__cost_weight_too_large__reverts(owner, project):
    args = _constructor_args(sparse_model(num_features=4), PARAMETERS, [], True)
    args[-2] = (2**96 - 1) // 3600 + 1
    with ape.reverts("deposit: cost weight too large"):
        owner.deploy(project.DepositSparsePerceptron, *args)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({4: 0}, "sparse_perceptron: no features"),
        ({6: 0}, "sparse_perceptron: learning rate must be positive"),
        ({6: 2**63}, "sparse_perceptron: learning rate out of range"),
        ({5: -(2**63) - 1}, "sparse_perceptron: intercept out of range"),
        ({3: ["only one"]}, "binary_labels: exactly two class names"),
        ({3: ["yes", ""]}, "binary_labels: empty class name"),
    ],
)
def test_constructor__bad_model__reverts(owner, project, change, reason):
    args = _constructor_args(sparse_model(num_features=4), PARAMETERS, [], True)
    for position, value in change.items():
        args[position] = value
    with ape.reverts(reason):
        owner.deploy(project.DepositSparsePerceptron, *args)


def test_python_parameters_mirror_constructor_checks():
    for waits in ((2, 1, 3), (2, 2, 3), (2, 2, 2), (0, 0, 0)):
        with pytest.raises(Exception, match="owner_claim_wait_s must exceed refund_wait_s"):
            DepositParameters(refund_wait_s=waits[0], owner_claim_wait_s=waits[1], any_address_claim_wait_s=waits[2])
    # The owner's and anyone's waits may be equal: both sweep after the author's window.
    DepositParameters(refund_wait_s=1, owner_claim_wait_s=2, any_address_claim_wait_s=2)
    with pytest.raises(Exception, match="owner_claim_wait_s must not exceed any_address_claim_wait_s"):
        DepositParameters(refund_wait_s=1, owner_claim_wait_s=3, any_address_claim_wait_s=2)


def test_metadata_and_classes(sparse_trainer):
    contract = sparse_trainer.contract
    assert (contract.name(), contract.description(), contract.encoder()) == (
        "test sparse",
        "all weights equal",
        "indices",
    )
    assert (contract.num_classes(), contract.classes(0), contract.classes(1)) == (2, "negative", "positive")
    assert contract.trainer_kind() == "deposit/sparse_perceptron"
    with ape.reverts("binary_labels: unknown label"):
        contract.classes(2)
