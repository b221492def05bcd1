import json

import pytest

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import DensePerceptron, SparsePerceptron, load_model, model_from_dict


def _sparse(**changes):
    values = dict(name="s", description="d", encoder="indices", weights=[ONE, -ONE, 0], intercept=0, learning_rate=ONE)
    values.update(changes)
    return SparsePerceptron(**values)


def test_model_file__round_trip(tmp_path):
    model = _sparse(classes=["ham", "spam"])
    path = tmp_path / "m.json"
    model.save(path)
    loaded = load_model(path)
    assert loaded.to_dict() == model.to_dict()
    assert json.loads(path.read_text())["format"] == "decai-model/1"


@pytest.mark.parametrize(
    "content, message",
    [
        ("{", "is not valid JSON"),
        ('{"format": "other"}', 'not a decai model file (expected "format": "decai-model/1")'),
        ('{"format": "decai-model/1", "type": "tree"}', "unknown model type 'tree'"),
        (
            '{"format": "decai-model/1", "type": "sparse_perceptron", "name": "x", "weights": [0.5]}',
            "m.json: weights[0] must be an integer",
        ),
    ],
)
def test_model_file__bad_content__one_line_error(tmp_path, content, message):
    path = tmp_path / "m.json"
    path.write_text(content)
    with pytest.raises(DecaiError) as error:
        load_model(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_model_file__missing():
    with pytest.raises(DecaiError, match="model file nowhere.json does not exist"):
        load_model("nowhere.json")


def test_sparse_reference__checks_like_the_contract():
    model = _sparse()
    for sample, message in (
        ([-1], "negative feature index -1"),
        ([1, 1], "feature indices must be strictly increasing (1 then 1)"),
        ([3], "feature index 3 is out of range (the model has 3 features)"),
        (list(range(129)), "sample has 129 features; a sample may have at most 128"),
    ):
        with pytest.raises(DecaiError, match=message.replace("(", r"\(").replace(")", r"\)")):
            model.check_sample(sample)
    with pytest.raises(DecaiError, match="label must be 0 or 1"):
        model.update([0], 2)


def test_sparse_reference__update_rule():
    model = _sparse()
    model.update([0, 1], 1)  # score 0 -> predicts 0, wrong: +lr on 0 and 1
    assert model.weights == [2 * ONE, 0, 0]
    model.update([0], 1)  # right: no change
    assert model.weights == [2 * ONE, 0, 0]


def test_dense_reference__normalisation_rule():
    model = DensePerceptron(
        name="d", description="", encoder="unit", weights=[ONE, ONE], intercept=0, learning_rate=ONE
    )
    with pytest.raises(DecaiError, match="sample is not normalised"):
        model.update([ONE, ONE], 0)
    model.update([600_000_000, 800_000_000], 0)
    assert model.weights == [400_000_000, 200_000_000]


def test_metadata_limits():
    with pytest.raises(DecaiError, match="model description is 161 bytes long; at most 160 fit on chain"):
        _sparse(description="x" * 161)
    with pytest.raises(DecaiError, match="class name '' must be 1 to 32 bytes long"):
        _sparse(classes=["", "b"])


def test_from_dict__defaults():
    model = model_from_dict({"format": "decai-model/1", "type": "sparse_perceptron", "name": "n", "weights": [1, 2]})
    assert (model.classes, model.intercept, model.learning_rate) == (["negative", "positive"], 0, ONE)
