"""EIP-7825's per-transaction gas cap (16,777,216), as Ethereum mainnet, its
testnets and Base enforce it since the Fusaka upgrade: every anvil decai or
Ape starts enforces it, a deployment that needs more gas in total is chunked
under it, and a node's refusal reaches the user as one sentence."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from decai.chain.deploy import transaction_gas_budget
from decai.chain.node import TX_GAS_CAP, Anvil, rpc
from decai.errors import DecaiError, node_refusal
from decai.models import NaiveBayes

ROOT = Path(__file__).resolve().parents[2]
CAP_REFUSAL = "tx_gas_limit_cap"


def _send_with_gas(url: str, gas: int) -> str:
    sender = rpc(url, "eth_accounts")[0]
    return rpc(url, "eth_sendTransaction", {"from": sender, "to": sender, "gas": hex(gas)})


@pytest.mark.parametrize("untraced", [True, False], ids=["untraced", "plain stand-in"])
def test_every_anvil_decai_starts__refuses_a_transaction_over_the_cap(untraced):
    with Anvil(untraced=untraced) as node:
        assert _send_with_gas(node.url, TX_GAS_CAP).startswith("0x")
        with pytest.raises(DecaiError, match=CAP_REFUSAL):
            _send_with_gas(node.url, TX_GAS_CAP + 1)


def test_the_tests_anvil_started_by_ape__refuses_a_transaction_over_the_cap(owner):
    from ape import chain

    request = {"from": owner.address, "to": owner.address, "gas": hex(TX_GAS_CAP + 1)}
    with pytest.raises(Exception, match=CAP_REFUSAL):
        chain.provider.make_request("eth_sendTransaction", [request])
    # The block holds more than the cap: the cap, not the block, refused it.
    assert int(chain.blocks.head.gas_limit) > TX_GAS_CAP + 1


@pytest.mark.parametrize(
    "block_limit, budget", [(60_000_000, TX_GAS_CAP), (36_000_000, TX_GAS_CAP), (15_000_000, 13_500_000)]
)
def test_transaction_gas_budget__the_cap_or_ninety_percent_of_the_block(block_limit, budget):
    assert transaction_gas_budget(block_limit) == budget


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "{'code': -32000, 'message': 'intrinsic gas too high -- tx.gas_limit > env.cfg.tx_gas_limit_cap'}",
            "the node refuses transactions over the per-transaction gas cap of 16,777,216 (EIP-7825): "
            "send less per transaction (for a deployment, --max-gas-per-tx at most 16,777,216, the default) "
            "(the node said: intrinsic gas too high -- tx.gas_limit > env.cfg.tx_gas_limit_cap)",
        ),
        (
            'Gas estimation failed: \'{"code": -32000, "message": "insufficient funds for gas * price + value"}\'',
            "the sending account cannot pay for this transaction's gas and value: fund it, or choose another "
            "with --account (the node said: insufficient funds for gas * price + value)",
        ),
        (
            "{'code': -32603, 'message': 'something else entirely', 'data': None}",
            "the node refused the request: something else entirely",
        ),
        ("deposit: refund wait not over", None),
    ],
    ids=["cap", "funds", "unknown", "not a node error"],
)
def test_node_refusal__one_sentence_never_a_dict(text, expected):
    assert node_refusal(text) == expected


def _large_naive_bayes(path: Path) -> NaiveBayes:
    """A 20,000-word vocabulary: 5,001 parameter words, about 117M gas in all."""
    rng = random.Random(7)
    model = NaiveBayes(
        name="nb20k",
        description="",
        encoder="indices",
        classes=["neg", "pos"],
        class_capacity=2,
        num_features=20_000,
        smoothing=10**9,
        class_counts=[10, 20],
        feature_counts=[[rng.randint(0, 9) for _ in range(20_000)] for _ in range(2)],
    )
    path.write_text(json.dumps(model.to_dict()))
    return model


def _deploy(url: str, tmp: Path, *args: str):
    env = {k: v for k, v in os.environ.items() if k != "DECAI_ACCOUNT"}
    env.update(APE_FOUNDRY_HOST=url, DECAI_DEPLOYMENTS=str(tmp / "deployments"), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        ["ape", "run", "deploy", *args, "--network", "ethereum:local:foundry"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    return result.returncode, result.stdout, result.stderr, errors


def test_deploy__more_than_the_cap_in_total__chunked_under_it_on_a_capped_chain(tmp_path):
    model = _large_naive_bayes(tmp_path / "nb.json")
    # As Sepolia is today: 60M gas blocks, Osaka, the cap enforced.
    with Anvil("--gas-limit", "60000000", "--hardfork", "osaka") as node:
        sender = rpc(node.url, "eth_accounts")[0]
        # Asked for more than the cap per transaction: one sentence, nothing sent.
        code, out, err, errors = _deploy(
            node.url, tmp_path, "--model", str(tmp_path / "nb.json"), "--max-gas-per-tx", "30000000"
        )
        assert code == 1 and len(errors) == 1, out + err
        assert errors[0].startswith(
            "error: cannot deploy DepositNaiveBayes: the node refuses transactions over the per-transaction gas cap "
            "of 16,777,216 (EIP-7825): send less per transaction (for a deployment, --max-gas-per-tx at most"
        )
        assert "{" not in errors[0]
        assert rpc(node.url, "eth_getTransactionCount", sender, "latest") == "0x0"

        code, out, err, errors = _deploy(node.url, tmp_path, "--model", str(tmp_path / "nb.json"))
        assert (code, errors) == (0, []), out + err
        record = json.loads((tmp_path / "deployments" / "ethereum_local.json").read_text())["nb20k"]
        head = int(rpc(node.url, "eth_blockNumber"), 16)
        sent = [
            tx
            for number in range(record["block"], head + 1)
            for tx in rpc(node.url, "eth_getBlockByNumber", hex(number), True)["transactions"]
        ]
        receipts = [rpc(node.url, "eth_getTransactionReceipt", tx["hash"]) for tx in sent]
        assert all(receipt["status"] == "0x1" for receipt in receipts)
        assert sum(int(r["gasUsed"], 16) for r in receipts) > 6 * TX_GAS_CAP
        assert all(int(tx["gas"], 16) <= TX_GAS_CAP for tx in sent)
        assert len(sent) == len(record["gas"]) >= 8 and "finish_setup" in record["gas"]

        # The chain holds the whole model: it predicts as the model does.
        from eth_abi import decode, encode
        from eth_utils import keccak

        rng = random.Random(8)
        for _ in range(5):
            sample = sorted(rng.sample(range(20_000), 30))
            data = keccak(text="predict(int64[])")[:4] + encode(["int64[]"], [sample])
            answer = rpc(node.url, "eth_call", {"to": record["address"], "data": "0x" + data.hex()}, "latest")
            assert decode(["uint256"], bytes.fromhex(answer[2:]))[0] == model.predict(sample)
