"""Export from scikit-learn and the model file, for naive Bayes (no chain)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.naive_bayes import MultinomialNB

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import NaiveBayes, load_model
from decai.models.naive_bayes import counts_to_indices
from tests.helpers.models import small_naive_bayes as small_model

X = np.array([[2, 0, 1, 0], [3, 1, 0, 0], [0, 0, 4, 1], [0, 1, 3, 2]])
Y = np.array(["spam", "spam", "ham", "ham"])


def test_from_sklearn__counts_classes_and_smoothing():
    classifier = MultinomialNB(alpha=0.5).fit(X, Y)
    model = NaiveBayes.from_sklearn(classifier, name="toy")
    assert model.classes == ["ham", "spam"]
    assert model.smoothing == ONE // 2
    assert model.class_counts == [2, 2]
    assert model.feature_counts == [[0, 1, 7, 3], [5, 1, 1, 0]]
    assert model.total_counts == [11, 7]
    for row in X:
        assert model.predict(counts_to_indices(row)) == list(classifier.classes_).index(classifier.predict([row])[0])


def test_from_sklearn__what_the_contract_cannot_hold__is_refused():
    with pytest.raises(DecaiError, match="fit_prior"):
        NaiveBayes.from_sklearn(MultinomialNB(fit_prior=False).fit(X, Y), name="toy")
    with pytest.raises(DecaiError, match="whole numbers"):
        NaiveBayes.from_sklearn(MultinomialNB().fit(X * 0.5, Y), name="toy")


def test_counts_to_indices__repeats_and_limits():
    assert counts_to_indices([2, 0, 1]) == [0, 0, 2]
    with pytest.raises(DecaiError, match="at most 128"):
        counts_to_indices([129])


def test_model_file__round_trip(tmp_path):
    model = small_model()
    model.update([1, 1, 5], 1)
    path = tmp_path / "nb.json"
    model.save(path)
    loaded = load_model(path)
    assert isinstance(loaded, NaiveBayes)
    assert loaded.storage_words() == model.storage_words()
    assert loaded.class_capacity == 3 and loaded.classes == model.classes


def test_reference__rejects_what_the_contract_rejects():
    with pytest.raises(DecaiError, match="smoothing"):
        small_model(smoothing=0)
    with pytest.raises(DecaiError, match="2\\*\\*31"):
        small_model(feature_counts=[[2**31] * 40, [0] * 40])
    with pytest.raises(DecaiError, match="capacity"):
        small_model(capacity=1)
