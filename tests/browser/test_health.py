"""The model page's health in Chromium: a real accuracy series and the keeper's status.

`ape run monitor` measures the demo's review model on the served anvil
before and after two additions made on the page; the dashboard, started
with `--series`, must draw exactly those measurements. The keeper panel of
the account that added must list its pending refund, then (a day later)
the refund as its next action, then, once refunded, the report of the
other account's wrong label.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, run_dashboard
from tests.browser.test_dashboard import BAD_TEXT, GOOD_TEXT, reviews, show, use_account
from tests.helpers.chain import advance_node_time

DAY = 86_400
HELDOUT = [
    ("beautiful and moving, one of the best films of the year", "fresh"),
    ("a wonderful, funny and touching film", "fresh"),
    ("a masterpiece of quiet power", "fresh"),
    ("smart, warm and beautifully acted", "fresh"),
    ("dull, boring and far too long", "rotten"),
    ("a mess of a movie with no laughs", "rotten"),
    ("the worst film of the year, tedious and silly", "rotten"),
    ("lifeless and predictable from start to finish", "rotten"),
]


@pytest.fixture(scope="module")
def series_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("series")


@pytest.fixture(scope="module")
def dashboard(node, tmp_path_factory, series_dir):
    with run_dashboard(node, tmp_path_factory.mktemp("records"), "--series", str(series_dir)) as running:
        yield running


def monitor_once(dashboard, series: Path, heldout: Path) -> None:
    """`ape run monitor --once` against the served anvil, as a user runs it."""
    environment = dict(os.environ, APE_FOUNDRY_HOST=dashboard.node_url, DECAI_DEPLOYMENTS=str(dashboard.demo_records),
                       PYTHONPATH=str(ROOT))  # fmt: skip
    done = subprocess.run(
        ["ape", "run", "monitor", "--trainer", "reviews", "--heldout", str(heldout), "--text-column", "text",
         "--series", str(series), "--max-drop", "1", "--once", "--network", "ethereum:local:foundry"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "accuracy" in done.stdout


def add(page, dashboard, account: int, text: str, label: str) -> None:
    use_account(page, dashboard, account)
    page.fill("#add-input", text)
    page.select_option("#add-label", label)
    page.click("#add-form button")
    expect(page.locator("#add-message")).to_contain_text("Added: added; deposit held")


def test_chart_draws_the_monitors_series_and_the_keeper_panel_follows_the_refund(page, dashboard, series_dir):
    assert dashboard.demo_records is not None
    heldout = series_dir.parent / "heldout.csv"
    with heldout.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(HELDOUT)
    series = series_dir / "reviews.csv"

    show(page, dashboard, reviews(dashboard))
    expect(page.locator("#no-series")).to_contain_text("No measurements yet")

    monitor_once(dashboard, series, heldout)
    add(page, dashboard, 1, GOOD_TEXT, "fresh")
    add(page, dashboard, 2, BAD_TEXT, "rotten")
    monitor_once(dashboard, series, heldout)

    with series.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["contributions"]) for r in rows] == [0, 2]
    assert int(rows[0]["block"]) < int(rows[1]["block"])

    show(page, dashboard, reviews(dashboard))
    use_account(page, dashboard, 1)
    chart = page.locator("#accuracy-chart")
    expect(chart).to_be_visible()
    left, top, width, height = (float(v) for v in chart.get_attribute("data-plot").split())
    most = max(1, max(int(r["contributions"]) for r in rows))
    t0, t1 = min(int(r["timestamp"]) for r in rows), max(int(r["timestamp"]) for r in rows)
    for cls, key, y in (
        ("accuracy-point", "accuracy", lambda r: top + (1 - float(r["accuracy"])) * height),
        ("contributions-point", "contributions", lambda r: top + (1 - int(r["contributions"]) / most) * height),
    ):
        points = chart.locator(f"circle.{cls}")
        expect(points).to_have_count(len(rows))
        for index, row in enumerate(rows):
            point = points.nth(index)
            assert point.get_attribute("data-block") == row["block"]
            assert float(point.get_attribute(f"data-{key}")) == pytest.approx(float(row[key]))
            x = left + (int(row["timestamp"]) - t0) / (t1 - t0) * width
            assert float(point.get_attribute("cx")) == pytest.approx(x, abs=0.01)
            assert float(point.get_attribute("cy")) == pytest.approx(y(row), abs=0.01)
    expect(page.locator("#series-table tbody tr")).to_have_count(len(rows))

    # The keeper of account 1: its contribution's refund is pending, opening a day after it was added.
    mine = page.locator("#mine button.refund").first.get_attribute("data-c")
    added = json.loads(mine)["added_time"]
    pending = page.locator("#keeper-pending tbody tr")
    expect(pending).to_have_count(1)
    assert int(pending.get_attribute("data-added")) == added
    assert int(pending.get_attribute("data-opens-at")) == added + DAY
    expect(pending).to_contain_text("opens in")
    expect(page.locator("#keeper-next-none")).to_contain_text("the next refund opens")
    key = pending.get_attribute("data-key")

    # A day later the keeper's next action is that refund.
    advance_node_time(dashboard.node_url, DAY + 60)
    show(page, dashboard, reviews(dashboard))
    expect(page.locator("#keeper-next li")).to_have_count(1)
    step = page.locator("#keeper-next li")
    assert step.get_attribute("data-kind") == "refund"
    assert step.get_attribute("data-key") == key
    expect(pending).to_contain_text("open since")

    # Refunded on the page: nothing pending; next, the other account's wrong label is worth reporting.
    page.click("#mine button.refund")
    expect(page.locator("#mine-message")).to_contain_text("Refund done: refunded")
    expect(page.locator("#keeper-no-pending")).to_be_visible()
    report = page.locator("#keeper-next li[data-kind='report']")
    expect(report).to_have_count(1)
    assert report.get_attribute("data-key") != key
