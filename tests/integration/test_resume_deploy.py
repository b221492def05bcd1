"""A chunked deploy that stops half way (the node gone) is recorded and
resumed from the chain's own state, sending only what is missing."""

from __future__ import annotations

import json

import pytest

from decai.chain.deploy import deploy_trainer, missing_ranges, plan_deployment, setup_ranges
from decai.chain.records import load_records
from decai.chain.resume import DEPLOYING, SETTING_UP, StageRecorder
from decai.chain.retry import read_budget
from decai.errors import NodeUnavailable
from tests.helpers.chain import PARAMETERS
from tests.helpers.data import chunk_model
from tests.helpers.faults import faulty_network
from tests.helpers.scripts import nonce, run_script

BUDGET = 3_000_000


def interrupted_deploy(proxy, tmp_path, sends_before_outage: int):
    """Deploy chunk_model(2000) as `ape run deploy` does, the node gone at
    send number `sends_before_outage + 1`; returns (model file, plan, owner)."""
    from ape import accounts, chain

    owner = accounts.test_accounts[0]
    model = chunk_model(2000)
    plan = plan_deployment(model, PARAMETERS, owner, max_gas_per_tx=BUDGET)
    assert len(plan.chunks) >= 3
    recorder = StageRecorder("half", model, PARAMETERS, owner, chain.provider, 0)
    proxy.add("outage", method="eth_sendRawTransaction", after=sends_before_outage)
    # The node is gone for good: give up after 3 s of trying rather than the default budget.
    with read_budget(3.0), pytest.raises(NodeUnavailable, match=f"^the node at {proxy.url} did not answer "):
        deploy_trainer(model, PARAMETERS, owner, plan=plan, progress=False, on_stage=recorder)
    proxy.restore()
    path = tmp_path / "chunks.json"
    path.write_text(json.dumps(model.to_dict()))
    return path, plan, owner


def test_deploy__node_gone_after_first_chunk__resume_sends_only_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    with faulty_network() as proxy:
        model_file, plan, owner = interrupted_deploy(proxy, tmp_path, sends_before_outage=2)
        record = load_records("ethereum", "local")["half"]
        assert record["status"] == SETTING_UP
        contract = plan.container.at(record["address"], fetch_from_explorer=False)
        assert not contract.setup_finished()
        assert missing_ranges(contract, plan.words, setup_ranges(plan)) == plan.chunks[1:]
        sent = nonce(proxy.upstream, owner.address)

        result = run_script(
            proxy.upstream, tmp_path, "deploy", "--model", str(model_file), "--name", "half", "--resume",
            "--max-gas-per-tx", str(BUDGET),
        )  # fmt: skip
        assert result.code == 0, result.err
        assert f"resuming the deployment of 'half' at {record['address']} (setting up)" in result.out
        # the missing chunks and finish_setup, nothing else
        assert nonce(proxy.upstream, owner.address) == sent + len(plan.chunks) - 1 + 1
        assert contract.setup_finished()
        assert [int(w) for w in contract.parameter_words(0, len(plan.words))] == plan.words
        final = load_records("ethereum", "local")["half"]
        assert "status" not in final and final["address"] == record["address"]
        assert final["block_hash"] == record["block_hash"] and final["transaction"] == record["transaction"]


def test_deploy__node_gone_before_creation_mined__same_transaction_resumed(tmp_path, monkeypatch):
    monkeypatch.setenv("DECAI_DEPLOYMENTS", str(tmp_path))
    with faulty_network() as proxy:
        model_file, plan, owner = interrupted_deploy(proxy, tmp_path, sends_before_outage=0)
        record = load_records("ethereum", "local")["half"]
        assert record["status"] == DEPLOYING and record["nonce"] == 0
        assert nonce(proxy.upstream, owner.address) == 0  # the creation never reached the node

        # the same command again, without --resume, picks it up
        result = run_script(
            proxy.upstream, tmp_path, "deploy", "--model", str(model_file), "--name", "half",
            "--max-gas-per-tx", str(BUDGET),
        )  # fmt: skip
        assert result.code == 0, result.err
        assert "resuming the deployment of 'half'" in result.out
        final = load_records("ethereum", "local")["half"]
        assert "status" not in final
        assert final["address"] == record["address"] and final["transaction"] == record["transaction"]
        assert nonce(proxy.upstream, owner.address) == 1 + len(plan.chunks) + 1


def test_resume__no_half_done_deployment__one_line_error(tmp_path):
    with faulty_network() as proxy:
        result = run_script(proxy.upstream, tmp_path, "deploy", "--name", "nothing", "--resume")
    assert result.code == 1 and not result.traced
    assert result.errors == ["error: --resume: no half-done deployment named 'nothing' on ethereum:local"]
