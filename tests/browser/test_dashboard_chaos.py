"""The dashboard's add and refund in headless Chromium, under random faults.

The dashboard reaches its anvil through the fault proxy (random dropped
connections, delays, 429s with Retry-After, 5xx, timeouts after the node
took a transaction, stale heads), and a user adds and refunds with a dev
account in the page, round after round, until the proxy has injected
DECAI_CHAOS_FAULTS faults (`make chaos`: 200; `make test`: a few), among
them answers to sends lost after the node took the transaction. Each
action must succeed in the page once; afterwards the chain itself (no
proxy in between) must show exactly one transaction per intended action,
one deposit per addition, every deposit paid back once, and the page's list
of the account's contributions must be the chain's.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from decai.chain.faults import FaultProxy
from decai.chain.node import Anvil, rpc
from tests.browser.test_dashboard import GOOD_TEXT, reviews, show, use_account
from tests.browser.test_dashboard_recovery import EXCEPTION_MARKS, ProxiedNode
from tests.helpers.chain import advance_node_time
from tests.integration.test_chaos import ARTIFACTS, FAULTS, KINDS, MAX_ROUNDS, RATE, SEND_RATE

#: Additions (then refunds) per round.
PER_ROUND = 2
#: Sends whose answer the proxy loses after the node took them (timeout_after_send) before the flow ends.
LOST_SENDS = max(1, FAULTS // 50)
#: Milliseconds an action may take under faults (retries wait up to 2 s each, Retry-After longer).
ACTION_MS = 120_000


@pytest.fixture(scope="module")
def node():
    """The dashboard's node: an anvil behind the fault proxy (overrides conftest's)."""
    with Anvil() as anvil, FaultProxy(anvil.url, seed=11) as proxy:
        yield ProxiedNode(proxy)


def _finished(page, box: str) -> str:
    """Wait until the action's message box holds its outcome and the page is drawn; its text."""
    page.wait_for_function(
        """(box) => { const b = document.querySelector(box);
          return document.body.dataset.ready && b && !b.hidden
            && (b.classList.contains('ok') || b.classList.contains('error')); }""",
        arg=box,
        timeout=ACTION_MS,
    )
    return page.locator(box).inner_text()


def _rows_become(page, dashboard, locator: str, count: int) -> None:
    """The page shows `count` of `locator`: a stale head may show the list as it was
    a few blocks ago, so the page is opened again (under faults) until it catches up."""
    for attempt in range(6):
        try:
            expect(page.locator(locator)).to_have_count(count, timeout=5_000)
            return
        except AssertionError:
            if attempt == 5:
                raise
            show(page, dashboard, reviews(dashboard))


def _logs(node_url: str, trainer: str, event_abi: str, sender: str, start: int) -> list:
    from eth_utils import keccak

    topic = "0x" + keccak(text=event_abi).hex()
    query = {"address": trainer, "fromBlock": hex(start), "topics": [topic, "0x" + sender[2:].lower().rjust(64, "0")]}
    return rpc(node_url, "eth_getLogs", query)


def test_chaos__dashboard__add_and_refund_in_the_page_each_once(page, dashboard, node):
    proxy, upstream, trainer = node.proxy, node.proxy.upstream, dashboard.trainers["reviews"]
    page.set_default_timeout(ACTION_MS)
    show(page, dashboard, reviews(dashboard))
    sender = use_account(page, dashboard, 4)
    start = int(rpc(upstream, "eth_blockNumber"), 16)
    nonce = int(rpc(upstream, "eth_getTransactionCount", sender, "latest"), 16)
    held = int(rpc(upstream, "eth_getBalance", trainer, "latest"), 16)
    added = refunded = 0
    for _ in range(MAX_ROUNDS):
        if proxy.total >= FAULTS and proxy.stats()["injected"].get("timeout_after_send", 0) >= LOST_SENDS:
            break
        proxy.set_rate(RATE, KINDS, SEND_RATE)
        for _ in range(PER_ROUND):
            page.fill("#add-input", GOOD_TEXT)
            page.select_option("#add-label", "fresh")
            page.click("#add-form button")
            assert "Added: added; deposit held" in _finished(page, "#add-message")
            added += 1
            _rows_become(page, dashboard, "#mine tbody tr", added)
        proxy.set_rate(0.0)
        advance_node_time(upstream, 86_400 + 60)
        proxy.set_rate(RATE, KINDS, SEND_RATE)
        show(page, dashboard, reviews(dashboard))
        for left in range(PER_ROUND - 1, -1, -1):
            _rows_become(page, dashboard, "#mine button.refund", left + 1)
            page.locator("#mine button.refund").first.click()
            assert "Refund done: refunded" in _finished(page, "#mine-message")
            refunded += 1
            _rows_become(page, dashboard, "#mine button.refund", left)
        text = page.locator("body").inner_text()
        assert not any(mark in text for mark in EXCEPTION_MARKS), text
    proxy.set_rate(0.0)
    stats = proxy.stats()
    assert stats["total"] >= FAULTS and stats["injected"].get("timeout_after_send", 0) >= LOST_SENDS, stats

    # One transaction per intended action, and nothing else from this account.
    assert int(rpc(upstream, "eth_getTransactionCount", sender, "latest"), 16) == nonce + added + refunded
    adds = _logs(upstream, trainer, "AddData(address,int64[],uint64,uint256,uint256)", sender, start)
    refunds = _logs(upstream, trainer, "Refund(address,bytes32,uint256)", sender, start)
    assert (len(adds), len(refunds)) == (added, refunded)
    # Every deposit paid back once: the contract holds what it held before.
    assert int(rpc(upstream, "eth_getBalance", trainer, "latest"), 16) == held
    # The page's list is the chain's.
    show(page, dashboard, reviews(dashboard))
    expect(page.locator("#mine tbody tr")).to_have_count(added)
    expect(page.locator("#mine button.refund")).to_have_count(0)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "dashboard.json").write_text(json.dumps(stats, indent=1, sort_keys=True) + "\n")
    print(f"\nchaos dashboard: survived {stats['total']} faults in {stats['requests']} requests {stats['injected']}")
