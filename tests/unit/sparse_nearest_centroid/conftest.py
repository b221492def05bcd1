"""A small sparse nearest centroid with room for one more class."""

from __future__ import annotations

import random

import pytest

from decai.models import SparseNearestCentroid
from tests.model_data import deploy

NUM_FEATURES = 40


def small_model(class_counts=(6, 9), seed: int = 2, **overrides) -> SparseNearestCentroid:
    rng = random.Random(seed)
    parameters = dict(
        name="topics",
        description="sparse nearest centroid test model",
        encoder="indices",
        classes=["sport", "music"],
        class_capacity=3,
        num_features=NUM_FEATURES,
        class_counts=list(class_counts),
        feature_counts=[[rng.randint(0, n) for _ in range(NUM_FEATURES)] for n in class_counts],
    )
    parameters.update(overrides)
    return SparseNearestCentroid(**parameters)


@pytest.fixture
def sncc_model() -> SparseNearestCentroid:
    return small_model()


@pytest.fixture
def sncc_trainer(owner, sncc_model):
    return deploy(sncc_model, owner)
