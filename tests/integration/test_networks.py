"""Sepolia and its fork, offline: an anvil with Sepolia's chain id stands in.

The stand-in runs on a port the kernel picks (decai.chain.node.Anvil) with `--chain-id 11155111` and a
block every second, so Ape's two confirmations on Sepolia really pass;
SEPOLIA_RPC_URL points ape-config.yaml's `node: ethereum: sepolia: uri:` at
it. Everything goes through the paths a user takes, as separate processes:
`ape run deploy --network ethereum:sepolia:node` with a keyfile account
imported (with a passphrase) into a temporary APE_DATA_FOLDER and unlocked
through DECAI_PASSPHRASE; then `--network ethereum:sepolia-fork:foundry`,
where Ape starts its own anvil forking the stand-in, for the scripts and a
console session. The stand-in must come out of the fork runs unchanged.
Every process started here is stopped here (the forks by Ape, checked).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import keccak

from decai.chain.node import Anvil, rpc, wait_for_receipt

ROOT = Path(__file__).resolve().parents[2]
SEPOLIA_CHAIN_ID = 11155111
PASSPHRASE = "only for the stand-in"
# Not one of anvil's or Ape's test accounts: a key only this test uses.
DEPLOYER_KEY = "0x" + keccak(b"decai sepolia stand-in deployer").hex()
SAMPLE = (
    "17.99,10.38,122.8,1001,0.1184,0.2776,0.3001,0.1471,0.2419,0.07871,1.095,0.9053,8.589,153.4,0.006399,"
    "0.04904,0.05373,0.01587,0.03003,0.006193,25.38,17.33,184.6,2019,0.1622,0.6656,0.7119,0.2654,0.4601,0.1189"
)


def _call(url: str, to: str, signature: str, types=(), args=()) -> bytes:
    data = keccak(text=signature)[:4] + encode(list(types), list(args))
    return bytes.fromhex(rpc(url, "eth_call", {"to": to, "data": "0x" + data.hex()}, "latest")[2:])


def _fork_processes(upstream: str) -> list[int]:
    """Processes running an anvil that forks `upstream`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(b"anvil" in part for part in argv[:2]) and upstream.encode() in argv:
            found.append(int(entry.name))
    return found


