"""On-chain dense nearest centroid = the decai reference, bit for bit, on
the digits scaled to unit vectors, before and after on-chain training."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.neighbors import NearestCentroid as SklearnNearestCentroid

from decai.models import NearestCentroid
from tests.helpers.data import chain_predictions, chain_words, deploy, digits, digits_split, unit_digits


@pytest.fixture(scope="module")
def unit_samples():
    return unit_digits()


@pytest.fixture(scope="module")
def digits_model(unit_samples) -> NearestCentroid:
    _, y = digits()
    train, _ = digits_split()
    X = np.array([unit_samples[i] for i in train], dtype=float) / 1e9
    classifier = SklearnNearestCentroid().fit(X, [y[i] for i in train])
    return NearestCentroid.from_sklearn(
        classifier, y=[y[i] for i in train], name="digits ncc", classes=[str(d) for d in range(10)]
    )


def test_digits__every_prediction_equals_the_reference(owner, digits_model, unit_samples):
    trainer = deploy(digits_model, owner)
    assert chain_words(trainer) == digits_model.storage_words()
    assert chain_predictions(trainer, unit_samples) == [digits_model.predict(s) for s in unit_samples]
    assert trainer.centroid(4) == digits_model.centroids[4]


def test_updates__running_mean_rounds_like_the_reference(owner, contributor, digits_model, unit_samples):
    _, y = digits()
    _, test = digits_split()
    trainer = deploy(digits_model, owner)
    reference = digits_model.copy()
    rng = random.Random(5)
    for i in rng.sample(test, 20):
        label = y[i] if rng.random() < 0.6 else rng.randrange(10)
        trainer.add_data(unit_samples[i], label, sender=contributor)
        reference.update(unit_samples[i], label)
    assert chain_words(trainer) == reference.storage_words()
    assert [trainer.class_samples(c) for c in range(10)] == reference.class_counts
    assert chain_predictions(trainer, [unit_samples[i] for i in test]) == [
        reference.predict(unit_samples[i]) for i in test
    ]


def test_update__rounds_towards_zero(owner, contributor):
    """(n * c + x) / (n + 1) with a negative numerator rounds up, a
    positive one down."""
    model = NearestCentroid(
        name="rounding",
        description="",
        encoder="unit",
        classes=["only"],
        centroids=[[-3, 3, 0, 0, 0, 0, 0, 0, 0]],
        class_counts=[1],
    )
    sample = [0, 0, 0, 0, 0, 0, 0, 0, 10**9]
    trainer = deploy(model, owner)
    trainer.add_data(sample, 0, sender=contributor)
    model.update(sample, 0)
    # (1 * -3 + 0) / 2 = -1.5 -> -1; (1 * 3 + 0) / 2 = 1.5 -> 1
    assert model.centroids[0][:2] == [-1, 1]
    assert trainer.centroid(0) == model.centroids[0]
