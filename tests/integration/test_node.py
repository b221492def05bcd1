"""decai.chain.node: the one anvil launcher and the bounded receipt wait."""

from __future__ import annotations

import pytest
import requests

from decai.chain.node import Anvil, rpc, wait_for_receipt
from decai.errors import DecaiError


def test_wait_for_receipt__interval_mining__waits_for_the_block():
    with Anvil("--block-time", "1", untraced=False) as node:
        accounts = rpc(node.url, "eth_accounts")
        before = int(rpc(node.url, "eth_blockNumber"), 16)
        tx = rpc(node.url, "eth_sendTransaction", {"from": accounts[0], "to": accounts[1], "value": "0x1"})
        receipt = wait_for_receipt(node.url, tx)
        assert receipt["status"] == "0x1" and int(receipt["blockNumber"], 16) > before


def test_wait_for_receipt__never_mined__one_line_timeout():
    with Anvil() as node:
        missing = "0x" + "ab" * 32
        with pytest.raises(DecaiError, match=rf"^transaction {missing} has no receipt after 0.3 s at {node.url}$"):
            wait_for_receipt(node.url, missing, timeout_s=0.3)


def test_anvil__started_together__each_on_its_own_port_and_stopped():
    with Anvil() as first, Anvil() as second:
        assert first.port != second.port
        assert rpc(first.url, "eth_chainId") == rpc(second.url, "eth_chainId")
        url = first.url
    with pytest.raises(requests.ConnectionError):
        rpc(url, "eth_chainId", timeout=1)
