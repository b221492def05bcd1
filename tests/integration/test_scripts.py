"""The `ape run` scripts, as a user runs them: separate processes sharing
one anvil (reached through APE_FOUNDRY_HOST)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

from decai.chain.node import Anvil

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "17.99,10.38,122.8,1001,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,0.006399,0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019,0.1622,0.6656,0.7119,0.2654,0.4601,0.1189"


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with Anvil(untraced=False) as anvil:
        yield anvil.url, tmp_path_factory.mktemp("deployments")


def _rpc(url, method, params):
    return requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, timeout=10).json()


def run(node, *args):
    url, records = node
    env = dict(os.environ, APE_FOUNDRY_HOST=url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT))
    network = [] if args[0] == "train" else ["--network", "ethereum:local:foundry"]
    result = subprocess.run(["ape", "run", *args, *network], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    return result.returncode, result.stdout, errors


def test_deploy_predict_add_refund(node):
    code, out, errors = run(node, "deploy", "--name", "bc")
    assert (code, errors) == (0, []), out
    assert "deployed DepositDensePerceptron 'breast-cancer perceptron' at 0x" in out
    record = json.loads((node[1] / "ethereum_local.json").read_text())["bc"]
    assert record["model_type"] == "dense_perceptron" and record["mechanism"]["refund_wait_s"] == 86_400

    code, out, errors = run(node, "predict", "--trainer", "bc", "--values", SAMPLE)
    assert (code, errors, out.strip().splitlines()[-1]) == (0, [], "0 (malignant)")

    code, out, errors = run(node, "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "0", "--account", "TEST::1")
    assert (code, errors) == (0, [])
    assert "added at time" in out

    code, out, errors = run(node, "refund", "--trainer", "bc", "--all", "--account", "TEST::1")
    assert code == 0 and "skipped, too early: refunds open in 23h 59m" in out

    _rpc(node[0], "evm_increaseTime", [86_400])
    _rpc(node[0], "evm_mine", [])
    code, out, errors = run(node, "refund", "--trainer", "bc", "--all", "--account", "TEST::1")
    assert (code, errors) == (0, [])
    assert "1 of 1 contribution(s) refunded" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (("predict", "--trainer", "nobody", "--data", "1"), "error: no trainer named 'nobody' on ethereum:local (recorded: "),
        (("deploy", "--model", "missing.json"), "error: model file missing.json does not exist"),
        (("deploy", "--refund-wait", "2d", "--owner-claim-wait", "1d"), "error: refund_wait_s must not exceed owner_claim_wait_s"),
        (("deploy", "--cost-weight", "lots"), "error: bad amount 'lots': use wei, or a number with gwei or ether"),
    ],
)
def test_bad_input__one_line_error_and_exit_1(node, args, message):
    code, _, errors = run(node, *args)
    assert code == 1 and len(errors) == 1
    assert errors[0] == message or (message.endswith("(recorded: ") and errors[0].startswith(message))


def test_bad_sample__rejected_before_sending(node):
    code, _, _ = run(node, "deploy", "--name", "bc2")
    assert code == 0
    before = _rpc(node[0], "eth_blockNumber", [])["result"]
    code, _, errors = run(node, "add_data", "--trainer", "bc2", "--data", "1,2,3", "--label", "1")
    assert (code, errors) == (1, ["error: sample has 3 values; the model has 30 dimensions"])
    code, _, errors = run(node, "add_data", "--trainer", "bc2", "--values", "1,2,x", "--label", "1")
    assert (code, errors) == (1, ["error: expected real numbers, got ['1', '2', 'x']"])
    code, _, errors = run(node, "add_data", "--trainer", "bc2", "--values", SAMPLE, "--label", "7")
    assert (code, errors) == (1, ["error: label 7 is not one of the model's labels 0..1"])
    assert _rpc(node[0], "eth_blockNumber", [])["result"] == before


def test_train_deploy_points_and_text(node, tmp_path):
    model_file = tmp_path / "nb.json"
    code, out, errors = run(node, "train", "--data", "rotten-tomatoes", "--model-type", "naive_bayes", "--out", str(model_file))
    assert (code, errors) == (0, [])
    assert "held-out accuracy on 1217 samples: scikit-learn" in out
    code, out, errors = run(node, "deploy", "--model", str(model_file), "--mechanism", "points", "--name", "nb")
    assert (code, errors) == (0, [])
    assert "deployed PointsNaiveBayes" in out
    code, out, errors = run(node, "predict", "--trainer", "nb", "--text", "A moving, beautifully acted and wonderful film.")
    assert (code, errors, out.strip().splitlines()[-1]) == (0, [], "1 (fresh)")
    code, out, errors = run(node, "add_data", "--trainer", "nb", "--text", "A tedious, clumsy mess.", "--label", "0", "--account", "TEST::2")
    assert (code, errors) == (0, [])
    assert "with a deposit of 0 wei" in out
