"""Simulation data: CSV loading (shared with the pipeline), splits, encoding per model type."""

import random

import pytest

from decai.core.fixed_point import ONE
from decai.data.datasets import NUMBERS, TEXT, Dataset, load_csv
from decai.data.encoders import UNIT_NORM
from decai.errors import DecaiError
from decai.models.base import model_class, model_types, sparse_model_types
from decai.simulation.data import load_dataset, prepare, split_indices
from tests.helpers.data import number_rows, write_csv

POSITIVE = "great fine superb lovely moving".split()
NEGATIVE = "dull awful boring bad tedious".split()
FILLER = "the a film movie plot of and it".split()


def text_rows(count=200, seed=0):
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.randrange(2)
        words = rng.sample(POSITIVE if label else NEGATIVE, 2) + rng.sample(FILLER, 3)
        rng.shuffle(words)
        rows.append({"review": " ".join(words), "verdict": "fresh" if label else "rotten"})
    return rows


def test_load_csv__text_column_found_and_labels_sorted(tmp_path):
    data = load_csv(write_csv(tmp_path / "reviews.csv", text_rows()), label_column="verdict")
    assert (data.name, data.kind, data.classes, data.columns) == ("reviews", TEXT, ["fresh", "rotten"], ["review"])
    assert len(data.inputs) == 200 and set(data.labels) == {0, 1}


def test_load_csv__numbers_and_integer_labels_in_numeric_order(tmp_path):
    rows = number_rows()
    for row in rows[:5]:
        row["label"] = "10"
    data = load_csv(write_csv(tmp_path / "points.csv", rows))
    assert data.kind == NUMBERS and data.columns == ["x", "y"]
    assert data.classes == ["0", "1", "10"]
    assert data.inputs[0] == [float(rows[0]["x"]), float(rows[0]["y"])]


@pytest.mark.parametrize(
    "rows, options, message",
    [
        (number_rows(), {"label_column": "class"}, "bad.csv: no column 'class' (columns: x, y, label)"),
        ([{"label": "1"}] * 20, {}, "bad.csv: no column besides the label 'label'"),
        (
            [{"x": "a", "y": "1", "label": str(i % 2)} for i in range(20)],
            {},
            "bad.csv:2: column 'x': 'a' is not a number; for text, name the text column with --text-column",
        ),
        (
            [{"x": "1", "label": "0"}] * 20,
            {},
            "bad.csv: column 'label' has only one class (0); a model needs at least two",
        ),
        (number_rows(), {"text_column": "z"}, "bad.csv: no column 'z'"),
    ],
)
def test_load_csv__bad_file__one_line_error_naming_the_file(tmp_path, rows, options, message):
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(DecaiError) as error:
        load_csv(path, **options)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_prepare__too_few_rows__one_line_error(tmp_path):
    data = load_csv(write_csv(tmp_path / "small.csv", number_rows(5)))
    with pytest.raises(DecaiError, match="data set small has 5 rows; the simulation needs at least 10"):
        prepare(data, "dense_perceptron", seed=1)


def test_load_dataset__missing_file():
    with pytest.raises(DecaiError, match="does not exist"):
        load_dataset("/nonexistent/data.csv")


def test_split_indices__disjoint_complete_and_every_class_initially():
    labels = [0] * 95 + [1] * 5
    initial, pool, test = split_indices(labels, seed=3, test_fraction=0.2, initial_fraction=0.05, max_test=None)
    assert sorted(initial + pool + test) == list(range(100))
    assert len(test) == 20 and len(initial) == 4
    assert {labels[i] for i in initial} == {0, 1}
    assert split_indices(labels, 3, 0.2, 0.05, None) == (initial, pool, test)
    assert len(split_indices(labels, 3, 0.5, 0.05, max_test=10)[2]) == 10


def test_model_registry__every_model_type_and_unknown_types():
    assert set(model_types()) == {
        "sparse_perceptron",
        "averaged_perceptron",
        "dense_perceptron",
        "naive_bayes",
        "nearest_centroid",
        "sparse_nearest_centroid",
    }
    kinds = {name: model_class(name).input_kind for name in model_types()}
    assert kinds["naive_bayes"] == kinds["sparse_nearest_centroid"] == kinds["sparse_perceptron"] == "sparse"
    assert kinds["nearest_centroid"] == kinds["dense_perceptron"] == "dense"
    assert kinds["averaged_perceptron"] == "sparse"
    assert sparse_model_types() == (
        "averaged_perceptron",
        "naive_bayes",
        "sparse_nearest_centroid",
        "sparse_perceptron",
    )
    with pytest.raises(DecaiError, match="unknown model type 'tree'"):
        model_class("tree")


