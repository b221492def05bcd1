"""The gas benchmark: ../shared/bench/GAS_SCENARIOS.md, replayed on anvil.

For each model the scenario deploys a handed-over trainer (deposit
mechanism), warms it up with two additions, then measures one agreeing and
one disagreeing addition, a refund, a report that takes a deposit, and an
eth_estimateGas of a prediction. Every transaction is mined alone, 12 s
after the previous block; every addition sends the required deposit plus
10**15 wei (the excess comes back in the same transaction).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from decai.deploy import deploy_trainer
from decai.fixed_point import ONE
from decai.mechanisms import DepositParameters
from decai.models import DensePerceptron, SparsePerceptron
from decai.models.base import Model

STEPS = ("deploy_TOTAL", "add_agree", "add_disagree", "refund", "report_take", "predict_estimate")
MECHANISM = DepositParameters(
    refund_wait_s=86_400, owner_claim_wait_s=864_000, any_address_claim_wait_s=864_000, cost_weight=10**15
)
EXCESS = 10**15
BLOCK_INTERVAL_S = 12

SPARSE_SAMPLES = {
    "x_good": [1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515],
    "x_bad": list(range(600, 615)),
    "w1": list(range(700, 715)),
    "w2": list(range(800, 815)),
}
DENSE_SAMPLES = {
    "x_good": [ONE // 10] * 100,
    "x_bad": [141_421_356] * 50 + [0] * 50,
    "w1": [ONE // 5] * 25 + [0] * 75,
    "w2": [0] * 75 + [ONE // 5] * 25,
}


@dataclass(frozen=True)
class Scenario:
    key: str
    make_model: Callable[[], Model]
    samples: dict[str, Sequence[int]]
    good_label: int = 1
    bad_label: int = 0


def _sparse_perceptron() -> Model:
    return SparsePerceptron(
        name="SP", description="gas scenario", encoder="indices",
        weights=[2 * ONE] * 1000, intercept=0, learning_rate=ONE,
    )


def _dense_perceptron() -> Model:
    return DensePerceptron(
        name="DP", description="gas scenario", encoder="unit",
        weights=[2 * ONE] * 100, intercept=0, learning_rate=ONE,
    )


SCENARIOS: dict[str, Scenario] = {
    "SP": Scenario("SP", _sparse_perceptron, SPARSE_SAMPLES),
    "DP": Scenario("DP", _dense_perceptron, DENSE_SAMPLES),
}


def run_scenario(scenario: Scenario, accounts, chain) -> dict[str, int]:
    """Gas of every step of the scenario for one model, on a fresh chain state."""
    owner, alice, bob, carol = accounts[:4]
    samples = scenario.samples

    def next_block() -> None:
        chain.pending_timestamp = chain.blocks.head.timestamp + BLOCK_INTERVAL_S

    next_block()
    deployment = deploy_trainer(scenario.make_model(), MECHANISM, owner, progress=False)
    trainer = deployment.contract

    def add(who, sample, label):
        next_block()
        # The deposit of the next block, which is the one this transaction lands in.
        value = MECHANISM.deposit(chain.pending_timestamp, trainer.last_update_time()) + EXCESS
        return trainer.add_data(list(sample), label, sender=who, value=value)

    add(carol, samples["w1"], 1)
    add(carol, samples["w2"], 1)
    agree = add(alice, samples["x_good"], scenario.good_label)
    disagree = add(bob, samples["x_bad"], scenario.bad_label)
    chain.mine(timestamp=chain.blocks.head.timestamp + MECHANISM.refund_wait_s)
    next_block()
    refund = trainer.refund(list(samples["x_good"]), scenario.good_label, agree.timestamp, sender=alice)
    next_block()
    report = trainer.report(list(samples["x_bad"]), scenario.bad_label, disagree.timestamp, bob.address, sender=alice)
    predict = trainer.predict.estimate_gas_cost(list(samples["x_good"]), sender=alice)
    return {
        "deploy_TOTAL": deployment.total_gas,
        "deploy_transactions": dict(deployment.transactions),
        "add_agree": agree.gas_used,
        "add_disagree": disagree.gas_used,
        "refund": refund.gas_used,
        "report_take": report.gas_used,
        "predict_estimate": predict,
    }


def load_reference(bench_dir: Path) -> tuple[dict, dict]:
    original = json.loads((bench_dir / "original_solidity_gas.json").read_text())
    goals = json.loads((bench_dir / "gas_goals.json").read_text())
    return original, goals


def render_table(results: dict[str, dict], original: dict, goals: dict):
    """A rich table: each figure, the original's, the ratio and the goal."""
    from rich.table import Table

    table = Table(title="Gas per step (decai vs the 2019 original)")
    for column in ("model", "step", "decai", "original", "ratio", "goal", ""):
        table.add_column(column, justify="right" if column not in ("model", "step", "") else "left")
    for key, figures in results.items():
        for step in STEPS:
            ours = figures.get(step)
            theirs = original.get(key, {}).get(step)
            goal = goals.get(key, {}).get(step)
            ratio = f"{ours / theirs:.2f}x" if ours and theirs else "-"
            verdict = "" if goal is None or ours is None else ("ok" if ours <= goal else "over")
            table.add_row(key, step, f"{ours:,}" if ours is not None else "-", f"{theirs:,}" if theirs else "-", ratio, f"{goal:,}" if goal else "-", verdict)
    return table
