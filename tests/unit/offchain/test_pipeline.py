"""Data -> encoder -> scikit-learn -> model file, for every model type."""

import json

import pytest

from decai.data.encoders import encoder_from_spec
from decai.data.pipeline import build_model_file
from decai.errors import DecaiError
from decai.models import load_model


@pytest.mark.parametrize(
    "source, model_type",
    [
        ("rotten-tomatoes", "sparse_perceptron"),
        ("rotten-tomatoes", "naive_bayes"),
        ("rotten-tomatoes", "sparse_nearest_centroid"),
        ("breast-cancer", "dense_perceptron"),
        ("breast-cancer", "sparse_perceptron"),
        ("digits", "nearest_centroid"),
        ("digits", "naive_bayes"),
        ("digits", "sparse_nearest_centroid"),
    ],
)
def test_exported_model_keeps_scikit_learns_accuracy(tmp_path, source, model_type):
    path = tmp_path / "model.json"
    report = build_model_file(source, model_type, str(path), seed=1)
    floating, exported = (float(part.split()[-1]) for part in report.splitlines()[1].split(":", 1)[1].split(","))
    print(f"\n{source} {model_type}: scikit-learn {floating:.4f}, decai {exported:.4f}")
    assert abs(floating - exported) <= 0.01
    model = load_model(path)
    assert model.type == model_type
    encoder = encoder_from_spec(model.encoder, model.encoder_params)
    assert encoder.spec == model.encoder


def _exported_accuracy(report: str) -> float:
    return float(report.splitlines()[1].split(":", 1)[1].split(",")[1].split()[-1])


def test_numbers_for_a_sparse_model__each_column_against_its_own_mean(tmp_path):
    """Breast cancer's columns have different units (areas in the hundreds,
    ratios under 1): against the row's mean the same few columns are above
    it in almost every row; against their own training means they tell the
    classes apart. The default for numbers and a sparse model is the latter."""
    columns = build_model_file("breast-cancer", "sparse_perceptron", str(tmp_path / "c.json"), seed=1)
    pixels = build_model_file(
        "breast-cancer", "sparse_perceptron", str(tmp_path / "p.json"), encoder_kind="pixels", seed=1
    )
    model = load_model(tmp_path / "c.json")
    assert model.encoder.startswith("column-mean:sha256=")
    assert len(model.encoder_params["means"]) == 30
    assert load_model(tmp_path / "p.json").encoder == "above-mean:n=30"
    print(
        f"\nbreast cancer, sparse perceptron: column-mean {_exported_accuracy(columns):.4f}, "
        f"pixels {_exported_accuracy(pixels):.4f}"
    )
    assert _exported_accuracy(columns) >= 0.85
    assert _exported_accuracy(columns) >= _exported_accuracy(pixels) + 0.15


def test_csv_text_and_numbers(tmp_path):
    text = tmp_path / "reviews.csv"
    rows = ["review,stars"] + [
        f'"{"great fun film" if i % 2 else "dull boring mess"} {i}",{5 if i % 2 else 1}' for i in range(40)
    ]
    text.write_text("\n".join(rows) + "\n")
    out = tmp_path / "m.json"
    build_model_file(str(text), "naive_bayes", str(out), label_column="stars", text_column="review")
    model = load_model(out)
    assert model.classes == ["1", "5"]
    encoder = encoder_from_spec(model.encoder, model.encoder_params)
    assert model.predict(encoder.encode("what a great fun film")) == 1

    numbers = tmp_path / "points.csv"
    numbers.write_text("x,y,label\n" + "".join(f"{i},{-i if i % 2 else i},{i % 2}\n" for i in range(1, 41)))
    build_model_file(str(numbers), "nearest_centroid", str(out), encoder_kind="unit")
    assert json.loads(out.read_text())["encoder"] == "unit"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(source="nowhere.csv", model_type="naive_bayes"), "data file nowhere.csv does not exist"),
        (
            dict(source="breast-cancer", model_type="naive_bayes", encoder_kind="bow"),
            "numbers need the standard-unit, unit, column-mean or pixels encoder, not bow",
        ),
        (
            dict(source="rotten-tomatoes", model_type="dense_perceptron"),
            "text becomes sparse samples; choose a sparse model "
            "(averaged_perceptron, naive_bayes, sparse_nearest_centroid, sparse_perceptron), not dense_perceptron",
        ),
        (
            dict(source="digits", model_type="dense_perceptron"),
            "a dense_perceptron tells two classes apart; the data have 10",
        ),
    ],
)
def test_bad_requests__one_line_errors_and_no_file(tmp_path, kwargs, message):
    out = tmp_path / "m.json"
    with pytest.raises(DecaiError) as error:
        build_model_file(output=str(out), **kwargs)
    assert str(error.value) == message
    assert not out.exists()


@pytest.mark.parametrize("model_type", ["sparse_perceptron", "naive_bayes"])
def test_step__default_is_the_model_types_and_changes_no_prediction(tmp_path, model_type):
    from decai.models.base import model_class

    default, plain = tmp_path / "default.json", tmp_path / "plain.json"
    report = build_model_file("rotten-tomatoes", model_type, str(default), seed=1)
    build_model_file("rotten-tomatoes", model_type, str(plain), seed=1, step=1.0)
    stepped, unit = load_model(default), load_model(plain)
    expected = unit.copy()
    expected.set_step(model_class(model_type).default_step)
    assert stepped.to_dict() == expected.to_dict() != unit.to_dict()
    assert model_class(model_type).describe_step(model_class(model_type).default_step) in report
    # The held-out accuracy line is the same: the step changes later additions only.
    assert report.splitlines()[1] == build_model_file("rotten-tomatoes", model_type, str(plain), seed=1).splitlines()[1]
