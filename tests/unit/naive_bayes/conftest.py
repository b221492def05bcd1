"""A small naive Bayes model with room for one more class, and its trainer."""

from __future__ import annotations

import pytest

from decai.models import NaiveBayes
from tests.helpers.data import deploy
from tests.helpers.models import small_naive_bayes as small_model


@pytest.fixture
def nb_model() -> NaiveBayes:
    return small_model()


@pytest.fixture
def nb_trainer(owner, nb_model):
    return deploy(nb_model, owner)
