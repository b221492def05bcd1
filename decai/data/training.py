"""Train models off chain with scikit-learn and export them to fixed point.

The exported models are decai reference models, ready for `deploy_trainer`
or a model file. Data sets that install with the project (scikit-learn's
bundled ones) are provided for the demo, the default model and the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from decai.data.encoders import StandardUnitEncoder
from decai.core.fixed_point import ONE, to_fixed
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
    X = np.asarray(samples, dtype=float) / ONE
    return _fit_perceptron(DensePerceptron, X, labels, learning_rate, seed, name=name, description=description,
                           classes=classes, encoder=encoder, encoder_params=encoder_params)


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

    X = lil_matrix((len(samples), num_features))
    for row, sample in enumerate(samples):
        for index in sample:
            X[row, index] = 1.0
    return _fit_perceptron(SparsePerceptron, X.tocsr(), labels, learning_rate, seed, name=name, description=description,
                           classes=classes, encoder=encoder, encoder_params=encoder_params)


def _fit_perceptron(model_class, X, labels, learning_rate: float, seed: int, **metadata):
    """Fit scikit-learn's Perceptron and export its weights to fixed point."""
    from sklearn.linear_model import Perceptron

    classifier = Perceptron(eta0=learning_rate, random_state=seed, max_iter=1000, tol=1e-4)
    classifier.fit(X, np.asarray(labels))
    model = model_class(
        weights=[to_fixed(repr(float(w))) for w in classifier.coef_[0]],
        intercept=to_fixed(repr(float(classifier.intercept_[0]))),
        learning_rate=to_fixed(learning_rate),
        **metadata,
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


# -- every model type, from samples ---------------------------------------

MODEL_TYPES = ("sparse_perceptron", "dense_perceptron", "naive_bayes", "nearest_centroid", "sparse_nearest_centroid")
SPARSE_TYPES = ("sparse_perceptron", "naive_bayes", "sparse_nearest_centroid")


def _sparse_matrix(samples: Sequence[Sequence[int]], num_features: int):
    from scipy.sparse import lil_matrix

    X = lil_matrix((len(samples), num_features))
    for row, sample in enumerate(samples):
        for index in sample:
            X[row, index] += 1.0  # repeats count (naive Bayes); sets otherwise
    return X.tocsr()


def train_model(
    model_type: str,
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    *,
    classes: Sequence[str],
    encoder: str,
    encoder_params: dict | None = None,
    num_features: int | None = None,
    name: str,
    description: str = "",
    seed: int = 0,
):
    """Train `model_type` with scikit-learn on encoded samples and export it.

    Returns (decai model, predict_float) where predict_float(samples) gives
    the fitted scikit-learn model's predictions, for comparing accuracy.
    Labels are 0..len(classes)-1.
    """
    from decai.errors import DecaiError
    from decai.models import NaiveBayes, NearestCentroid, SparseNearestCentroid

    if model_type not in MODEL_TYPES:
        raise DecaiError(f"unknown model type {model_type!r}; choose one of {', '.join(MODEL_TYPES)}")
    if model_type in ("sparse_perceptron", "dense_perceptron") and len(classes) != 2:
        raise DecaiError(f"a perceptron has two classes; the data have {len(classes)}")
    metadata = dict(name=name, description=description, classes=list(classes), encoder=encoder, encoder_params=encoder_params)
    y = np.asarray(labels)
    if model_type in SPARSE_TYPES:
        if num_features is None:
            raise DecaiError("num_features is needed for a sparse model")
        X = _sparse_matrix(samples, num_features)
    else:
        X = np.asarray(samples, dtype=float) / ONE

    if model_type == "sparse_perceptron":
        model, classifier = train_sparse_perceptron(samples, labels, num_features, seed=seed, **metadata)
    elif model_type == "dense_perceptron":
        model, classifier = train_dense_perceptron(samples, labels, seed=seed, **metadata)
    elif model_type == "naive_bayes":
        from sklearn.naive_bayes import MultinomialNB

        classifier = MultinomialNB(alpha=1.0).fit(X, y)
        model = NaiveBayes.from_sklearn(classifier, **{k: v for k, v in metadata.items() if k != "classes"}, classes=classes)
    else:
        from sklearn.neighbors import NearestCentroid as SkNearestCentroid

        if model_type == "sparse_nearest_centroid":
            X = (X > 0).astype(float)
        classifier = SkNearestCentroid().fit(X, y)
        exporter = NearestCentroid if model_type == "nearest_centroid" else SparseNearestCentroid
        model = exporter.from_sklearn(classifier, y=y, **{k: v for k, v in metadata.items() if k != "classes"}, classes=classes)

    def predict_float(more_samples: Sequence[Sequence[int]]) -> list[int]:
        if model_type in SPARSE_TYPES:
            M = _sparse_matrix(more_samples, num_features)
            if model_type == "sparse_nearest_centroid":
                M = (M > 0).astype(float)
        else:
            M = np.asarray(more_samples, dtype=float) / ONE
        return [int(p) for p in classifier.predict(M)]

    return model, predict_float
