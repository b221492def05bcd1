"""The fault-injecting JSON-RPC proxy injects each fault it promises, and a
seeded random run repeats."""

from __future__ import annotations

import time

import pytest
import requests

from decai.chain.faults import FaultProxy
from decai.chain.node import MNEMONIC, Anvil, rpc
from decai.errors import DecaiError

SENDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the first account of MNEMONIC
assert MNEMONIC.startswith("test test")


@pytest.fixture(scope="module")
def node():
    with Anvil(keep_history=True) as anvil:
        yield anvil


@pytest.fixture
def proxy(node):
    with FaultProxy(node.url, seed=7) as faults:
        yield faults


def post(url: str, method: str, *params, timeout: float = 5) -> requests.Response:
    return requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=timeout
    )


def signed_transfer(node_url: str) -> str:
    """A signed 1-wei transfer from the first test account, as raw hex."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(MNEMONIC)
    nonce = int(rpc(node_url, "eth_getTransactionCount", SENDER, "pending"), 16)
    tx = {"to": "0x" + "11" * 20, "value": 1, "gas": 21_000, "gasPrice": 10**9, "nonce": nonce, "chainId": 31337}
    return "0x" + account.sign_transaction(tx).raw_transaction.hex()


def test_proxy__no_fault__forwards(proxy, node):
    assert post(proxy.url, "eth_chainId").json()["result"] == rpc(node.url, "eth_chainId")


def test_proxy__drop__connection_closed_without_answer(proxy):
    proxy.add("drop", method="eth_chainId")
    with pytest.raises(requests.ConnectionError):
        post(proxy.url, "eth_chainId")
    assert post(proxy.url, "eth_chainId").status_code == 200  # once only
    assert proxy.injected["drop"] == 1


def test_proxy__rate_limit__429_with_retry_after(proxy):
    proxy.add("rate_limit", retry_after_s=2)
    reply = post(proxy.url, "eth_blockNumber")
    assert reply.status_code == 429 and reply.headers["Retry-After"] == "2"


def test_proxy__server_error__status_given(proxy):
    proxy.add("server_error", status=502, after=1)
    assert post(proxy.url, "eth_blockNumber").status_code == 200
    assert post(proxy.url, "eth_blockNumber").status_code == 502


def test_proxy__delay__answer_comes_late(proxy):
    proxy.add("delay", delay_s=0.3)
    started = time.monotonic()
    assert post(proxy.url, "eth_blockNumber").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_proxy__timeout_after_send__node_has_the_transaction(proxy, node):
    raw = signed_transfer(node.url)
    proxy.add("timeout_after_send")
    with pytest.raises(requests.ConnectionError):
        post(proxy.url, "eth_sendRawTransaction", raw)
    from eth_utils import keccak

    tx_hash = "0x" + keccak(bytes.fromhex(raw[2:])).hex()
    assert rpc(node.url, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"


def test_proxy__drop_pending__hash_answered_but_never_mined(proxy, node):
    raw = signed_transfer(node.url)
    proxy.add("drop_pending")
    tx_hash = post(proxy.url, "eth_sendRawTransaction", raw).json()["result"]
    rpc(node.url, "evm_mine")
    assert rpc(node.url, "eth_getTransactionByHash", tx_hash) is None
    assert rpc(node.url, "anvil_getAutomine") is True
    # the same bytes again go through
    assert post(proxy.url, "eth_sendRawTransaction", raw).json()["result"] == tx_hash
    assert rpc(node.url, "eth_getTransactionReceipt", tx_hash)["status"] == "0x1"


def test_proxy__stale_head__answers_behind_the_head(proxy, node):
    for _ in range(3):
        rpc(node.url, "evm_mine")
    head = int(rpc(node.url, "eth_blockNumber"), 16)
    proxy.add("stale_head", depth=2, times=2)
    assert int(post(proxy.url, "eth_blockNumber").json()["result"], 16) == head - 2
    block = post(proxy.url, "eth_getBlockByNumber", "latest", False).json()["result"]
    assert int(block["number"], 16) == head - 2


def test_proxy__reorg__mined_transaction_orphaned(proxy, node):
    raw = signed_transfer(node.url)
    tx_hash = post(proxy.url, "eth_sendRawTransaction", raw).json()["result"]
    mined = rpc(node.url, "eth_getTransactionReceipt", tx_hash)
    proxy.add("reorg", depth=1)
    post(proxy.url, "eth_blockNumber")
    block = rpc(node.url, "eth_getBlockByNumber", mined["blockNumber"], False)
    assert block["hash"] != mined["blockHash"]
    assert rpc(node.url, "eth_getTransactionReceipt", tx_hash) is None


def test_proxy__rollback__blocks_removed(proxy, node):
    rpc(node.url, "evm_mine")
    head = int(rpc(node.url, "eth_blockNumber"), 16)
    proxy.add("reorg", depth=1, rollback=True)
    assert int(post(proxy.url, "eth_blockNumber").json()["result"], 16) == head - 1


def test_proxy__json_rpc_control__rules_and_stats(proxy):
    post(proxy.url, "faults_add", {"kind": "server_error", "method": "eth_gasPrice"})
    assert post(proxy.url, "eth_gasPrice").status_code == 503
    stats = post(proxy.url, "faults_stats").json()["result"]
    assert stats["injected"] == {"server_error": 1} and stats["total"] == 1


def test_proxy__unknown_kind__refused():
    with pytest.raises(DecaiError, match="unknown fault kind 'melt'"):
        FaultProxy("http://127.0.0.1:1", kinds=("melt",))


def test_proxy__same_seed__same_faults(node):
    def run(seed: int) -> list[int]:
        statuses = []
        with FaultProxy(node.url, seed=seed, rate=0.5, kinds=("rate_limit", "server_error")) as faults:
            for _ in range(30):
                statuses.append(post(faults.url, "eth_chainId").status_code)
        return statuses

    first = run(3)
    assert first == run(3)
    assert first != run(4)
    assert {200, 429, 503} <= set(first)


def test_proxy__outage__everything_dropped_until_restored(proxy):
    proxy.add("outage", method="eth_gasPrice")
    assert post(proxy.url, "eth_chainId").status_code == 200
    for method in ("eth_gasPrice", "eth_chainId", "eth_blockNumber"):
        with pytest.raises(requests.ConnectionError):
            post(proxy.url, method)
    assert post(proxy.url, "faults_restore").json()["result"] is True
    assert post(proxy.url, "eth_chainId").status_code == 200
    assert proxy.injected["outage"] == 1
