"""Export from scikit-learn and the model file, for both nearest centroid
models (no chain)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestCentroid as SklearnNearestCentroid

from decai.errors import DecaiError
from decai.models import NearestCentroid, SparseNearestCentroid, load_model
from tests.helpers.models import small_nearest_centroid as small_model

X = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]])
Y = np.array([7, 7, 3, 3, 3])


def test_dense_from_sklearn__fixed_point_centroids_and_counts():
    classifier = SklearnNearestCentroid().fit(X * 0.5, Y)
    model = NearestCentroid.from_sklearn(classifier, y=Y, name="toy")
    assert model.classes == ["3", "7"]
    assert model.class_counts == [3, 2]
    assert model.centroids[1] == [500_000_000, 250_000_000, 250_000_000, 0]
    with pytest.raises(DecaiError, match="class_counts or"):
        NearestCentroid.from_sklearn(classifier, name="toy")
    with pytest.raises(DecaiError, match="euclidean"):
        NearestCentroid.from_sklearn(SklearnNearestCentroid(metric="manhattan").fit(X, Y), y=Y, name="toy")


def test_sparse_from_sklearn__binary_centroids_become_exact_counts():
    classifier = SklearnNearestCentroid().fit(X, Y)
    model = SparseNearestCentroid.from_sklearn(classifier, class_counts=[3, 2], name="toy")
    assert model.feature_counts == [[0, 1, 2, 3], [2, 1, 1, 0]]
    assert model.norms == [14, 6]
    for row in X:
        sample = [i for i, v in enumerate(row) if v]
        assert model.classes[model.predict(sample)] == str(classifier.predict([row])[0])


def test_sparse_from_centroids__the_gas_scenario_model():
    model = SparseNearestCentroid.from_centroids(
        name="scenario",
        description="",
        encoder="indices",
        classes=["negative", "positive"],
        centroids=[[0.001] * 1000, [0.015] * 1000],
        class_counts=[1000, 1000],
    )
    assert model.feature_counts[0][:3] == [1, 1, 1] and model.feature_counts[1][:3] == [15, 15, 15]
    # Fifteen features are nearer class 1; three are not (its centroid's
    # mass on the other features outweighs them).
    assert model.predict([1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515]) == 1
    assert model.predict([1, 2, 3]) == 0


@pytest.mark.parametrize("kind", ["dense", "sparse"])
def test_model_file__round_trip(tmp_path, kind):
    if kind == "dense":
        model = small_model()
        model.update([316_227_766] * 10, 0)
    else:
        model = SparseNearestCentroid.from_counts(
            name="s",
            description="",
            encoder="indices",
            classes=["a", "b"],
            class_counts=[2, 3],
            feature_counts=[[1, 2, 0], [3, 0, 1]],
        )
        model.update([0, 2], 1)
    path = tmp_path / f"{kind}.json"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is type(model)
    assert loaded.storage_words() == model.storage_words()
