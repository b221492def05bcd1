"""A prediction market's provider in the browser, from creation to payout.

The provider (dev account 0) creates a market on the page, commits a test
set split, salted and hashed in the page (the secrets file is downloaded,
then loaded back), reveals the drawn portion; a contributor adds on the page;
the chain's clock moves a day; the provider ends participation, reveals every
other portion, processes, and both see what they are owed. Bad input along
the way (committing before saving the secrets, a secrets file that is not
the commitment's, revealing during participation) gets its sentence and no
transaction. The tests run in file order on one page. Screenshots of the
commit and reveal steps go to docs/ with DECAI_SCREENSHOTS=docs.
"""

from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect

from decai.chain.node import rpc
from decai.units import format_ether
from tests.browser.test_dashboard import DOCS, WALLET, show, use_account
from tests.helpers.chain import advance_node_time as advance_time

FEATURES = 40


def test_setup(page, dashboard, tmp_path_factory):
    """Shared state of this module's steps (the market's address, the files)."""
    folder = tmp_path_factory.mktemp("provider")
    # Features below 20 say 1, above say 0.
    samples = [[i, i + 1, i + 2] for i in range(0, 16, 2)] + [[i, i + 1, i + 2] for i in range(22, 38, 2)]
    labels = [1] * 8 + [0] * 8
    (folder / "test.json").write_text(json.dumps({"samples": samples, "labels": labels}))
    STATE.update(folder=folder)


STATE: dict = {}


def market_page(page, dashboard):
    show(page, dashboard, f"#/market/{STATE['market']}")


def test_create_a_market(page, dashboard):
    provider = use_account(page, dashboard, 0)
    show(page, dashboard, "#/new-market")
    expect(page.locator("h1")).to_have_text("Create a prediction market")
    page.fill("#nm-features", FEATURES.__str__())
    page.fill("#nm-name", "provider market")
    nonce = dashboard.nonce(provider)
    page.fill("#nm-min_duration", "")
    page.click("#nm-estimate")
    expect(page.locator("#nm-message")).to_contain_text("“Provider may end after” is empty")
    page.fill("#nm-min_duration", "8d")
    page.click("#nm-estimate")
    expect(page.locator("#nm-message")).to_contain_text(
        "“Provider may end after” must lie between 0 and “Participation closes after”"
    )
    assert dashboard.nonce(provider) == nonce
    page.fill("#nm-min_duration", "1d")
    page.click("#nm-estimate")
    page.wait_for_selector("#nm-create")
    page.click("#nm-create")
    expect(page.locator("#nm-result")).to_contain_text("Market created and recorded as provider market", timeout=60_000)
    href = page.get_attribute("#nm-link", "href")
    STATE["market"] = href.split("/")[-1]
    STATE["provider"] = provider
    page.click("#nm-link")
    page.wait_for_selector("#commit-form")
    expect(page.locator("#market-phase")).to_contain_text("setup")
    expect(page.locator("#market-tests")).to_have_text(
        "not committed yet: the owner commits a hidden test set with the bounty"
    )


