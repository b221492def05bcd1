"""`ape run dashboard --demo` (what `make dashboard` runs) keeps its records
in a folder of its own: the user's records are untouched while it runs and
after it stops, and the demo's folder is removed when it stops."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from decai.chain.node import Anvil

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str):
    """The JSON at `url`, once the server listens (it prints its URL just before)."""
    for _ in range(100):
        try:
            return requests.get(url, timeout=30).json()
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answers at {url}")


def test_dashboard_demo__own_records__users_records_untouched(tmp_path):
    user = tmp_path / "deployments"
    user.mkdir()
    mine = {"reviews": {"address": "0x" + "12" * 20, "chain_id": 1, "note": "the user's own trainer"}}
    (user / "ethereum_local.json").write_text(json.dumps(mine))
    before = {p.name: p.read_bytes() for p in user.iterdir()}
    with Anvil() as node:
        environment = dict(os.environ, APE_FOUNDRY_HOST=node.url, DECAI_DEPLOYMENTS=str(user), PYTHONPATH=str(ROOT))
        process = subprocess.Popen(
            ["ape", "run", "dashboard", "--demo", "--port", "0", "--network", "ethereum:local:foundry"],
            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        lines, url, folder = [], None, None
        deadline = time.monotonic() + 240
        try:
            while url is None and time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line and process.poll() is not None:
                    break
                lines.append(line)
                found = re.match(r"demo records in (\S+) ", line)
                folder = Path(found.group(1)) if found else folder
                started = re.search(r"decai dashboard: (http://\S+?)/?$", line.strip())
                url = started.group(1) if started else None
            assert url and folder, "".join(lines)
            trainers = _get(f"{url}/api/trainers")
            names = json.dumps(trainers)
            assert "reviews" in names and folder.is_dir()
            assert json.loads((folder / "ethereum_local.json").read_text()).keys() >= {"reviews"}
            assert {p.name: p.read_bytes() for p in user.iterdir()} == before
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    assert {p.name: p.read_bytes() for p in user.iterdir()} == before
    assert not folder.exists()
