"""The figures the README and docs/MARKET.md quote from the demos are what
the demos print: `make market-demo`'s test errors and payouts (docs/MARKET.md
shows its output with the default seed) and `make demo`'s held-out accuracy
before and after (the README's "66% to 82%")."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ape_run(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "APE_FOUNDRY_HOST"}
    done = subprocess.run(
        ["ape", "run", *args], cwd=ROOT, env=dict(env, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_market_demo__prints_the_figures_of_docs_market():
    text = (ROOT / "docs" / "MARKET.md").read_text()
    shown = re.search(r"With the default seed:\n\n```\n(.*?)```", text, flags=re.S).group(1).splitlines()
    assert shown[0].startswith("test errors: h_0 ") and len(shown) == 6
    printed = ape_run("market", "demo").splitlines()
    assert all(line in printed for line in shown), "\n".join(printed)


def test_demo__held_out_accuracy_as_the_readme_says():
    before, after = map(int, re.search(r"\((\d+)% to (\d+)% with the default seed\)", (ROOT / "README.md").read_text())
                        .groups())  # fmt: skip
    printed = " ".join(ape_run("demo").split())
    measured = re.search(r"accuracy on held-out data: before ([\d.]+)%, after contributions ([\d.]+)%", printed)
    assert measured, printed
    assert (round(float(measured.group(1))), round(float(measured.group(2)))) == (before, after)
