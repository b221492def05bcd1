"""The dashboard in a real browser: one anvil and one `ape run dashboard
--demo` per module, a page the tests of a module share, and one headless
Chromium for the folder (each module's page has a browser context of its
own: no cookies or storage carry over).

The dashboard runs as a user starts it (a separate `ape run` process
reaching the anvil through APE_FOUNDRY_HOST, deployment records in a folder
of the module's own). Chromium is the system one (`make browser` installs
it); a failing test leaves a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from decai.chain.node import Anvil, rpc

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
    # A host name that resolves to this machine, as a DNS rebinding attack makes one (tests/browser/test_security.py).
    "--host-resolver-rules=MAP rebind.test 127.0.0.1",
]  # fmt: skip


class Dashboard:
    def __init__(self, url: str, node_url: str, trainers: dict[str, str], records: Path):
        self.url = url
        self.node_url = node_url
        self.trainers = trainers
        self.records = records
        self.accounts = [a for a in rpc(node_url, "eth_accounts")]
        #: The folder `--demo` keeps the demo trainers' records in while it runs.
        self.demo_records: Path | None = None

    @property
    def served_records(self) -> Path:
        """Where the running dashboard reads and writes records: the demo's own
        folder under --demo (the user's DECAI_DEPLOYMENTS is left alone)."""
        return self.demo_records or self.records

    def nonce(self, address: str) -> int:
        return int(rpc(self.node_url, "eth_getTransactionCount", address, "latest"), 16)


@pytest.fixture(scope="module")
def node():
    with Anvil() as anvil:
        yield anvil


def start_dashboard(args: list[str], env: dict) -> tuple[subprocess.Popen, str, list[str]]:
    """Start `ape run dashboard --port 0 ARGS`; return the process, its URL
    once it answers, and its output, which a thread keeps reading into the
    list: a server whose pipe is full blocks at its next log line, and the
    page waiting on it would time out."""
    process = subprocess.Popen(
        ["ape", "run", "dashboard", "--port", "0", *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    url = None
    for line in process.stdout:
        lines.append(line)
        found = re.search(r"decai dashboard: (http://\S+?)/?$", line.strip())
        if found:
            url = found.group(1)
            break
    if url is None:
        process.wait()
        raise RuntimeError("the dashboard did not start:\n" + "".join(lines))
    threading.Thread(target=lines.extend, args=(process.stdout,), daemon=True).start()
    deadline = time.monotonic() + 60
    while True:  # the address is printed just before the server listens
        try:
            requests.get(f"{url}/api/network", timeout=30)
            return process, url, lines
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                stop(process)
                raise RuntimeError("the dashboard does not answer:\n" + "".join(lines)) from None
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """Stop a server started in its own session, and everything it started."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def run_dashboard(node, records: Path, *extra: str):
    """`ape run dashboard --demo` (and `extra` flags) on `node`, with its records in `records`."""
    environment = dict(os.environ, APE_FOUNDRY_HOST=node.url, DECAI_DEPLOYMENTS=str(records), PYTHONPATH=str(ROOT),
                       PYTHONUNBUFFERED="1")  # fmt: skip
    process, url, lines = start_dashboard(["--demo", "--network", "ethereum:local:foundry", *extra], environment)
    try:
        trainers: dict[str, str] = {}
        demo_records = None
        for line in list(lines):
            deployed = re.match(r"deployed (\S+): \S+ at (0x[0-9a-fA-F]{40})", line)
            if deployed:
                trainers[deployed.group(1)] = deployed.group(2)
            folder = re.match(r"demo records in (\S+) ", line)
            if folder:
                demo_records = Path(folder.group(1))
        dashboard = Dashboard(url, node.url, trainers, records)
        dashboard.demo_records = demo_records
        yield dashboard
    finally:
        stop(process)


@pytest.fixture(scope="module")
def dashboard(node, tmp_path_factory):
    with run_dashboard(node, tmp_path_factory.mktemp("records")) as running:
        yield running


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "Chromium is missing: run `make browser` (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, dashboard):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(dashboard.url + "/")
    page.wait_for_selector("body[data-ready]")
    yield page
    context.close()


_PAGES: list = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("page", "wallet_page"):
            page = item.funcargs.get(name)
            if page is not None:
                try:
                    page.screenshot(path=str(SCREENSHOTS / f"{item.name}-{name}.png"), full_page=True)
                except Exception:  # noqa: BLE001 - the browser may be gone
                    pass
