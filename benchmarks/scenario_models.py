"""Replay ../shared/bench/GAS_SCENARIOS.md for one model and return its gas.

    from benchmarks.scenario_models import run_scenario
    run_scenario("NB")   # {"deploy_TOTAL": ..., "add_agree": ..., ...}

`run_scenario` needs a connected local provider (anvil); it snapshots the
chain first and restores it afterwards, so scenarios do not disturb each
other. `python -m benchmarks.scenario_models NB NCC SNCC` connects to a
fresh anvil itself and prints a table with the ratio to the original and
to the goal.

The scenario is literal (models, samples, steps, 12 s between blocks). One
step cannot be literal for naive Bayes: see `NB_REPORT_ADAPTATION` and
benchmarks/NOTES_models.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

from decai.fixed_point import ONE, to_fixed
from decai.mechanisms import DepositParameters

KEYS = ("deploy_TOTAL", "add_agree", "add_disagree", "refund", "report_take", "predict_estimate")
BLOCK_TIME_S = 12
DAY_S = 86_400
EXCESS_WEI = 10**15
MECHANISM = DepositParameters(
    refund_wait_s=DAY_S, owner_claim_wait_s=10 * DAY_S, any_address_claim_wait_s=10 * DAY_S, cost_weight=10**15
)
SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"

SPARSE = {
    "x_good": [1, 2, 3, 14, 15, 26, 37, 48, 59, 110, 111, 112, 213, 314, 515],
    "x_bad": list(range(600, 615)),
    "w1": list(range(700, 715)),
    "w2": list(range(800, 815)),
}
DENSE = {
    "x_good": [to_fixed("0.1")] * 100,
    "x_bad": [to_fixed("0.141421356")] * 50 + [0] * 50,
    "w1": [to_fixed("0.2")] * 25 + [0] * 75,
    "w2": [0] * 75 + [to_fixed("0.2")] * 25,
}
CLASSES = ["negative", "positive"]

#: With the literal counts (1 per feature in class 0, 10 in class 1, Laplace
#: smoothing) every feature is exactly as likely in both classes, so a
#: correct naive Bayes learns bob's x_bad/0 and then agrees with it: the
#: literal report reverts with "deposit: model agrees with the label". For
#: the report_take figure the counts are scaled by 1000 (1000 and 10000):
#: the same storage words, all non-zero as before, so the same gas path,
#: but each sample moves the model 1000 times less.
NB_REPORT_ADAPTATION = 1000


def _models() -> dict[str, Callable[[int], Any]]:
    import decai.models as m

    meta = dict(name="gas scenario", description="GAS_SCENARIOS.md", classes=CLASSES)
    return {
        "SP": lambda scale: m.SparsePerceptron(
            **meta, encoder="indices", weights=[2 * ONE] * 1000, intercept=0, learning_rate=ONE
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


def _samples(key: str) -> dict[str, list[int]]:
    return DENSE if key in ("DP", "NCC") else SPARSE


def _next_block(chain) -> None:
    chain.pending_timestamp = chain.blocks.head.timestamp + BLOCK_TIME_S


def _add(contract, sample, label, sender, chain) -> Any:
    _next_block(chain)
    value = contract.next_deposit() + EXCESS_WEI
    # next_deposit() is read at the head block; the next block is 12 s later
    # and the price only falls with time, so the value covers it.
    return contract.add_data(sample, label, sender=sender, value=value)


def _replay(key: str, scale: int, accounts, chain, checks: dict[str, Any]) -> dict[str, int]:
    from decai.deploy import deploy_trainer

    owner, alice, bob, carol = accounts[0], accounts[1], accounts[2], accounts[3]
    model = _models()[key](scale)
    samples = _samples(key)
    _next_block(chain)
    deployment = deploy_trainer(model, MECHANISM, owner, progress=False)
    trainer = deployment.contract
    gas: dict[str, int] = {"deploy_TOTAL": deployment.total_gas}
    checks["deploy_transactions"] = deployment.transactions
    for warm_up in ("w1", "w2"):
        checks[f"predict_{warm_up}_before_add"] = int(trainer.predict(samples[warm_up]))
        _add(trainer, samples[warm_up], 1, carol, chain)
    checks["predict_x_good_before_add"] = int(trainer.predict(samples["x_good"]))
    good = _add(trainer, samples["x_good"], 1, alice, chain)
    gas["add_agree"] = good.gas_used
    checks["predict_x_bad_before_add"] = int(trainer.predict(samples["x_bad"]))
    bad = _add(trainer, samples["x_bad"], 0, bob, chain)
    gas["add_disagree"] = bad.gas_used
    checks["predict_x_good_after_adds"] = int(trainer.predict(samples["x_good"]))
    checks["predict_x_bad_after_adds"] = int(trainer.predict(samples["x_bad"]))
    good_time = chain.provider.get_block(good.block_number).timestamp
    bad_time = chain.provider.get_block(bad.block_number).timestamp
    chain.mine(timestamp=chain.blocks.head.timestamp + DAY_S)
    _next_block(chain)
    refund = trainer.refund(samples["x_good"], 1, good_time, sender=alice)
    gas["refund"] = refund.gas_used
    _next_block(chain)
    checks["predict_x_bad_at_report"] = int(trainer.predict(samples["x_bad"]))
    if checks["predict_x_bad_at_report"] != 0:
        report = trainer.report(samples["x_bad"], 0, bad_time, bob.address, sender=alice)
        gas["report_take"] = report.gas_used
        checks["report_reward_wei"] = int(next(iter(report.decode_logs(trainer.Report))).amount)
    checks["predict_x_good_final"] = int(trainer.predict(samples["x_good"]))
    gas["predict_estimate"] = trainer.predict.estimate_gas_cost(samples["x_good"], sender=alice)
    return gas


def run_scenario(model_key: str, details: dict[str, Any] | None = None) -> dict[str, int]:
    """Gas of every step of the scenario for `model_key` (SP, DP, NB, NCC, SNCC).

    Needs a connected local provider. Returns the six figures keyed as in
    gas_goals.json. `details`, if given, receives the sanity checks
    (predictions along the way, deployment transactions) of each run.
    """
    from ape import accounts, chain

    if model_key not in _models():
        raise ValueError(f"unknown model key {model_key!r}; known: {', '.join(_models())}")
    test_accounts = accounts.test_accounts
    runs = [1] if model_key != "NB" else [1, NB_REPORT_ADAPTATION]
    result: dict[str, int] = {}
    for scale in runs:
        checks: dict[str, Any] = {}
        snapshot = chain.snapshot()
        try:
            gas = _replay(model_key, scale, test_accounts, chain, checks)
        finally:
            chain.restore(snapshot)
        if details is not None:
            details["literal" if scale == 1 else f"counts x{scale}"] = {"gas": gas, **checks}
        for step, value in gas.items():
            result.setdefault(step, value)
    missing = [k for k in KEYS if k not in result]
    if missing:
        raise RuntimeError(f"{model_key}: steps {missing} did not complete")
    return {k: result[k] for k in KEYS}


def _table(results: dict[str, dict[str, int]]) -> str:
    original = json.loads((SHARED_BENCH / "original_solidity_gas.json").read_text())
    goals = json.loads((SHARED_BENCH / "gas_goals.json").read_text())
    lines = [f"{'model':5} {'step':17} {'decai':>11} {'original':>11} {'ratio':>6} {'goal':>11} {'ok':>3}"]
    for key, gas in results.items():
        for step in KEYS:
            orig = original.get(key, {}).get(step)
            goal = goals.get(key, {}).get(step)
            ratio = f"{gas[step] / orig:.3f}" if orig else "-"
            ok = "" if goal is None else ("yes" if gas[step] <= goal else "NO")
            lines.append(f"{key:5} {step:17} {gas[step]:>11,} {orig or 0:>11,} {ratio:>6} {goal or 0:>11,} {ok:>3}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    from ape import networks

    keys = argv or ["NB", "NCC", "SNCC"]
    results: dict[str, dict[str, int]] = {}
    details: dict[str, Any] = {}
    with networks.parse_network_choice("ethereum:local:foundry"):
        for key in keys:
            details[key] = {}
            results[key] = run_scenario(key, details[key])
    print(_table(results))
    if "-v" in sys.argv:
        print(json.dumps(details, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if not a.startswith("-")]))
