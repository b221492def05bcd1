"""Verifying a deployment against its record and model file (decai.chain.verify)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from decai.chain.deploy import deploy_trainer
from decai.chain.node import Anvil
from decai.chain.records import deployment_record, save_record
from decai.chain.verify import all_ok, verify_by_name
from decai.core.mechanisms import PointsParameters
from tests.helpers.chain import DAY, PARAMETERS, advance, sparse_model
from tests.helpers.data import chunk_model as _model
from tests.helpers.scripts import ScriptSession

ROOT = Path(__file__).resolve().parents[2]


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
    assert constructor.detail.startswith("all match the model file and the record (") and constructor.detail.endswith(
        " parameter word(s) in the constructor)"
    )
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

    Trainer(deployment.contract).add_data([1, 2], 1, sender=contributor, unlearnable=True)
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


POINTS = PointsParameters(refund_wait_s=DAY)


def _deploy_points(model, owner, chain, name="p", parameters=POINTS):
    deployment = deploy_trainer(model, parameters, owner, progress=False)
    save_record("ethereum", "local", name, deployment_record(deployment, model, parameters, owner, chain.provider, 0))
    return deployment


def test_verify__points_trainer__matches_with_and_without_model_file(owner, chain):
    model = sparse_model(40)
    _deploy_points(model, owner, chain)
    trainer, checks = verify_by_name("p", model)
    assert trainer.mechanism == "points"
    assert all_ok(checks), "\n".join(map(str, checks))
    by_name = {c.name: c for c in checks}
    assert by_name["mechanism"].detail == f"points: refund_wait_s={DAY}"
    _, checks = verify_by_name("p")
    assert all_ok(checks), "\n".join(map(str, checks))


def test_verify__points_trainer_other_refund_wait__mechanism_and_constructor_fail(owner, chain):
    model = sparse_model(40)
    deployment = _deploy_points(model, owner, chain)
    record = deployment_record(deployment, model, POINTS, owner, chain.provider, 0)
    record["mechanism"]["refund_wait_s"] = 2 * DAY
    save_record("ethereum", "local", "p", record)
    _, checks = verify_by_name("p", model)
    assert {c.name for c in checks if not c.ok} == {"constructor arguments", "mechanism"}


def test_verify__points_trainer_recorded_as_deposit__fails(owner, chain):
    model = sparse_model(40)
    deployment = _deploy_points(model, owner, chain)
    record = deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0)  # deposit parameters
    save_record("ethereum", "local", "p", record)
    _, checks = verify_by_name("p", model)
    failed = {c.name: c.detail for c in checks if not c.ok}
    assert set(failed) == {"constructor arguments", "mechanism"}
    assert failed["constructor arguments"] == "the record says deposit, the contract is a points trainer"


def test_ape_run_verify__points_deployment__passes_and_tampered_record_fails(tmp_path):
    """`ape run deploy` then `ape run verify`, one after another in one
    long-lived `ape run` process (tests/helpers/script_worker.py)."""
    records = tmp_path / "deployments"
    with Anvil() as anvil, ScriptSession(anvil.url, records) as scripts:

        def _ape_run(*args):
            result = scripts.run(*args)
            return result.code, result.out, result.errors

        code, out, errors = _ape_run("deploy", "--mechanism", "points", "--refund-wait", "2h", "--name", "game")
        assert (code, errors) == (0, []) and "deployed PointsDensePerceptron" in out
        code, out, errors = _ape_run("verify", "--trainer", "game")
        assert (code, errors) == (0, []), out
        assert "ok     mechanism: points: refund_wait_s=7200" in out and "verified: game is the deployed model" in out

        path = records / "ethereum_local.json"
        saved = json.loads(path.read_text())
        saved["game"]["mechanism"]["refund_wait_s"] = 3600
        path.write_text(json.dumps(saved))
        code, out, errors = _ape_run("verify", "--trainer", "game")
        assert (code, errors) == (1, ["error: the deployment does not match"])
        assert "FAILED mechanism: points: refund_wait_s=7200" in out
