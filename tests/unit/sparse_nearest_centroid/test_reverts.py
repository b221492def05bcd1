"""Every revert reason of contracts/lib/models/sparse_nearest_centroid.vy, asserted
exactly, and the reference model refusing the same inputs."""

from __future__ import annotations

import ape
import pytest
from ape import chain, project

from decai.errors import DecaiError
from tests.helpers.data import NO_DEPOSIT, deploy, deploy_in_setup
from tests.helpers.models import SNCC_FEATURES as NUM_FEATURES
from tests.helpers.models import small_sparse_nearest_centroid as small_model


def constructor_args(class_names=("sport", "music"), num_features=NUM_FEATURES, capacity=2, words=(), finish=False):
    return [
        "sncc",
        "",
        "indices",
        list(class_names),
        num_features,
        capacity,
        list(words),
        *NO_DEPOSIT.constructor_args(),
        finish,
    ]


def simulate_deployment(owner, **arguments):
    """Run the constructor in an eth_call to read its revert reason."""
    transaction = project.DepositSparseNearestCentroid.constructor.serialize_transaction(
        *constructor_args(**arguments), sender=owner
    )
    chain.provider.send_call(transaction)


@pytest.mark.parametrize(
    "arguments, reason",
    [
        (dict(num_features=0), "sparse_nearest_centroid: no features"),
        (dict(num_features=2**20 + 1), "sparse_nearest_centroid: too many features"),
        (dict(class_names=()), "sparse_nearest_centroid: no classes"),
        (dict(class_names=("a", "b", "c")), "sparse_nearest_centroid: too many classes"),
        (dict(capacity=65), "sparse_nearest_centroid: class capacity too large"),
        (dict(words=[0] * 12), "sparse_nearest_centroid: words beyond the last parameter"),
    ],
)
def test_constructor__bad_arguments__reverts(owner, arguments, reason):
    with ape.reverts(reason):
        simulate_deployment(owner, **arguments)


def test_init_parameters__rules(owner, stranger):
    # 40 features, capacity 3 (stride 4): 2 header words + 20 count words.
    trainer = owner.deploy(project.DepositSparseNearestCentroid, *constructor_args(capacity=3))
    with ape.reverts("ownership: caller is not the owner"):
        trainer.init_parameters(0, [1], sender=stranger)
    with ape.reverts("sparse_nearest_centroid: words beyond the last parameter"):
        trainer.init_parameters(21, [0, 0], sender=owner)
    with ape.reverts("sparse_nearest_centroid: parameters for a class not added yet"):
        trainer.init_parameters(1, [1], sender=owner)
    with ape.reverts("sparse_nearest_centroid: parameters for a class not added yet"):
        trainer.init_parameters(2, [1 << 64], sender=owner)
    with ape.reverts("sparse_nearest_centroid: feature count out of range"):
        trainer.init_parameters(2, [2**31], sender=owner)
    trainer.finish_setup(sender=owner)
    with ape.reverts("ownership: setup is closed"):
        trainer.init_parameters(0, [1], sender=owner)


def test_add_class__owner_only_during_setup_up_to_capacity(owner, stranger, contributor, sncc_model):
    sample = [1, 5, 30]
    sncc_trainer = deploy_in_setup(sncc_model, owner)
    before = sncc_trainer.predict(sample)
    with ape.reverts("ownership: caller is not the owner"):
        sncc_trainer.add_class("news", sender=stranger)
    sncc_trainer.add_class("news", sender=owner)
    assert sncc_trainer.class_info(2) == (0, 0)
    assert sncc_trainer.predict(sample) == before
    with ape.reverts("sparse_nearest_centroid: too many classes"):
        sncc_trainer.add_class("weather", sender=owner)
    sncc_trainer.finish_setup(sender=owner)
    # One sample makes the new class's centroid that very sample.
    sncc_trainer.add_data(sample, 2, sender=contributor)
    sncc_model.add_class("news")
    sncc_model.update(sample, 2)
    assert sncc_trainer.predict(sample) == 2 == sncc_model.predict(sample)
    assert sncc_trainer.class_info(2) == (1, 3)


@pytest.mark.parametrize(
    "sample, reason",
    [
        ([-1, 3], "sparse_nearest_centroid: negative feature index"),
        ([3, NUM_FEATURES], "sparse_nearest_centroid: feature index out of range"),
        ([5, 3], "sparse_nearest_centroid: feature indices must increase"),
        ([3, 3], "sparse_nearest_centroid: feature indices must increase"),
        ([5, 2**40, 7], "sparse_nearest_centroid: feature indices must increase"),
    ],
)
def test_predict__bad_indices__reverts(sncc_trainer, sncc_model, sample, reason):
    with ape.reverts(reason):
        sncc_trainer.predict(sample)
    with pytest.raises(DecaiError):
        sncc_model.predict(sample)


def test_add_data__bad_label_or_indices__reverts(sncc_trainer, contributor):
    with ape.reverts("sparse_nearest_centroid: unknown label"):
        sncc_trainer.add_data([1, 2], 2, sender=contributor)
    with ape.reverts("sparse_nearest_centroid: feature indices must increase"):
        sncc_trainer.add_data([2, 2], 0, sender=contributor)
    with ape.reverts("sparse_nearest_centroid: feature index out of range"):
        sncc_trainer.add_data([NUM_FEATURES], 1, sender=contributor)


@pytest.mark.parametrize(
    "overrides, reason",
    [
        (
            dict(feature_counts=[[2**31 - 1] * NUM_FEATURES, [0] * NUM_FEATURES]),
            "sparse_nearest_centroid: feature count out of range",
        ),
        (
            dict(class_counts=[2**36 - 1, 1], feature_counts=[[0] * NUM_FEATURES] * 2),
            "sparse_nearest_centroid: too many samples",
        ),
        (
            dict(norms=[2**84 - 2, 0], feature_counts=[[0] * NUM_FEATURES] * 2),
            "sparse_nearest_centroid: norm out of range",
        ),
    ],
)
def test_add_data__count_would_overflow__reverts(owner, contributor, overrides, reason):
    model = small_model(**overrides)
    trainer = deploy(model, owner)
    with ape.reverts(reason):
        trainer.add_data([3, 4], 0, sender=contributor)
    with pytest.raises(DecaiError, match=reason):
        model.update([3, 4], 0)


def test_views__out_of_range__revert(sncc_trainer):
    with ape.reverts("sparse_nearest_centroid: unknown label"):
        sncc_trainer.class_info(2)
    with ape.reverts("sparse_nearest_centroid: feature index out of range"):
        sncc_trainer.feature_count(0, NUM_FEATURES)
    with ape.reverts("sparse_nearest_centroid: words beyond the last parameter"):
        sncc_trainer.parameter_words(5, sncc_trainer.parameter_word_count())
