"""The keeper as a Silverback bot (`silverback run keeper`), as a user starts it:
configured by the environment, it refunds on a new block once the wait is over."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from decai.chain.node import Anvil, rpc
from decai.units import DAY
from tests.helpers.scripts import SAMPLE, TEST_ACCOUNTS, nonce, run_script

ROOT = Path(__file__).resolve().parents[2]


def test_silverback_bot__refunds_once_the_wait_is_over_and_only_once(tmp_path):
    records, state, output = tmp_path / "deployments", tmp_path / "alice.json", tmp_path / "bot.log"
    with Anvil(untraced=False) as node:
        assert run_script(node.url, records, "deploy", "--name", "bc").code == 0
        added = run_script(
            node.url, records, "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "0", "--account", "TEST::1"
        )
        assert added.code == 0, added.err
        rpc(node.url, "evm_increaseTime", DAY)
        rpc(node.url, "evm_mine")
        before = nonce(node.url, TEST_ACCOUNTS[1])
        env = dict(
            os.environ,
            APE_FOUNDRY_HOST=node.url,
            DECAI_DEPLOYMENTS=str(records),
            PYTHONPATH=str(ROOT),
            DECAI_KEEPER_TRAINERS="bc",
            DECAI_KEEPER_STATE=str(state),
        )
        with output.open("w") as log:
            bot = subprocess.Popen(
                ["silverback", "run", "keeper", "--network", "ethereum:local:foundry", "--account", "TEST::1"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and bot.poll() is None:
                if state.exists() and json.loads(state.read_text())["log"]:
                    break
                rpc(node.url, "evm_mine")  # a new block: one round
                time.sleep(1)
            for _ in range(3):  # more rounds: nothing is sent twice
                rpc(node.url, "evm_mine")
                time.sleep(2)
        finally:
            bot.terminate()
            bot.wait(60)
        text = output.read_text()
        assert [entry["kind"] for entry in json.loads(state.read_text())["log"]] == ["refund"], text
        assert len([line for line in text.splitlines() if line.startswith("refund bc ")]) == 1
        assert nonce(node.url, TEST_ACCOUNTS[1]) == before + 1
