"""The dense perceptron on chain: scores, normalisation, truncating updates."""

import ape
import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.data.encoders import unit_fixed
from decai.models import DensePerceptron
from tests.helpers.chain import PARAMETERS


def _trainer(owner, weights, intercept=0, learning_rate=ONE):
    model = DensePerceptron(
        name="t", description="", encoder="unit", weights=weights, intercept=intercept, learning_rate=learning_rate
    )
    return model, Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)


@pytest.mark.parametrize("dimensions", [1, 3, 4, 5, 8, 13])
def test_predict__matches_reference_for_every_remainder(owner, dimensions):
    weights = [(i - dimensions // 2) * ONE // 3 for i in range(dimensions)]
    model, trainer = _trainer(owner, weights, intercept=-ONE // 7)
    for k in range(6):
        sample = unit_fixed([((i * 7 + k * 3) % 5) - 2.0 + 0.5 for i in range(dimensions)])
        assert trainer.predict(sample) == model.predict(sample)


@pytest.mark.parametrize("dimensions", [3, 4, 7])
def test_update__truncates_towards_zero_like_the_reference(owner, contributor, dimensions):
    model, trainer = _trainer(owner, [ONE] * dimensions, learning_rate=ONE // 3)
    sample = unit_fixed([(-1.0) ** i * (i + 1) for i in range(dimensions)])
    trainer.add_data(sample, 0, sender=contributor, unlearnable=True)  # predicted 1? then it updates
    model.update(sample, 0)
    assert trainer.reference_model().weights == model.weights


def test_update__scenario_weights(owner, contributor):
    _, trainer = _trainer(owner, [2 * ONE] * 100)
    trainer.add_data([141_421_356] * 50 + [0] * 50, 0, sender=contributor, unlearnable=True)
    assert trainer.contract.weight(0) == 1_858_578_644
    assert trainer.contract.weight(99) == 2 * ONE


def test_add_data__wrong_length__reverts(owner, contributor):
    _, trainer = _trainer(owner, [ONE] * 4)
    with ape.reverts("dense_perceptron: wrong number of dimensions"):
        trainer.contract.add_data([ONE // 2] * 3, 1, sender=contributor, value=10**19)
    with ape.reverts("dense_perceptron: wrong number of dimensions"):
        trainer.contract.predict([ONE // 2] * 5)


def test_add_data__not_normalised__reverts(owner, contributor):
    _, trainer = _trainer(owner, [ONE] * 4)
    half = ONE // 2
    trainer.contract.add_data([half, half, half, half], 1, sender=contributor, value=10**19)  # exactly 1.0
    with ape.reverts("dense_perceptron: sample is not normalised"):
        trainer.contract.add_data([half, half, half, half + 101], 1, sender=contributor, value=10**19)
    with ape.reverts("dense_perceptron: sample is not normalised"):
        trainer.contract.add_data([0, 0, 0, 0], 1, sender=contributor, value=10**19)


def test_add_data__bad_label__reverts(owner, contributor):
    _, trainer = _trainer(owner, [ONE] * 4)
    with ape.reverts("dense_perceptron: label must be 0 or 1"):
        trainer.contract.add_data([ONE // 2] * 4, 3, sender=contributor, value=10**19)


def test_update__weight_leaving_int64__reverts(owner, contributor):
    # score = 0.6 * (2**63 - 5) - 0.8 * (2**63 - 1) < 0, so label 1 is wrong
    # and weight 0 would pass 2**63 - 1.
    _, trainer = _trainer(owner, [2**63 - 5, -(2**63) + 1], learning_rate=ONE)
    sample = [600_000_000, 800_000_000]
    assert trainer.predict(sample) == 0
    with ape.reverts("dense_perceptron: weight out of range"):
        trainer.contract.add_data(sample, 1, sender=contributor, value=10**19)


def test_predict__accepts_unnormalised_samples(owner):
    model, trainer = _trainer(owner, [ONE, -ONE])
    assert trainer.predict([5 * ONE, ONE]) == model.predict([5 * ONE, ONE]) == 1
