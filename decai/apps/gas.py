"""The gas benchmark: benchmarks/reference/GAS_SCENARIOS.md, replayed on anvil.

For each model (SP, AP, DP, NB, NCC, SNCC) the scenario deploys a handed-over
trainer behind the deposit mechanism, warms it up with two additions, then
measures one agreeing and one disagreeing addition, a refund, a report that
takes a deposit, and an eth_estimateGas of a prediction. Every transaction
is mined alone, 12 s after the previous block; every addition sends the
required deposit plus 10**15 wei (the excess comes back in the same
transaction).

One step cannot be literal for naive Bayes: see NB_REPORT_ADAPTATION.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from decai.chain.deploy import deploy_trainer
from decai.core.fixed_point import ONE, to_fixed
from decai.core.mechanisms import DepositParameters
from decai.models.base import Model
from decai.units import DAY

STEPS = ("deploy_TOTAL", "add_agree", "add_disagree", "refund", "report_take", "predict_estimate")
MODELS = ("SP", "AP", "DP", "NB", "NCC", "SNCC")
BLOCK_INTERVAL_S = 12
EXCESS = 10**15
MECHANISM = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=10 * DAY, cost_weight=10**15
)
CLASSES = ["negative", "positive"]

SPARSE_SAMPLES = {
    "x_good": [1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515],
    "x_bad": list(range(600, 615)),
    "w1": list(range(700, 715)),
    "w2": list(range(800, 815)),
}
DENSE_SAMPLES = {
    "x_good": [to_fixed("0.1")] * 100,
    "x_bad": [to_fixed("0.141421356")] * 50 + [0] * 50,
    "w1": [to_fixed("0.2")] * 25 + [0] * 75,
    "w2": [0] * 75 + [to_fixed("0.2")] * 25,
}

#: With the literal counts (1 per feature in class 0, 10 in class 1, Laplace
#: smoothing) every feature is exactly as likely in both classes, so a
#: correct naive Bayes learns bob's x_bad/0 and then agrees with it: the
#: literal report reverts with "deposit: model agrees with the label". For
#: the report_take figure the counts are scaled by 1000 (1000 and 10000):
#: the same storage words, all non-zero as before, so the same gas path,
#: but each sample moves the model 1000 times less.
NB_REPORT_ADAPTATION = 1000


def scenario_models() -> dict[str, Callable[[int], Model]]:
    """The scenario's model for each key; the argument scales NB's counts."""
    import decai.models as m

    meta = dict(name="gas scenario", description="GAS_SCENARIOS.md", classes=CLASSES)
    return {
        "SP": lambda scale: m.SparsePerceptron(
            **meta, encoder="indices", weights=[2 * ONE] * 1000, intercept=0, learning_rate=ONE
        ),
        # The averaged perceptron: SP's weights, its deployed weights counting as 100 samples.
        "AP": lambda scale: m.AveragedPerceptron(
            **meta, encoder="indices", weights=[2 * ONE] * 1000, intercept=0, learning_rate=ONE, initial_count=100
        ),
        "DP": lambda scale: m.DensePerceptron(
            **meta, encoder="unit", weights=[2 * ONE] * 100, intercept=0, learning_rate=ONE
        ),
        "NB": lambda scale: m.NaiveBayes(
            **meta,
            encoder="indices",
            num_features=1000,
            smoothing=ONE,
            class_counts=[100, 100],
            feature_counts=[[1 * scale] * 1000, [10 * scale] * 1000],
        ),
        "NCC": lambda scale: m.NearestCentroid(
            **meta,
            encoder="unit",
            centroids=[[-to_fixed("0.1")] * 100, [to_fixed("0.1")] * 100],
            class_counts=[100, 100],
        ),
        "SNCC": lambda scale: m.SparseNearestCentroid.from_centroids(
            **meta,
            encoder="indices",
            centroids=[[0.001] * 1000, [0.015] * 1000],
            class_counts=[1000, 1000],
        ),
    }


def scenario_samples(key: str) -> dict[str, list[int]]:
    return DENSE_SAMPLES if key in ("DP", "NCC") else SPARSE_SAMPLES


def replay(key: str, scale: int, accounts, chain, checks: dict[str, Any]) -> dict[str, int]:
    """Play the scenario once on the current chain; returns the measured steps.

    `checks` receives the predictions along the way and the deployment's
    transactions. A report the model refuses is left out of the result.
    """
    owner, alice, bob, carol = accounts[:4]
    model = scenario_models()[key](scale)
    samples = scenario_samples(key)

    def next_block() -> None:
        chain.pending_timestamp = chain.blocks.head.timestamp + BLOCK_INTERVAL_S

    deposits: list[int] = []

    def add(who, sample, label):
        next_block()
        deposits.append(MECHANISM.deposit(chain.pending_timestamp, trainer.last_update_time()))
        return trainer.add_data(sample, label, sender=who, value=deposits[-1] + EXCESS)

    next_block()
    deployment = deploy_trainer(model, MECHANISM, owner, progress=False)
    trainer = deployment.contract
    gas: dict[str, int] = {"deploy_TOTAL": deployment.total_gas}
    checks["deploy_transactions"] = deployment.transactions
    for warm_up in ("w1", "w2"):
        checks[f"predict_{warm_up}_before_add"] = int(trainer.predict(samples[warm_up]))
        add(carol, samples[warm_up], 1)
    checks["predict_x_good_before_add"] = int(trainer.predict(samples["x_good"]))
    good = add(alice, samples["x_good"], 1)
    gas["add_agree"] = good.gas_used
    checks["predict_x_bad_before_add"] = int(trainer.predict(samples["x_bad"]))
    bad = add(bob, samples["x_bad"], 0)
    gas["add_disagree"] = bad.gas_used
    checks["x_bad_deposit_wei"] = deposits[-1]
    checks["predict_x_good_after_adds"] = int(trainer.predict(samples["x_good"]))
    checks["predict_x_bad_after_adds"] = int(trainer.predict(samples["x_bad"]))
    chain.mine(timestamp=chain.blocks.head.timestamp + MECHANISM.refund_wait_s)
    next_block()
    gas["refund"] = trainer.refund(samples["x_good"], 1, good.timestamp, sender=alice).gas_used
    next_block()
    checks["predict_x_bad_at_report"] = int(trainer.predict(samples["x_bad"]))
    if checks["predict_x_bad_at_report"] != 0:
        report = trainer.report(samples["x_bad"], 0, bad.timestamp, bob.address, sender=alice)
        gas["report_take"] = report.gas_used
        checks["report_reward_wei"] = int(next(iter(report.decode_logs(trainer.Report))).amount)
    checks["predict_x_good_final"] = int(trainer.predict(samples["x_good"]))
    gas["predict_estimate"] = trainer.predict.estimate_gas_cost(samples["x_good"], sender=alice)
    return gas


def run_scenario(key: str, accounts, chain, details: dict[str, Any] | None = None) -> dict[str, int]:
    """Gas of every step for `key`, leaving the chain as it found it.

    NB is played twice: literally, then with NB_REPORT_ADAPTATION for the
    report (the literal figures are kept for every step they measured).
    `details`, if given, receives each run's checks.
    """
    if key not in MODELS:
        raise ValueError(f"unknown model key {key!r}; known: {', '.join(MODELS)}")
    result: dict[str, int] = {}
    for scale in [1] if key != "NB" else [1, NB_REPORT_ADAPTATION]:
        checks: dict[str, Any] = {}
        snapshot = chain.snapshot()
        try:
            gas = replay(key, scale, accounts, chain, checks)
        finally:
            chain.restore(snapshot)
        if details is not None:
            details["literal" if scale == 1 else f"counts x{scale}"] = {"gas": gas, **checks}
        for step, value in gas.items():
            result.setdefault(step, value)
    missing = [step for step in STEPS if step not in result]
    if missing:
        raise RuntimeError(f"{key}: steps {missing} did not complete")
    return {step: result[step] for step in STEPS}


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
            table.add_row(
                key,
                step,
                f"{ours:,}" if ours is not None else "-",
                f"{theirs:,}" if theirs else "-",
                ratio,
                f"{goal:,}" if goal else "-",
                verdict,
            )
    return table
