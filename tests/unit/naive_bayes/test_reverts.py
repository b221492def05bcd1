"""Every revert reason of contracts/lib/models/naive_bayes.vy, asserted exactly,
and the reference model refusing the same inputs."""

from __future__ import annotations

import ape
import pytest
from ape import chain, project

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from tests.helpers.data import NO_DEPOSIT, deploy, deploy_in_setup
from tests.helpers.models import NB_FEATURES as NUM_FEATURES
from tests.helpers.models import small_naive_bayes as small_model


def constructor_args(
    class_names=("spam", "ham"), num_features=NUM_FEATURES, capacity=2, smoothing=ONE, words=(), finish=False
):
    return [
        "nb",
        "",
        "indices",
        list(class_names),
        num_features,
        capacity,
        smoothing,
        list(words),
        *NO_DEPOSIT.constructor_args(),
        finish,
    ]


def deploy_raw(owner, **arguments):
    return owner.deploy(project.DepositNaiveBayes, *constructor_args(**arguments))


def simulate_deployment(owner, **arguments):
    """Run the constructor in an eth_call: its revert reason, without the
    cost of tracing a failed deployment transaction."""
    transaction = project.DepositNaiveBayes.constructor.serialize_transaction(
        *constructor_args(**arguments), sender=owner
    )
    chain.provider.send_call(transaction)


@pytest.mark.parametrize(
    "arguments, reason",
    [
        (dict(num_features=0), "naive_bayes: no features"),
        (dict(num_features=2**20 + 1), "naive_bayes: too many features"),
        (dict(class_names=()), "naive_bayes: no classes"),
        (dict(class_names=("a", "b", "c")), "naive_bayes: too many classes"),
        (dict(capacity=65), "naive_bayes: class capacity too large"),
        (dict(smoothing=0), "naive_bayes: smoothing must be positive"),
        (dict(smoothing=10**18 + 1), "naive_bayes: smoothing too large"),
        (dict(words=[0] * 12), "naive_bayes: words beyond the last parameter"),
    ],
)
def test_constructor__bad_arguments__reverts(owner, arguments, reason):
    with ape.reverts(reason):
        simulate_deployment(owner, **arguments)


def test_init_parameters__rules(owner, stranger, chain):
    # 40 features, capacity 3 (stride 4): 2 header words + 20 count words.
    trainer = deploy_raw(owner, capacity=3)
    assert trainer.parameter_word_count() == 22
    with ape.reverts("ownership: caller is not the owner"):
        trainer.init_parameters(0, [1], sender=stranger)
    with ape.reverts("naive_bayes: words beyond the last parameter"):
        trainer.init_parameters(21, [0, 0], sender=owner)
    # Header word 1 holds classes 2 and 3, which do not exist yet.
    with ape.reverts("naive_bayes: parameters for a class not added yet"):
        trainer.init_parameters(1, [1], sender=owner)
    # Lane 2 of a count word belongs to class 2.
    with ape.reverts("naive_bayes: parameters for a class not added yet"):
        trainer.init_parameters(2, [1 << 64], sender=owner)
    with ape.reverts("naive_bayes: feature count out of range"):
        trainer.init_parameters(2, [2**31], sender=owner)
    # Bits 240..255 of word 0 hold the class count and are not writable.
    trainer.init_parameters(0, [(7 << 240) | 5], sender=owner)
    assert trainer.num_classes() == 2
    assert trainer.class_info(0) == (5, 0)
    assert trainer.parameter_words(0, 1) == [5]
    trainer.finish_setup(sender=owner)
    with ape.reverts("ownership: setup is closed"):
        trainer.init_parameters(0, [1], sender=owner)


def test_add_class__owner_only_during_setup_up_to_capacity(owner, stranger, nb_model):
    sample = [1, 2, 2, 30]
    nb_trainer = deploy_in_setup(nb_model, owner)
    before = nb_trainer.predict(sample)
    with ape.reverts("ownership: caller is not the owner"):
        nb_trainer.add_class("eggs", sender=stranger)
    nb_trainer.add_class("eggs", sender=owner)
    assert nb_trainer.num_classes() == 3
    assert nb_trainer.classes(2) == "eggs"
    assert nb_trainer.class_info(2) == (0, 0)
    # An empty class is never predicted.
    assert nb_trainer.predict(sample) == before
    with ape.reverts("naive_bayes: too many classes"):
        nb_trainer.add_class("bacon", sender=owner)
    nb_model.add_class("eggs")
    with pytest.raises(DecaiError, match="capacity"):
        nb_model.add_class("bacon")


@pytest.mark.parametrize(
    "sample, reason",
    [
        ([-1, 3], "naive_bayes: negative feature index"),
        ([3, NUM_FEATURES], "naive_bayes: feature index out of range"),
        ([5, 3], "naive_bayes: feature indices must not decrease"),
        # An index far out of range but out of order is still reported as
        # out of order, not as a failed array lookup.
        ([5, 2**40, 7], "naive_bayes: feature indices must not decrease"),
    ],
)
def test_predict__bad_indices__reverts(nb_trainer, nb_model, sample, reason):
    with ape.reverts(reason):
        nb_trainer.predict(sample)
    with pytest.raises(DecaiError):
        nb_model.predict(sample)


def test_predict__no_class_has_samples__still_checks_order(owner):
    model = small_model(class_counts=(0, 0))
    trainer = deploy(model, owner)
    assert trainer.predict([1, 1, 7]) == 0 == model.predict([1, 1, 7])
    with ape.reverts("naive_bayes: feature indices must not decrease"):
        trainer.predict([7, 1])


def test_add_data__bad_label_or_indices__reverts(nb_trainer, contributor):
    with ape.reverts("naive_bayes: unknown label"):
        nb_trainer.add_data([1, 2], 2, sender=contributor)
    with ape.reverts("naive_bayes: negative feature index"):
        nb_trainer.add_data([-3], 0, sender=contributor)
    with ape.reverts("naive_bayes: feature index out of range"):
        nb_trainer.add_data([1, NUM_FEATURES], 0, sender=contributor)
    with ape.reverts("naive_bayes: feature indices must not decrease"):
        nb_trainer.add_data([4, 2], 1, sender=contributor)


@pytest.mark.parametrize(
    "overrides, sample, reason",
    [
        (
            dict(feature_counts=[[2**31 - 1] * NUM_FEATURES, [0] * NUM_FEATURES]),
            [3],
            "naive_bayes: feature count out of range",
        ),
        (dict(class_counts=[2**56 - 1, 1]), [3], "naive_bayes: too many samples"),
        (dict(total_counts=[2**64 - 2, 0]), [3, 4], "naive_bayes: total feature count out of range"),
    ],
)
def test_add_data__count_would_overflow__reverts(owner, contributor, overrides, sample, reason):
    model = small_model(**overrides)
    trainer = deploy(model, owner)
    with ape.reverts(reason):
        trainer.add_data(sample, 0, sender=contributor)
    with pytest.raises(DecaiError, match=reason):
        model.update(sample, 0)


def test_views__out_of_range__revert(nb_trainer):
    with ape.reverts("naive_bayes: unknown label"):
        nb_trainer.class_info(2)
    with ape.reverts("naive_bayes: unknown label"):
        nb_trainer.feature_count(2, 0)
    with ape.reverts("naive_bayes: feature index out of range"):
        nb_trainer.feature_count(0, NUM_FEATURES)
    with ape.reverts("naive_bayes: words beyond the last parameter"):
        nb_trainer.parameter_words(0, nb_trainer.parameter_word_count() + 1)
