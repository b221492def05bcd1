"""What a newcomer meets when a script cannot do what was asked: one line
`error: ...`, exit status 1, no trace, and no transaction sent; the trace
only with --verbose. Scripts run against an anvil of the module's own: the
refusals of a call one after another in one long-lived `ape run` process
(tests/helpers/script_worker.py), the usage errors, --verbose, a missing
node or RPC address and `--help` as separate processes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.scripts import SAMPLE, TEST_ACCOUNTS, closed_port, nonce, run_script

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture(scope="module")
def node(anvil, session):
    url, records = anvil
    deployed = session.run("deploy", "--name", "bc")
    assert deployed.code == 0, deployed.err
    added = session.run("add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "0", "--account", "TEST::1")
    assert added.code == 0, added.err
    added_time = re.search(r"added at time (\d+)", added.out).group(1)
    data = re.search(r"--data (\S+)", added.out).group(1)
    return url, records, {"added_time": added_time, "data": data}


def test_add_data__value_below_deposit__one_line_and_no_transaction(node, session):
    url, records, _ = node
    before = nonce(url, TEST_ACCOUNTS[0])
    result = session.run(
        "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "1", "--value", "1", "--unlearnable"
    )
    assert (result.code, result.errors) == (1, ["error: add_data rejected: deposit: insufficient deposit"])
    assert not result.traced, result.out + result.err
    assert nonce(url, TEST_ACCOUNTS[0]) == before


def test_refund__before_refund_wait__one_line_and_no_transaction(node, session):
    url, records, added = node
    before = nonce(url, TEST_ACCOUNTS[1])
    result = session.run(
        "refund",
        "--trainer",
        "bc",
        "--data",
        added["data"],
        "--label",
        "malignant",
        "--added-time",
        added["added_time"],
        "--account",
        "TEST::1",
    )
    assert result.code == 1 and len(result.errors) == 1
    assert re.fullmatch(r"error: refund rejected: too early: refunds open in 23h 5\dm", result.errors[0])
    assert not result.traced, result.out + result.err
    assert nonce(url, TEST_ACCOUNTS[1]) == before


def test_report__before_refund_wait__one_line_and_no_transaction(node, session):
    url, records, added = node
    before = nonce(url, TEST_ACCOUNTS[2])
    result = session.run(
        "report",
        "--trainer",
        "bc",
        "--data",
        added["data"],
        "--label",
        "0",
        "--added-time",
        added["added_time"],
        "--author",
        TEST_ACCOUNTS[1],
        "--account",
        "TEST::2",
    )
    assert result.code == 1 and len(result.errors) == 1
    assert re.fullmatch(r"error: report rejected: too early: reports open in 23h 5\dm", result.errors[0])
    assert not result.traced, result.out + result.err
    assert nonce(url, TEST_ACCOUNTS[2]) == before


def test_add_data__sample_the_model_would_not_learn__one_line_and_no_transaction(node, session):
    url, records, _ = node
    before = nonce(url, TEST_ACCOUNTS[0])
    result = session.run("add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "1")
    assert (result.code, result.errors) == (
        1,
        [
            "error: the model would still not predict label 1 (benign) for this sample after learning it, so its"
            " deposit would likely be taken, half of it burned: nothing was sent (pass unlearnable=True,"
            " --unlearnable, to add it anyway)"
        ],
    )
    assert not result.traced, result.out + result.err
    assert nonce(url, TEST_ACCOUNTS[0]) == before


def test_add_data__verbose__shows_the_trace_and_the_error_line(node):
    url, records, _ = node
    result = run_script(
        url,
        records,
        "add_data",
        "--trainer",
        "bc",
        "--values",
        SAMPLE,
        "--label",
        "1",
        "--value",
        "1",
        "--unlearnable",
        "-v",
    )
    assert (result.code, result.errors) == (1, ["error: add_data rejected: deposit: insufficient deposit"])
    assert "Traceback (most recent call last)" in result.err


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ("add_data", "--trainer", "bc", "--data", "1"),
            "error: missing option '--label' (see `ape run add_data --help`)",
        ),
        (
            ("refund", "--trainer", "bc", "--all", "--added-time", "soon"),
            "error: bad value for '--added-time': 'soon' is not a whole number (see `ape run refund --help`)",
        ),
        (
            ("deploy", "--mechanism", "votes"),
            "error: bad value for '--mechanism': 'votes' is not one of 'deposit', 'points' "
            "(see `ape run deploy --help`)",
        ),
        (
            ("export", "--trainer", "bc", "--page-size", "0"),
            "error: bad value for '--page-size': 0 is not in the range x>=1 (see `ape run export --help`)",
        ),
        (
            ("predict", "--trainer", "bc", "--colour", "red"),
            "error: no such option: --colour (see `ape run predict --help`)",
        ),
    ],
)
def test_usage_error__any_script__one_line_and_exit_1(node, args, message):
    url, records, _ = node
    result = run_script(url, records, *args)
    assert (result.code, result.errors) == (1, [message])
    assert not result.traced, result.out + result.err


def test_any_script__dead_foundry_host__one_line_naming_the_node(node):
    _, records, _ = node
    port = closed_port()
    dead = f"http://127.0.0.1:{port}"
    result = run_script(dead, records, "predict", "--trainer", "bc", "--data", "1")
    assert (result.code, result.errors) == (
        1,
        [f"error: no node at {dead} (APE_FOUNDRY_HOST) — start one with `anvil --port {port}` (`make node` "
         "listens on 8545)"],
    )  # fmt: skip
    assert not result.traced and "anvil" not in result.out


def test_any_script__sepolia_without_rpc_url__one_line(node):
    url, records, _ = node
    result = run_script(url, records, "records", network="ethereum:sepolia:node", SEPOLIA_RPC_URL=None)
    assert result.code == 1
    assert result.errors == [
        "error: SEPOLIA_RPC_URL is not set: export SEPOLIA_RPC_URL=https://... (see docs/NETWORKS.md)"
    ]
    assert not result.traced, result.out + result.err


def test_ape_run_help__every_script__listed_with_a_description(node):
    url, records, _ = node
    result = run_script(url, records, "--help", network=None)
    assert result.code == 0
    listing = result.out.split("Commands:", 1)[1]
    descriptions = {}
    for line in listing.splitlines():
        parts = line.split(None, 1)
        if parts and line.startswith("  ") and not line.startswith("   "):
            descriptions[parts[0]] = parts[1] if len(parts) > 1 else ""
    for script in sorted(p.stem for p in SCRIPTS.glob("*.py") if not p.stem.startswith("_")):
        assert descriptions.get(script, "").strip(), f"{script} has no description in `ape run --help`"
