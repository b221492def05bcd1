"""Deployment in chunks sized to the gas budget."""

import pytest

from decai.chain.deploy import MAX_INIT_WORDS, deploy_trainer, plan_chunks
from decai.core.fixed_point import unpack_int64
from decai.errors import DecaiError
from tests.helpers.chain import PARAMETERS
from tests.helpers.data import chunk_model


def _words(contract, count):
    return list(contract.parameter_words(0, count))


def test_thousand_weights__small_budget__several_transactions_samechunk_model(owner):
    model = chunk_model(1000)
    chunked = deploy_trainer(model, PARAMETERS, owner, max_gas_per_tx=3_000_000, progress=False)
    names = [name for name, _ in chunked.transactions]
    assert names[0] == "deploy" and names[-1] == "finish_setup"
    assert len([n for n in names if n.startswith("init_parameters")]) >= 2
    assert all(gas <= 3_000_000 for _, gas in chunked.transactions)
    contract = chunked.contract
    assert contract.setup_finished()
    assert unpack_int64(_words(contract, 250), 1000) == model.weights

    single = deploy_trainer(model, PARAMETERS, owner, progress=False)
    assert [name for name, _ in single.transactions] == ["deploy"]
    assert _words(single.contract, 250) == _words(contract, 250)
    samples = [[i, i + 17, i + 400] for i in range(0, 590, 7)]
    assert (
        list(contract.predict_batch(samples))
        == list(single.contract.predict_batch(samples))
        == [model.predict(s) for s in samples]
    )


def test_budget_too_small__clear_error(owner):
    with pytest.raises(
        DecaiError,
        match="^deploying DepositSparsePerceptron needs about [0-9,]+ gas, "
        "more than the 1,000,000 allowed per transaction$",
    ):
        deploy_trainer(chunk_model(40), PARAMETERS, owner, max_gas_per_tx=1_000_000, progress=False)


def test_plan_chunks():
    assert plan_chunks(10, 4, 3) == [(4, 7), (7, 10)]
    assert plan_chunks(10, 10, 3) == []
    assert plan_chunks(2500, 0, MAX_INIT_WORDS) == [(0, 1024), (1024, 2048), (2048, 2500)]
    with pytest.raises(DecaiError):
        plan_chunks(10, 0, 0)
