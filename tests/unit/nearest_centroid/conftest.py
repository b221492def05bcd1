"""A small dense nearest centroid with room for one more class."""

from __future__ import annotations

import pytest

from decai.data.encoders import unit_fixed
from decai.core.fixed_point import to_fixed
from decai.models import NearestCentroid

DIMENSIONS = 10  # one full word of eight lanes and a partial one


def small_model(**overrides) -> NearestCentroid:
    parameters = dict(
        name="directions",
        description="nearest centroid test model",
        encoder="unit",
        classes=["left", "right"],
        class_capacity=3,
        centroids=[[-to_fixed("0.3")] * DIMENSIONS, [to_fixed("0.3")] * DIMENSIONS],
        class_counts=[5, 7],
    )
    parameters.update(overrides)
    return NearestCentroid(**parameters)


def unit(values) -> list[int]:
    return unit_fixed([float(v) for v in values])


@pytest.fixture
def ncc_model() -> NearestCentroid:
    return small_model()


@pytest.fixture
def ncc_trainer(owner, ncc_model):
    from tests.model_data import deploy

    return deploy(ncc_model, owner)
