"""The dashboard on a public network: explorer links, the trusted list, the About page.

A stand-in for Base Sepolia (an anvil with its chain id, 84532) carries the
demo trainers, deployed through Ape's local network and then recorded as
Base Sepolia's, as `ape run deploy` records them there. The dashboard runs
as a user starts it (`ape run dashboard --network base:sepolia:node
--trusted FILE`). "reviews" is left out of the records and the trusted list:
a user adds it by address and sees it as an unlisted trainer.
The same pages on the local chain (conftest's `page`) have no explorer links.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from decai.chain.node import Anvil
from tests.browser.conftest import ROOT, start_dashboard, stop

# Screenshots go to docs/ only on request (DECAI_SCREENSHOTS=docs), as in test_dashboard.py.
SHOTS = ROOT / "docs" if os.environ.get("DECAI_SCREENSHOTS") == "docs" else ROOT / "test-artifacts" / "screenshots"
CHAIN_ID = 84532
EXPLORER = "https://sepolia.basescan.org"
SETUP = """
import json
from ape import accounts, networks
with networks.parse_network_choice("ethereum:local:foundry"):
    from decai.chain.trainer import Trainer
    from decai.dashboard.demo import deploy_demo
    out = deploy_demo(echo=lambda line: None)
    added = Trainer.at(out["reviews"]).add_data([1, 5, 9], 1, sender=accounts.test_accounts[1])
    print("SETUP " + json.dumps({"trainers": out, "tx": added.transaction_hash, "author": added.author}))
