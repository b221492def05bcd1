"""The sparse perceptron on chain: scores, updates, batches, limits."""

import ape
import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.core.fixed_point import ONE
from decai.models import SparsePerceptron
from tests.helpers.chain import PARAMETERS


def _trainer(owner, weights, intercept=0, learning_rate=ONE):
    model = SparsePerceptron(
        name="t", description="", encoder="indices", weights=weights, intercept=intercept, learning_rate=learning_rate
    )
    return model, Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)


def test_predict__score_is_intercept_plus_present_weights(owner):
    weights = [3 * ONE, -2 * ONE, -2 * ONE, 0, 5, -5]
    model, trainer = _trainer(owner, weights, intercept=ONE)
    for sample in ([], [0], [1], [1, 2], [0, 1, 2], [3], [4], [5], [4, 5], [0, 1, 2, 3, 4, 5]):
        assert (
            trainer.predict(sample) == model.predict(sample) == (1 if ONE + sum(weights[i] for i in sample) > 0 else 0)
        )


def test_predict__zero_score_is_class_0(owner):
    _, trainer = _trainer(owner, [ONE, -ONE])
    assert trainer.predict([0, 1]) == 0


def test_update__only_when_wrong__moves_present_weights_by_learning_rate(owner, contributor):
    weights = [2 * ONE] * 8
    model, trainer = _trainer(owner, weights, learning_rate=ONE // 2)
    trainer.add_data([1, 5], 1, sender=contributor)  # already right: no change
    assert [trainer.contract.weight(i) for i in range(8)] == weights
    trainer.add_data([2, 6], 0, sender=contributor, unlearnable=True)  # wrong: -0.5 on 2 and 6
    assert trainer.contract.weight(2) == trainer.contract.weight(6) == 2 * ONE - ONE // 2
    model.update([2, 6], 0)
    assert trainer.reference_model().weights == model.weights


def test_update__weight_leaving_int64__reverts(owner, contributor):
    # score = (2**63 - 1) - (2**63 - 1) + 10 > 0, so label 0 is wrong and
    # weight 0 would drop below -2**63.
    _, trainer = _trainer(owner, [-(2**63) + 1, 10], intercept=2**63 - 1, learning_rate=2)
    assert trainer.predict([0, 1]) == 1
    with ape.reverts("sparse_perceptron: weight out of range"):
        trainer.contract.add_data([0, 1], 0, sender=contributor, value=10**19)


def test_predict_batch__matches_single_predictions(owner):
    weights = [(-1) ** i * i * ONE for i in range(40)]
    _, trainer = _trainer(owner, weights)
    samples = [[i, i + 1, i + 3] for i in range(0, 36)] + [[]]
    assert list(trainer.contract.predict_batch(samples)) == [trainer.contract.predict(s) for s in samples]


def test_weight__out_of_range__reverts(owner):
    _, trainer = _trainer(owner, [1, 2, 3])
    assert trainer.contract.weight(2) == 3
    with ape.reverts("sparse_perceptron: feature index out of range"):
        trainer.contract.weight(3)


@pytest.mark.parametrize(
    "sample, reason",
    [
        ([-5], "sparse_perceptron: negative feature index"),
        ([2, 1], "sparse_perceptron: feature indices must increase"),
        ([9], "sparse_perceptron: feature index out of range"),
    ],
)
def test_predict__bad_sample__reverts(owner, sample, reason):
    _, trainer = _trainer(owner, [ONE] * 9)
    with ape.reverts(reason):
        trainer.contract.predict(sample)
