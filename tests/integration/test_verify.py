"""Verifying a deployment against its record and model file (decai.chain.verify)."""

from __future__ import annotations

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.records import deployment_record, save_record
from decai.chain.verify import all_ok, verify_by_name
from tests.helpers.chain import DAY, PARAMETERS, advance, sparse_model
from tests.helpers.data import chunk_model as _model


@pytest.fixture(autouse=True)
def records(tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    return tmp_path


def _deploy(model, owner, chain, name="m", **kwargs):
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False, **kwargs)
    save_record("ethereum", "local", name, deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0))
    return deployment


def _names(checks):
    return {check.name: check.ok for check in checks}


def test_verify__chunked_deployment_matches_model_file(owner, chain):
    model = _model(1000)
    _deploy(model, owner, chain, max_gas_per_tx=3_000_000)
    trainer, checks = verify_by_name("m", model)
    assert all_ok(checks), "\n".join(map(str, checks))
    assert list(_names(checks)) == [
        "record",
        "model file",
        "creation transaction",
        "creation code",
        "constructor arguments",
        "parameters as deployed",
        "mechanism",
        "setup",
    ]
    constructor = next(c for c in checks if c.name == "constructor arguments")
    assert constructor.detail.startswith("all match the model file and the record (") and constructor.detail.endswith(" parameter word(s) in the constructor)")
    # Without the model file, the record's model hash is the reference.
    _, checks = verify_by_name(trainer.address)
    assert all_ok(checks) and "model file" not in _names(checks)


def test_verify__another_model_file__fails_by_name(owner, chain):
    model = sparse_model(40)
    _deploy(model, owner, chain)
    other = sparse_model(40, weight=3 * 10**9)
    other.description = "something else"
    _, checks = verify_by_name("m", other)
    failed = [c for c in checks if not c.ok]
    assert [c.name for c in failed] == ["model file", "constructor arguments", "parameters as deployed"]
    assert failed[1].detail == "differ: description, weight_words"


def test_verify__trained_since__deployed_parameters_still_verified(owner, contributor, chain):
    model = sparse_model(40, weight=-(10**9))  # predicts 0: a label-1 sample trains it
    deployment = _deploy(model, owner, chain)
    from decai.chain.trainer import Trainer

    Trainer(deployment.contract).add_data([1, 2], 1, sender=contributor)
    advance(chain, DAY)
    _, checks = verify_by_name("m", model)
    assert all_ok(checks), "\n".join(map(str, checks))
    by_name = {c.name: c for c in checks}
    assert "before the first contribution" in by_name["parameters as deployed"].detail
    assert by_name["parameters now"].detail.startswith("trained by 1 contribution(s) since")


def test_verify__tampered_record__mechanism_and_constructor_fail(owner, chain):
    model = sparse_model(40)
    deployment = _deploy(model, owner, chain)
    record = deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0)
    record["mechanism"]["cost_weight"] = 1
    save_record("ethereum", "local", "m", record)
    _, checks = verify_by_name("m", model)
    assert {c.name for c in checks if not c.ok} == {"constructor arguments", "mechanism"}
