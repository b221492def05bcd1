"""A small sparse nearest centroid with room for one more class."""

from __future__ import annotations

import pytest

from decai.models import SparseNearestCentroid
from tests.helpers.data import deploy
from tests.helpers.models import small_sparse_nearest_centroid as small_model


@pytest.fixture
def sncc_model() -> SparseNearestCentroid:
    return small_model()


@pytest.fixture
def sncc_trainer(owner, sncc_model):
    return deploy(sncc_model, owner)
