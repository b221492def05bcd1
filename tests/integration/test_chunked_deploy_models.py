"""A model deployed in many small transactions holds exactly the parameters
of the same model deployed in one."""

from __future__ import annotations

import random

import pytest

from decai.core.fixed_point import to_fixed
from decai.models import NaiveBayes, NearestCentroid, SparseNearestCentroid
from tests.helpers.data import chain_predictions, chain_words, deploy


def naive_bayes():
    rng = random.Random(1)
    return NaiveBayes(
        name="nb",
        description="",
        encoder="indices",
        classes=["a", "b", "c"],
        class_capacity=4,
        num_features=600,
        smoothing=10**9,
        class_counts=[10, 20, 30],
        feature_counts=[[rng.randint(0, 9) for _ in range(600)] for _ in range(3)],
    )


def sparse_centroid():
    rng = random.Random(2)
    return SparseNearestCentroid(
        name="sncc",
        description="",
        encoder="indices",
        classes=["a", "b", "c"],
        num_features=600,
        class_counts=[10, 20, 30],
        feature_counts=[[rng.randint(0, n) for _ in range(600)] for n in (10, 20, 30)],
    )


def dense_centroid():
    rng = random.Random(3)
    return NearestCentroid(
        name="ncc",
        description="",
        encoder="unit",
        classes=[f"c{i}" for i in range(12)],
        class_capacity=16,
        centroids=[[to_fixed(round(rng.uniform(-0.3, 0.3), 6)) for _ in range(100)] for _ in range(12)],
        class_counts=[rng.randint(1, 50) for _ in range(12)],
    )


@pytest.mark.parametrize(
    "build, budget", [(naive_bayes, 5_000_000), (sparse_centroid, 5_000_000), (dense_centroid, 4_000_000)]
)
def test_chunked_deployment__same_parameters_as_one_transaction(owner, build, budget):
    model = build()
    whole = deploy(model, owner)
    from decai.chain.deploy import deploy_trainer
    from tests.helpers.data import NO_DEPOSIT

    deployment = deploy_trainer(model, NO_DEPOSIT, owner, progress=False, max_gas_per_tx=budget)
    names = [name for name, _ in deployment.transactions]
    assert len(names) >= 3 and names[-1] == "finish_setup"
    assert all(gas <= budget for _, gas in deployment.transactions)
    chunked = deployment.contract
    assert chunked.setup_finished() and whole.setup_finished()
    words = model.storage_words()
    assert chain_words(chunked) == chain_words(whole)
    # The chain also holds the (zero) words of class slots not yet in use.
    assert chain_words(chunked)[: len(words)] == words and not any(chain_words(chunked)[len(words) :])
    rng = random.Random(4)
    if model.input_kind == "sparse":
        samples = [sorted(rng.sample(range(600), rng.randint(1, 40))) for _ in range(50)]
    else:
        from decai.data.encoders import unit_fixed

        samples = [unit_fixed([rng.uniform(-1, 1) for _ in range(100)]) for _ in range(50)]
    assert (
        chain_predictions(chunked, samples) == chain_predictions(whole, samples) == [model.predict(s) for s in samples]
    )
