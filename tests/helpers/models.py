"""Small models of the count-based types, each with room for one more class."""

from __future__ import annotations

import random

from decai.core.fixed_point import ONE, to_fixed
from decai.data.encoders import unit_fixed
from decai.models import NaiveBayes, NearestCentroid, SparseNearestCentroid

NB_FEATURES = 40


def small_naive_bayes(class_counts=(3, 4), capacity: int = 3, seed: int = 1, **overrides) -> NaiveBayes:
    rng = random.Random(seed)
    parameters = dict(
        name="spam filter",
        description="naive Bayes test model",
        encoder="indices",
        classes=["spam", "ham"],
        class_capacity=capacity,
        num_features=NB_FEATURES,
        smoothing=ONE,
        class_counts=list(class_counts),
        feature_counts=[[rng.randint(0, 6) for _ in range(NB_FEATURES)] for _ in class_counts],
    )
    parameters.update(overrides)
    return NaiveBayes(**parameters)


NCC_DIMENSIONS = 10  # one full word of eight lanes and a partial one


def small_nearest_centroid(**overrides) -> NearestCentroid:
    parameters = dict(
        name="directions",
        description="nearest centroid test model",
        encoder="unit",
        classes=["left", "right"],
        class_capacity=3,
        centroids=[[-to_fixed("0.3")] * NCC_DIMENSIONS, [to_fixed("0.3")] * NCC_DIMENSIONS],
        class_counts=[5, 7],
    )
    parameters.update(overrides)
    return NearestCentroid(**parameters)


def unit(values) -> list[int]:
    return unit_fixed([float(v) for v in values])


SNCC_FEATURES = 40


def small_sparse_nearest_centroid(class_counts=(6, 9), seed: int = 2, **overrides) -> SparseNearestCentroid:
    rng = random.Random(seed)
    parameters = dict(
        name="topics",
        description="sparse nearest centroid test model",
        encoder="indices",
        classes=["sport", "music"],
        class_capacity=3,
        num_features=SNCC_FEATURES,
        class_counts=list(class_counts),
        feature_counts=[[rng.randint(0, n) for _ in range(SNCC_FEATURES)] for n in class_counts],
    )
    parameters.update(overrides)
    return SparseNearestCentroid(**parameters)
