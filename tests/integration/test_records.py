"""Deployment records: what they hold, and stale ones reported instead of used."""

from __future__ import annotations

import json

import pytest

from decai.chain.deploy import deploy_trainer, plan_deployment
from decai.chain.records import (
    deployment_record,
    find_record,
    list_records,
    load_records,
    model_hash,
    record_networks,
    resolve_trainer,
    save_record,
)
from decai.chain.trainer import Trainer
from decai.errors import DecaiError
from tests.helpers.chain import PARAMETERS, sparse_model
from tests.helpers.data import chunk_model as _model


@pytest.fixture
def records(tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    return tmp_path


@pytest.fixture
def recorded(owner, chain, records):
    model = sparse_model(40)
    deployment = deploy_trainer(model, PARAMETERS, owner, progress=False)
    record = deployment_record(deployment, model, PARAMETERS, owner, chain.provider, 0)
    save_record("ethereum", "local", "sp", record)
    return deployment, model, record


def test_record__describes_the_deployment(recorded, owner, chain, records):
    deployment, model, record = recorded
    block = chain.provider.get_block(deployment.block_number)
    assert record["address"] == deployment.contract.address
    assert (record["chain_id"], record["block"], record["block_hash"]) == (
        chain.provider.chain_id,
        block.number,
        "0x" + block.hash.hex(),
    )
    assert record["deployed_at"] == block.timestamp and record["deployer"] == owner.address
    assert record["mechanism"] == PARAMETERS.to_dict() and record["model_hash"] == model_hash(model.to_dict())
    receipt = chain.provider.get_receipt(record["transaction"])
    assert receipt.contract_address == deployment.contract.address
    assert json.loads((records / "ethereum_local.json").read_text())["sp"] == record


def test_record__verifies_against_the_chain(recorded, chain):
    """What docs/NETWORKS.md tells users to check: code, parameters, model."""
    deployment, model, record = recorded
    trainer = Trainer.find("sp")
    on_chain = trainer.reference_model()
    on_chain.encoder_params = record["encoder_params"]
    assert model_hash(on_chain.to_dict()) == record["model_hash"]
    assert {
        name: int(getattr(trainer.contract, name)())
        for name in ("refund_wait_s", "owner_claim_wait_s", "any_address_claim_wait_s", "cost_weight")
    } == {name: value for name, value in record["mechanism"].items() if name != "mechanism"}


def test_resolve__name_or_address(recorded, chain):
    deployment, _, record = recorded
    assert resolve_trainer("sp", chain.provider) == (deployment.contract.address, record)
    assert resolve_trainer(deployment.contract.address, chain.provider) == (deployment.contract.address, record)
    stranger = "0x" + "12" * 20
    assert resolve_trainer(stranger, chain.provider) == (stranger, None)
    with pytest.raises(DecaiError, match=r"^no trainer named 'other' on ethereum:local \(recorded: sp\)$"):
        resolve_trainer("other", chain.provider)


@pytest.mark.parametrize(
    "change, reason",
    [
        (
            {"block_hash": "0x" + "00" * 32},
            r"block \d+ of this chain is not the block it was deployed in \(the chain was restarted or reorganised\)",
        ),
        (
            {"block": 10**9},
            r"it was deployed in block 1000000000 but this chain is only at block \d+ \(the chain was restarted\?\)",
        ),
        ({"chain_id": 11155111}, "it was deployed on chain id 11155111, this chain has id 31337"),
        ({"address": "0x" + "12" * 20, "block_hash": None}, "there is no contract at 0x" + "12" * 20),
        ({"code_hash": "0x" + "00" * 32}, "the code at 0x[0-9a-fA-F]{40} is not the code that was deployed"),
    ],
)
def test_stale_record__reported_with_its_reason_never_used(recorded, chain, change, reason):
    _, _, record = recorded
    save_record("ethereum", "local", "gone", {**record, **change})
    with pytest.raises(
        DecaiError,
        match=f"^the record of 'gone' \\(ethereum:local\\) is stale: {reason}; "
        "deploy again, or remove it with `ape run records --prune`$",
    ):
        Trainer.find("gone")
    statuses = {entry.name: entry.problem for entry in list_records(chain.provider)}
    assert statuses["sp"] is None and statuses["gone"] is not None


def test_restarted_chain__same_address_other_contract__is_stale(owner, chain, records):
    """A restarted anvil hands out the same addresses again: the block hash tells the chains apart."""
    snapshot = chain.snapshot()
    try:
        first = deploy_trainer(sparse_model(40), PARAMETERS, owner, progress=False)
        save_record(
            "ethereum",
            "local",
            "first",
            deployment_record(first, sparse_model(40), PARAMETERS, owner, chain.provider, 0),
        )
    finally:
        chain.restore(snapshot)  # the chain "restarts"
    other = sparse_model(40)
    other.name = "another model"
    second = deploy_trainer(other, PARAMETERS, owner, progress=False)
    assert second.contract.address == first.contract.address
    entry = find_record("first", chain.provider)
    assert entry.stale and "is not the block it was deployed in" in entry.problem
    with pytest.raises(DecaiError, match="^the record of 'first' .* is stale"):
        Trainer.find("first")


def test_fork__sees_the_forked_networks_records():
    assert record_networks("ethereum", "sepolia-fork") == ["sepolia-fork", "sepolia"]
    assert record_networks("ethereum", "sepolia") == ["sepolia"]


def test_save_record__atomic_and_keeps_others(records):
    save_record("ethereum", "sepolia", "a", {"address": "0x" + "01" * 20})
    save_record("ethereum", "sepolia", "b", {"address": "0x" + "02" * 20})
    assert sorted(load_records("ethereum", "sepolia")) == ["a", "b"]
    assert sorted(p.name for p in records.iterdir()) == ["ethereum_sepolia.json"]
    (records / "ethereum_sepolia.json").write_text("{broken")
    with pytest.raises(DecaiError, match="^deployment records .*ethereum_sepolia.json are not valid JSON"):
        load_records("ethereum", "sepolia")


def test_plan__estimates_every_transaction_and_sends_nothing(owner, chain):
    model = _model(1000)
    nonce = owner.nonce
    plan = plan_deployment(model, PARAMETERS, owner, max_gas_per_tx=3_000_000)
    assert owner.nonce == nonce
    deployment = deploy_trainer(model, PARAMETERS, owner, max_gas_per_tx=3_000_000, progress=False, plan=plan)
    assert [tx.name for tx in plan.transactions] == [name for name, _ in deployment.transactions]
    for planned, (_, used) in zip(plan.transactions, deployment.transactions):
        assert planned.gas >= used  # estimates and bounds never fall short
        if planned.exact:
            assert planned.gas <= used * 1.1
    assert [tx.exact for tx in plan.transactions] == [True] + [False] * (len(plan.transactions) - 1)
    assert plan.total_gas <= 1.2 * deployment.total_gas


def test_plan__small_model__one_exact_transaction(owner):
    plan = plan_deployment(sparse_model(40), PARAMETERS, owner)
    assert [(tx.name, tx.exact) for tx in plan.transactions] == [("deploy", True)]
    assert plan.finish_now and plan.exact
