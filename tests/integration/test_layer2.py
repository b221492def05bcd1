"""Base, OP and Arbitrum, offline: one anvil per network stands in for its Sepolia testnet.

Each stand-in has the network's chain id, a block every second (so Ape's
confirmations really pass), a base fee of the order the network charges, and
EIP-7825's per-transaction gas cap. anvil's `--optimism` mode (OP-stack
transaction types) goes to the OP stand-in; anvil 1.7.1 neither charges an
L1 data fee in that mode nor enforces the gas cap there (measured), so the
Base stand-in, whose network enforces the cap, runs without it, and every
stand-in checks that decai sent no transaction over the cap. The
`<NETWORK>_SEPOLIA_RPC_URL` variable that ape-config.yaml reads points Ape's
node provider at the stand-in, and every step runs as a user runs it: `ape
run` with keyfile accounts unlocked through DECAI_PASSPHRASE.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_utils import keccak

from decai.chain.node import TX_GAS_CAP, Anvil, rpc
from tests.helpers.explorers import ExplorerStandin, check_payloads

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "only for the layer-2 stand-ins"
KEYS = {name: "0x" + keccak(text=f"decai layer-2 stand-in {name}").hex() for name in ("deployer", "mallory")}
SAMPLE = [
    17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4, 0.006399,
    0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601,
    0.1189,
]  # fmt: skip
# The built-in model predicts this one malignant (0) and still does after
# learning it as benign (1): a bad contribution someone can report.
BAD_SAMPLE = [value * 1.2 for value in SAMPLE]


@dataclass(frozen=True)
class Network:
    ecosystem: str
    chain_id: int
    variable: str
    flags: tuple[str, ...]
    confirmations: int


NETWORKS = {
    # Base: an OP-stack chain that enforces the gas cap; about 0.001 gwei base fee.
    "base": Network("base", 84532, "BASE_SEPOLIA_RPC_URL", ("--block-base-fee-per-gas", "1000000"), 2),
    # OP: anvil's OP-stack mode.
    "optimism": Network(
        "optimism", 11155420, "OPTIMISM_SEPOLIA_RPC_URL", ("--optimism", "--block-base-fee-per-gas", "1000000"), 2
    ),
    # Arbitrum: no anvil mode; its minimum base fee, 0.01 gwei.
    "arbitrum": Network("arbitrum", 421614, "ARBITRUM_SEPOLIA_RPC_URL", ("--block-base-fee-per-gas", "10000000"), 1),
}


@pytest.fixture(scope="module")
def keystore(tmp_path_factory) -> Path:
    """An APE_DATA_FOLDER with keyfile accounts 'deployer' and 'mallory', imported as a user would."""
    folder = tmp_path_factory.mktemp("layer2-keys")
    script = "from ape_accounts import import_account_from_private_key as imp; " + "; ".join(
        f"imp({name!r}, {PASSPHRASE!r}, {key!r})" for name, key in KEYS.items()
    )
    env = dict(os.environ, APE_DATA_FOLDER=str(folder), PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return folder


class Standin:
    def __init__(self, network: Network, keystore: Path, tmp: Path):
        self.network = network
        self.choice = f"{network.ecosystem}:sepolia:node"
        self.node = Anvil("--chain-id", str(network.chain_id), "--block-time", "1", *network.flags, untraced=False)
        self.url = self.node.start().url
        self.records = tmp / "deployments"
        env = {k: v for k, v in os.environ.items() if k not in ("APE_FOUNDRY_HOST", "DECAI_ACCOUNT")}
        self.env = dict(
            env,
            APE_DATA_FOLDER=str(keystore),
            DECAI_DEPLOYMENTS=str(self.records),
            DECAI_PASSPHRASE=PASSPHRASE,
            PYTHONPATH=str(ROOT),
            **{network.variable: self.url},
        )
        self.accounts = {}

    def ape(self, *args: str, env: dict | None = None):
        result = subprocess.run(
            ["ape", "run", *args, "--network", self.choice],
            cwd=ROOT,
            env=dict(self.env, **(env or {})),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert (result.returncode, errors) == (0, []), result.stdout + result.stderr
        return result.stdout

    def sent(self, sender: str) -> list[dict]:
        """Every transaction `sender` sent, oldest first."""
        head = int(rpc(self.url, "eth_blockNumber"), 16)
        return [
            tx
            for number in range(head + 1)
            for tx in rpc(self.url, "eth_getBlockByNumber", hex(number), True)["transactions"]
            if tx["from"].lower() == sender.lower()
        ]


@pytest.fixture(scope="module", params=sorted(NETWORKS))
def standin(request, keystore, tmp_path_factory):
    node = Standin(NETWORKS[request.param], keystore, tmp_path_factory.mktemp(request.param))
    try:
        from eth_account import Account

        for name, key in KEYS.items():
            node.accounts[name] = Account.from_key(key).address
            rpc(node.url, "anvil_setBalance", node.accounts[name], hex(10**18))
        yield node
    finally:
        node.node.stop()


def _values(sample: list[float]) -> str:
    return ",".join(f"{value:g}" for value in sample)


def _publish_checks(standin: Standin, record: dict) -> None:
    """`verify --publish` sends Sourcify and Etherscan a source that compiles to
    the deployed code, with the record's constructor arguments; the API key
    comes from the environment and is written nowhere."""
    from decai.data.training import default_model

    explorer = ExplorerStandin()
    key = f"key-for-{standin.network.ecosystem}"
    try:
        out = standin.ape(
            "verify", "--trainer", "bc", "--publish", env=dict(explorer.environment, ETHERSCAN_API_KEY=key)
        )
        arguments = check_payloads(standin.url, explorer, key)
    finally:
        explorer.stop()
    address = record["address"]
    assert f"sourcify: {address} verified (exact_match)" in out and f"etherscan: {address} Pass - Verified" in out
    model = default_model()[0]
    words = arguments["weight_words"]
    assert (arguments["name"], arguments["description"]) == (model.name, model.description)
    assert list(words) == model.storage_words()[: len(words)] and arguments["finish"] == (
        len(words) == len(model.storage_words())
    )
    for name, value in record["mechanism"].items():
        if name != "mechanism":
            assert arguments[name] == value, name
    assert not any(key in path.read_text() for path in standin.records.iterdir())


def _dashboard_checks(standin: Standin, record: dict) -> None:
    """`ape run dashboard` on the network names it with its ecosystem and lists the trainer."""
    import requests

    server = subprocess.Popen(
        ["ape", "run", "dashboard", "--port", "0", "--network", standin.choice],
        cwd=ROOT,
        env=standin.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        url = None
        for line in server.stdout:
            found = re.search(r"decai dashboard: (http://\S+)", line)
            if found:
                url = found.group(1).rstrip("/")
                break
        assert url, "the dashboard did not start"
        deadline = time.monotonic() + 60
        while True:  # the address is printed just before the server listens
            try:
                network = requests.get(f"{url}/api/network", timeout=30).json()
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the dashboard does not answer"
                time.sleep(0.2)
        assert (network["name"], network["chain_id"], network["dev"]) == (
            f"{standin.network.ecosystem}:sepolia",
            standin.network.chain_id,
            False,
        )
        listed = json.dumps(requests.get(f"{url}/api/trainers", timeout=60).json())
        assert record["address"].lower() in listed.lower()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server.stdout.close()


def test_layer2__deploy_add_refund_report_export_on_the_standin(standin, tmp_path):
    network, deployer, mallory = standin.network, standin.accounts["deployer"], standin.accounts["mallory"]
    assert int(rpc(standin.url, "eth_chainId"), 16) == network.chain_id
    waits = ("--refund-wait", "1m", "--owner-claim-wait", "2m", "--any-claim-wait", "3m", "--cost-weight", "1e12")
    out = standin.ape("deploy", "--account", "deployer", "--name", "bc", "--yes", *waits)
    assert f"each transaction waits for {network.confirmations} confirmation(s)" in out
    record = json.loads((standin.records / f"{network.ecosystem}_sepolia.json").read_text())["bc"]
    assert (record["chain_id"], record["deployer"], record["confirmations"]) == (
        network.chain_id,
        deployer,
        network.confirmations,
    )
    assert "verified: bc is the deployed model" in standin.ape("verify", "--trainer", "bc")
    _publish_checks(standin, record)
    _dashboard_checks(standin, record)

    out = standin.ape(
        "add_data",
        "--trainer",
        "bc",
        "--values",
        _values(SAMPLE),
        "--label",
        "0",
        "--account",
        "deployer",
        "--unlearnable",
    )
    assert "added at time" in out
    out = standin.ape(
        "add_data",
        "--trainer",
        "bc",
        "--values",
        _values(BAD_SAMPLE),
        "--label",
        "1",
        "--account",
        "mallory",
        "--unlearnable",
    )
    bad_time = int(re.search(r"added at time (\d+)", out).group(1))
    rpc(standin.url, "evm_increaseTime", 61)
    rpc(standin.url, "evm_mine")

    balance = int(rpc(standin.url, "eth_getBalance", record["address"], "latest"), 16)
    assert "1 of 1 contribution(s) refunded" in standin.ape(
        "refund", "--trainer", "bc", "--all", "--account", "deployer"
    )
    out = standin.ape(
        "report",
        *("--trainer", "bc", "--values", _values(BAD_SAMPLE), "--label", "1"),
        *("--added-time", str(bad_time), "--author", mallory, "--account", "deployer"),
    )
    taken = int(re.search(r"took (\d+) wei", out).group(1))
    assert taken > 0 and "removed from the model" not in out  # a dense perceptron keeps every sample
    # The trainer paid out the refund and the report and holds nothing more.
    assert int(rpc(standin.url, "eth_getBalance", record["address"], "latest"), 16) < balance - taken

    output = tmp_path / "bc.csv"
    out = standin.ape("export", "--trainer", "bc", "--output", str(output))
    assert "wrote 2 contribution(s) from 2 account(s)" in out
    rows = {row["sender"].lower(): row for row in csv.DictReader(output.read_text().splitlines())}
    assert rows[deployer.lower()]["refunded"] == "true" and rows[deployer.lower()]["label"] == "0"
    assert rows[mallory.lower()]["label"] == "1" and rows[mallory.lower()]["claimable"] == "0"
    assert rows[mallory.lower()]["in_model"] == "true"

    # Every transaction asked for no more gas than the cap and paid for its gas.
    sent = standin.sent(deployer) + standin.sent(mallory)
    assert len(sent) >= 5 and all(int(tx["gas"], 16) <= TX_GAS_CAP for tx in sent)
    receipts = [rpc(standin.url, "eth_getTransactionReceipt", tx["hash"]) for tx in sent]
    assert all(r["status"] == "0x1" and int(r["effectiveGasPrice"], 16) > 0 for r in receipts)


def test_layer2__market_source_published_with_its_constructor_arguments(standin):
    out = standin.ape(
        "market", "deploy", "--features", "50", "--stake", "1000gwei", "--min-duration", "60", "--account", "deployer"
    )
    found = re.search(r"market deployed at (0x[0-9a-fA-F]{40}) in transaction (0x[0-9a-f]{64})", out)
    assert found, out
    address, transaction = found.groups()
    explorer = ExplorerStandin()
    try:
        keyless = {k: v for k, v in standin.env.items() if k != "ETHERSCAN_API_KEY"}
        refused = subprocess.run(
            ["ape", "run", "verify", "--market", address, "--creation-tx", transaction, "--publish"]
            + ["--explorer", "etherscan", "--network", standin.choice],
            cwd=ROOT,
            env=dict(keyless, **explorer.environment),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert refused.returncode == 1 and refused.stderr.strip().endswith(
            "error: --explorer etherscan needs an API key in the environment: export ETHERSCAN_API_KEY=..."
        )
        assert explorer.requests == []
        out = standin.ape(
            *("verify", "--market", address, "--creation-tx", transaction, "--publish"),
            env=dict(explorer.environment, ETHERSCAN_API_KEY="market-key"),
        )
        arguments = check_payloads(standin.url, explorer, "market-key")
    finally:
        explorer.stop()
    assert f"sourcify: {address} verified (exact_match)" in out and f"etherscan: {address} Pass - Verified" in out
    assert explorer.sourcify_submission()[1]["contractIdentifier"].endswith(":PredictionMarketSparsePerceptron")
    assert (arguments["num_features"], arguments["stake"], arguments["min_duration_s"]) == (50, 10**12, 60)


@pytest.mark.parametrize(
    "args, message",
    [
        (("--trainer", "bc", "--publish"), "error: ethereum:local is not a public network: explorers cannot see it"),
        (("--market", "0x" + "ab" * 20), "error: --market needs --creation-tx and --publish (a market has no record"),
        ((), "error: give either --trainer or --market"),
    ],
    ids=["local network", "market without its transaction", "nothing to verify"],
)
def test_verify_publish__bad_input__one_line_nothing_sent(tmp_path, args, message):
    from tests.helpers.scripts import run_script

    explorer = ExplorerStandin()
    try:
        with Anvil() as node:
            result = run_script(node.url, tmp_path, "verify", *args, **explorer.environment, ETHERSCAN_API_KEY="k")
    finally:
        explorer.stop()
    assert result.code == 1 and len(result.errors) == 1 and result.errors[0].startswith(message), result.err
    assert explorer.requests == [] and not result.traced
