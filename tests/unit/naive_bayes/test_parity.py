"""On-chain naive Bayes = the decai reference, bit for bit, on real data;
long inputs that underflowed the 2019 original predict as scikit-learn does."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.naive_bayes import MultinomialNB

from decai.models import NaiveBayes
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


def fit(samples, labels, num_features, alpha=1.0) -> MultinomialNB:
    return MultinomialNB(alpha=alpha).fit(np.array([indicator(s, num_features) for s in samples]), labels)


@pytest.fixture(scope="module")
def digit_samples():
    X, y = digits()
    return [binary_pixels(row) for row in X], y


@pytest.fixture(scope="module")
def digits_model(digit_samples) -> NaiveBayes:
    samples, y = digit_samples
    train, _ = digits_split()
    classifier = fit([samples[i] for i in train], [y[i] for i in train], 64)
    return NaiveBayes.from_sklearn(classifier, name="digits nb", encoder="indices", classes=[str(d) for d in range(10)])


def test_digits__every_prediction_equals_the_reference(owner, digits_model, digit_samples):
    samples, _ = digit_samples
    trainer = deploy(digits_model, owner)
    assert chain_words(trainer) == digits_model.storage_words()
    on_chain = chain_predictions(trainer, samples)
    assert on_chain == [digits_model.predict(s) for s in samples]
    assert trainer.predict(samples[0]) == on_chain[0]


def test_text_counts__every_prediction_equals_the_reference(owner):
    documents, labels = text_corpus()
    classifier = fit(documents[:600], labels[:600], 2000, alpha=0.5)
    model = NaiveBayes.from_sklearn(classifier, name="topics", classes=["a", "b", "c", "d"])
    trainer = deploy(model, owner)
    on_chain = chain_predictions(trainer, documents)
    assert on_chain == [model.predict(d) for d in documents]
    # Exact arithmetic agrees with scikit-learn's float64 log-probabilities.
    float_predictions = classifier.predict(np.array([indicator(d, 2000) for d in documents]))
    assert on_chain == [int(p) for p in float_predictions]


def test_updates__chain_and_reference_stay_identical(owner, contributor, digits_model, digit_samples, chain):
    samples, y = digit_samples
    _, test = digits_split()
    trainer = deploy(digits_model, owner)
    reference = digits_model.copy()
    rng = random.Random(3)
    for i in rng.sample(test, 25):
        # Half of them mislabelled, as spam would be.
        label = y[i] if rng.random() < 0.5 else rng.randrange(10)
        trainer.add_data(samples[i], label, sender=contributor)
        reference.update(samples[i], label)
    assert chain_words(trainer) == reference.storage_words()
    assert [tuple(trainer.class_info(c)) for c in range(10)] == list(
        zip(reference.class_counts, reference.total_counts)
    )
    assert trainer.feature_count(3, 20) == reference.feature_counts[3][20]
    assert chain_predictions(trainer, [samples[i] for i in test]) == [reference.predict(samples[i]) for i in test]


def test_long_inputs__ten_classes_ten_thousand_words__match_scikit_learn(owner):
    """60 entries against a 10,000-word vocabulary and 10 classes: products
    of 60 probabilities near 1e-4 (about 1e-240) that underflowed the 2019
    original to 0 after four features."""
    rng = np.random.default_rng(11)
    vocabulary, classes, length = 10_000, 10, 60
    background = 1.0 / np.arange(1, vocabulary + 1)
    topics = []
    for _ in range(classes):
        weights = background.copy()
        weights[rng.choice(vocabulary, 400, replace=False)] += 0.02
        topics.append(weights / weights.sum())

    def documents(count):
        labels = rng.integers(0, classes, count)
        rows = np.array([rng.multinomial(length, topics[label]) for label in labels])
        return rows, labels

    X_train, y_train = documents(3000)
    classifier = MultinomialNB(alpha=1.0).fit(X_train, y_train)
    X_test, _ = documents(300)
    samples = [sorted(np.repeat(np.arange(vocabulary), row).tolist()) for row in X_test]
    assert all(len(s) == length for s in samples)

    model = NaiveBayes.from_sklearn(classifier, name="long inputs", classes=[f"topic {c}" for c in range(classes)])
    trainer = deploy(model, owner)
    on_chain = chain_predictions(trainer, samples, batch=25)
    assert on_chain == [model.predict(s) for s in samples]
    assert on_chain == [int(p) for p in classifier.predict(X_test)]
    # The classes really compete: not one answer for everything.
    assert len(set(on_chain)) == classes
