"""`ape run demo` and `ape run market demo` (what `make demo` and `make
market-demo` run) always use a fresh chain of their own: with
APE_FOUNDRY_HOST naming a node the user keeps, that node is neither used nor
changed, and the demo still runs to the end."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from decai.chain.node import Anvil, rpc

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def users_node():
    with Anvil() as node:
        yield node


def snapshot(url: str) -> dict:
    """Block number, and balance and nonce of the test accounts the demos use."""
    accounts = rpc(url, "eth_accounts")[:5]
    return {
        "block": rpc(url, "eth_blockNumber"),
        "balances": [rpc(url, "eth_getBalance", a, "latest") for a in accounts],
        "nonces": [rpc(url, "eth_getTransactionCount", a, "latest") for a in accounts],
    }


def ape_run(users_node, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, APE_FOUNDRY_HOST=users_node.url, PYTHONPATH=str(ROOT))
    return subprocess.run(["ape", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_market_demo__user_node_in_apefoundryhost__runs_on_a_fresh_chain_and_leaves_it_alone(users_node):
    before = snapshot(users_node.url)
    result = ape_run(users_node, "market", "demo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("prediction market demo on a fresh local chain")
    assert "test errors: h_0 " in result.stdout and "provider" in result.stdout
    assert [
        line for line in (result.stdout + result.stderr).splitlines() if line.startswith(("INFO:", "SUCCESS:"))
    ] == []
    assert snapshot(users_node.url) == before


def test_demo__user_node_in_apefoundryhost__runs_on_a_fresh_chain_and_leaves_it_alone(users_node):
    before = snapshot(users_node.url)
    result = ape_run(users_node, "demo", "--contributions", "6")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("decai demo on a fresh local chain")
    assert "accuracy on held-out data: before" in result.stdout
    assert snapshot(users_node.url) == before
