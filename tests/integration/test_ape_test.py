"""`ape test` outside make: with no node configured it starts its own anvil,
even when the shell has only the virtualenv on PATH (no node_modules/.bin)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ape_test__no_node_and_no_anvil_on_path__starts_one_and_passes():
    env = {key: value for key, value in os.environ.items() if not key.startswith("APE_FOUNDRY")}
    env["PATH"] = os.pathsep.join(
        entry
        for entry in env.get("PATH", "").split(os.pathsep)
        if entry and not entry.rstrip("/").endswith("node_modules/.bin")
    )
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        ["ape", "test", "tests/integration/test_smoke.py", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "INTERNALERROR" not in result.stdout + result.stderr
    assert "1 passed" in result.stdout
