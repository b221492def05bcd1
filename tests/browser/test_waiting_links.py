"""While a transaction waits for its block on a public network, the page links
it on the network's explorer; the contributor's text is kept once it lands.

A stand-in for Base Sepolia (an anvil with chain id 84532, automine off while
the transaction waits) carries one recorded text trainer; the dashboard runs
as `ape run dashboard --network base:sepolia:node`, and the page sends with
an injected EIP-1193 wallet (a public network has no dev accounts).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from decai.chain.node import Anvil, rpc
from tests.browser.conftest import ROOT, start_dashboard, stop

CHAIN_ID = 84532
EXPLORER = "https://sepolia.basescan.org"  # the first EIP-3091 explorer Ape's chain metadata names
ACCOUNT = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"  # anvil's account 9, unlocked
TEXT = "A Wonderful film, truly moving!"
SETUP = """
import json
from ape import accounts, chain, networks
with networks.parse_network_choice("ethereum:local:foundry"):
    from decai.chain.deploy import deploy_trainer
    from decai.chain.records import deployment_record, save_record
    from decai.core.fixed_point import ONE
    from decai.core.mechanisms import DepositParameters
    from decai.data.encoders import VocabularyEncoder
    from decai.models import SparsePerceptron
    encoder = VocabularyEncoder(["wonderful", "film", "moving", "dull"])
    model = SparsePerceptron(name="Reviews", description="four words", classes=["rotten", "fresh"],
                             encoder=encoder.spec, encoder_params=encoder.params(), weights=[ONE] * 4, intercept=0,
                             learning_rate=ONE)
    parameters = DepositParameters(refund_wait_s=86400, owner_claim_wait_s=864000, any_address_claim_wait_s=1728000,
                                   cost_weight=10**14)
    owner = accounts.test_accounts[0]
    deployment = deploy_trainer(model, parameters, owner, progress=False)
    record = deployment_record(deployment, model, parameters, owner, chain.provider, 0)
    print("SETUP " + json.dumps(record))
"""
WALLET = """
(() => {
  const node = %(node)s, account = %(account)s;
  window.ethereum = {
    on() {}, removeListener() {},
    async request({ method, params = [] }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      const reply = await fetch(node, { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).then((r) => r.json());
      if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
      return reply.result;
    },
  };
})();
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(dashboard URL, node URL, trainer address) on the Base Sepolia stand-in."""
    records = tmp_path_factory.mktemp("waiting") / "deployments"
    with Anvil("--chain-id", str(CHAIN_ID)) as node:
        env = dict(os.environ, APE_FOUNDRY_HOST=node.url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        record = json.loads(done.stdout.split("SETUP ", 1)[1].splitlines()[0])
        records.mkdir(parents=True)
        (records / "base_sepolia.json").write_text(json.dumps({"reviews": record}))
        env = {k: v for k, v in os.environ.items() if k != "APE_FOUNDRY_HOST"}
        env.update(BASE_SEPOLIA_RPC_URL=node.url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT),
                   PYTHONUNBUFFERED="1")  # fmt: skip
        process, url, _ = start_dashboard(["--network", "base:sepolia:node"], env)
        try:
            yield url, node.url, record["address"], records
        finally:
            stop(process)


def test_waiting_for_the_block__links_the_transaction_on_the_explorer(browser, live):
    url, node_url, address, records = live
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WALLET % {"node": json.dumps(node_url), "account": json.dumps(ACCOUNT)})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{url}/#/trainer/{address}")
        page.wait_for_selector("body[data-ready]")
        page.select_option("#account-select", "wallet")
        page.wait_for_selector("#add-form")
        page.fill("#add-input", TEXT)
        page.select_option("#add-label", "fresh")
        rpc(node_url, "evm_setAutomine", False)
        try:
            page.click("#add-form button")
            link = page.locator("#add-message a.explorer-tx")
            # The page quotes, estimates and signs before it sends: several
            # calls to the node, slow when the whole suite shares two cores.
            expect(link).to_have_attribute("href", re.compile(rf"^{EXPLORER}/tx/0x[0-9a-f]{{64}}$"), timeout=30_000)
            expect(page.locator("#add-message")).to_contain_text("waiting for the receipt")
            tx_hash = link.get_attribute("href").rsplit("/", 1)[1]
            assert rpc(node_url, "eth_getTransactionReceipt", tx_hash) is None  # still waiting for its block
            rpc(node_url, "evm_mine")
        finally:
            rpc(node_url, "evm_setAutomine", True)
        expect(page.locator("#add-message")).to_contain_text("Added", timeout=30_000)
        expect(page.locator("#add-message a.explorer-tx")).to_have_attribute("href", f"{EXPLORER}/tx/{tx_hash}")
        expect(page.locator("#dataset .raw-input")).to_have_text([TEXT])
        kept = json.loads((records / "raw-inputs" / "base_sepolia.jsonl").read_text())
        assert (kept["transaction"], kept["raw"], kept["author"]) == (tx_hash, TEXT, ACCOUNT)
    finally:
        context.close()