def posts(page) -> list[str]:
    """The bodies of every POST the page makes from now on."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.post_data or "") if r.method == "POST" else None)
    return seen


def test_commit_needs_the_secrets_file_saved_first(page, dashboard):
    market_page(page, dashboard)
    sent = posts(page)
    # A bad test set is refused in the page, naming its line, before anything is posted.
    for text, message in (
        ("label,sample\n1,1 2 3\nx,4 5\n", "bad.csv:3: column 'label': \"x\" is not a label (0 or 1)"),
        ("1,1 2 3\n0,4 50\n", "bad.csv:2: sample: feature index 50 is out of range (the model has 40 features)"),
        ("1,1 2\n", "1 test samples cannot fill 4 portions"),
    ):
        (STATE["folder"] / "bad.csv").write_text(text)
        page.set_input_files("#commit-file", str(STATE["folder"] / "bad.csv"))
        page.click("#commit-prepare")
        expect(page.locator("#provider-message")).to_contain_text(message)
    assert sent == []
    page.set_input_files("#commit-file", str(STATE["folder"] / "test.json"))
    page.fill("#commit-portions", "4")
    page.fill("#commit-bounty", "1ether")
    page.click("#commit-prepare")
    expect(page.locator("#commit-summary")).to_contain_text("16")
    page.screenshot(path=str(DOCS / "dashboard-market-commit-1280.png"), full_page=True)
    nonce = dashboard.nonce(STATE["provider"])
    page.click("#commit-send")
    expect(page.locator("#provider-message")).to_contain_text("Download the secrets file first")
    assert dashboard.nonce(STATE["provider"]) == nonce
    with page.expect_download() as download:
        page.click("#commit-download")
    path = STATE["folder"] / "secrets.json"
    download.value.save_as(path)
    secrets = json.loads(path.read_text())
    assert secrets["format"] == "decai-market-portions/1" and len(secrets["portions"]) == 4
    assert sorted(len(p["samples"]) for p in secrets["portions"]) == [4, 4, 4, 4]
    STATE["secrets"] = path
    page.click("#commit-send")
    expect(page.locator("#provider-message")).to_contain_text("Committed: commit 4 portions", timeout=30_000)
    expect(page.locator("#market-phase")).to_contain_text("committed")
    expect(page.locator("#provider")).to_contain_text("closes in 23h 59m")
    # The server got the hashes and the bounty, never a salt or a sample.
    assert any('"action":"commit"' in body for body in sent)
    for body in sent:
        assert '"samples"' not in body and not any(p["salt"][2:] in body for p in secrets["portions"])
    # Only the hashes went on chain: each is the SDK's hash of the file's portion.
    from decai.market.encoding import Portion

    for i, portion in enumerate(secrets["portions"]):
        committed = rpc(
            dashboard.node_url, "eth_call", {"to": STATE["market"], "data": _call("portion_hash", i)}, "latest"
        )
        assert committed == "0x" + Portion.from_dict(portion).hash().hex()


def _call(name: str, *args: int | str) -> str:
    from eth_abi import encode
    from eth_utils import keccak

    types = ["address" if isinstance(a, str) else "uint256" for a in args]
    selector = keccak(text=f"{name}({','.join(types)})")[:4]
    return "0x" + (selector + encode(types, list(args))).hex()


def owed(dashboard, address: str) -> int:
    return int(
        rpc(dashboard.node_url, "eth_call", {"to": STATE["market"], "data": _call("owed", address)}, "latest"), 16
    )


def own_post(dashboard, path: str, body: dict, **headers) -> requests.Response:
    """A POST as the dashboard's own page makes it (its Origin and session token), unless `headers` say otherwise."""
    import re

    token = re.search(r'name="decai-token" content="([^"]+)"', requests.get(dashboard.url + "/").text).group(1)
    sent = {"Origin": dashboard.url, "X-Decai-Token": token, **headers}
    return requests.post(dashboard.url + path, json=body, headers=sent, timeout=30)


