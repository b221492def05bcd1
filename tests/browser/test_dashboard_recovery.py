"""The dashboard when its node goes away and comes back, in headless Chromium.

The dashboard reaches its anvil through the fault proxy: an outage is the
node gone, and pointing the proxy at a fresh anvil is the node restarted on
the same address. The page says so in one sentence naming the node, never
an exception's text, and recovers by itself when the node is back; a
recorded trainer that no longer exists is marked and the others still show.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from decai.chain.faults import FaultProxy
from decai.chain.node import Anvil, rpc

#: What an exception's text looks like on a page.
EXCEPTION_MARKS = ("Error:", "Traceback", "HTTPConnectionPool", "Max retries", "Exception")


class ProxiedNode:
    """An anvil reached through a fault proxy, as the dashboard fixtures expect a node."""

    def __init__(self, proxy: FaultProxy):
        self.proxy = proxy
        self.url = proxy.url


@pytest.fixture(scope="module")
def node():
    """The dashboard's node: an anvil behind the fault proxy (overrides conftest's)."""
    with Anvil() as anvil, FaultProxy(anvil.url) as proxy:
        yield ProxiedNode(proxy)


def wait_ready(page) -> None:
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def assert_one_sentence(page) -> None:
    text = page.locator("body").inner_text()
    assert not any(mark in text for mark in EXCEPTION_MARKS), text


def test_node_gone__one_sentence__page_recovers_by_itself(page, dashboard, node):
    wait_ready(page)
    expect(page.locator(".trainer-card")).to_have_count(3)
    node.proxy.down = True
    try:
        page.reload()
        # The server tries the node a few times (about 3 s) before it says it is gone.
        expect(page.locator("#global-message")).to_contain_text(
            f"the node at {node.url} does not answer; this page carries on by itself when it is back", timeout=15_000
        )
        assert_one_sentence(page)
    finally:
        node.proxy.restore()
    # no reload: the page tries again by itself
    expect(page.locator(".trainer-card:not(.missing)")).to_have_count(3, timeout=30_000)
    expect(page.locator("#global-message")).to_be_hidden()
    assert_one_sentence(page)


def test_trainer_gone__marked__the_others_still_show(page, dashboard, node):
    gone = dashboard.trainers["reviews"]
    rpc(node.proxy.upstream, "anvil_setCode", gone, "0x")
    page.reload()
    wait_ready(page)
    expect(page.locator(".trainer-card")).to_have_count(3)
    marked = page.locator(f".trainer-card.missing[data-address='{gone}']")
    expect(marked).to_contain_text(f"there is no contract at {gone}")
    expect(page.locator(".trainer-card:not(.missing)")).to_have_count(2)
    assert_one_sentence(page)


def test_node_restarted_fresh__page_recovers__every_old_trainer_marked(page, dashboard, node):
    wait_ready(page)
    node.proxy.down = True
    page.reload()
    expect(page.locator("#global-message")).to_contain_text(f"the node at {node.url} does not answer", timeout=15_000)
    with Anvil() as fresh:
        node.proxy.upstream = fresh.url  # the same address, a new chain
        node.proxy.restore()
        expect(page.locator(".trainer-card.missing")).to_have_count(3, timeout=30_000)
        expect(page.locator(".trainer-card.missing").first).to_contain_text("the chain was restarted")
        assert_one_sentence(page)
