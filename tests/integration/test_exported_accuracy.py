"""Exported models are as accurate as the scikit-learn models they came
from: on a held-out split, within 1 percentage point, measured with
predictions from the deployed contracts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.naive_bayes import MultinomialNB
from sklearn.neighbors import NearestCentroid as SklearnNearestCentroid

from decai.models import NaiveBayes, NearestCentroid, SparseNearestCentroid
from tests.helpers.data import (
    accuracy,
    binary_pixels,
    chain_predictions,
    deploy,
    digits,
    digits_split,
    indicator,
    print_accuracy_table,
    text_corpus,
    unit_digits,
)

TOLERANCE = 0.01
DIGITS = [str(d) for d in range(10)]
TOPICS = ["a", "b", "c", "d"]


def _digits(transform):
    X, y = digits()
    samples = transform(X)
    train, test = digits_split()
    return [samples[i] for i in train], [y[i] for i in train], [samples[i] for i in test], [y[i] for i in test]


def _text(transform):
    documents, labels = text_corpus()
    samples = [transform(d) for d in documents]
    return samples[:600], labels[:600], samples[600:], labels[600:]


def _naive_bayes(data, num_features, classes, alpha):
    train, y_train, test, y_test = data
    classifier = MultinomialNB(alpha=alpha).fit(np.array([indicator(s, num_features) for s in train]), y_train)
    float_predictions = classifier.predict(np.array([indicator(s, num_features) for s in test]))
    return NaiveBayes.from_sklearn(classifier, name="exported", classes=classes), float_predictions


def _sparse_centroid(data, num_features, classes):
    train, y_train, test, y_test = data
    classifier = SklearnNearestCentroid().fit(np.array([indicator(s, num_features) for s in train]), y_train)
    float_predictions = classifier.predict(np.array([indicator(s, num_features) for s in test]))
    return SparseNearestCentroid.from_sklearn(
        classifier, y=y_train, name="exported", classes=classes
    ), float_predictions


def _dense_centroid(data, classes):
    train, y_train, test, y_test = data
    classifier = SklearnNearestCentroid().fit(np.array(train, dtype=float) / 1e9, y_train)
    float_predictions = classifier.predict(np.array(test, dtype=float) / 1e9)
    return NearestCentroid.from_sklearn(classifier, y=y_train, name="exported", classes=classes), float_predictions


CASES = {
    "naive Bayes, binary digits": lambda: (
        _digits(lambda X: [binary_pixels(r) for r in X]),
        lambda d: _naive_bayes(d, 64, DIGITS, 1.0),
    ),
    "naive Bayes, text counts": lambda: (_text(lambda d: d), lambda d: _naive_bayes(d, 2000, TOPICS, 0.5)),
    "nearest centroid, unit digits": lambda: (_digits(lambda X: unit_digits()), lambda d: _dense_centroid(d, DIGITS)),
    "sparse centroid, binary digits": lambda: (
        _digits(lambda X: [binary_pixels(r) for r in X]),
        lambda d: _sparse_centroid(d, 64, DIGITS),
    ),
    "sparse centroid, text sets": lambda: (
        _text(lambda d: sorted(set(d))),
        lambda d: _sparse_centroid(d, 2000, TOPICS),
    ),
}


@pytest.fixture(scope="module")
def table():
    rows: list[tuple[str, float, float]] = []
    yield rows
    print_accuracy_table("held-out accuracy: scikit-learn (float) vs decai (on chain)", rows)


@pytest.mark.parametrize("case", list(CASES))
def test_exported_model__held_out_accuracy_within_one_point(owner, table, case):
    data, export = CASES[case]()
    model, float_predictions = export(data)
    _, _, test, y_test = data
    trainer = deploy(model, owner)
    on_chain = chain_predictions(trainer, test)
    float_accuracy, fixed_accuracy = accuracy(float_predictions, y_test), accuracy(on_chain, y_test)
    table.append((case, float_accuracy, fixed_accuracy))
    assert abs(fixed_accuracy - float_accuracy) <= TOLERANCE
    assert fixed_accuracy > 0.5
