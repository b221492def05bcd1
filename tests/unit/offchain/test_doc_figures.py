"""The prediction market's gas figures in the README and docs/MARKET.md are
the ones `make gas` wrote to benchmarks/gas.json ("PM"); `make gas-check`
measures again and compares with that file (tests/integration/test_gas_script.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PM = json.loads((ROOT / "benchmarks" / "gas.json").read_text())["PM"]

#: The processing row of docs/MARKET.md's gas table, up to its first figure.
PROCESSING = r"\| processing in all \(4 calls; 3 before\) \| "

#: (document, a pattern whose group is the figure, its key in gas.json's "PM")
FIGURES = [
    ("README.md", r"48 evaluated test samples, (\d+) contributions\)", "num_contributions"),
    ("README.md", r"perceptron, (\d+) evaluated test samples", "num_test_samples"),
    ("README.md", r"contributions\): commit ([\d,]+);", "commit"),
    ("README.md", r"reveal a 16-sample portion ([\d,]+);", "reveal_portion"),
    ("README.md", r"add_data ([\d,]+) \(an exact undo", "add_update"),
    ("README.md", r"cancels a pair ([\d,]+);", "add_cancel"),
    ("README.md", r"scoring ([\d,]+) per test sample", "score_per_test_sample"),
    ("README.md", r"replay ([\d,]+) per call", "replay_call_base"),
    ("README.md", r"per call plus ([\d,]+) per contribution", "replay_per_contribution"),
    ("README.md", r"plus ([\d,]+) per contribution per test sample", "replay_per_contribution_per_test_sample"),
    ("README.md", r"rewards ([\d,]+) per contribution visit", "rewards_per_contribution_visit"),
    ("README.md", r"all processing ([\d,]+);", "process_TOTAL"),
    ("README.md", r"withdraw ([\d,]+)\.", "withdraw"),
    ("README.md", r"a (\d+)-contribution market with", "num_contributions"),
    ("README.md", r"changes the model costs ([\d,]+)", "add_update"),
    ("README.md", r"an exact undo ([\d,]+), and", "add_cancel"),
    ("README.md", r"and processing ([\d,]+) in all", "process_TOTAL"),
    ("README.md", r"\(replay ([\d,]+) per contribution", "replay_per_contribution"),
    ("README.md", r"the reward pass ([\d,]+) per contribution", "rewards_per_contribution_visit"),
    ("docs/MARKET.md", r"evaluated\); (\d+) contributions;", "num_contributions"),
    ("docs/MARKET.md", r"\| deploy \(1000 weights\) \| [^|]+ \| ([\d,]+) \|", "deploy_TOTAL"),
    ("docs/MARKET.md", r"\| commit \(4 hashes, bounty\) \| [^|]+ \| ([\d,]+) \|", "commit"),
    ("docs/MARKET.md", r"\| reveal first portion \(16 samples\) \| [^|]+ \| ([\d,]+) \|", "reveal_first"),
    ("docs/MARKET.md", r"\| add_data, model updates [^|]+ \| [^|]+ \| ([\d,]+) \|", "add_update"),
    ("docs/MARKET.md", r"\| add_data, exact undo [^|]+ \| [^|]+ \| ([\d,]+) \|", "add_cancel"),
    ("docs/MARKET.md", r"\| predict \(estimate, 21,000 included\) \| [^|]+ \| ([\d,]+) \|", "predict_estimate"),
    ("docs/MARKET.md", r"\| end participation \| [^|]+ \| ([\d,]+) \|", "end_participation"),
    ("docs/MARKET.md", r"\| reveal a portion \(16 samples, stored\) \| [^|]+ \| ([\d,]+) \|", "reveal_portion"),
    ("docs/MARKET.md", r"\| score: per test sample [^|]+ \| [^|]+ \| ([\d,]+) \|", "score_per_test_sample"),
    ("docs/MARKET.md", r"\| replay: fixed part of a call [^|]+ \| [^|]+ \| ([\d,]+) \|", "replay_call_base"),
    ("docs/MARKET.md", r"\| replay: per contribution \| [^|]+ \| ([\d,]+) \|", "replay_per_contribution"),
    ("docs/MARKET.md", r"\| replay: per contribution per test sample \| [^|]+ \| ([\d,]+) \|",
     "replay_per_contribution_per_test_sample"),
    ("docs/MARKET.md", r"\| rewards: per contribution visit \| [^|]+ \| ([\d,]+) ", "rewards_per_contribution_visit"),
    ("docs/MARKET.md", PROCESSING + r"[^|]+ \| ([\d,]+) \(T = \d+\) \|", "process_TOTAL"),
    ("docs/MARKET.md", PROCESSING + r"[^|]+ \| [\d,]+ \(T = (\d+)\) \|", "num_contributions"),
    ("docs/MARKET.md", r"\| withdraw \| [^|]+ \| ([\d,]+) \|", "withdraw"),
    ("docs/MARKET.md", r"gets a refund \(([\d,]+)\)", "add_cancel"),
]  # fmt: skip


@pytest.mark.parametrize("document, pattern, key", FIGURES, ids=[f"{d}:{k}" for d, _, k in FIGURES])
def test_market_gas_figure__matches_benchmarks_gas_json(document, pattern, key):
    text = " ".join((ROOT / document).read_text().split())  # lines wrap anywhere
    found = re.findall(pattern, text)
    assert len(found) == 1, f"{document}: {pattern!r} found {len(found)} times"
    assert int(found[0].replace(",", "")) == PM[key], f"{document} says {found[0]} for {key}; gas.json has {PM[key]}"
