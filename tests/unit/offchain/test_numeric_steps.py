"""Each model type has a default step for text and one for numbers; every
place that picks "the default step" (train, simulate, tune, the measured
table, the help) picks the one for the data's kind, and an explicit step wins."""

from __future__ import annotations

import random

import pytest

from decai.core.fixed_point import to_fixed
from decai.data.datasets import NUMBERS, TEXT, built_in_kind
from decai.data.pipeline import build_model_file
from decai.models import load_model
from decai.models.base import model_class, model_types
from decai.models.measured import steps_help
from decai.simulation.config import SimulationConfig, prepare_experiment
from decai.simulation.sweep import SweepGrid
from tests.helpers.data import number_rows, write_csv

#: The types whose text step does not hold on the numeric built-ins, with (text, numbers).
OWN_NUMERIC = {"averaged_perceptron": (0.1, 0.005), "sparse_perceptron": (0.03, 0.002)}


def _text_rows(count=200, seed=0):
    rng = random.Random(seed)
    good, bad, filler = "great fine superb lovely".split(), "dull awful boring bad".split(), "the a film of it".split()
    rows = []
    for _ in range(count):
        label = rng.randrange(2)
        words = rng.sample(good if label else bad, 2) + rng.sample(filler, 3)
        rows.append({"text": " ".join(words), "label": str(label)})
    return rows


def test_default_step_for__numbers_has_its_own_only_where_measured():
    for model_type in model_types():
        cls = model_class(model_type)
        assert cls.default_step_for(TEXT) == cls.default_step
        if model_type in OWN_NUMERIC:
            assert (cls.default_step, cls.default_step_for(NUMBERS)) == OWN_NUMERIC[model_type]
        else:
            assert cls.default_step_for(NUMBERS) == cls.default_step


def test_built_in_kind__without_loading_and_none_for_a_file():
    assert [built_in_kind(n) for n in ("rotten-tomatoes", "imdb", "rotten-tomatoes-imbalanced")] == [TEXT] * 3
    assert [built_in_kind(n) for n in ("breast-cancer", "digits")] == [NUMBERS] * 2
    assert built_in_kind("my.csv") is None


@pytest.mark.parametrize("model_type", sorted(OWN_NUMERIC))
def test_simulation_config__built_in_sets_resolve_by_kind_and_an_explicit_step_wins(model_type):
    text, numbers = OWN_NUMERIC[model_type]
    assert SimulationConfig(model_type=model_type).learning_rate == text
    assert SimulationConfig(model_type=model_type, dataset="imdb").learning_rate == text
    assert SimulationConfig(model_type=model_type, dataset="breast-cancer").learning_rate == numbers
    assert SimulationConfig(model_type=model_type, dataset="breast-cancer", learning_rate=0.05).learning_rate == 0.05


@pytest.mark.parametrize("kind", [NUMBERS, TEXT])
def test_simulation_config__a_csv_is_resolved_when_read_and_the_model_uses_it(tmp_path, kind):
    rows = number_rows() if kind == NUMBERS else _text_rows()
    path = str(write_csv(tmp_path / "data.csv", rows))
    text_column = None if kind == NUMBERS else "text"
    config = SimulationConfig(model_type="averaged_perceptron", dataset=path, text_column=text_column, max_test=50)
    assert config.learning_rate is None  # unknown until the file is read
    prepared = prepare_experiment(config)
    step = 0.005 if kind == NUMBERS else 0.1
    assert config.learning_rate == step
    assert config.to_dict()["learning_rate"] == step
    assert prepared.model.learning_rate == to_fixed(step)
    explicit = SimulationConfig(
        model_type="averaged_perceptron", dataset=path, text_column=text_column, max_test=50, learning_rate=0.5
    )
    assert prepare_experiment(explicit).model.learning_rate == to_fixed(0.5)
    assert explicit.learning_rate == 0.5


def test_sweep__default_points_use_the_data_sets_kind(tmp_path):
    models = ["averaged_perceptron", "sparse_perceptron", "naive_bayes"]
    nb = model_class("naive_bayes").default_step
    for base, kind in (
        ({"dataset": "breast-cancer"}, NUMBERS),
        ({}, TEXT),
        ({"dataset": str(write_csv(tmp_path / "n.csv", number_rows()))}, NUMBERS),
    ):
        grid = SweepGrid(model_types=models, learning_rates=[None, 0.2], base=base)
        steps = [(p["model_type"], p["learning_rate"]) for p in grid.points()]
        index = 1 if kind == NUMBERS else 0
        assert steps == [
            ("averaged_perceptron", OWN_NUMERIC["averaged_perceptron"][index]),
            ("averaged_perceptron", 0.2),
            ("sparse_perceptron", OWN_NUMERIC["sparse_perceptron"][index]),
            ("sparse_perceptron", 0.2),
            ("naive_bayes", nb),
            ("naive_bayes", 0.2),
        ], base


def test_sweep__explicit_steps_do_not_read_the_file(tmp_path):
    grid = SweepGrid(
        model_types=["sparse_perceptron"], learning_rates=[0.2], base={"dataset": str(tmp_path / "no.csv")}
    )
    assert [p["learning_rate"] for p in grid.points()] == [0.2]


@pytest.mark.parametrize(
    "source, text_column, step, expected",
    [
        ("breast-cancer", None, None, 0.002),
        ("breast-cancer", None, 0.05, 0.05),
        ("numbers.csv", None, None, 0.002),
        ("text.csv", "text", None, 0.03),
    ],
)
def test_train__the_default_step_follows_the_datas_kind(tmp_path, source, text_column, step, expected):
    if source.endswith(".csv"):
        rows = number_rows() if source == "numbers.csv" else _text_rows()
        source = str(write_csv(tmp_path / source, rows))
    out = tmp_path / "model.json"
    report = build_model_file(source, "sparse_perceptron", str(out), text_column=text_column, seed=1, step=step)
    assert load_model(out).learning_rate == to_fixed(expected)
    assert model_class("sparse_perceptron").describe_step(expected) in report


def test_steps_help__shows_the_numeric_default_beside_the_text_one():
    text = steps_help()
    assert "averaged_perceptron, step 0.1 (numbers: 0.005):" in text
    assert "sparse_perceptron, step 0.03 (numbers: 0.002):" in text
    assert "naive_bayes (recommended for text), step 0.25:" in text
    assert "numbers:" not in text.split("dense_perceptron")[1].splitlines()[0]


def test_train_help__names_both_defaults_and_what_they_kept():
    import importlib.util
    from pathlib import Path

    from click.testing import CliRunner

    from decai.models.measured import measured

    path = Path(__file__).resolve().parents[3] / "scripts" / "train.py"
    spec = importlib.util.spec_from_file_location("train_script_numbers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = " ".join(CliRunner().invoke(module.cli, ["--help"], terminal_width=200).output.split())
    assert "Default: the model type's for the data's kind, text or numbers (both below)" in text
    figures = measured()["sparse_perceptron"]
    text_kept = f"{figures['rotten-tomatoes']['kept']:.0%}"
    assert f"sparse_perceptron, step 0.03 (numbers: 0.002): kept rotten-tomatoes {text_kept}," in text
    breast = f"breast-cancer {figures['breast-cancer']['kept']:.0%}"
    assert breast in text.split("sparse_perceptron, step 0.03")[1].split("holds on")[0]
    assert "averaged_perceptron, step 0.1 (numbers: 0.005): kept" in text
    assert "(numbers: ...): the default for breast-cancer, digits and a CSV of numbers" in text