def test_prepare__text_for_the_sparse_perceptron(tmp_path):
    data = load_csv(write_csv(tmp_path / "r.csv", text_rows()), label_column="verdict")
    prepared = prepare(data, "sparse_perceptron", seed=1, vocabulary_size=50, learning_rate=0.25)
    assert prepared.sizes() == {"initial": 13, "pool": 147, "test": 40, "dropped": 0}
    assert prepared.model.type == "sparse_perceptron"
    assert prepared.model.learning_rate == ONE // 4
    assert prepared.model.num_features == len(set(POSITIVE + NEGATIVE + FILLER))
    assert prepared.baseline_accuracy > 0.9  # the words give the label away


def test_prepare__text_for_the_dense_perceptron__unit_vectors(tmp_path):
    data = load_csv(write_csv(tmp_path / "r.csv", text_rows()), label_column="verdict")
    prepared = prepare(data, "dense_perceptron", seed=1)
    sample = prepared.pool[0][0]
    assert len(sample) == prepared.model.dimensions == len(set(POSITIVE + NEGATIVE + FILLER)) + 1
    assert abs(sum(x * x for x in sample) - UNIT_NORM) <= 100 * ONE


def test_prepare__numbers_for_the_dense_perceptron(tmp_path):
    prepared = prepare(load_csv(write_csv(tmp_path / "p.csv", number_rows())), "dense_perceptron", seed=2)
    assert prepared.model.encoder.startswith("standard-unit:sha256=")
    assert prepared.baseline_accuracy > 0.9


def test_prepare__numbers_for_a_sparse_model__the_pipelines_column_mean_encoder(tmp_path):
    """The simulation encodes as `ape run train` does: numbers for a sparse
    model are the columns above their mean over the training rows."""
    data = load_csv(write_csv(tmp_path / "p.csv", number_rows()))
    prepared = prepare(data, "sparse_perceptron", seed=1)
    assert prepared.model.encoder.startswith("column-mean:sha256=")
    assert prepared.encoding_description == "the columns above their mean"
    assert prepared.baseline_accuracy > 0.9


def test_prepare__three_classes_for_a_perceptron__clear_error():
    data = Dataset("three", TEXT, ["a b"] * 30, [0, 1, 2] * 10, ["x", "y", "z"])
    with pytest.raises(DecaiError, match="sparse_perceptron handles 2 classes; the data set has 3"):
        prepare(data, "sparse_perceptron", seed=1)


def three_topic_rows(count=240, seed=0):
    """Three classes of text, each with its own words."""
    rng = random.Random(seed)
    topics = {
        "sport": "goal match team score".split(),
        "food": "bread soup salt taste".split(),
        "music": "song band drum tune".split(),
    }
    rows = []
    for _ in range(count):
        topic = rng.choice(sorted(topics))
        words = rng.sample(topics[topic], 2) + rng.sample(FILLER, 3)
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": topic})
    return rows


@pytest.mark.parametrize("model_type", ["naive_bayes", "sparse_nearest_centroid", "nearest_centroid"])
def test_prepare__counting_models_on_three_classes(tmp_path, model_type):
    data = load_csv(write_csv(tmp_path / "t.csv", three_topic_rows()))
    prepared = prepare(data, model_type, seed=4, initial_fraction=0.1)
    assert prepared.model.type == model_type
    assert prepared.model.classes == ["food", "music", "sport"]
    assert sorted(set(prepared.initial[1])) == [0, 1, 2]
    # Learning by counting: the deployed model has seen exactly the initial samples.
    assert sum(prepared.model.class_counts) == len(prepared.initial[1])
    assert prepared.baseline_accuracy > 0.9
    sample = prepared.pool[0][0]
    if model_type == "nearest_centroid":
        assert abs(sum(x * x for x in sample) - UNIT_NORM) <= 100 * ONE
    else:
        assert sample == sorted(set(sample))


def test_prepare__numbers_for_the_nearest_centroid(tmp_path):
    prepared = prepare(load_csv(write_csv(tmp_path / "p.csv", number_rows())), "nearest_centroid", seed=2)
    assert prepared.model.type == "nearest_centroid" and prepared.model.dimensions == 2
    assert prepared.baseline_accuracy > 0.9
