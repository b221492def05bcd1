"""The averaged sparse perceptron on chain: averaged predictions, lazy
updates, the counter, limits, and its Python mirror bit for bit."""

import random

import ape

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.models import AveragedPerceptron, model_from_dict
from tests.helpers.chain import PARAMETERS, advance


def _trainer(owner, weights, intercept=0, learning_rate=ONE, initial_count=1):
    model = AveragedPerceptron(
        name="t",
        description="",
        encoder="indices",
        weights=weights,
        intercept=intercept,
        learning_rate=learning_rate,
        initial_count=initial_count,
    )
    return model, Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)


def test_predict__before_training__as_the_plain_perceptron(owner):
    weights = [3 * ONE, -2 * ONE, -2 * ONE, 0, 5, -5]
    model, trainer = _trainer(owner, weights, intercept=ONE)
    for sample in ([], [0], [1], [1, 2], [0, 1, 2], [3], [4], [5], [4, 5], [0, 1, 2, 3, 4, 5]):
        assert (
            trainer.predict(sample) == model.predict(sample) == (1 if ONE + sum(weights[i] for i in sample) > 0 else 0)
        )
    assert trainer.contract.count() == trainer.contract.initial_count() == 1


def test_update__mistake_moves_w_and_u__prediction_moves_by_the_average(owner, contributor):
    model, trainer = _trainer(owner, [ONE, ONE, ONE], initial_count=1)
    trainer.add_data([0, 1], 0, sender=contributor, unlearnable=True)  # w predicts 1: wrong; step -1 at count 1
    assert [trainer.contract.weight(i) for i in range(3)] == [0, 0, ONE]
    assert [trainer.contract.update_sum(i) for i in range(3)] == [-ONE, -ONE, 0]
    assert trainer.contract.count() == 2
    # averaged weights: w - u / 2 = 0.5, 0.5, 1: still class 1, where the plain perceptron says 0
    assert trainer.predict([0, 1]) == 1
    model.update([0, 1], 0)
    assert model.predict([0, 1]) == 1
    assert trainer.reference_model().to_dict() == model.to_dict()


def test_update__right_prediction__only_the_count_moves(owner, contributor):
    model, trainer = _trainer(owner, [2 * ONE] * 4, initial_count=7)
    trainer.add_data([1, 3], 1, sender=contributor)
    assert trainer.contract.count() == 8
    assert [trainer.contract.weight(i) for i in range(4)] == [2 * ONE] * 4
    assert [trainer.contract.update_sum(i) for i in range(4)] == [0] * 4


def test_update__update_sum_leaving_int64__reverts(owner, contributor):
    _, trainer = _trainer(owner, [ONE, ONE], learning_rate=2**62, initial_count=3)
    with ape.reverts("averaged_perceptron: update sum out of range"):
        trainer.contract.add_data([0], 0, sender=contributor, value=10**19)


def test_constructor__initial_count_zero__reverts(owner):
    model = AveragedPerceptron(
        name="t", description="", encoder="indices", weights=[ONE], intercept=0, learning_rate=ONE
    )
    container = ape.project.DepositAveragedPerceptron
    with ape.reverts("averaged_perceptron: initial count must be positive"):
        owner.deploy(
            container, "t", "", "indices", ["a", "b"], 1, 0, ONE, 0, model.storage_words(), 60, 120, 120, 0, True
        )


def test_random_training__chain_and_mirror_equal_bit_for_bit(owner, contributor, reporter, chain):
    rng = random.Random(5)
    weights = [rng.randrange(-3 * ONE, 3 * ONE) for _ in range(37)]
    model, trainer = _trainer(owner, weights, intercept=ONE // 3, learning_rate=ONE // 4, initial_count=5)
    samples = [sorted(rng.sample(range(37), rng.randrange(1, 9))) for _ in range(40)]
    for i, sample in enumerate(samples[:25]):
        label = rng.randrange(2)
        advance(chain, 60)
        trainer.add_data(sample, label, sender=(contributor, reporter)[i % 2], unlearnable=True)
        model.update(sample, label)
    assert trainer.reference_model().to_dict() == model.to_dict()
    assert trainer.predict_many(samples) == [model.predict(s) for s in samples]


def test_model_file__round_trip_keeps_the_average(owner):
    model = AveragedPerceptron(
        name="t",
        description="",
        encoder="indices",
        weights=[ONE, -ONE],
        intercept=0,
        learning_rate=ONE,
        update_sums=[5, -7],
        count=9,
        initial_count=4,
    )
    again = model_from_dict(model.to_dict())
    assert again.to_dict() == model.to_dict() and again.count == 9 and again.update_sums == [5, -7]


def test_fit__exports_averaged_weights_with_the_training_size_as_count():
    from decai.data.training import fit_model

    samples = [[0, 1], [1, 2], [2, 3], [0, 3], [0, 1, 2], [1, 3]] * 5
    labels = [1, 0, 0, 1, 1, 0] * 5
    model, classifier = fit_model(
        "averaged_perceptron",
        samples,
        labels,
        num_features=4,
        seed=0,
        name="f",
        description="",
        classes=["a", "b"],
        encoder="indices",
    )
    assert isinstance(model, AveragedPerceptron) and model.initial_count == model.count == 30
    assert model.update_sums == [0] * 4
    assert [model.predict(s) for s in samples[:6]] == list(classifier.predict(_dense(samples[:6], 4)))


def _dense(samples, size):
    import numpy as np

    matrix = np.zeros((len(samples), size))
    for row, sample in enumerate(samples):
        matrix[row, sample] = 1
    return matrix


def test_model_file__update_sums_of_the_wrong_length__one_line_error():
    import pytest

    from decai.errors import DecaiError

    data = AveragedPerceptron(
        name="t", description="", encoder="indices", weights=[ONE, ONE], intercept=0, learning_rate=ONE
    ).to_dict()
    data["update_sums"] = [0]
    with pytest.raises(DecaiError, match="update_sums has 1 entries; the number of weights is 2"):
        model_from_dict(data, "m.json")
