"""Train models off chain with scikit-learn and export them to fixed point.

The exported models are decai reference models, ready for `deploy_trainer`
or a model file. Data sets that install with the project (scikit-learn's
bundled ones) are provided for the demo, the default model and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from decai.core.fixed_point import ONE
from decai.data.encoders import StandardUnitEncoder
from decai.errors import DecaiError
from decai.models.base import Model, model_class


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


def feature_matrix(model_type: str, samples: Sequence[Sequence[int]], num_features: int | None = None):
    """The float matrix scikit-learn sees for encoded `samples`: feature
    counts (a scipy sparse matrix) for sparse models, values / 10**9 for
    dense ones, each passed through the type's `sklearn_features`."""
    cls = model_class(model_type)
    if cls.input_kind == "sparse":
        if num_features is None:
            raise DecaiError("num_features is needed for a sparse model")
        from scipy.sparse import lil_matrix

        X = lil_matrix((len(samples), num_features))
        for row, sample in enumerate(samples):
            for index in sample:
                X[row, index] += 1.0  # repeats count (naive Bayes); sets otherwise
        X = X.tocsr()
    else:
        X = np.asarray(samples, dtype=float) / ONE
    return cls.sklearn_features(X)


def fit_model(
    model_type: str,
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    *,
    num_features: int | None = None,
    seed: int = 0,
    learning_rate: float | None = None,
    **metadata,
):
    """Fit `model_type`'s scikit-learn counterpart on encoded samples and
    export it; returns (decai model, fitted classifier). `metadata`: name,
    description, classes, encoder, encoder_params. `learning_rate` is the
    perceptrons' step (scikit-learn's eta0 and the on-chain step)."""
    cls = model_class(model_type)
    if cls.two_classes_only and len(metadata.get("classes") or ("", "")) != 2:
        raise DecaiError(f"a {model_type} tells two classes apart; the data have {len(metadata['classes'])}")
    options = {} if learning_rate is None else {"learning_rate": learning_rate}
    X = feature_matrix(model_type, samples, num_features)
    return cls.fit(X, np.asarray(labels), seed=seed, **options, **metadata)


def train_dense_perceptron(samples: Sequence[Sequence[int]], labels: Sequence[int], **options):
    """`fit_model` for the dense perceptron (the default model)."""
    return fit_model("dense_perceptron", samples, labels, **options)


def train_sparse_perceptron(samples: Sequence[Sequence[int]], labels: Sequence[int], num_features: int, **options):
    """`fit_model` for the sparse perceptron over `num_features` features."""
    return fit_model("sparse_perceptron", samples, labels, num_features=num_features, **options)


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
    metadata = dict(
        name=name, description=description, classes=list(classes), encoder=encoder, encoder_params=encoder_params
    )
    model, classifier = fit_model(model_type, samples, labels, num_features=num_features, seed=seed, **metadata)

    def predict_float(more_samples: Sequence[Sequence[int]]) -> list[int]:
        return [int(p) for p in classifier.predict(feature_matrix(model_type, more_samples, num_features))]

    return model, predict_float
