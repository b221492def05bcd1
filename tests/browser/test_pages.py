"""The dashboard as a new user meets it, in headless Chromium: the deposit
quoted is the one charged (a chain idle for minutes, an account holding just
enough), keyboard-only navigation (skip link, titles, focus on each new
page's heading, error pages), words that fit each mechanism, the account
menu's width, focus rings of at least 3:1, and "End participation" offered
only to accounts that may end it.

The tests run in file order on one page and one anvil (their own module's).
"""

from __future__ import annotations

from eth_utils import function_signature_to_4byte_selector, to_checksum_address
from playwright.sync_api import expect

from decai.chain.node import rpc
from decai.chain.trainer import DEPOSIT_MARGIN
from tests.helpers.chain import advance_node_time
from tests.helpers.scripts import SAMPLE

GOOD_TEXT = "beautiful and moving, one of the best films of the year"


def show(page, dashboard, hash_: str) -> None:
    page.goto(f"{dashboard.url}/{hash_}")
    page.reload()
    page.wait_for_selector("body[data-ready]")
    expect(page.locator("main")).not_to_have_attribute("aria-busy", "true")


def use_account(page, dashboard, index: int | None) -> str | None:
    address = to_checksum_address(dashboard.accounts[index]) if index is not None else None
    page.evaluate("delete document.body.dataset.ready")
    page.select_option("#account-select", f"dev:{address}" if address else "")
    page.wait_for_selector("body[data-ready]")
    return address


def next_deposit(dashboard, block: str) -> int:
    data = "0x" + function_signature_to_4byte_selector("next_deposit()").hex()
    return int(rpc(dashboard.node_url, "eth_call", {"to": dashboard.trainers["reviews"], "data": data}, block), 16)


def shown_deposit_is_at_most(selector: str, wei: int) -> str:
    return f"BigInt(document.querySelector({selector!r}).dataset.wei) <= {wei}n"


def charged(dashboard, address: str, before: int) -> int:
    """What `address`'s last transaction cost it beyond gas: the deposit the contract kept."""
    block = rpc(dashboard.node_url, "eth_getBlockByNumber", "latest", False)
    receipt = rpc(dashboard.node_url, "eth_getTransactionReceipt", block["transactions"][-1])
    assert receipt["from"].lower() == address.lower() and receipt["status"] == "0x1"
    gas = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    after = int(rpc(dashboard.node_url, "eth_getBalance", address, "latest"), 16)
    return before - after - gas