def test_a_wrong_secrets_file_is_refused(page, dashboard):
    market_page(page, dashboard)  # a fresh page: the secrets made here are gone
    wrong = json.loads(STATE["secrets"].read_text())
    wrong["portions"][2]["labels"][0] ^= 1
    (STATE["folder"] / "wrong.json").write_text(json.dumps(wrong))
    nonce = dashboard.nonce(STATE["provider"])
    page.set_input_files("#secrets-file", str(STATE["folder"] / "wrong.json"))
    expect(page.locator("#provider-message")).to_contain_text("does not match this market's commitment: portion 2")
    page.click("#reveal-first")
    expect(page.locator("#provider-message")).to_contain_text("does not match this market's commitment: portion 2")
    (STATE["folder"] / "other.json").write_text(json.dumps({**wrong, "market": "0x" + "12" * 20}))
    page.set_input_files("#secrets-file", str(STATE["folder"] / "other.json"))
    expect(page.locator("#provider-message")).to_contain_text("holds the secrets of the market 0x1212")
    # The server checks each portion against its committed hash too, and
    # another page (a foreign Origin) cannot make it mine the draw's block.
    head = int(rpc(dashboard.node_url, "eth_blockNumber"), 16)
    url = f"/api/markets/{STATE['market']}/provider/prepare"
    foreign = own_post(dashboard, url, {"action": "first_index", "from": STATE["provider"]}, Origin="http://evil.test")
    assert foreign.status_code == 403 and int(rpc(dashboard.node_url, "eth_blockNumber"), 16) == head
    index = own_post(dashboard, url, {"action": "first_index", "from": STATE["provider"]}).json()["index"]
    tampered = json.loads(STATE["secrets"].read_text())["portions"][index]
    tampered["labels"][0] ^= 1
    body = {"action": "reveal_first", "from": STATE["provider"], "portion": tampered}
    refused = own_post(dashboard, url, body)
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        f"portion {index} does not match its committed hash: is this the secrets file of this market?"
    )
    assert dashboard.nonce(STATE["provider"]) == nonce


def test_reveal_the_first_portion_from_the_file(page, dashboard):
    market_page(page, dashboard)
    sent = posts(page)
    page.click("#reveal-first")
    expect(page.locator("#provider-message")).to_contain_text("Load the secrets file first")
    page.set_input_files("#secrets-file", str(STATE["secrets"]))
    expect(page.locator("#provider-message")).to_contain_text("matches this market's commitment")
    page.click("#reveal-first")
    expect(page.locator("#provider-message")).to_contain_text("revealed: participation is open", timeout=30_000)
    expect(page.locator("#market-phase")).to_contain_text("participation")
    # Only the drawn portion's salt reached the server: in the reveal's
    # preparation and in the transaction the server sends for the dev account.
    secrets = json.loads(STATE["secrets"].read_text())["portions"]
    first = int(page.locator("#provider").text_content().split("first portion ")[1].split(" ")[0])
    for i, portion in enumerate(secrets):
        carried = [b for b in sent if portion["salt"][2:] in b]
        if i != first:
            assert carried == []
        else:
            assert len(carried) == 2 and '"action":"reveal_first"' in carried[0] and carried[1].startswith('{"tx"')


def test_a_contributor_adds_and_an_early_reveal_is_refused(page, dashboard):
    contributor = use_account(page, dashboard, 1)
    market_page(page, dashboard)
    expect(page.locator("#provider-note")).to_contain_text("The provider")
    for sample in ("2, 3, 4", "6, 7, 8", "10, 11, 12"):
        page.wait_for_selector("#market-add")
        page.fill("#market-input", sample)
        page.select_option("#market-label", "positive")
        page.click("#market-add button")
        expect(page.locator("#market-message")).to_contain_text("Added with your stake")
    STATE["contributor"] = contributor
    use_account(page, dashboard, 0)
    market_page(page, dashboard)
    expect(page.locator("#provider")).to_contain_text("You may end it in 23h")
    expect(page.locator("#market-end")).to_have_count(0)
    nonce = dashboard.nonce(STATE["provider"])
    page.set_input_files("#secrets-file", str(STATE["secrets"]))
    page.click("#reveal-next")
    expect(page.locator("#provider-message")).to_contain_text(
        "the other portions are revealed after participation ends; you may end it in 23h"
    )
    assert dashboard.nonce(STATE["provider"]) == nonce


