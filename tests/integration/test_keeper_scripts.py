"""`ape run keeper` and `ape run monitor` as a user runs them, on one anvil
(the module's, with `bc` deployed once), the README's commands. The
bad-input table runs each command as a process of its own; the flows run
their steps one after another in one long-lived `ape run` process
(tests/helpers/script_worker.py)."""

from __future__ import annotations

import csv
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from decai.chain.node import Anvil
from decai.units import DAY
from tests.helpers.chain import advance_node_time
from tests.helpers.scripts import SAMPLE, TEST_ACCOUNTS, ScriptSession, nonce, run_script


@pytest.fixture(scope="module")
def node(tmp_path_factory):
    with Anvil(untraced=False) as anvil:
        yield anvil.url, tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="module")
def session(node):
    with ScriptSession(*node) as scripts:
        yield scripts


@pytest.fixture(scope="module")
def deployed(node, session):
    """The built-in model deployed as `bc` (once for the module)."""
    result = session.run("deploy", "--name", "bc")
    assert result.code == 0, result.err
    return node


def heldout_csv(path, rows: int = 60) -> None:
    """The breast-cancer test split's raw measurements, labelled with class names."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    _, X_test, _, y_test = train_test_split(data.data, data.target, test_size=0.3, random_state=0, stratify=data.target)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f"f{i}" for i in range(X_test.shape[1])), "label"])
        for values, label in list(zip(X_test, y_test))[:rows]:
            writer.writerow([*(repr(float(v)) for v in values), data.target_names[label]])


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the handler's name is http.server's
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Hook)
    Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts", Hook.received
    finally:
        server.shutdown()
        server.server_close()


def test_keeper_script__refunds_once_when_the_wait_ends_and_dry_run_sends_nothing(deployed, session, tmp_path):
    url, _ = deployed
    run = session.run
    added = run("add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "malignant", "--account", "TEST::1")
    assert added.code == 0, added.err
    state = str(tmp_path / "keeper.json")
    keeper = ("keeper", "--trainer", "bc", "--account", "TEST::1", "--state", state, "--once")
    advance_node_time(url, DAY)

    before = nonce(url, TEST_ACCOUNTS[1])
    dry = run(*keeper, "--dry-run")
    assert (dry.code, dry.errors) == (0, []), dry.err
    assert f"keeper for {TEST_ACCOUNTS[1]}: 1 trainer(s), 0 market(s) (dry run: nothing is sent)" in dry.out
    lines = [line for line in dry.out.splitlines() if line.startswith("would refund bc ")]
    assert len(lines) == 1 and " ETH for ~" in lines[0] and " ETH gas" in lines[0]
    assert nonce(url, TEST_ACCOUNTS[1]) == before

    done = run(*keeper)
    assert (done.code, done.errors) == (0, []), done.err
    lines = [line for line in done.out.splitlines() if line.startswith("refund bc ")]
    assert len(lines) == 1 and ", gas " in lines[0] and ", tx 0x" in lines[0]
    assert nonce(url, TEST_ACCOUNTS[1]) == before + 1
    assert json.loads((tmp_path / "keeper.json").read_text())["log"][0]["kind"] == "refund"

    again = run(*keeper)
    assert (again.code, again.errors) == (0, []) and "refund bc " not in again.out
    assert nonce(url, TEST_ACCOUNTS[1]) == before + 1


def test_monitor_script__appends_a_row_and_alerts_on_a_planted_drop(deployed, session, tmp_path, webhook):
    run = session.run
    url, hook_calls = webhook
    heldout = tmp_path / "heldout.csv"
    heldout_csv(heldout)
    series = tmp_path / "series.csv"
    monitor = ("monitor", "--trainer", "bc", "--heldout", str(heldout), "--series", str(series), "--once")

    first = run(*monitor, "--webhook", url)
    assert (first.code, first.errors) == (0, []), first.err
    assert "accuracy " in first.out and " on 60 samples" in first.out
    rows = list(csv.DictReader(series.open()))
    assert len(rows) == 1 and 0.5 < float(rows[0]["accuracy"]) <= 1
    assert hook_calls == []

    # Plant a best above what the model does: the next measurement is a drop.
    accuracy = float(rows[0]["accuracy"])
    assert accuracy < 1
    planted = dict(rows[0], accuracy="1.0", block="0")
    with series.open("a", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0])).writerow(planted)
    dropped = run(*monitor, "--webhook", url, "--max-drop", str((1 - accuracy) / 2))
    assert dropped.code == 1, dropped.err
    assert [line for line in dropped.out.splitlines() if line.startswith("alert: ")]
    assert len(hook_calls) == 1
    content_type, payload = hook_calls[0]
    assert content_type == "application/json"
    assert payload["best"] == 1.0 and payload["accuracy"] == accuracy
    assert "below its best 100.0%" in payload["message"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("keeper", "--once"), "error: give at least one --trainer or --market"),
        (
            ("monitor", "--trainer", "bc", "--heldout", "x.csv", "--webhook", "ftp://x"),
            "error: --webhook must be an http:// or https:// URL, got 'ftp://x'",
        ),
    ],
)
def test_scripts__bad_input__one_line_error_and_exit_1(deployed, args, message):
    result = run_script(*deployed, *args)
    assert result.code == 1 and not result.traced
    assert result.errors and result.errors[0].startswith(message), result.err
