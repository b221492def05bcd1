"""After setup, the only way predictions change is
`add_data`. Every deployable of every model, behind both mechanisms: no
owner call touches the model once `finish_setup` has run."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.core.mechanisms import PointsParameters
from decai.models.base import model_types
from tests.helpers.chain import DAY, averaged_model, dense_model, revert_reason, sparse_model
from tests.helpers.data import NO_DEPOSIT
from tests.helpers.models import small_naive_bayes, small_nearest_centroid, small_sparse_nearest_centroid, unit

MODELS = {
    "sparse_perceptron": (sparse_model, [1, 2]),
    "dense_perceptron": (dense_model, unit([1] * 8)),
    "naive_bayes": (small_naive_bayes, [1, 2, 2, 30]),
    "nearest_centroid": (small_nearest_centroid, unit(range(1, 11))),
    "sparse_nearest_centroid": (small_sparse_nearest_centroid, [1, 5, 30]),
    "averaged_perceptron": (averaged_model, [1, 2]),
}


def test_every_registered_model_type__is_covered():
    assert set(MODELS) == set(model_types())


# Functions that change state and are not about the model's parameters.
NOT_SETUP = {"add_data", "refund", "report", "transfer_ownership"}
# Every owner call that touches a model, with arguments that would succeed
# during setup.
SETUP_ONLY = {"init_parameters": (0, []), "add_class": ("extra",), "finish_setup": ()}


@pytest.mark.parametrize("mechanism", [NO_DEPOSIT, PointsParameters(refund_wait_s=DAY)], ids=["deposit", "points"])
@pytest.mark.parametrize("model_type", list(MODELS))
def test_after_setup__no_owner_call_touches_the_model(owner, chain, model_type, mechanism):
    make, sample = MODELS[model_type]
    contract = deploy_trainer(make(), mechanism, owner, progress=False).contract
    assert contract.setup_finished()
    mutating = {abi.name for abi in contract.contract_type.mutable_methods}
    # Nothing else changes state: a new owner call must be added here, and
    # then be setup-only too.
    assert mutating - NOT_SETUP <= set(SETUP_ONLY), mutating
    before = contract.predict(sample)
    for method in sorted(mutating - NOT_SETUP):
        assert revert_reason(chain, contract, method, *SETUP_ONLY[method], sender=owner) == "ownership: setup is closed"
    assert contract.predict(sample) == before


@pytest.mark.parametrize("model_type", ["naive_bayes", "nearest_centroid", "sparse_nearest_centroid"])
def test_add_class__after_setup__the_attack_reverts(owner, model_type):
    """The finding: nearest centroid's add_class worked after finish_setup."""
    import ape

    make, _ = MODELS[model_type]
    contract = deploy_trainer(make(), NO_DEPOSIT, owner, progress=False).contract
    classes = contract.num_classes()
    with ape.reverts("ownership: setup is closed"):
        contract.add_class("late", sender=owner)
    assert contract.num_classes() == classes
