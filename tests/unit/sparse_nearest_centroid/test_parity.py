"""On-chain sparse nearest centroid = the decai reference, bit for bit, on
binarised digits and a text-like corpus, before and after on-chain training;
and both equal scikit-learn's NearestCentroid on binary data."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.neighbors import NearestCentroid as SklearnNearestCentroid

from decai.models import SparseNearestCentroid
from tests.helpers.data import (
    binary_pixels,
    chain_predictions,
    chain_words,
    deploy,
    digits,
    digits_split,
    indicator,
    text_corpus,
)


@pytest.fixture(scope="module")
def text_sets():
    documents, labels = text_corpus()
    return [sorted(set(d)) for d in documents], labels


def fit(samples, labels, num_features):
    return SklearnNearestCentroid().fit(np.array([indicator(s, num_features) for s in samples]), labels)


def test_text__every_prediction_equals_the_reference_and_scikit_learn(owner, text_sets):
    samples, labels = text_sets
    classifier = fit(samples[:600], labels[:600], 2000)
    model = SparseNearestCentroid.from_sklearn(classifier, y=labels[:600], name="topics", classes=["a", "b", "c", "d"])
    # Centroids of binary data are counts over samples: the export is exact.
    assert np.allclose(classifier.centroids_[1], model.centroid(1))
    trainer = deploy(model, owner)
    assert chain_words(trainer) == model.storage_words()
    on_chain = chain_predictions(trainer, samples)
    assert on_chain == [model.predict(s) for s in samples]
    float_predictions = classifier.predict(np.array([indicator(s, 2000) for s in samples]))
    assert on_chain == [int(p) for p in float_predictions]


def test_digits__updates_keep_chain_and_reference_identical(owner, contributor):
    X, y = digits()
    samples = [binary_pixels(row) for row in X]
    train, test = digits_split()
    classifier = fit([samples[i] for i in train], [y[i] for i in train], 64)
    model = SparseNearestCentroid.from_sklearn(
        classifier, y=[y[i] for i in train], name="digits", classes=[str(d) for d in range(10)]
    )
    trainer = deploy(model, owner)
    assert chain_predictions(trainer, samples) == [model.predict(s) for s in samples]
    rng = random.Random(9)
    for i in rng.sample(test, 25):
        label = y[i] if rng.random() < 0.5 else rng.randrange(10)
        trainer.add_data(samples[i], label, sender=contributor)
        model.update(samples[i], label)
    assert chain_words(trainer) == model.storage_words()
    assert [tuple(trainer.class_info(c)) for c in range(10)] == list(zip(model.class_counts, model.norms))
    assert chain_predictions(trainer, [samples[i] for i in test]) == [model.predict(samples[i]) for i in test]
