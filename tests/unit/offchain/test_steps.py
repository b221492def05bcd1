"""`Model.set_step`: how far one later addition moves a model, for every type.

A counting model's step 1/k weighs its deployed counts k times: its
predictions stay, and an addition counts 1/k of a deployed sample. A
perceptron's step is its on-chain learning rate."""

import random

import pytest

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import AveragedPerceptron, SparsePerceptron
from decai.models.base import model_class, model_types
from decai.simulation.config import SimulationConfig
from decai.simulation.sweep import SweepGrid
from tests.helpers.models import (
    NB_FEATURES,
    NCC_DIMENSIONS,
    SNCC_FEATURES,
    small_naive_bayes,
    small_nearest_centroid,
    small_sparse_nearest_centroid,
    unit,
)


def _sparse_sample(rng, features):
    return sorted(rng.sample(range(features), 5))


def _dense_sample(rng, _dimensions=NCC_DIMENSIONS):
    return unit([rng.uniform(-1, 1) for _ in range(NCC_DIMENSIONS)])


COUNTING = {
    "naive_bayes": (small_naive_bayes, lambda rng: _sparse_sample(rng, NB_FEATURES)),
    "sparse_nearest_centroid": (small_sparse_nearest_centroid, lambda rng: _sparse_sample(rng, SNCC_FEATURES)),
    "nearest_centroid": (small_nearest_centroid, _dense_sample),
}


def _additions_to_flip(model, sample) -> int:
    """How many additions of `sample` with the other label it takes until
    the model predicts that label."""
    target = 1 - model.predict(sample)
    for count in range(1, 1000):
        model.update(sample, target)
        if model.predict(sample) == target:
            return count
    raise AssertionError("never flipped")


@pytest.mark.parametrize("model_type", sorted(COUNTING))
def test_counting_model__step_keeps_predictions_and_slows_additions(model_type):
    build, draw = COUNTING[model_type]
    rng = random.Random(5)
    samples = [draw(rng) for _ in range(60)]
    plain, weighted = build(), build()
    weighted.set_step(0.25)
    assert [weighted.predict(s) for s in samples] == [plain.predict(s) for s in samples]
    assert weighted.class_counts == [4 * n for n in plain.class_counts]
    # The same contrary additions: the weighted model needs more of them.
    flips = [(_additions_to_flip(build(), s), _additions_to_flip(_stepped(build(), 0.25), s)) for s in samples[:10]]
    assert all(slow >= fast for fast, slow in flips) and sum(s for _, s in flips) >= 2 * sum(f for f, _ in flips)


def _stepped(model, step):
    model.set_step(step)
    return model


def test_naive_bayes__step_weighs_counts_totals_and_smoothing():
    model = small_naive_bayes()
    before = model.to_dict()
    model.set_step(1 / 3)
    assert model.smoothing == 3 * ONE
    assert model.feature_counts == [[3 * c for c in row] for row in before["feature_counts"]]
    assert model.total_counts == [3 * t for t in before["total_counts"]]


def test_sparse_nearest_centroid__step_keeps_norms_consistent():
    model = small_sparse_nearest_centroid()
    model.set_step(0.5)
    assert model.norms == [sum(c * c for c in row) for row in model.feature_counts]


@pytest.mark.parametrize("step", [0, -0.5, 1.5])
@pytest.mark.parametrize("model_type", sorted(COUNTING))
def test_counting_model__step_outside_0_to_1__one_line_error_and_model_unchanged(model_type, step):
    model = COUNTING[model_type][0]()
    before = model.to_dict()
    with pytest.raises(DecaiError, match=r"^a counting model's step must be above 0 and at most 1 .*got "):
        model.set_step(step)
    assert model.to_dict() == before


def test_counting_model__weight_beyond_the_counts_fields__refused_and_unchanged():
    model = small_naive_bayes()
    before = model.to_dict()
    with pytest.raises(
        DecaiError,
        match=(
            r"^step 1e-10 needs the deployed counts weighed 10000000000 times, and this model's counts are too "
            r"large for that: class 0 has a feature count outside 0 to 2\*\*31 - 1$"
        ),
    ):
        model.set_step(1e-10)
    assert model.to_dict() == before


@pytest.mark.parametrize("kind", [SparsePerceptron, AveragedPerceptron])
def test_perceptron__step_is_the_learning_rate(kind):
    model = kind(name="p", description="", encoder="indices", weights=[ONE, -ONE, 0], intercept=0, learning_rate=ONE)
    model.set_step(0.05)
    assert model.learning_rate == ONE // 20
    with pytest.raises(DecaiError, match=r"^a perceptron's step must be positive and below 2\*\*63 / 10\*\*9, got 0$"):
        model.set_step(0)


def test_defaults__every_type_has_a_step_and_the_simulation_uses_it():
    for model_type in model_types():
        step = model_class(model_type).default_step
        assert 0 < step <= 1
        assert SimulationConfig(model_type=model_type).learning_rate == step
    assert SimulationConfig(model_type="naive_bayes", learning_rate=0.5).learning_rate == 0.5


def test_sweep__default_steps_per_model_type_and_no_repeated_settings():
    grid = SweepGrid(model_types=["sparse_perceptron", "naive_bayes"], learning_rates=[None, 0.25])
    steps = [(p["model_type"], p["learning_rate"]) for p in grid.points()]
    expected = [("sparse_perceptron", model_class("sparse_perceptron").default_step), ("sparse_perceptron", 0.25)]
    expected += [("naive_bayes", model_class("naive_bayes").default_step), ("naive_bayes", 0.25)]
    assert steps == list(dict.fromkeys(expected))
