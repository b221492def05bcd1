"""A small dense nearest centroid with room for one more class."""

from __future__ import annotations

import pytest

from decai.models import NearestCentroid
from tests.helpers.models import small_nearest_centroid as small_model


@pytest.fixture
def ncc_model() -> NearestCentroid:
    return small_model()


@pytest.fixture
def ncc_trainer(owner, ncc_model):
    from tests.helpers.data import deploy

    return deploy(ncc_model, owner)
