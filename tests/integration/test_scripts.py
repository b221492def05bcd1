"""The `ape run` scripts, as a user runs them, sharing one anvil (reached
through APE_FOUNDRY_HOST). The bad-input table and the unknown-words warning
run each command as a separate process; the multi-step flows run their
commands one after another in one long-lived `ape run` process
(tests/helpers/script_worker.py), which checks the same output without
paying Ape's start-up for every step."""

from __future__ import annotations

import json

import pytest

from decai.chain.node import Anvil
from tests.helpers.scripts import SAMPLE, ScriptSession, rpc, run_script


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with Anvil(untraced=False) as anvil:
        yield anvil.url, tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="module")
def session(node):
    with ScriptSession(*node) as scripts:
        yield scripts


def run(session, *args):
    result = session.run(*args, network=None if args[0] == "train" else "")
    return result.code, result.out, result.errors


def test_deploy_predict_add_refund(node, session):
    code, out, errors = run(session, "deploy", "--name", "bc")
    assert (code, errors) == (0, []), out
    assert "deployed DepositDensePerceptron 'breast-cancer perceptron' at 0x" in out
    assert "INFO:" not in out and "SUCCESS:" not in out
    record = json.loads((node[1] / "ethereum_local.json").read_text())["bc"]
    assert record["model_type"] == "dense_perceptron" and record["mechanism"]["refund_wait_s"] == 86_400

    code, out, errors = run(session, "predict", "--trainer", "bc", "--values", SAMPLE)
    assert (code, errors, out.strip().splitlines()[-1]) == (0, [], "0 (malignant)")

    code, out, errors = run(
        session, "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "malignant", "--account", "TEST::1"
    )
    assert (code, errors) == (0, [])
    assert "added at time" in out and "--label 0" in out

    code, out, errors = run(session, "refund", "--trainer", "bc", "--all", "--account", "TEST::1")
    assert (code, errors) == (1, ["error: none of your 1 contribution(s) could be refunded"])
    assert ": not refunded: too early: refunds open in 23h 59m" in out

    code, out, errors = run(session, "claims", "--trainer", "bc", "--account", "TEST::1")
    assert (code, errors) == (0, [])
    assert "too early: refunds open in 23h 59m" in out and "refundable now: 0" in out

    code, out, errors = run(session, "time", "--advance", "1d")
    assert (code, errors) == (0, []) and out.strip().endswith(": 1d later")

    # `claims` as a process of its own (its only one in the suite).
    result = run_script(*node, "claims", "--trainer", "bc", "--account", "TEST::1")
    code, out, errors = result.code, result.out, result.errors
    assert (code, errors) == (0, []) and "refundable now: 1" in out
    assert "refund now (added at " in out and "ape run refund --trainer bc --data " in out

    code, out, errors = run(session, "refund", "--trainer", "bc", "--all", "--account", "TEST::1")
    assert (code, errors) == (0, [])
    assert "1 of 1 contribution(s) refunded" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("predict", "--trainer", "nobody", "--data", "1"),
            "error: no trainer named 'nobody' on ethereum:local (recorded: ",
        ),
        (("deploy", "--model", "missing.json"), "error: model file missing.json does not exist"),
        (
            ("deploy", "--refund-wait", "2d", "--owner-claim-wait", "1d"),
            "error: --owner-claim-wait must exceed --refund-wait (else the owner could race the author's refund)",
        ),
        (
            ("deploy", "--cost-weight", "lots"),
            "error: --cost-weight: bad amount 'lots': use wei, or a number with gwei or ether",
        ),
        (
            ("deploy", "--mechanism", "points", "--cost-weight", "1"),
            "error: --cost-weight does not apply to a points trainer",
        ),
        (
            ("deploy", "--mechanism", "points", "--any-claim-wait", "3d"),
            "error: --any-claim-wait does not apply to a points trainer",
        ),
    ],
)
def test_bad_input__one_line_error_and_exit_1(node, args, message):
    result = run_script(*node, *args)
    code, errors = result.code, result.errors
    assert code == 1 and len(errors) == 1
    assert errors[0] == message or (message.endswith("(recorded: ") and errors[0].startswith(message))


def test_bad_sample__rejected_before_sending(node, session):
    code, _, _ = run(session, "deploy", "--name", "bc2")
    assert code == 0
    before = rpc(node[0], "eth_blockNumber")
    code, _, errors = run(session, "add_data", "--trainer", "bc2", "--data", "1,2,3", "--label", "1")
    assert (code, errors) == (1, ["error: sample has 3 values; the model has 30 dimensions"])
    code, _, errors = run(session, "add_data", "--trainer", "bc2", "--values", "1,2,x", "--label", "1")
    assert (code, errors) == (1, ["error: expected real numbers, got ['1', '2', 'x']"])
    code, _, errors = run(session, "add_data", "--trainer", "bc2", "--values", SAMPLE, "--label", "7")
    assert (code, errors) == (1, ["error: --label 7 is not one of the model's classes: 0 malignant, 1 benign"])
    code, _, errors = run(session, "add_data", "--trainer", "bc2", "--values", SAMPLE, "--label", "harmless")
    assert (code, errors) == (1, ["error: --label 'harmless' is not one of the model's classes: 0 malignant, 1 benign"])
    assert rpc(node[0], "eth_blockNumber") == before


def test_text_model__train_deploy_predict_add__works_and_warns_on_unknown_words(node, session, tmp_path):
    model_file = tmp_path / "nb.json"
    code, out, errors = run(
        session, "train", "--data", "rotten-tomatoes", "--model-type", "naive_bayes", "--out", str(model_file)
    )
    assert (code, errors) == (0, [])
    assert "held-out accuracy on 1217 samples: scikit-learn" in out
    code, out, errors = run(session, "deploy", "--model", str(model_file), "--mechanism", "points", "--name", "nb")
    assert (code, errors) == (0, [])
    assert "deployed PointsNaiveBayes" in out
    code, out, errors = run(
        session, "predict", "--trainer", "nb", "--text", "A moving, beautifully acted and wonderful film."
    )
    assert (code, errors, out.strip().splitlines()[-1]) == (0, [], "1 (fresh)")
    code, out, errors = run(
        session,
        "add_data",
        "--trainer",
        "nb",
        "--text",
        "A tedious, clumsy mess.",
        "--label",
        "rotten",
        "--account",
        "TEST::2",
    )
    assert (code, errors) == (0, [])
    assert "with a deposit of 0 wei" in out
    result = run_script(*node, "predict", "--trainer", "nb", "--text", "qqqzx vvvwk")
    assert (result.code, result.errors) == (0, [])
    assert "warning: the text has no word the model knows; predicting an empty sample" in result.err.splitlines()