class Standin:
    """The Sepolia stand-in, a keyfile account and the environment of every `ape` process."""

    def __init__(self, tmp: Path):
        self.node = Anvil("--chain-id", str(SEPOLIA_CHAIN_ID), "--block-time", "1", untraced=False).start()
        self.url = self.node.url
        self.records = tmp / "deployments"
        self.data_folder = tmp / "ape-data"
        env = {k: v for k, v in os.environ.items() if k not in ("APE_FOUNDRY_HOST", "DECAI_ACCOUNT")}
        self.env = dict(
            env,
            APE_DATA_FOLDER=str(self.data_folder),
            SEPOLIA_RPC_URL=self.url,
            DECAI_DEPLOYMENTS=str(self.records),
            DECAI_PASSPHRASE=PASSPHRASE,
            PYTHONPATH=str(ROOT),
        )

    def import_account(self) -> str:
        """Import DEPLOYER_KEY as keyfile account 'deployer', the way a user's script would."""
        script = (
            "from ape_accounts import import_account_from_private_key as imp; "
            f"print(imp('deployer', {PASSPHRASE!r}, {DEPLOYER_KEY!r}).address)"
        )
        result = subprocess.run(
            [sys.executable, "-c", script], env=self.env, capture_output=True, text=True, timeout=120, cwd=ROOT
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    def stop(self) -> None:
        self.node.stop()

    def ape(self, *args, network: str = "ethereum:sepolia:node", env: dict | None = None):
        """`ape run ...` as a user runs it, without a terminal (stdin closed)."""
        result = subprocess.run(
            ["ape", "run", *args, "--network", network],
            cwd=ROOT,
            env={k: v for k, v in dict(self.env, **(env or {})).items() if v is not None},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        return result.returncode, result.stdout, result.stderr, errors

    def state(self, trainer: str, deployer: str) -> dict:
        """What a fork run must not change on the stand-in."""
        return {
            "block": int(rpc(self.url, "eth_blockNumber"), 16),
            "deployer_nonce": rpc(self.url, "eth_getTransactionCount", deployer, "latest"),
            "trainer_balance": rpc(self.url, "eth_getBalance", trainer, "latest"),
            "last_update_time": _call(self.url, trainer, "last_update_time()").hex(),
            "total_good": _call(self.url, trainer, "total_good_contributions()").hex(),
            "logs": len(rpc(self.url, "eth_getLogs", {"address": trainer, "fromBlock": "0x0", "toBlock": "latest"})),
        }


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    node = Standin(tmp_path_factory.mktemp("sepolia"))
    try:
        assert int(rpc(node.url, "eth_chainId"), 16) == SEPOLIA_CHAIN_ID
        node.deployer = node.import_account()
        rpc(node.url, "anvil_setBalance", node.deployer, hex(10**18))  # 1 "Sepolia ETH"
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="module")
def deployed(standin):
    """The built-in model deployed to the stand-in as 'bc' (with --yes)."""
    result = standin.ape("deploy", "--account", "deployer", "--name", "bc", "--yes")
    head_after = int(rpc(standin.url, "eth_blockNumber"), 16)
    # From here on the stand-in mines only when sent a transaction, so the
    # fork test can check that its block number does not move.
    rpc(standin.url, "evm_setIntervalMining", 0)
    rpc(standin.url, "evm_setAutomine", True)
    record = json.loads((standin.records / "ethereum_sepolia.json").read_text())["bc"]
    return result, record, head_after


def test_deploy__sepolia_node_path__keyfile_account_waits_for_confirmations_and_records(standin, deployed):
    from decai.chain.records import code_hash, model_hash
    from decai.data.training import default_model

    (code, out, err, errors), record, head_after = deployed
    assert (code, errors) == (0, []), out + err
    # The estimate shown before deploying, then the deployment.
    assert "  deploy " in out and "gas (estimated by the node)" in out
    assert "each transaction waits for 2 confirmation(s)" in out
    assert f"in block {record['block']}" in out and "each confirmed by 2 block(s)" in out
    # decai.chain.transact waited for 2 confirmations before the record was written
    # (Ape's per-transaction log lines are quiet by default).
    assert "INFO:" not in out + err
    assert head_after >= record["block"] + 2

    assert record["chain_id"] == SEPOLIA_CHAIN_ID and record["confirmations"] == 2
    assert record["deployer"] == standin.deployer
    assert record["model_hash"] == model_hash(default_model()[0].to_dict())
    block = rpc(standin.url, "eth_getBlockByNumber", hex(record["block"]), False)
    assert block["hash"] == record["block_hash"]
    transaction = rpc(standin.url, "eth_getTransactionByHash", record["transaction"])
    assert transaction["from"].lower() == standin.deployer.lower()  # signed by the keyfile account
    assert int(transaction["blockNumber"], 16) == record["block"]
    code_on_chain = bytes.fromhex(rpc(standin.url, "eth_getCode", record["address"], "latest")[2:])
    assert code_hash(code_on_chain) == record["code_hash"]
    assert _call(standin.url, record["address"], "refund_wait_s()") == encode(
        ["uint256"], [record["mechanism"]["refund_wait_s"]]
    )

    # What docs/NETWORKS.md tells a user to run after deploying.
    code, out, err, errors = standin.ape("verify", "--trainer", "bc")
    assert (code, errors) == (0, []), out + err
    assert "FAILED" not in out and "verified: bc is the deployed model" in out


@pytest.mark.parametrize(
    "args, env, message",
    [
        (
            ("--account", "deployer"),
            {},
            r"error: refusing to deploy to live network ethereum:sepolia without --yes: "
            r"estimated [0-9,]+ gas \(about [0-9.e-]+ ETH\) in 1 transaction\(s\)",
        ),
        (
            ("--account", "deployer", "--yes"),
            {"DECAI_PASSPHRASE": "wrong"},
            "error: DECAI_PASSPHRASE does not unlock account 'deployer'",
        ),
        (
            ("--account", "deployer", "--yes"),
            {"DECAI_PASSPHRASE": None},
            r"error: account 'deployer' is locked and there is no terminal to ask for its passphrase: "
            r"set DECAI_PASSPHRASE to sign with it \(see docs/NETWORKS\.md\)",
        ),
    ],
    ids=["no --yes", "wrong passphrase", "no passphrase"],
)
def test_live_deploy__refused__one_line_error_nothing_sent(standin, deployed, args, env, message):
    import re

    nonce = rpc(standin.url, "eth_getTransactionCount", standin.deployer, "latest")
    code, out, err, errors = standin.ape("deploy", "--name", "refused", *args, env=env)
    assert code == 1 and len(errors) == 1 and re.fullmatch(message, errors[0]), out + err
    if "--yes" not in args and "--account" in args:
        assert "gas (estimated by the node)" in out  # the estimate was shown first
    if "DECAI_PASSPHRASE" in env:
        assert out == "" and "Sign" not in err  # said before planning, no prompt
    assert rpc(standin.url, "eth_getTransactionCount", standin.deployer, "latest") == nonce
    assert "refused" not in json.loads((standin.records / "ethereum_sepolia.json").read_text())


def test_live_deploy__at_a_terminal__asks_with_the_estimate__no_cancels(standin, deployed):
    import pty

    nonce = rpc(standin.url, "eth_getTransactionCount", standin.deployer, "latest")
    controller, terminal = pty.openpty()
    try:
        os.write(controller, b"n\n")  # the answer waits in the terminal's input
        result = subprocess.run(
            ["ape", "run", "deploy", "--account", "deployer", "--name", "asked", "--network", "ethereum:sepolia:node"],
            cwd=ROOT,
            env=standin.env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert result.returncode == 1, result.stdout + result.stderr
    prompt = next(line for line in result.stdout.splitlines() if line.startswith("Deploy to"))
    assert (
        prompt.startswith("Deploy to ethereum:sepolia for an estimated ")
        and " gas (about " in prompt
        and prompt.endswith("[y/N]: ")
    )
    assert "error: deployment cancelled" in result.stderr
    assert rpc(standin.url, "eth_getTransactionCount", standin.deployer, "latest") == nonce


def test_fork__scripts_and_console_use_the_sepolia_trainer_without_changing_the_standin(standin, deployed, tmp_path):
    (code, *_), record, _ = deployed
    assert code == 0
    fork = "ethereum:sepolia-fork:foundry"
    before = standin.state(record["address"], standin.deployer)
    try:
        # The scripts find 'bc' on the fork through Sepolia's records.
        code, out, err, errors = standin.ape("records", network=fork)
        assert (code, errors) == (0, []), out + err
        assert f"bc: {record['address']} block {record['block']} (recorded on ethereum:sepolia): ok" in out

        code, out, err, errors = standin.ape(
            "add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "0", "--account", "TEST::1", network=fork
        )
        assert (code, errors) == (0, []), out + err
        assert "added at time" in out

        # A console session on a fresh fork: the helpers of ape_console_extras.py.
        output = tmp_path / "fork-export.csv"
        session = subprocess.run(
            [sys.executable, str(ROOT / "tests/integration/fork_session.py"), fork, "bc", SAMPLE, str(output)],
            cwd=ROOT,
            env=standin.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        reports = [line for line in session.stdout.splitlines() if line.startswith("{")]  # Ape logs to stdout too
        assert reports, session.stdout + session.stderr
        seen = json.loads(reports[-1])
        assert session.returncode == 0, seen
        assert seen["chain_id"] == SEPOLIA_CHAIN_ID and seen["address"] == record["address"]
        assert seen["fork_block"] > before["block"]  # the fork went on from the stand-in's head
        assert seen["prediction"] == [0, "malignant"]
        assert seen["before_wait"] in (["too early: refunds open in 1d"], ["too early: refunds open in 23h 59m"])
        assert seen["claimable"] == [seen["deposit"]] and seen["refunded"] == seen["deposit"] > 0
        # Each fork starts from the stand-in, so the add_data run above is gone.
        assert (seen["exported_rows"], seen["export_start_block"]) == (1, record["block"])
        (row,) = csv.DictReader(output.open())
        assert (row["label_name"], row["refunded"], row["claimable"]) == ("malignant", "true", "0")
    finally:
        leftovers = _fork_processes(standin.url)
        for pid in leftovers:  # only on failure: Ape stops the forks it starts
            os.kill(pid, signal.SIGTERM)
    assert leftovers == []
    assert standin.state(record["address"], standin.deployer) == before


def test_export__script_reads_the_data_set_from_sepolia(standin, deployed, tmp_path):
    from decai.data.encoders import StandardUnitEncoder

    (code, *_), record, _ = deployed
    assert code == 0
    encoder = StandardUnitEncoder(**record["encoder_params"])
    contributors = rpc(standin.url, "eth_accounts")[3:6]  # the stand-in's own unlocked accounts
    selector = keccak(text="add_data(int64[],uint64)")[:4]
    for position, sender in enumerate(contributors):
        values = [float(v) * (1 + position / 10) for v in SAMPLE.split(",")]
        data = selector + encode(["int64[]", "uint64"], [encoder.encode(values), position % 2])
        value = record["mechanism"]["cost_weight"] * 3600  # the most a deposit can be; the rest comes back
        tx = rpc(
            standin.url,
            "eth_sendTransaction",
            # A margin over the estimate, as wallets add: the deposit's square root costs gas that depends
            # on the seconds since the last update, which move between the estimate and the block.
            {
                "from": sender,
                "to": record["address"],
                "data": "0x" + data.hex(),
                "value": hex(value),
                "gas": hex(400_000),
            },
        )
        assert wait_for_receipt(standin.url, tx)["status"] == "0x1"  # the node mines just after the send returns

    output = tmp_path / "bc.csv"
    code, out, err, errors = standin.ape("export", "--trainer", "bc", "--output", str(output), "--page-size", "2")
    assert (code, errors) == (0, []), out + err
    head = int(rpc(standin.url, "eth_blockNumber"), 16)
    assert f"wrote 3 contribution(s) from 3 account(s), blocks {record['block']}-{head}, to {output} (csv)" in out
    rows = list(csv.DictReader(output.open()))
    assert [row["sender"].lower() for row in rows] == [a.lower() for a in contributors]
    assert [int(row["label"]) for row in rows] == [0, 1, 0]
    assert all(row["claimable"] == row["deposit"] != "0" and row["refunded"] == "false" for row in rows)
    assert all(len(json.loads(row["sample"])) == 30 and row["tokens"] == "" for row in rows)
