"""Attacks on the dashboard's API, made as a real attacker would make them.

A page on another origin (a second local server on another port, opened in
Chromium) posts `text/plain` to /api/send (100 ETH from dev account 0) and
to /api/deploy/record (repointing the existing record "reviews" to the
attacker's own, really deployed trainer); a page under a rebound host name
(Chromium resolves rebind.test to 127.0.0.1, as DNS rebinding would) reads
and posts as same-origin; a 20 MiB body is posted. Each is refused, nothing
is sent and the record is unchanged. The same payloads from the dashboard's
own origin with its session token are accepted (the record under a new
name; the 100 ETH, sent last), so the refusals come from the checks, not from a broken payload.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

import pytest
import requests

from decai.chain.node import rpc, wait_for_receipt
from tests.helpers.chain import sparse_model

FORM = {"refund_wait": "1d", "owner_claim_wait": "10d", "any_claim_wait": "20d", "cost_weight": "1e15"}
ATTACKER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's account 9
HUNDRED_ETH = hex(100 * 10**18)

ATTACK_PAGE = """<!doctype html><title>cute cats</title><script>
const target = %(target)s;
const attacks = %(attacks)s;
(async () => {
  const results = {};
  for (const [name, path, body] of attacks) {
    try {
      const response = await fetch(target + path,
        { method: "POST", mode: "no-cors", headers: { "Content-Type": "text/plain" }, body: JSON.stringify(body) });
      results[name] = response.type;
    } catch (error) { results[name] = String(error); }
  }
  window.results = results;
})();
</script>"""


def balance(dashboard, address: str) -> int:
    return int(rpc(dashboard.node_url, "eth_getBalance", address, "latest"), 16)


def records(dashboard) -> dict:
    return json.loads((dashboard.served_records / "ethereum_local.json").read_text())


def token(dashboard) -> str:
    return re.search(r'name="decai-token" content="([^"]+)"', requests.get(dashboard.url + "/").text).group(1)


def own_page_post(dashboard, path: str, body: dict) -> requests.Response:
    """A POST as the dashboard's own page makes it."""
    headers = {"Origin": dashboard.url, "Content-Type": "application/json", "X-Decai-Token": token(dashboard)}
    return requests.post(dashboard.url + path, data=json.dumps(body), headers=headers, timeout=120)


@pytest.fixture(scope="module")
def attacker_trainer(dashboard):
    """The attacker's own trainer, deployed from account 9 with the plan the API gives anyone."""
    model = sparse_model(num_features=8).to_dict()
    body = {"model": model, "mechanism": "deposit", "params": FORM, "from": ATTACKER, "name": "mine"}
    plan = own_page_post(dashboard, "/api/deploy/plan", body).json()
    address, hashes = None, []
    for step in plan["steps"]:
        tx = {"from": ATTACKER, "data": step["data"], "gas": step["gas_hex"]}
        if step["to"]:
            tx["to"] = address
        hashes.append(rpc(dashboard.node_url, "eth_sendTransaction", tx))
        receipt = wait_for_receipt(dashboard.node_url, hashes[-1])
        address = address or receipt["contractAddress"]
    return {**body, "hashes": hashes, "labels": [s["label"] for s in plan["steps"]], "address": address}