def test_idle_chain__the_deposit_shown_and_charged_is_the_next_blocks(page, dashboard):
    reviews = f"#/trainer/{dashboard.trainers['reviews']}"
    show(page, dashboard, reviews)
    use_account(page, dashboard, 1)
    page.fill("#add-input", GOOD_TEXT)
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("Added: added; deposit held")
    # The chain idles for five minutes: no block, so the latest block still prices
    # an addition one second after the last one.
    rpc(dashboard.node_url, "evm_increaseTime", 300)
    before = next_deposit(dashboard, "pending")
    show(page, dashboard, reviews)
    after = next_deposit(dashboard, "pending")
    latest = next_deposit(dashboard, "latest")
    assert latest > before, "the chain is not stale: the test proves nothing"
    shown = int(page.get_attribute("#current-deposit", "data-wei"))
    assert after <= shown <= before
    expect(page.locator("#add-form")).to_contain_text(f"plus a {round(DEPOSIT_MARGIN * 100)}% margin")
    # Time passes with the page open: the quote follows without a reload,
    # on the model page and on the list's card.
    rpc(dashboard.node_url, "evm_increaseTime", 600)
    later = next_deposit(dashboard, "pending")
    assert later < after
    page.wait_for_function(shown_deposit_is_at_most("#current-deposit", later), timeout=15_000)
    show(page, dashboard, "#/")
    card = f".trainer-card[data-address='{dashboard.trainers['reviews']}'] dd.deposit"
    rpc(dashboard.node_url, "evm_increaseTime", 300)
    later = next_deposit(dashboard, "pending")
    assert int(page.get_attribute(card, "data-wei")) > later
    page.wait_for_function(shown_deposit_is_at_most(card, later), timeout=15_000)
    show(page, dashboard, reviews)
    # An account holding the deposit and gas, but not the margin (let alone the
    # stale price plus margin), adds: the wallet is asked for what it can spare.
    poor = to_checksum_address(dashboard.accounts[6])
    base = int(rpc(dashboard.node_url, "eth_getBlockByNumber", "pending", False)["baseFeePerGas"], 16)
    tip = int(rpc(dashboard.node_url, "eth_maxPriorityFeePerGas"), 16)
    funds = later + 400_000 * (2 * base + tip)  # the deposit and the gas of an addition, at most
    assert funds < later * (1 + DEPOSIT_MARGIN) < latest * (1 + DEPOSIT_MARGIN)
    rpc(dashboard.node_url, "anvil_setBalance", poor, hex(funds))
    nonce = dashboard.nonce(poor)
    use_account(page, dashboard, 6)
    page.fill("#add-input", "a dull and tedious film")
    page.select_option("#add-label", "rotten")
    quoted = int(page.get_attribute("#current-deposit", "data-wei"))
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("Added: added; deposit held")
    assert dashboard.nonce(poor) == nonce + 1
    assert 0 < charged(dashboard, poor, funds) <= quoted, "charged more than the deposit shown"
    # An account that cannot pay the deposit is told so, and nothing is sent.
    broke = to_checksum_address(dashboard.accounts[7])
    rpc(dashboard.node_url, "evm_increaseTime", 60)
    rpc(dashboard.node_url, "anvil_setBalance", broke, hex(next_deposit(dashboard, "pending") // 2))
    use_account(page, dashboard, 7)
    page.fill("#add-input", "a dull and tedious film")
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("insufficient funds: the deposit is")
    assert dashboard.nonce(broke) == 0


def test_skip_link__moves_focus_to_the_content_without_navigating(page, dashboard):
    show(page, dashboard, f"#/trainer/{dashboard.trainers['reviews']}")
    url = page.url
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url == url
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert page.evaluate("document.activeElement.textContent") == "← All models"


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector` (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def after_enter(page) -> None:
    page.evaluate("delete document.body.dataset.ready")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready]")


def focused_heading(page) -> str:
    assert page.evaluate("document.activeElement.tagName") == "H1"
    return page.evaluate("document.activeElement.textContent")


def test_each_page_has_its_title_and_focus_moves_to_its_heading(page, dashboard):
    show(page, dashboard, "#/")
    assert page.title() == "Models — decai dashboard"
    tab_to(page, f".trainer-card[data-address='{dashboard.trainers['reviews']}'] h2 a")
    after_enter(page)
    assert page.title() == "Movie reviews — decai dashboard"
    assert focused_heading(page) == "Movie reviews"
    tab_to(page, "nav a[href='#/deploy']")
    after_enter(page)
    assert page.title() == "Deploy a model — decai dashboard"
    assert focused_heading(page) == "Deploy a model"
    page.evaluate("delete document.body.dataset.ready; location.hash = '#/nowhere'")
    page.wait_for_selector("body[data-ready]")
    assert page.title() == "Page not found — decai dashboard"
    assert focused_heading(page) == "Page not found"
    page.evaluate(f"delete document.body.dataset.ready; location.hash = '#/trainer/{dashboard.accounts[9]}'")
    page.wait_for_selector("body[data-ready]")
    assert page.title() == "This page could not be opened — decai dashboard"
    assert focused_heading(page) == "This page could not be opened"
    expect(page.locator("main .message.error")).to_contain_text("no contract at")


def test_points_trainer_and_market__no_deposit_words(page, dashboard):
    show(page, dashboard, "#/")
    card = page.locator(f".trainer-card[data-address='{dashboard.trainers['cancer-points']}']")
    expect(card).to_contain_text("free; good contributions earn points")
    expect(card).not_to_contain_text("eposit")
    show(page, dashboard, f"#/trainer/{dashboard.trainers['cancer-points']}")
    use_account(page, dashboard, 4)
    page.fill("#add-input", SAMPLE)
    page.select_option("#add-label", "malignant")
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_have_text("Added. Its point can be claimed in 1d if the model agrees then.")
    assert page.evaluate("document.activeElement.id") == "add-message", "focus fell back to the document"
    expect(page.locator("#mine .countdown")).to_contain_text("claimable in")
    advance_node_time(dashboard.node_url, 86_400 + 60)
    show(page, dashboard, f"#/trainer/{dashboard.trainers['cancer-points']}")
    page.click("#mine button.refund")
    expect(page.locator("#mine-message")).to_have_text("Point claimed: the contribution counts as good.")
    text = page.inner_text("main").lower()
    assert "deposit" not in text and "refund" not in text and "claimable" not in text.replace("claimable in", "")
    show(page, dashboard, f"#/market/{dashboard.trainers['market']}")
    expect(page.locator("#market-tests")).to_have_text(
        "4 portions committed by the provider; their samples are revealed after participation ends"
    )
    text = page.inner_text("main")
    assert "opens in" not in text and "deposit" not in text.lower()
    assert "participation deadline" in text and "— in " in text


def test_dense_samples__as_entered_in_the_table_and_the_csv(page, dashboard):
    """The points trainer's data set (the sample added above in the page)
    shows the numbers its contributor entered, not "30 values" or fixed-point
    integers; the CSV's encoded column keeps the sample as on chain.
    (Decoded values for samples whose numbers are unknown: test_raw_inputs.py.)"""
    import csv
    import io
    import json

    from decai.data.encoders import encoder_from_spec

    record = json.loads((dashboard.served_records / "ethereum_local.json").read_text())["cancer-points"]
    encoder = encoder_from_spec(record["encoder"], record["encoder_params"])
    entered = [float(x) for x in SAMPLE.split(",")]
    show(page, dashboard, f"#/trainer/{dashboard.trainers['cancer-points']}")
    expect(page.locator("#dataset tbody tr").first.locator(".raw-input")).to_have_text(SAMPLE.replace(",", ", "))
    href = page.get_attribute("#csv-link", "href")
    rows = list(csv.DictReader(io.StringIO(page.request.get(dashboard.url + href).text())))
    assert [float(x) for x in rows[0]["data"].split()] == entered
    assert [int(x) for x in rows[0]["encoded"].split()] == encoder.encode(entered)


def test_end_participation__offered_only_to_who_may_end(page, dashboard):
    market = f"#/market/{dashboard.trainers['market']}"
    show(page, dashboard, market)
    use_account(page, dashboard, None)
    expect(page.locator("#market-phase")).to_contain_text("participation")
    expect(page.locator("#market-end")).to_have_count(0)
    use_account(page, dashboard, 2)
    expect(page.locator("#market-add")).to_have_count(1)
    expect(page.locator("#market-end")).to_have_count(0)
    advance_node_time(dashboard.node_url, 2 * 3600)  # past the market's shortest duration
    show(page, dashboard, market)
    expect(page.locator("#market-end")).to_have_count(0)
    use_account(page, dashboard, 0)  # the provider
    expect(page.locator("#market-end")).to_have_count(1)
    use_account(page, dashboard, 2)
    expect(page.locator("#market-end")).to_have_count(0)


MENU_FITS = """() => {
  const select = document.querySelector('#account-select');
  const option = select.options[select.selectedIndex];
  const style = getComputedStyle(select);
  const context = document.createElement('canvas').getContext('2d');
  context.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
  return [option.text, context.measureText(option.text).width, room];
}"""


def test_account_menu__shows_the_whole_account_and_balance(page, dashboard):
    try:
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 844})
            show(page, dashboard, "#/")
            use_account(page, dashboard, 1)
            text, needed, room = page.evaluate(MENU_FITS)
            assert text.startswith("Dev 0x7099…79C8 · ") and text.endswith(" ETH")
            assert needed <= room, f"{text!r} needs {needed:.0f} px, the menu has {room:.0f} px at {width} px"
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})


FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const width = parseFloat(style.outlineWidth), offset = parseFloat(style.outlineOffset);
  // What is under the middle of the ring's left band, or its top band near the left edge.
  let x = rect.left - offset - width / 2, y = rect.top + rect.height / 2;
  if (x < 1) { x = rect.left + Math.min(10, rect.width / 2); y = rect.top - offset - width / 2; }
  const under = document.elementsFromPoint(x, y).find((e) => e !== el && !el.contains(e));
  let background = "rgb(255, 255, 255)";
  for (let e = under; e; e = e.parentElement) {
    const color = getComputedStyle(e).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(color) && color !== "transparent") { background = color; break; }
  }
  const name = el.id || el.className || el.tagName;
  return [name, style.outlineStyle, width, style.outlineColor, background];
}"""


def luminance(color: str) -> float:
    channels = [int(float(c)) / 255 for c in color[color.index("(") + 1 : color.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_focus_rings__contrast_at_least_3_to_1(page, dashboard):
    checked = set()
    for hash_ in ("#/", f"#/trainer/{dashboard.trainers['reviews']}", "#/deploy"):
        show(page, dashboard, hash_)
        use_account(page, dashboard, 1)
        page.evaluate("document.activeElement.blur()")
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement === document.body"):
                break
            name, line, width, ring, background = page.evaluate(FOCUS_RING)
            assert line != "none" and width >= 2, f"{name} on {hash_} has no visible focus ring"
            ratio = contrast(ring, background)
            assert ratio >= 3, f"{name} on {hash_}: ring {ring} on {background} is {ratio:.2f}:1"
            checked.add((hash_, name))
    assert len(checked) >= 20, "the walk did not reach the pages' controls"
