"""The keeper and the monitor on a Sepolia stand-in, through the paths a user takes.

As in test_networks.py: an anvil with Sepolia's chain id and a block every
second (so Ape's two confirmations on Sepolia really pass), reached through
SEPOLIA_RPC_URL, and a keyfile account imported with a passphrase into a
temporary APE_DATA_FOLDER (unlocked through DECAI_PASSPHRASE). The
trainer is deployed with `ape run deploy --network ethereum:sepolia:node`;
then the README's keeper and monitor commands run against it, one after
another in one long-lived `ape run` process (tests/helpers/script_worker.py).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_utils import keccak

from decai.chain.node import Anvil, rpc
from decai.units import DAY
from tests.helpers.scripts import SAMPLE, ScriptSession

ROOT = Path(__file__).resolve().parents[2]
SEPOLIA_CHAIN_ID = 11155111
PASSPHRASE = "only for the keeper's stand-in"
KEY = "0x" + keccak(b"decai keeper sepolia stand-in").hex()
NETWORK = "ethereum:sepolia:node"


class Standin:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.node = Anvil("--chain-id", str(SEPOLIA_CHAIN_ID), "--block-time", "1", untraced=False).start()
        env = {k: v for k, v in os.environ.items() if k not in ("APE_FOUNDRY_HOST", "DECAI_ACCOUNT")}
        self.env = dict(
            env,
            APE_DATA_FOLDER=str(tmp / "ape-data"),
            SEPOLIA_RPC_URL=self.node.url,
            DECAI_DEPLOYMENTS=str(tmp / "deployments"),
            DECAI_PASSPHRASE=PASSPHRASE,
            PYTHONPATH=str(ROOT),
        )
        script = (
            "from ape_accounts import import_account_from_private_key as imp; "
            f"print(imp('alice', {PASSPHRASE!r}, {KEY!r}).address)"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], env=self.env, capture_output=True, text=True, timeout=300, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        self.alice = done.stdout.strip().splitlines()[-1]
        rpc(self.node.url, "anvil_setBalance", self.alice, hex(10**19))

        self.scripts: ScriptSession | None = None

    def ape(self, *args: str):
        if self.scripts is None:
            names = ("APE_DATA_FOLDER", "SEPOLIA_RPC_URL", "DECAI_PASSPHRASE")
            self.scripts = ScriptSession(
                None,
                Path(self.env["DECAI_DEPLOYMENTS"]),
                network=NETWORK,
                APE_FOUNDRY_HOST=None,
                DECAI_ACCOUNT=None,
                **{name: self.env[name] for name in names},
            )
        done = self.scripts.run(*args)
        return done.code, done.out, done.err, done.errors

    def stop(self) -> None:
        if self.scripts is not None:
            self.scripts.close()
        self.node.stop()


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    node = Standin(tmp_path_factory.mktemp("keeper-sepolia"))
    try:
        yield node
    finally:
        node.stop()


def test_keeper_and_monitor__sepolia_standin__refund_lands_and_a_row_is_recorded(standin, tmp_path):
    code, out, err, errors = standin.ape("deploy", "--account", "alice", "--name", "bc", "--yes")
    assert (code, errors) == (0, []), out + err
    code, out, err, errors = standin.ape(
        "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "malignant", "--account", "alice"
    )
    assert (code, errors) == (0, []), out + err
    rpc(standin.node.url, "evm_increaseTime", DAY)
    rpc(standin.node.url, "evm_mine")

    state = tmp_path / "alice.json"
    keeper = ("keeper", "--trainer", "bc", "--account", "alice", "--state", str(state), "--once")
    code, out, err, errors = standin.ape(*keeper)
    assert (code, errors) == (0, []), out + err
    refunds = [line for line in out.splitlines() if line.startswith("refund bc ")]
    assert len(refunds) == 1, out + err
    tx = refunds[0].rsplit("tx ", 1)[1]
    receipt = rpc(standin.node.url, "eth_getTransactionReceipt", tx)
    assert receipt["status"] == "0x1" and receipt["from"].lower() == standin.alice.lower()
    saved = json.loads(state.read_text())
    assert saved["chain_id"] == SEPOLIA_CHAIN_ID and [a["kind"] for a in saved["log"]] == ["refund"]

    heldout = tmp_path / "heldout.csv"
    with heldout.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*(f"f{i}" for i in range(30)), "label"])
        writer.writerow([*SAMPLE.split(","), "malignant"])
        writer.writerow([*SAMPLE.split(","), "benign"])
    series = tmp_path / "series.csv"
    code, out, err, errors = standin.ape(
        "monitor", "--trainer", "bc", "--heldout", str(heldout), "--series", str(series), "--once"
    )
    assert (code, errors) == (0, []), out + err
    rows = list(csv.DictReader(series.open()))
    # The same sample under both labels: exactly one is right.
    assert len(rows) == 1 and float(rows[0]["accuracy"]) == 0.5 and int(rows[0]["contributions"]) == 1
