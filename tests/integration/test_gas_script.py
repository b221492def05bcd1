"""`ape run gas` stands alone: its reference figures are in the repository,
and `--output` leaves the committed benchmark files alone."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from decai.chain.node import Anvil

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = [ROOT / "benchmarks" / "gas.json", ROOT / "benchmarks" / "gas_details.json"]


def _digest(paths):
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def test_gas__output_elsewhere__committed_files_untouched_and_goals_read_from_the_repository(tmp_path):
    before = _digest(COMMITTED)
    output = tmp_path / "sp.json"
    with Anvil(untraced=False) as node:
        env = dict(os.environ, APE_FOUNDRY_HOST=node.url, PYTHONPATH=str(ROOT))
        result = subprocess.run(
            ["ape", "run", "gas", "--model", "SP", "--output", str(output), "--network", "ethereum:local:foundry"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert result.returncode == 0, result.stdout + result.stderr
    assert _digest(COMMITTED) == before
    measured = json.loads(output.read_text())["SP"]
    assert set(measured) >= {"deploy_TOTAL", "add_agree", "add_disagree", "refund", "report_take", "predict_estimate"}
    assert (tmp_path / "sp_details.json").exists()
    goals = json.loads((ROOT / "benchmarks" / "reference" / "gas_goals.json").read_text())
    assert "SP" in goals  # the table's goals come from the committed reference, not from outside the clone
    assert f"wrote {output}" in result.stdout


def test_gas__reference_figures__live_in_the_repository():
    reference = ROOT / "benchmarks" / "reference"
    original = json.loads((reference / "original_solidity_gas.json").read_text())
    goals = json.loads((reference / "gas_goals.json").read_text())
    assert {"SP", "DP", "NB", "NCC", "SNCC"} <= set(original)
    # Every goal is against an original figure, except AP's (decai's own model: against SP's figures).
    assert set(goals) - {"_doc", "AP"} <= set(original) and set(goals["AP"]) == set(goals["SP"])
    outside = "/".join(["..", "shared"])  # the folder beside a checkout, which a clone does not have
    for path in [*ROOT.glob("decai/**/*.py"), *ROOT.glob("scripts/*.py"), ROOT / "Makefile", *ROOT.glob("*.md")]:
        assert outside not in path.read_text(), path


def test_gas_check__compares_without_writing(tmp_path):
    """`ape run gas --check` (make gas-check) measures, compares with the
    figures file and writes nothing: exit 0 when they match, 1 with the
    differing figures listed when they do not."""
    before = _digest(COMMITTED)
    output = tmp_path / "sp.json"
    with Anvil(untraced=False) as node:
        env = dict(os.environ, APE_FOUNDRY_HOST=node.url, PYTHONPATH=str(ROOT))

        def gas(*args):
            return subprocess.run(
                ["ape", "run", "gas", "--model", "SP", "--output", str(output), *args, "--network",
                 "ethereum:local:foundry"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip

        assert gas().returncode == 0
        written = output.read_bytes()
        (tmp_path / "sp_details.json").unlink()
        same = gas("--check")
        assert same.returncode == 0, same.stdout + same.stderr
        assert f"all 6 gas figures match {output}" in " ".join(same.stdout.split())  # rich wraps lines
        figures = json.loads(written)
        figures["SP"]["refund"] += 1
        output.write_text(json.dumps(figures))
        tampered = output.read_bytes()
        differs = gas("--check")
    assert differs.returncode == 1
    assert f"SP refund: sp.json has {figures['SP']['refund']}, measured" in " ".join(differs.stdout.split())
    assert differs.stderr.strip() == f"error: 1 of 6 gas figures differ from {output}; `make gas` rewrites it"
    assert output.read_bytes() == tampered and sorted(p.name for p in tmp_path.iterdir()) == ["sp.json"]
    assert _digest(COMMITTED) == before


def test_gas_check__market_figures_do_not_depend_on_the_nodes_clock(tmp_path):
    """The market's first portion is drawn from a block hash, which follows
    the node's clock; the scenario commits again until portion 0 is drawn,
    so two nodes started at different times measure the same figures (before,
    eight of them changed with the draw and `make gas-check` failed at
    random)."""
    output = tmp_path / "pm.json"

    def gas(timestamp: int, *args):
        with Anvil("--timestamp", str(timestamp), untraced=False) as node:
            env = dict(os.environ, APE_FOUNDRY_HOST=node.url, PYTHONPATH=str(ROOT))
            return subprocess.run(
                ["ape", "run", "gas", "--model", "PM", "--output", str(output), *args, "--network",
                 "ethereum:local:foundry"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
            )  # fmt: skip

    first = gas(1_700_000_000)
    assert first.returncode == 0, first.stdout + first.stderr
    second = gas(1_800_000_007, "--check")
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"all 18 gas figures match {output}" in " ".join(second.stdout.split())