"""


class Live:
    def __init__(self, url: str, setup: dict, records: Path, trusted: Path, env: dict):
        self.url, self.records, self.trusted, self.env = url, records, trusted, env
        self.trainers, self.tx, self.author = setup["trainers"], setup["tx"], setup["author"]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live")
    records = tmp / "deployments"
    with Anvil("--chain-id", str(CHAIN_ID)) as node:
        env = dict(os.environ, APE_FOUNDRY_HOST=node.url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT))
        result = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=600)  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        setup = json.loads(result.stdout.split("SETUP ", 1)[1].splitlines()[0])
        # What `ape run deploy --network base:sepolia:node` would have recorded, without "reviews" and "market".
        local = json.loads((records / "ethereum_local.json").read_text())
        assert all(entry["chain_id"] == CHAIN_ID for entry in local.values())
        (records / "base_sepolia.json").write_text(json.dumps({"cancer-points": local["cancer-points"]}))
        (records / "ethereum_local.json").unlink()
        trusted = tmp / "trusted.json"
        trusted.write_text(json.dumps({str(CHAIN_ID): [setup["trainers"]["market"]], "1": []}))
        env = {k: v for k, v in os.environ.items() if k != "APE_FOUNDRY_HOST"}
        env.update(BASE_SEPOLIA_RPC_URL=node.url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT),
                   PYTHONUNBUFFERED="1")  # fmt: skip
        process, url, _ = start_dashboard(["--network", "base:sepolia:node", "--trusted", str(trusted)], env)
        try:
            yield Live(url, setup, records, trusted, env)
        finally:
            stop(process)


@pytest.fixture(scope="module")
def live_page(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(live.url + "/")
    page.wait_for_selector("body[data-ready]")
    yield page
    context.close()


def _go(page, hash_: str) -> None:
    page.evaluate("h => { location.hash = h; }", hash_)
    page.wait_for_function("h => document.body.dataset.ready === h", arg=hash_)


def _explorer_links(page) -> list[dict]:
    return page.eval_on_selector_all(
        "a.explorer-address, a.explorer-tx",
        "els => els.map(a => ({href: a.getAttribute('href'), text: a.textContent, target: a.target, rel: a.rel}))",
    )


def test_live__network_names_its_explorer(live):
    network = requests.get(f"{live.url}/api/network", timeout=30).json()
    assert (network["name"], network["chain_id"], network["dev"], network["explorer"]) == (
        "base:sepolia", CHAIN_ID, False, EXPLORER,
    )  # fmt: skip


def test_live__list_links_every_trainer_address_and_shows_trusted_names(live, live_page):
    page = live_page
    _go(page, "#/")
    points, market = live.trainers["cancer-points"], live.trainers["market"]
    hrefs = {link["href"] for link in _explorer_links(page)}
    assert hrefs == {f"{EXPLORER}/address/{points}", f"{EXPLORER}/address/{market}"}
    for link in _explorer_links(page):
        assert (link["target"], link["rel"]) == ("_blank", "noopener noreferrer")
    # Trusted: one by the user's own record, one by the --trusted file; both named.
    names = page.eval_on_selector_all(".trainer-card h2", "els => els.map(e => e.textContent.trim())")
    assert sorted(names) == ["Breast cancer (points)", "Word vote market"]
    # The market, trusted by the file alone, opens with its name and its provider's link.
    _go(page, f"#/market/{market}")
    assert page.text_content("h1").strip() == "Word vote market"
    assert page.locator("#trust-notice").count() == 0
    status = requests.get(f"{live.url}/api/markets/{market}", timeout=60).json()
    hrefs = {link["href"] for link in _explorer_links(page)}
    assert {f"{EXPLORER}/address/{status['provider']}", f"{EXPLORER}/address/{market}"} <= hrefs


def test_live__trainer_page_links_author_contribution_and_deployment(live, live_page):
    page = live_page
    points = live.trainers["cancer-points"]
    record = json.loads((live.records / "base_sepolia.json").read_text())["cancer-points"]
    _go(page, f"#/trainer/{points}")
    hrefs = [link["href"] for link in _explorer_links(page)]
    assert f"{EXPLORER}/address/{points}" in hrefs
    assert f"{EXPLORER}/address/{record['deployer']}" in hrefs
    assert f"{EXPLORER}/tx/{record['transaction']}" in hrefs
    assert all(h.startswith(f"{EXPLORER}/address/0x") or h.startswith(f"{EXPLORER}/tx/0x") for h in hrefs)


def test_live__unlisted_trainer_hidden_until_shown_and_its_links(live, live_page):
    page = live_page
    reviews = live.trainers["reviews"]
    _go(page, "#/")
    page.fill("#add-address", reviews)
    page.click("#add-trainer button[type=submit]")
    message = page.wait_for_selector("#add-message.ok")
    assert "not on your trusted list" in message.text_content()
    card = page.locator(f'.trainer-card[data-address="{reviews}"]')
    assert card.locator("h2").text_content().strip() == f"Unlisted trainer {reviews[:6]}…{reviews[-4:]}"
    assert "Movie reviews" not in page.locator("#trainer-list").text_content()
    assert "Rotten Tomatoes" not in page.locator("#trainer-list").text_content()

    _go(page, f"#/trainer/{reviews}")
    assert page.text_content("h1").strip().startswith("Unlisted trainer")
    body = page.text_content("#main")
    assert "Movie reviews" not in body and "Rotten Tomatoes" not in body
    assert page.text_content("#dataset tbody td[data-label=Sample]").strip() == "hidden"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-unlisted-1280.png"), full_page=True)
    # The contribution's author and its transaction link to the explorer even while its text is hidden.
    row = page.locator("#dataset tbody tr").first
    assert row.locator("a.explorer-address").get_attribute("href") == f"{EXPLORER}/address/{live.author}"
    assert row.locator("a.explorer-tx").get_attribute("href") == f"{EXPLORER}/tx/{live.tx}"

    page.click("#show-untrusted")
    page.wait_for_function(
        "() => document.body.dataset.ready && document.querySelector('h1')?.textContent.includes('Movie reviews')"
    )
    assert "Rotten Tomatoes" in page.text_content(".lead")
    assert page.text_content("#dataset tbody td[data-label=Sample]").strip() != "hidden"
    assert page.evaluate("document.activeElement === document.querySelector('h1')")
    page.click("#hide-untrusted")
    page.wait_for_function(
        "() => document.body.dataset.ready && document.querySelector('h1')?.textContent.startsWith('Unlisted trainer')"
    )
    assert page.text_content("#dataset tbody td[data-label=Sample]").strip() == "hidden"


def test_live__about_page_shows_the_models_numbers(live, live_page):
    page = live_page
    points = live.trainers["cancer-points"]
    _go(page, f"#/about/{points}")
    assert page.text_content("h1").strip() == "About decai"
    assert page.title() == "About decai — decai dashboard"
    assert page.text_content("#about-points-wait").strip() == "1d"
    assert page.get_attribute("#about-safety + ul a", "href") == EXPLORER
    headings = page.eval_on_selector_all("#main h2", "els => els.map(e => e.textContent)")
    assert headings == [
        "Deposits, refunds and reports", "Points", "Prediction markets", "What it can and cannot promise", "Safety",
    ]  # fmt: skip
    promises = page.text_content("#about-promises + ul")
    assert "Accuracy:" in promises and "Money:" in promises
    market = next(t for t in requests.get(f"{live.url}/api/trainers", timeout=60).json() if t["mechanism"] == "market")
    assert (
        f"Word vote market ({market['phase']}, stake {market['stake']['eth']}, bounty {market['bounty']['eth']})"
        in page.text_content("#about-markets + p")
    )
    # The "reviews" trainer has the deposit numbers: list it (by address), then choose it in the page's own menu.
    reviews = live.trainers["reviews"]
    _go(page, "#/")
    page.fill("#add-address", reviews)
    page.click("#add-trainer button[type=submit]")
    page.wait_for_selector("#add-message.ok")
    _go(page, f"#/about/{points}")
    page.select_option("#about-model", reviews)
    page.wait_for_function("h => document.body.dataset.ready === h", arg=f"#/about/{reviews}")
    detail = requests.get(f"{live.url}/api/trainers/{reviews}", timeout=60).json()
    assert page.text_content("#about-refund-wait").strip() == "1d"
    assert page.text_content("#about-owner-wait").strip() == "10d"
    assert page.text_content("#about-any-wait").strip() == "20d"
    assert detail["refund_wait_s"] == 86400 and detail["owner_claim_wait_s"] == 10 * 86400
    shown = float(page.text_content("#about-deposit").split()[0])
    now = float(detail["quote"]["deposit"]["eth"].split()[0])
    assert now <= shown <= now * 1.5  # the deposit falls while nobody adds
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-about-1280.png"), full_page=True)


def test_live__bad_trusted_file__one_line_error(live, tmp_path):
    bad = tmp_path / "trusted.json"
    bad.write_text('{"84532": ["0x1234"]}')
    result = subprocess.run(
        ["ape", "run", "dashboard", "--port", "0", "--network", "base:sepolia:node", "--trusted", str(bad)],
        cwd=ROOT, env=live.env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1
    errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("error: ")]
    assert errors == [f"error: {bad}: chain 84532: '0x1234' is not an Ethereum address"]
    assert "Traceback" not in result.stdout + result.stderr


def test_local__no_explorer_links(page, dashboard):
    network = page.evaluate("fetch('/api/network').then(r => r.json())")
    assert (network["dev"], network["explorer"]) == (True, None)
    _go(page, "#/")
    reviews = dashboard.trainers["reviews"]
    assert page.locator(f'.trainer-card[data-address="{reviews}"]').get_by_text(reviews).count() == 1
    assert page.locator("a.explorer-address, a.explorer-tx, a[href*='etherscan'], a[href*='basescan']").count() == 0
    _go(page, f"#/trainer/{reviews}")
    assert page.locator("a.explorer-address, a.explorer-tx").count() == 0
    # The About page, reached from the model's page, says so and shows this model's deposit numbers.
    page.click(f"a[href='#/about/{reviews}']")
    page.wait_for_function("h => document.body.dataset.ready === h", arg=f"#/about/{reviews}")
    assert "no explorer knows its transactions" in page.text_content("#about-safety + ul")
    assert page.locator("#about-safety + ul a").count() == 0
    assert page.text_content("#about-refund-wait").strip() == "1d"