@pytest.fixture
def attacker_site(tmp_path):
    """A second local server, on another port: the attacker's origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_cross_origin_page__cannot_send_or_repoint_a_record(browser, dashboard, attacker_trainer, attacker_site):
    folder, origin = attacker_site
    dev = dashboard.accounts[0]
    reviews = records(dashboard)["reviews"]
    nonce, funds = dashboard.nonce(dev), balance(dashboard, ATTACKER)
    repoint = {key: attacker_trainer[key] for key in ("model", "mechanism", "params", "hashes", "labels")}
    repoint.update({"name": "reviews", "from": ATTACKER, "replace": True})
    attacks = [
        ["send", "/api/send", {"tx": {"from": dev, "to": ATTACKER, "value": HUNDRED_ETH}}],
        ["record", "/api/deploy/record", repoint],
    ]
    (folder / "attack.html").write_text(
        ATTACK_PAGE % {"target": json.dumps(dashboard.url), "attacks": json.dumps(attacks)}
    )
    context = browser.new_context()
    page = context.new_page()
    statuses = {}
    page.on("response", lambda r: statuses.__setitem__(urlparse(r.url).path, r.status))
    try:
        page.goto(f"{origin}/attack.html")
        page.wait_for_function("window.results !== undefined", timeout=30_000)
        # The browser sent both (opaque answers); the server refused them (foreign Origin).
        assert page.evaluate("window.results") == {"send": "opaque", "record": "opaque"}
        assert (statuses["/api/send"], statuses["/api/deploy/record"]) == (403, 403)
    finally:
        context.close()
    assert dashboard.nonce(dev) == nonce, "the cross-site post sent a transaction"
    assert balance(dashboard, ATTACKER) == funds
    assert records(dashboard)["reviews"] == reviews
    # The same send from the page itself goes through: the payload was a working one.
    sent = own_page_post(dashboard, "/api/send", attacks[0][2])
    assert sent.status_code == 200, sent.text
    wait_for_receipt(dashboard.node_url, sent.json()["hash"])
    assert balance(dashboard, ATTACKER) == funds + 100 * 10**18
    # The same record payload from the page itself, under a new name, is valid.
    own = own_page_post(dashboard, "/api/deploy/record", {**repoint, "name": "attackers-own", "replace": False})
    assert own.status_code == 200, own.text
    assert own.json()["address"].lower() == attacker_trainer["address"].lower()
    # Under the existing name, even the page must confirm first.
    again = own_page_post(dashboard, "/api/deploy/record", {**repoint, "replace": False})
    assert again.status_code == 400
    assert again.json()["error"].startswith("a record named 'reviews' already exists")
    assert records(dashboard)["reviews"] == reviews


def test_cross_origin_json_with_a_guessed_token__blocked(browser, dashboard, attacker_site):
    """Beyond a simple request: JSON with a token header needs a CORS
    preflight, which the server never grants, so nothing is sent."""
    folder, origin = attacker_site
    dev = dashboard.accounts[0]
    nonce = dashboard.nonce(dev)
    (folder / "json.html").write_text("<!doctype html><title>x</title>")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{origin}/json.html")
        outcome = page.evaluate(
            """async ([target, body]) => {
              try {
                const r = await fetch(target + "/api/send", { method: "POST", body,
                  headers: { "Content-Type": "application/json", "X-Decai-Token": "guess" } });
                return `answered ${r.status}`;
              } catch (error) { return "blocked"; }
            }""",
            [dashboard.url, json.dumps({"tx": {"from": dev, "to": ATTACKER, "value": HUNDRED_ETH}})],
        )
    finally:
        context.close()
    assert outcome == "blocked"
    assert dashboard.nonce(dev) == nonce


def test_rebound_host_name__gets_no_page_no_accounts_no_send(browser, dashboard):
    port = urlparse(dashboard.url).port
    dev = dashboard.accounts[0]
    nonce = dashboard.nonce(dev)
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(f"http://rebind.test:{port}/")
        assert response.status == 403
        assert "decai-token" not in page.content()
        read, sent = page.evaluate(
            """async ([dev, to, value]) => {
              const read = await fetch("/api/network").then(async (r) => [r.status, await r.text()]);
              const sent = await fetch("/api/send", { method: "POST", headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ tx: { from: dev, to, value } }) }).then((r) => r.status);
              return [read, sent];
            }""",
            [dev, ATTACKER, HUNDRED_ETH],
        )
    finally:
        context.close()
    assert read[0] == 403 and "this server answers only as" in read[1]
    assert dev.lower() not in read[1].lower()
    assert sent == 403
    assert dashboard.nonce(dev) == nonce


def test_foreign_host_header__refused(dashboard):
    for path in ("/", "/api/network", "/api/trainers"):
        response = requests.get(dashboard.url + path, headers={"Host": "attacker.example"})
        assert response.status_code == 403, path
        assert "dev_accounts" not in response.text


def test_twenty_mib_body__refused_before_it_is_read(dashboard):
    """413 arrives after the headers and the first 64 KiB: the rest of the
    20 MiB is never sent, let alone parsed."""
    url = urlparse(dashboard.url)
    dev = dashboard.accounts[0]
    nonce = dashboard.nonce(dev)
    length = 20 << 20
    head = (
        f"POST /api/send HTTP/1.1\r\nHost: {url.netloc}\r\nOrigin: {dashboard.url}\r\n"
        f"Content-Type: application/json\r\nX-Decai-Token: {token(dashboard)}\r\nContent-Length: {length}\r\n\r\n"
    )
    start = json.dumps({"tx": {"from": dev, "to": ATTACKER, "value": HUNDRED_ETH}, "padding": ""})[:-2] + " " * 65536
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(head.encode() + start.encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
    assert dashboard.nonce(dev) == nonce