def test_end_reveal_every_portion_process_and_payouts(page, dashboard):
    advance_time(dashboard.node_url, 86_400 + 60)
    market_page(page, dashboard)
    page.click("#market-end")
    expect(page.locator("#market-message")).to_contain_text("Participation ended")
    expect(page.locator("#provider")).to_contain_text("closes in 23h")
    page.set_input_files("#secrets-file", str(STATE["secrets"]))
    page.locator("#provider").screenshot(path=str(DOCS / "dashboard-market-reveal-1280.png"))
    for _ in range(3):
        expect(page.locator("#reveal-left")).to_be_visible()
        page.click("#reveal-next")
        expect(page.locator("#provider-message")).to_contain_text("revealed.", timeout=30_000)
    expect(page.locator("#market-phase")).to_contain_text("processing")
    expect(page.locator("#provider")).to_contain_text("12 samples evaluated")
    page.click("#market-process")
    expect(page.locator("#market-message")).to_contain_text("Processing finished", timeout=60_000)
    expect(page.locator("#market-phase")).to_contain_text("finished")
    # The payouts the page shows are the contract's.
    provider_owed = owed(dashboard, STATE["provider"])
    assert provider_owed > 0
    expect(page.locator("#market-owed")).to_have_text(format_ether(provider_owed))
    use_account(page, dashboard, 1)
    market_page(page, dashboard)
    contributor_owed = owed(dashboard, STATE["contributor"])
    assert contributor_owed > 0
    expect(page.locator("#market-owed")).to_have_text(format_ether(contributor_owed))
    page.click("#market-withdraw")
    expect(page.locator("#market-message")).to_contain_text(f"Done: withdraw {format_ether(contributor_owed)}")
    assert owed(dashboard, STATE["contributor"]) == 0


def test_with_an_injected_wallet_the_browser_sends(browser, dashboard):
    account = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's account 9, not a dev account of the page
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(WALLET % {"node": json.dumps(dashboard.node_url), "account": json.dumps(account)})
    wallet_page = context.new_page()
    wallet_page.set_default_timeout(20_000)
    try:
        show(wallet_page, dashboard, "#/new-market")
        wallet_page.select_option("#account-select", "wallet")
        expect(wallet_page.locator("#account-select")).to_contain_text("Browser wallet: 0xa0Ee")
        wallet_page.wait_for_selector("#nm-estimate")
        wallet_page.fill("#nm-features", str(FEATURES))
        wallet_page.fill("#nm-name", "wallet market")
        wallet_page.click("#nm-estimate")
        wallet_page.click("#nm-create")
        expect(wallet_page.locator("#nm-result")).to_contain_text("Market created", timeout=60_000)
        created = wallet_page.evaluate("window.__wallet.sent")
        assert created >= 1
        wallet_page.click("#nm-link")
        wallet_page.wait_for_selector("#commit-form")
        wallet_page.set_input_files("#commit-file", str(STATE["folder"] / "test.json"))
        wallet_page.fill("#commit-portions", "2")
        wallet_page.click("#commit-prepare")
        with wallet_page.expect_download():
            wallet_page.click("#commit-download")
        # The wallet says no: nothing is sent, and the step can be taken again.
        wallet_page.evaluate("window.__wallet.reject = true")
        wallet_page.click("#commit-send")
        expect(wallet_page.locator("#provider-message")).to_contain_text("You rejected the request in your wallet")
        wallet_page.evaluate("window.__wallet.reject = false")
        wallet_page.click("#commit-send")
        expect(wallet_page.locator("#provider-message")).to_contain_text("Committed: commit 2 portions", timeout=30_000)
        assert wallet_page.evaluate("window.__wallet.sent") == created + 1
        wallet_page.click("#reveal-first")  # the secrets made on this page are still held by it
        expect(wallet_page.locator("#provider-message")).to_contain_text("participation is open", timeout=30_000)
        assert wallet_page.evaluate("window.__wallet.sent") == created + 2
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _needs_setup(request):
    if request.node.name != "test_setup" and "folder" not in STATE:
        pytest.fail("test_setup did not run first")
