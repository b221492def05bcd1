"""The padding class. Naive Bayes and the sparse nearest
centroid store S = capacity rounded up to even classes per feature; with an
odd capacity, class S - 1 is padding and never exists. With as many classes
as capacity, setup used to skip the checks that keep it empty, so the owner
could give it parameters and `predict` returned a label that does not
exist. The checks now run the same way at every capacity (3: padding; 4:
none) and class count; decai's decoding and model-file checks match."""

from __future__ import annotations

import ape
import pytest
from ape import project

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import NaiveBayes, SparseNearestCentroid
from decai.models.validate import check_model_data
from tests.helpers.data import NO_DEPOSIT

FEATURES = 8
NAMES = ["a", "b", "c", "d"]
# Lane 3 of the first count word: feature 0 of class 3 (stride 4).
CLASS_3_COUNT = 1 << 96
# Class 3's header field (the upper half of header word 1): one sample.
CLASS_3_HEADER = 1 << 120


def _deploy(owner, model_type, capacity):
    names = NAMES[:capacity]
    if model_type == "naive_bayes":
        args = ["nb", "", "indices", names, FEATURES, capacity, ONE, [], *NO_DEPOSIT.constructor_args(), False]
        return owner.deploy(project.DepositNaiveBayes, *args)
    args = ["sncc", "", "indices", names, FEATURES, capacity, [], *NO_DEPOSIT.constructor_args(), False]
    return owner.deploy(project.DepositSparseNearestCentroid, *args)


@pytest.mark.parametrize("model_type", ["naive_bayes", "sparse_nearest_centroid"])
def test_padding_class__full_odd_capacity__cannot_be_given_parameters(owner, model_type):
    trainer = _deploy(owner, model_type, 3)
    assert trainer.num_classes() == 3 == trainer.class_capacity()
    reason = f"{model_type}: parameters for a class not added yet"
    # The attack: class 3 (padding) gets one sample and a count; it would
    # then be predicted for feature 0.
    with ape.reverts(reason):
        trainer.init_parameters(1, [CLASS_3_HEADER], sender=owner)
    with ape.reverts(reason):
        trainer.init_parameters(2, [CLASS_3_COUNT], sender=owner)
    # Real classes still take parameters: class 2 (lower half of header word
    # 1, lane 2 of the count word).
    trainer.init_parameters(1, [1], sender=owner)
    trainer.init_parameters(2, [1 << 64], sender=owner)
    trainer.finish_setup(sender=owner)
    assert trainer.predict([0]) == 2
    assert all(trainer.predict([f]) < 3 for f in range(FEATURES))


@pytest.mark.parametrize("model_type", ["naive_bayes", "sparse_nearest_centroid"])
def test_padding_class__even_capacity__class_3_is_real(owner, model_type):
    trainer = _deploy(owner, model_type, 4)
    assert trainer.num_classes() == 4
    trainer.init_parameters(1, [CLASS_3_HEADER], sender=owner)
    trainer.init_parameters(2, [CLASS_3_COUNT], sender=owner)
    trainer.finish_setup(sender=owner)
    assert trainer.predict([0]) == 3


@pytest.mark.parametrize("cls", [NaiveBayes, SparseNearestCentroid])
@pytest.mark.parametrize("capacity", [3, 4])
def test_padding_class__python_decoding_and_model_files(cls, capacity):
    stride = 4
    header_words = stride // 2
    words = [0] * (header_words + FEATURES * stride // 8)
    samples, _, counts = cls._decode_words(words, FEATURES, capacity, capacity)
    assert samples == [0] * capacity and len(counts) == capacity
    words[2] = CLASS_3_COUNT
    words[1] = CLASS_3_HEADER
    if capacity == 3:
        with pytest.raises(DecaiError, match=f"{cls.MODULE}: parameters for a class not added yet"):
            cls._decode_words(words, FEATURES, capacity, capacity)
    else:
        samples, _, counts = cls._decode_words(words, FEATURES, capacity, capacity)
        assert (samples[3], counts[3][0]) == (1, 1)
    # A model file cannot describe more classes than it names, at either capacity.
    data = {
        "format": "decai-model/1",
        "type": cls.type,
        "name": "pad",
        "encoder": "indices",
        "classes": NAMES[:3],
        "class_capacity": capacity,
        "num_features": FEATURES,
        "class_counts": [1, 1, 1, 1],
        "feature_counts": [[1] * FEATURES] * 4,
    }
    with pytest.raises(DecaiError, match="class_counts has 4 entries; the number of classes is 3"):
        check_model_data(data)
