"""Model files are checked as a whole before anything is built or sent
(decai/models/validate.py): one line naming the file and the field."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path

import pytest

from decai.chain.node import Anvil, rpc
from decai.core.fixed_point import ONE
from decai.data.encoders import ColumnMeanEncoder, HashingEncoder, StandardUnitEncoder, VocabularyEncoder
from decai.errors import DecaiError
from decai.models import (
    DensePerceptron,
    NaiveBayes,
    NearestCentroid,
    SparseNearestCentroid,
    SparsePerceptron,
    load_model,
)

ROOT = Path(__file__).resolve().parents[3]
WORDS = ["good", "great", "bad", "awful"]
TEXT = VocabularyEncoder(WORDS)
STATS = StandardUnitEncoder([0.0, 1.0, 2.0], [1.0, 1.0, 2.0])


def _text(**extra):
    return dict(name="m", description="", encoder=TEXT.spec, encoder_params=TEXT.params(), **extra)


def _dense(**extra):
    return dict(name="m", description="", encoder=STATS.spec, encoder_params=STATS.params(), **extra)


VALID = {
    "sparse_perceptron": SparsePerceptron(**_text(), weights=[ONE, ONE, -ONE, -ONE], intercept=0, learning_rate=ONE),
    "dense_perceptron": DensePerceptron(**_dense(), weights=[ONE, 0, -ONE], intercept=3, learning_rate=ONE // 2),
    "naive_bayes": NaiveBayes(
        **_text(),
        classes=["neg", "pos", "meh"],
        class_capacity=4,
        num_features=4,
        smoothing=ONE,
        class_counts=[2, 1, 0],
        feature_counts=[[0, 0, 2, 1], [1, 1, 0, 0], [0, 0, 0, 0]],
    ),
    "sparse_nearest_centroid": SparseNearestCentroid(
        **_text(),
        classes=["neg", "pos"],
        num_features=4,
        class_counts=[2, 1],
        feature_counts=[[0, 0, 2, 1], [1, 1, 0, 0]],
    ),
    "nearest_centroid": NearestCentroid(
        **_dense(),
        classes=["a", "b", "c"],
        centroids=[[ONE, 0, 0], [0, ONE, 0], [0, 0, 0]],
        class_counts=[1, 1, 0],
    ),
}


def _write(tmp_path, data) -> Path:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    return path


def _file(kind: str, **changes) -> dict:
    data = copy.deepcopy(VALID[kind].to_dict())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _fails(tmp_path, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(DecaiError) as error:
        load_model(path)
    text = str(error.value)
    assert "\n" not in text
    assert text == f"model file {path}: {message}"


@pytest.mark.parametrize("kind", sorted(VALID))
def test_load_model__consistent_file__loads_unchanged(tmp_path, kind):
    path = tmp_path / "m.json"
    VALID[kind].save(path)
    assert load_model(path).to_dict() == VALID[kind].to_dict()


@pytest.mark.parametrize(
    "kind, missing",
    [
        ("sparse_perceptron", "weights"),
        ("dense_perceptron", "weights"),
        ("naive_bayes", "num_features"),
        ("naive_bayes", "feature_counts"),
        ("sparse_nearest_centroid", "class_counts"),
        ("nearest_centroid", "centroids"),
        ("nearest_centroid", "name"),
    ],
)
def test_load_model__required_key_missing__names_it(tmp_path, kind, missing):
    _fails(tmp_path, _file(kind, **{missing: None}), f"has no {missing!r} (a {kind} model file needs it)")


def test_load_model__weights_and_num_features_disagree__names_both(tmp_path):
    data = _file("sparse_perceptron", encoder="indices", encoder_params=None, weights=[0] * 99, num_features=100)
    _fails(tmp_path, data, "weights has 99 entries; num_features is 100")
    data = _file("dense_perceptron", dimensions=4)
    _fails(tmp_path, data, "weights has 3 entries; dimensions is 4")


@pytest.mark.parametrize(
    "kind, changes, message",
    [
        (
            "naive_bayes",
            dict(feature_counts=[[0] * 4] * 2),
            "feature_counts has 2 rows; the number of classes is 3 (classes x features)",
        ),
        (
            "naive_bayes",
            dict(feature_counts=[[0] * 4, [0] * 3, [0] * 4]),
            "feature_counts[1] has 3 entries; num_features is 4",
        ),
        (
            "sparse_nearest_centroid",
            dict(feature_counts=[[0] * 4, "x"]),
            "feature_counts[1] must be a list of integers, got str",
        ),
        (
            "nearest_centroid",
            dict(centroids=[[0, 0, 0], [0, 0], [0, 0, 0]]),
            "centroids[1] has 2 values; the width of centroids[0] is 3",
        ),
        ("nearest_centroid", dict(centroids=[[0, 0, 0]] * 2), "centroids has 2 rows; the number of classes is 3"),
    ],
)
def test_load_model__counts_not_classes_by_features__names_the_row(tmp_path, kind, changes, message):
    _fails(tmp_path, _file(kind, **changes), message)


@pytest.mark.parametrize(
    "kind, changes, message",
    [
        ("naive_bayes", dict(class_counts=[2, 1]), "class_counts has 2 entries; the number of classes is 3"),
        ("nearest_centroid", dict(class_counts=[1, 1, 0, 0]), "class_counts has 4 entries; the number of classes is 3"),
        ("naive_bayes", dict(total_counts=[3, 2]), "total_counts has 2 entries; the number of classes is 3"),
        ("sparse_nearest_centroid", dict(norms=[5]), "norms has 1 entries; the number of classes is 2"),
        ("sparse_nearest_centroid", dict(classes=["only"]), "classes has 1 class(es); a model needs at least two"),
        (
            "sparse_perceptron",
            dict(classes=["a", "b", "c"]),
            "classes has 3 classes; a sparse_perceptron model tells exactly two apart",
        ),
        ("naive_bayes", dict(classes=["a", "b", "a"]), "classes names 'a' twice"),
        ("naive_bayes", dict(classes=["a", "", "c"]), "classes[1] is ''; a class name is a string of 1 to 32 bytes"),
        ("naive_bayes", dict(class_capacity=2), "class_capacity is 2; the file has 3 classes"),
        ("nearest_centroid", dict(class_capacity=65), "class_capacity is 65; it must be 1 to 64"),
    ],
)
def test_load_model__class_counts_and_capacity__one_per_class(tmp_path, kind, changes, message):
    _fails(tmp_path, _file(kind, **changes), message)


@pytest.mark.parametrize(
    "kind, changes, message",
    [
        (
            "sparse_perceptron",
            dict(weights=[ONE, 2**63, 0, 0]),
            f"weights[1] is {2**63}; it must be within int64 (fixed point)",
        ),
        (
            "sparse_perceptron",
            dict(weights=[ONE, 1.5, 0, 0]),
            "weights[1] must be an integer (fixed point, 10**9 = 1.0), got 1.5",
        ),
        (
            "dense_perceptron",
            dict(intercept=-(2**63) - 1),
            f"intercept is {-(2**63) - 1}; it must be within int64 (fixed point)",
        ),
        (
            "dense_perceptron",
            dict(learning_rate=0),
            "learning_rate is 0; it must be positive and within int64 (fixed point)",
        ),
        (
            "sparse_perceptron",
            dict(learning_rate=-ONE),
            f"learning_rate is {-ONE}; it must be positive and within int64 (fixed point)",
        ),
        (
            "sparse_perceptron",
            dict(learning_rate=True),
            "learning_rate must be an integer (fixed point, 10**9 = 1.0), got True",
        ),
        (
            "naive_bayes",
            dict(smoothing=0),
            "smoothing is 0; it must be 1 to 1000000000000000000 (fixed point, 10**9 = Laplace)",
        ),
        ("naive_bayes", dict(class_counts=[2, -1, 0]), "class_counts[1] is -1; it must be 0 to 2**56 - 1"),
        (
            "sparse_nearest_centroid",
            dict(feature_counts=[[0, 0, 2**31, 1], [1, 1, 0, 0]]),
            f"feature_counts[0][2] is {2**31}; it must be 0 to 2**31 - 1",
        ),
        (
            "nearest_centroid",
            dict(centroids=[[2**31, 0, 0], [0, 0, 0], [0, 0, 0]]),
            f"centroids[0][0] is {2**31}; it must be within int32 (fixed point, |c| < 2.147)",
        ),
        ("naive_bayes", dict(num_features=0), "num_features is 0; it must be 1 to 1048576"),
    ],
)
def test_load_model__integer_out_of_range__names_the_entry(tmp_path, kind, changes, message):
    _fails(tmp_path, _file(kind, **changes), message)


def test_load_model__encoder_unknown_or_wrong_kind__names_the_encoder(tmp_path):
    _fails(
        tmp_path,
        _file("naive_bayes", encoder="tfidf:v9", encoder_params=None),
        "encoder 'tfidf:v9': unknown encoder 'tfidf:v9'",
    )
    _fails(
        tmp_path,
        _file("naive_bayes", encoder="unit", encoder_params=None),
        "encoder unit makes dense samples; a naive_bayes model takes sparse ones",
    )
    _fails(
        tmp_path,
        _file("nearest_centroid", encoder="indices", encoder_params=None),
        "encoder indices makes sparse samples; a nearest_centroid model takes dense ones",
    )
    _fails(
        tmp_path,
        _file("sparse_perceptron", encoder="indices"),
        "encoder_params are given but encoder indices takes none",
    )
    _fails(tmp_path, _file("sparse_perceptron", encoder=None), "encoder_params are given but the file names no encoder")


def test_load_model__text_vocabulary_and_num_features_disagree__names_both(tmp_path):
    longer = VocabularyEncoder(WORDS + ["meh"])
    _fails(
        tmp_path,
        _file("naive_bayes", encoder=longer.spec, encoder_params=longer.params()),
        "encoder_params.vocabulary has 5 words; num_features is 4",
    )
    bucket = VocabularyEncoder(WORDS, unknown="bucket")
    _fails(
        tmp_path,
        _file("sparse_perceptron", encoder=bucket.spec, encoder_params=bucket.params()),
        "encoder_params.vocabulary has 4 words (+1 unknown-word bucket); num_features is 4",
    )
    hashing = HashingEncoder(8)
    _fails(
        tmp_path,
        _file("sparse_nearest_centroid", encoder=hashing.spec, encoder_params=None),
        f"encoder {hashing.spec!r} makes 8 features; num_features is 4",
    )
    _fails(
        tmp_path,
        _file("naive_bayes", encoder_params={"vocabulary": WORDS[::-1]}),
        f"encoder {TEXT.spec!r}: encoder parameters do not match the trainer's encoder digest",
    )
    _fails(
        tmp_path,
        _file("naive_bayes", encoder_params={}),
        "encoder_params.vocabulary must be a list of words (bow encoders need their vocabulary)",
    )


def test_load_model__column_mean_encoder__means_checked(tmp_path):
    fits = ColumnMeanEncoder([0.5] * 4)
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(_file("sparse_perceptron", encoder=fits.spec, encoder_params=fits.params())))
    assert load_model(path).encoder_params == {"means": [0.5] * 4}
    wider = ColumnMeanEncoder([0.5] * 5)
    _fails(
        tmp_path,
        _file("sparse_perceptron", encoder=wider.spec, encoder_params=wider.params()),
        "encoder_params.means has 5 entries; num_features is 4",
    )
    _fails(
        tmp_path,
        _file("sparse_perceptron", encoder=fits.spec, encoder_params={"scales": [1.0]}),
        "encoder_params.means must be a list of numbers (column-mean encoders need their means)",
    )
    _fails(
        tmp_path,
        _file("naive_bayes", encoder=fits.spec, encoder_params={"means": [0.5, 0.5, "x", 0.5]}),
        "encoder_params.means[2] must be a finite number, got 'x'",
    )


def test_load_model__dense_statistics_and_dimensions_disagree__names_both(tmp_path):
    wider = StandardUnitEncoder([0.0] * 4, [1.0] * 4)
    _fails(
        tmp_path,
        _file("dense_perceptron", encoder=wider.spec, encoder_params=wider.params()),
        "encoder_params.means has 4 entries; dimensions is 3",
    )
    _fails(
        tmp_path,
        _file("nearest_centroid", encoder=wider.spec, encoder_params=wider.params()),
        "encoder_params.means has 4 entries; dimensions is 3",
    )
    _fails(
        tmp_path,
        _file("dense_perceptron", encoder_params={"means": [0.0, 1.0, 2.0], "scales": [1.0, 0.0, 2.0]}),
        "encoder_params.scales[1] is 0.0; every scale must be positive",
    )
    _fails(
        tmp_path,
        _file("dense_perceptron", encoder_params={"means": [0.0, 1.0], "scales": [1.0, 1.0, 2.0]}),
        "encoder_params.scales has 3 entries; encoder_params.means has 2",
    )
    _fails(
        tmp_path,
        _file("dense_perceptron", encoder_params={"scales": [1.0]}),
        "encoder_params.means must be a list of numbers (standard-unit encoders need their means and scales)",
    )


def test_load_model__not_a_model_file__one_line(tmp_path):
    _fails(tmp_path, [1, 2], 'is not a decai model file (expected a JSON object with "format": "decai-model/1")')
    _fails(
        tmp_path,
        _file("naive_bayes", format="decai-model/0"),
        'is not a decai model file (expected "format": "decai-model/1")',
    )
    path = _write(tmp_path, _file("naive_bayes", type="forest"))
    with pytest.raises(DecaiError, match=r": type unknown model type 'forest'; known: .*naive_bayes"):
        load_model(path)


def test_deploy__inconsistent_model_file__fails_before_any_transaction(tmp_path):
    bad = _file("sparse_perceptron", encoder="indices", encoder_params=None, weights=[0] * 99, num_features=100)
    path = _write(tmp_path, bad)
    with Anvil() as anvil:
        sender = rpc(anvil.url, "eth_accounts")[0]
        nonce, block = rpc(anvil.url, "eth_getTransactionCount", sender, "latest"), rpc(anvil.url, "eth_blockNumber")
        env = dict(os.environ, APE_FOUNDRY_HOST=anvil.url, DECAI_DEPLOYMENTS=str(tmp_path), PYTHONPATH=str(ROOT))
        result = subprocess.run(
            ["ape", "run", "deploy", "--model", str(path), "--network", "ethereum:local:foundry"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert errors == [f"error: model file {path}: weights has 99 entries; num_features is 100"]
        assert rpc(anvil.url, "eth_getTransactionCount", sender, "latest") == nonce
        assert rpc(anvil.url, "eth_blockNumber") == block
    assert not (tmp_path / "ethereum_local.json").exists()
