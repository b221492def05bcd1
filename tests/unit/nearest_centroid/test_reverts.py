"""Every revert reason of contracts/lib/models/nearest_centroid.vy, asserted
exactly, and the reference model refusing the same inputs."""

from __future__ import annotations

import ape
import pytest
from ape import chain, project

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from tests.helpers.data import NO_DEPOSIT, deploy, deploy_in_setup
from tests.helpers.models import NCC_DIMENSIONS as DIMENSIONS
from tests.helpers.models import small_nearest_centroid as small_model
from tests.helpers.models import unit


def constructor_args(class_names=("left", "right"), dimensions=DIMENSIONS, capacity=2, words=(), finish=False):
    return [
        "ncc",
        "",
        "unit",
        list(class_names),
        dimensions,
        capacity,
        list(words),
        *NO_DEPOSIT.constructor_args(),
        finish,
    ]


def simulate_deployment(owner, **arguments):
    """Run the constructor in an eth_call to read its revert reason."""
    transaction = project.DepositNearestCentroid.constructor.serialize_transaction(
        *constructor_args(**arguments), sender=owner
    )
    chain.provider.send_call(transaction)


@pytest.mark.parametrize(
    "arguments, reason",
    [
        (dict(dimensions=0), "nearest_centroid: no dimensions"),
        (dict(dimensions=129), "nearest_centroid: too many dimensions"),
        (dict(class_names=()), "nearest_centroid: no classes"),
        (dict(class_names=("a", "b", "c")), "nearest_centroid: too many classes"),
        (dict(capacity=65), "nearest_centroid: class capacity too large"),
        (dict(words=[0] * 6), "nearest_centroid: words beyond the last parameter"),
    ],
)
def test_constructor__bad_arguments__reverts(owner, arguments, reason):
    with ape.reverts(reason):
        simulate_deployment(owner, **arguments)


def test_init_parameters__rules(owner, stranger):
    # Capacity 3: one header word, then 2 words per class.
    trainer = owner.deploy(project.DepositNearestCentroid, *constructor_args(capacity=3))
    assert trainer.parameter_word_count() == 7
    with ape.reverts("ownership: caller is not the owner"):
        trainer.init_parameters(1, [1], sender=stranger)
    with ape.reverts("nearest_centroid: words beyond the last parameter"):
        trainer.init_parameters(6, [0, 0], sender=owner)
    # The sample count of class 2, which does not exist yet.
    with ape.reverts("nearest_centroid: parameters for a class not added yet"):
        trainer.init_parameters(0, [1 << 120], sender=owner)
    # Class 2's centroid words.
    with ape.reverts("nearest_centroid: parameters for a class not added yet"):
        trainer.init_parameters(5, [1], sender=owner)
    trainer.init_parameters(0, [(9 << 240) | (4 << 60) | 3], sender=owner)
    assert trainer.num_classes() == 2
    assert (trainer.class_samples(0), trainer.class_samples(1)) == (3, 4)
    trainer.finish_setup(sender=owner)
    with ape.reverts("ownership: setup is closed"):
        trainer.init_parameters(1, [1], sender=owner)


def test_add_class__owner_only_during_setup_up_to_capacity(owner, stranger, contributor, ncc_model):
    sample = unit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    ncc_trainer = deploy_in_setup(ncc_model, owner)
    before = ncc_trainer.predict(sample)
    with ape.reverts("ownership: caller is not the owner"):
        ncc_trainer.add_class("up", sender=stranger)
    ncc_trainer.add_class("up", sender=owner)
    assert ncc_trainer.classes(2) == "up"
    assert ncc_trainer.class_samples(2) == 0
    assert ncc_trainer.predict(sample) == before
    with ape.reverts("nearest_centroid: too many classes"):
        ncc_trainer.add_class("down", sender=owner)
    ncc_trainer.finish_setup(sender=owner)
    # The new class's first sample becomes its centroid.
    ncc_trainer.add_data(sample, 2, sender=contributor)
    ncc_model.add_class("up")
    ncc_model.update(sample, 2)
    assert ncc_trainer.centroid(2) == sample == ncc_model.centroids[2]
    assert ncc_trainer.predict(sample) == 2 == ncc_model.predict(sample)


def test_predict__wrong_length__reverts(ncc_trainer, ncc_model):
    with ape.reverts("nearest_centroid: wrong number of dimensions"):
        ncc_trainer.predict([ONE] * (DIMENSIONS - 1))
    with pytest.raises(DecaiError, match="dimensions"):
        ncc_model.predict([ONE] * (DIMENSIONS - 1))


def test_add_data__bad_samples__revert(ncc_trainer, ncc_model, contributor):
    good = unit([1] * DIMENSIONS)
    with ape.reverts("nearest_centroid: unknown label"):
        ncc_trainer.add_data(good, 2, sender=contributor)
    with ape.reverts("nearest_centroid: wrong number of dimensions"):
        ncc_trainer.add_data(good[:-1], 0, sender=contributor)
    # Moving one component by 4e-7 puts the squared norm about 2.5e-7 off:
    # outside the tolerance of 1e-7.
    almost = list(good)
    almost[0] += 400
    assert abs(sum(x * x for x in almost) - ONE * ONE) > 100 * ONE
    with ape.reverts("nearest_centroid: sample is not normalised"):
        ncc_trainer.add_data(almost, 0, sender=contributor)
    with pytest.raises(DecaiError, match="normalised"):
        ncc_model.update(almost, 0)
    with pytest.raises(DecaiError, match="normalised"):
        ncc_model.update([0] * DIMENSIONS, 1)


def test_add_data__sample_count_full__reverts(owner, contributor):
    model = small_model(class_counts=[2**60 - 1, 1])
    trainer = deploy(model, owner)
    with ape.reverts("nearest_centroid: too many samples"):
        trainer.add_data(unit([1] * DIMENSIONS), 0, sender=contributor)
    with pytest.raises(DecaiError, match="too many samples"):
        model.update(unit([1] * DIMENSIONS), 0)


def test_views__out_of_range__revert(ncc_trainer):
    with ape.reverts("nearest_centroid: unknown label"):
        ncc_trainer.class_samples(2)
    with ape.reverts("nearest_centroid: unknown label"):
        ncc_trainer.centroid(2)
    with ape.reverts("nearest_centroid: words beyond the last parameter"):
        ncc_trainer.parameter_words(0, ncc_trainer.parameter_word_count() + 1)


def test_reference__rejects_centroids_outside_int32():
    with pytest.raises(DecaiError, match="int32"):
        small_model(centroids=[[2**31] * DIMENSIONS, [0] * DIMENSIONS])
