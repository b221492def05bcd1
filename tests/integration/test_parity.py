"""Contract and reference model agree on real data, before and after training;
exported models keep the accuracy of the scikit-learn models they came from."""

import random

import numpy as np
import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import Trainer
from decai.data.training import accuracy, breast_cancer, train_dense_perceptron, train_sparse_perceptron
from tests.helpers.chain import PARAMETERS, advance


def _replay_training(trainer, model, samples, labels, senders, chain, flip_every=5):
    """Add samples on chain and to the reference in the same order, with some wrong labels."""
    for i, (sample, label) in enumerate(zip(samples, labels)):
        label = 1 - label if i % flip_every == 0 else label
        advance(chain, 60)
        trainer.add_data(sample, label, sender=senders[i % len(senders)], unlearnable=True)
        model.update(sample, label)


@pytest.fixture(scope="module")
def cancer():
    encoder, split, classes = breast_cancer(seed=0)
    return encoder, split, classes


def test_dense_perceptron__breast_cancer__parity_and_accuracy(cancer, owner, contributor, reporter, chain):
    encoder, split, classes = cancer
    model, classifier = train_dense_perceptron(
        split.train_samples,
        split.train_labels,
        name="bc",
        description="",
        classes=classes,
        encoder=encoder.spec,
        encoder_params=encoder.params(),
    )
    float_accuracy = classifier.score(np.asarray(split.test_samples) / 1e9, split.test_labels)
    exported_accuracy = accuracy(model, split.test_samples, split.test_labels)
    print(f"\ndense perceptron, breast cancer: scikit-learn {float_accuracy:.4f}, exported {exported_accuracy:.4f}")
    assert abs(exported_accuracy - float_accuracy) <= 0.01

    trainer = Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)
    everything = split.train_samples + split.test_samples
    assert [trainer.predict(s) for s in everything] == [model.predict(s) for s in everything]

    _replay_training(trainer, model, split.train_samples[:30], split.train_labels[:30], [contributor, reporter], chain)
    assert trainer.reference_model().weights == model.weights
    assert [trainer.predict(s) for s in split.test_samples] == [model.predict(s) for s in split.test_samples]


@pytest.fixture(scope="module")
def digit_pixels():
    """scikit-learn's bundled digits, 3 against 8, as sets of inked pixels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    keep = np.isin(digits.target, [3, 8])
    samples = [sorted(int(i) for i in np.flatnonzero(image > 7)) for image in digits.data[keep]]
    labels = [int(t == 8) for t in digits.target[keep]]
    return train_test_split(samples, labels, test_size=0.3, random_state=0)


def test_sparse_perceptron__digits__parity_and_accuracy(digit_pixels, owner, contributor, reporter, chain):
    train_x, test_x, train_y, test_y = digit_pixels
    model, classifier = train_sparse_perceptron(
        train_x, train_y, 64, name="3 or 8", description="", classes=["three", "eight"], encoder="indices"
    )
    dense_test = np.zeros((len(test_x), 64))
    for row, sample in enumerate(test_x):
        dense_test[row, sample] = 1
    float_accuracy = classifier.score(dense_test, test_y)
    exported_accuracy = accuracy(model, test_x, test_y)
    print(f"\nsparse perceptron, digits 3 vs 8: scikit-learn {float_accuracy:.4f}, exported {exported_accuracy:.4f}")
    assert abs(exported_accuracy - float_accuracy) <= 0.01

    trainer = Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)
    everything = train_x + test_x
    assert trainer.predict_many(everything) == [model.predict(s) for s in everything]

    order = list(range(len(train_x)))
    random.Random(0).shuffle(order)
    picked = order[:30]
    _replay_training(
        trainer, model, [train_x[i] for i in picked], [train_y[i] for i in picked], [contributor, reporter], chain
    )
    assert trainer.reference_model().weights == model.weights
    assert trainer.predict_many(test_x) == [model.predict(s) for s in test_x]


def test_averaged_perceptron__digits__parity_and_accuracy(digit_pixels, owner, contributor, reporter, chain):
    from decai.data.training import fit_model

    train_x, test_x, train_y, test_y = digit_pixels
    model, classifier = fit_model(
        "averaged_perceptron",
        train_x,
        train_y,
        num_features=64,
        seed=0,
        name="3 or 8",
        description="",
        classes=["three", "eight"],
        encoder="indices",
    )
    dense_test = np.zeros((len(test_x), 64))
    for row, sample in enumerate(test_x):
        dense_test[row, sample] = 1
    float_accuracy = classifier.score(dense_test, test_y)
    exported_accuracy = accuracy(model, test_x, test_y)
    print(f"\naveraged perceptron, digits 3 vs 8: scikit-learn {float_accuracy:.4f}, exported {exported_accuracy:.4f}")
    assert abs(exported_accuracy - float_accuracy) <= 0.01

    trainer = Trainer(deploy_trainer(model, PARAMETERS, owner, progress=False).contract)
    everything = train_x + test_x
    assert trainer.predict_many(everything) == [model.predict(s) for s in everything]

    order = list(range(len(train_x)))
    random.Random(0).shuffle(order)
    picked = order[:30]
    _replay_training(
        trainer, model, [train_x[i] for i in picked], [train_y[i] for i in picked], [contributor, reporter], chain
    )
    assert trainer.reference_model().to_dict() == model.to_dict()
    assert trainer.predict_many(test_x) == [model.predict(s) for s in test_x]
