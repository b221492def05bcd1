"""A small naive Bayes model with room for one more class, and its trainer."""

from __future__ import annotations

import random

import pytest

from decai.core.fixed_point import ONE
from decai.models import NaiveBayes
from tests.model_data import deploy

NUM_FEATURES = 40


def small_model(class_counts=(3, 4), capacity: int = 3, seed: int = 1, **overrides) -> NaiveBayes:
    rng = random.Random(seed)
    parameters = dict(
        name="spam filter",
        description="naive Bayes test model",
        encoder="indices",
        classes=["spam", "ham"],
        class_capacity=capacity,
        num_features=NUM_FEATURES,
        smoothing=ONE,
        class_counts=list(class_counts),
        feature_counts=[[rng.randint(0, 6) for _ in range(NUM_FEATURES)] for _ in class_counts],
    )
    parameters.update(overrides)
    return NaiveBayes(**parameters)


@pytest.fixture
def nb_model() -> NaiveBayes:
    return small_model()


@pytest.fixture
def nb_trainer(owner, nb_model):
    return deploy(nb_model, owner)
