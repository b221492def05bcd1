"""Train models off chain with scikit-learn and export them to fixed point.

The exported models are decai reference models, ready for `deploy_trainer`
or a model file. Data sets that install with the project (scikit-learn's
bundled ones) are provided for the demo, the default model and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from decai.encoders import StandardUnitEncoder
from decai.fixed_point import ONE, to_fixed
from decai.models import DensePerceptron, SparsePerceptron
from decai.models.base import Model


@dataclass
class Split:
    """Encoded samples (decai integers) and labels for training and testing."""

    train_samples: list[list[int]]
    train_labels: list[int]
    test_samples: list[list[int]]
    test_labels: list[int]


def breast_cancer(seed: int = 0, test_fraction: float = 0.3):
    """scikit-learn's bundled Wisconsin breast-cancer set, split and encoded.

    Returns (encoder, split, class names). The encoder standardises each of
    the 30 features with statistics of the training part, then scales the
    sample to unit length (the dense models' normalisation rule).
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=test_fraction, random_state=seed, stratify=data.target
    )
    encoder = StandardUnitEncoder.fit(X_train)
    split = Split(
        [encoder.encode(row) for row in X_train],
        [int(y) for y in y_train],
        [encoder.encode(row) for row in X_test],
        [int(y) for y in y_test],
    )
    return encoder, split, [str(name) for name in data.target_names]


def train_dense_perceptron(
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    *,
    name: str,
    description: str,
    classes: Sequence[str],
    encoder: str,
    encoder_params: dict | None = None,
    learning_rate: float = 1.0,
    seed: int = 0,
):
    """Fit scikit-learn's Perceptron on encoded dense samples and export it.

    Returns (decai model, fitted scikit-learn classifier). The classifier
    sees exactly the values the contract will (fixed point / 10**9).
    """
    from sklearn.linear_model import Perceptron

    X = np.asarray(samples, dtype=float) / ONE
    classifier = Perceptron(eta0=learning_rate, random_state=seed, max_iter=1000, tol=1e-4)
    classifier.fit(X, np.asarray(labels))
    model = DensePerceptron(
        name=name,
        description=description,
        classes=classes,
        encoder=encoder,
        encoder_params=encoder_params,
        weights=[to_fixed(repr(float(w))) for w in classifier.coef_[0]],
        intercept=to_fixed(repr(float(classifier.intercept_[0]))),
        learning_rate=to_fixed(learning_rate),
    )
    return model, classifier


def train_sparse_perceptron(
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    num_features: int,
    *,
    name: str,
    description: str,
    classes: Sequence[str],
    encoder: str,
    encoder_params: dict | None = None,
    learning_rate: float = 1.0,
    seed: int = 0,
):
    """Fit scikit-learn's Perceptron on binary bag-of-features and export it."""
    from scipy.sparse import lil_matrix
    from sklearn.linear_model import Perceptron

    X = lil_matrix((len(samples), num_features))
    for row, sample in enumerate(samples):
        for index in sample:
            X[row, index] = 1.0
    classifier = Perceptron(eta0=learning_rate, random_state=seed, max_iter=1000, tol=1e-4)
    classifier.fit(X.tocsr(), np.asarray(labels))
    model = SparsePerceptron(
        name=name,
        description=description,
        classes=classes,
        encoder=encoder,
        encoder_params=encoder_params,
        weights=[to_fixed(repr(float(w))) for w in classifier.coef_[0]],
        intercept=to_fixed(repr(float(classifier.intercept_[0]))),
        learning_rate=to_fixed(learning_rate),
    )
    return model, classifier


def accuracy(model: Model, samples: Sequence[Sequence[int]], labels: Sequence[int]) -> float:
    """Share of samples the reference model labels correctly."""
    if not samples:
        return 0.0
    return sum(model.predict(s) == y for s, y in zip(samples, labels)) / len(samples)


def default_model(initial_fraction: float = 1.0, seed: int = 0):
    """The built-in model: a dense perceptron for the breast-cancer set.

    Trained on the first `initial_fraction` of the training split. Returns
    (model, split).
    """
    encoder, split, classes = breast_cancer(seed=seed)
    count = max(2, int(len(split.train_samples) * initial_fraction))
    # The first `count` training samples, but at least one of each class.
    chosen = list(range(count))
    for label in (0, 1):
        if label not in {split.train_labels[i] for i in chosen}:
            chosen[-1 - label] = split.train_labels.index(label)
    model, _ = train_dense_perceptron(
        [split.train_samples[i] for i in chosen],
        [split.train_labels[i] for i in chosen],
        name="breast-cancer perceptron",
        description="Is a breast mass benign (1) or malignant (0)? 30 cell-nucleus measurements (Wisconsin data).",
        classes=classes,
        encoder=encoder.spec,
        encoder_params=encoder.params(),
        seed=seed,
    )
    return model, split
