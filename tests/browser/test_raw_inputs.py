"""The contributors' own data in the dashboard, in headless Chromium.

Text added in the page shows in the data-set table and the CSV as typed
(case and punctuation, which the encoded words lose); the numbers entered
for a dense sample show as entered, and a dense sample whose numbers this
dashboard does not know shows its decoded values, never the fixed-point
integers. A store file made by `ape run add_data` elsewhere is imported in
the page; a forged one is refused with its line and changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.helpers.scripts import SAMPLE, run_script

TEXT = "Beautiful AND moving: one of the best films of the year!"
NUMBERS = [float(v) for v in SAMPLE.split(",")]
SHOWN = SAMPLE.replace(",", ", ")  # as the page writes the numbers: JavaScript's shortest form


def open_trainer(page, dashboard, name: str) -> None:
    page.goto(f"{dashboard.url}/#/trainer/{dashboard.trainers[name]}")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def dev_account(page, dashboard, index: int) -> None:
    from eth_utils import to_checksum_address

    page.evaluate("delete document.body.dataset.ready")
    page.select_option("#account-select", f"dev:{to_checksum_address(dashboard.accounts[index])}")
    page.wait_for_selector("body[data-ready]")


def elsewhere(dashboard):
    """The raw-input store folder of someone else (another machine's)."""
    return dashboard.records / "elsewhere"


def csv_rows(page, dashboard) -> list[dict]:
    href = page.get_attribute("#csv-link", "href")
    return list(csv.DictReader(io.StringIO(page.request.get(dashboard.url + href).text())))


def test_added_text__shown_as_typed_in_table_and_csv(page, dashboard):
    open_trainer(page, dashboard, "reviews")
    dev_account(page, dashboard, 1)
    page.fill("#add-input", TEXT)
    page.select_option("#add-label", "fresh")
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("Added")
    expect(page.locator("#add-message")).not_to_contain_text("not kept")
    expect(page.locator("#dataset .raw-input")).to_have_text([TEXT])
    expect(page.locator("#mine .raw-input")).to_have_text([TEXT])
    [row] = csv_rows(page, dashboard)
    assert (row["text"], row["raw"], row["class"]) == (TEXT, TEXT, "fresh")
    assert row["encoded"] and row["transaction_hash"].startswith("0x")


def test_dense_numbers__as_entered__and_decoded_when_unknown(page, dashboard):
    # One sample from outside the page: `ape run add_data` keeps its numbers in
    # a raw-input store of its own, which this dashboard does not read.
    address = dashboard.trainers["cancer-points"]
    result = run_script(dashboard.node_url, dashboard.served_records, "add_data", "--trainer", address, "--values",
                        SAMPLE, "--label", "malignant", "--account", "TEST::3",
                        DECAI_RAW_INPUTS=str(elsewhere(dashboard)))  # fmt: skip
    assert (result.code, result.errors) == (0, []), result.out + result.err
    open_trainer(page, dashboard, "cancer-points")
    dev_account(page, dashboard, 2)
    page.fill("#add-input", SAMPLE)
    page.select_option("#add-label", "benign")
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("Added")
    rows = page.locator("#dataset tbody tr")
    expect(rows).to_have_count(2)
    # The page's own: the numbers as entered.
    expect(rows.nth(1).locator(".raw-input")).to_have_text(SHOWN)
    # The other: decoded fixed point (values of unit length), not integers scaled by 10**9.
    expect(rows.nth(0).locator(".raw-input")).to_have_count(0)
    decoded = [float(x) for x in rows.nth(0).locator(".chip").all_inner_texts()]
    assert len(decoded) == 30 and abs(sum(x * x for x in decoded) - 1) < 1e-3
    first, second = csv_rows(page, dashboard)
    assert [float(x) for x in second["data"].split()] == NUMBERS and json.loads(second["raw"]) == NUMBERS
    assert first["raw"] == "" and all(abs(float(x)) <= 1 for x in first["data"].split())
    assert all(abs(int(x)) > 1000 for x in first["encoded"].split() if x != "0")


def test_import__store_file_in_the_page__then_forged_refused(page, dashboard, tmp_path):
    store = elsewhere(dashboard) / "ethereum_local.jsonl"  # written by `ape run add_data` above
    entry = json.loads(store.read_text().splitlines()[0])
    assert entry["raw"] == NUMBERS
    forged = dict(entry, raw=list(reversed(NUMBERS)))
    forged_file = tmp_path / "forged.jsonl"
    forged_file.write_text(json.dumps(forged) + "\n")
    open_trainer(page, dashboard, "cancer-points")
    page.set_input_files("#raw-file", str(forged_file))
    page.click("#raw-import-form button")
    expect(page.locator("#raw-message")).to_contain_text(
        f"forged.jsonl:1: the raw input of transaction {entry['transaction'][:10]}… does not match: its numbers encode"
    )
    expect(page.locator("#dataset .raw-input")).to_have_count(1)

    page.set_input_files("#raw-file", str(store))
    page.click("#raw-import-form button")
    expect(page.locator("#raw-message")).to_have_text("Imported 1 raw input(s) from ethereum_local.jsonl.")
    expect(page.locator("#dataset .raw-input")).to_have_count(2)
    expect(page.locator("#dataset tbody tr").nth(0).locator(".raw-input")).to_have_text(SHOWN)
    first, _ = csv_rows(page, dashboard)
    assert json.loads(first["raw"]) == NUMBERS
    # The page's download is a store file that imports elsewhere.
    href = page.get_attribute("#raw-link", "href")
    lines = page.request.get(dashboard.url + href).text().splitlines()
    assert sorted(json.loads(line)["raw"] == NUMBERS for line in lines) == [True, True]


@pytest.mark.parametrize("name", ["notes.txt", "empty.jsonl"])
def test_import__wrong_or_empty_file__one_sentence(page, dashboard, tmp_path, name):
    path = tmp_path / name
    path.write_text("")
    open_trainer(page, dashboard, "reviews")
    page.set_input_files("#raw-file", str(path))
    page.click("#raw-import-form button")
    message = "unknown file type '.txt'" if name.endswith(".txt") else f"{name}: no raw inputs in this file"
    expect(page.locator("#raw-message")).to_contain_text(message)


def test_waiting_for_the_block_on_a_local_chain__no_explorer_link(page, dashboard):
    from decai.chain.node import rpc

    open_trainer(page, dashboard, "reviews")
    dev_account(page, dashboard, 3)
    page.fill("#add-input", "moving and beautiful")
    page.select_option("#add-label", "fresh")
    rpc(dashboard.node_url, "evm_setAutomine", False)
    try:
        page.click("#add-form button")
        # A dev account's send is signed once by the node and confirmed by the server before it answers,
        # so the page says "sending…" while the transaction waits in the node's pool for its block.
        expect(page.locator("#add-message")).to_contain_text("sending…")
        deadline = time.monotonic() + 30
        while int(rpc(dashboard.node_url, "txpool_status")["pending"], 16) == 0:
            assert time.monotonic() < deadline, "the addition never reached the node's pool"
            time.sleep(0.1)
        expect(page.locator("#add-message a")).to_have_count(0)
        rpc(dashboard.node_url, "evm_mine")
    finally:
        rpc(dashboard.node_url, "evm_setAutomine", True)
    expect(page.locator("#add-message")).to_contain_text("Added")
    expect(page.locator("#add-message a")).to_have_count(0)


def test_keep__text_that_is_not_the_transactions__refused_store_unchanged(page, dashboard):
    open_trainer(page, dashboard, "reviews")
    row = next(r for r in csv_rows(page, dashboard) if r["raw"] == TEXT)
    tx = row["transaction_hash"]
    status, reply = page.evaluate(
        """async ([address, hash]) => {
          const token = document.querySelector('meta[name="decai-token"]').content;
          const response = await fetch(`/api/trainers/${address}/raw`, { method: "POST",
            headers: { "Content-Type": "application/json", "X-Decai-Token": token },
            body: JSON.stringify({ hash, input: "dull and boring" }) });
          return [response.status, await response.json()];
        }""",
        [dashboard.trainers["reviews"], tx],
    )
    assert status == 400
    assert re.fullmatch(
        rf"the raw input of transaction {tx[:10]}… does not match: its text encode to \[.*\] \(\d values\), "
        rf"but the contribution holds \[.*\] \(\d+ values\)",
        reply["error"],
    ), reply
    assert next(r for r in csv_rows(page, dashboard) if r["transaction_hash"] == tx)["raw"] == TEXT
