"""The collaborative-training simulation on anvil, in seconds.

A small text data set whose labels can mostly be told from the words, and
a sparse perceptron; the mechanism's waits are hours instead of days so
that two simulated days cover additions, refunds, reports and the
settlement. The runs are deterministic (seeded agents, fixed clock). The
full experiment (`make simulate`) is a benchmark, not a test.
"""

import json
import os
import random
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from rich.console import Console

from decai.simulation.agents import UNIT, adversary_agent, free_rider_agent, honest_agent
from decai.simulation.config import SimulationConfig, prepare_experiment
from decai.simulation.engine import StopFlag
from decai.simulation.report import print_result, write_outputs
from decai.simulation.runner import interrupt_stops, run_experiment
from decai.units import HOUR, MINUTE
from tests.helpers.data import number_rows, write_csv

ROOT = Path(__file__).resolve().parents[2]
START = 1_900_000_000  # every run starts its clock here, so that runs compare exactly
POSITIVE = "great superb lovely moving witty tender gripping sharp warm bold".split()
NEGATIVE = "dull awful boring tedious flat bland clumsy limp stale hollow".split()
FILLER = "the a film movie plot of and it cast story scene actor script year one two this that with from".split()


def reviews(count: int, seed: int) -> list[dict]:
    """Reviews of three opinion words, each from the review's side with
    probability 0.8, among four filler words: about 90% can be told."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.randrange(2)
        mine, theirs = (POSITIVE, NEGATIVE) if label else (NEGATIVE, POSITIVE)
        words = [rng.choice(mine if rng.random() < 0.8 else theirs) for _ in range(3)] + rng.sample(FILLER, 4)
        rng.shuffle(words)
        rows.append({"review": " ".join(words), "verdict": "fresh" if label else "rotten"})
    return rows


def config(tmp_path, **changes) -> SimulationConfig:
    path = tmp_path / "reviews.csv"
    if not path.exists():
        write_csv(path, reviews(600, seed=4))
    values = dict(
        dataset=str(path),
        label_column="verdict",
        model_type="sparse_perceptron",
        agents=[
            honest_agent(mean_wait_s=10 * MINUTE, claim_interval_s=HOUR, start_balance=1_000 * UNIT),
            adversary_agent(mean_wait_s=HOUR, claim_interval_s=HOUR, start_balance=1_000 * UNIT),
            free_rider_agent(mean_wait_s=HOUR),
        ],
        duration_s=24 * HOUR,
        refund_wait_s=2 * HOUR,
        owner_claim_wait_s=8 * HOUR,
        any_address_claim_wait_s=8 * HOUR,
        eval_interval_s=2 * HOUR,
        learning_rate=0.25,
        seed=1,
    )
    values.update(changes)
    return SimulationConfig(**values)


@pytest.fixture
def fresh_chain(chain, accounts):
    """A snapshot restored afterwards (chain.isolate() would swallow failures),
    with the clock at START."""
    snapshot = chain.snapshot()
    head = chain.blocks.head.timestamp
    chain.mine(timestamp=max(START, head + 1))
    try:
        yield chain
    finally:
        chain.restore(snapshot)


def run(tmp_path, fresh_chain, accounts, **changes):
    settings = config(tmp_path, **changes)
    return run_experiment(settings, accounts=accounts, chain=fresh_chain)


def test_short_simulation__honest_gains_adversary_loses_accuracy_holds(tmp_path, fresh_chain, accounts):
    result = run(tmp_path, fresh_chain, accounts)
    honest, adversary, rider = (result.agents[name] for name in ("honest", "adversary", "free-rider"))
    assert honest["end_balance"] > honest["start_balance"]
    assert adversary["end_balance"] < adversary["start_balance"]
    assert result.accuracy_final >= result.accuracy_initial - 0.02
    # Everything happened, on chain, and the books agree with the chain.
    assert honest["contributions"] > 20 and adversary["contributions"] > 5
    assert honest["refunds"] > 0 and honest["takes"] > 0
    assert result.transactions["report"] > 0 and result.transactions["sweep"] > 0
    assert result.balance_check == {"checked": True, "matches": True, "mismatches": {}}
    assert result.problems == []
    assert honest["gas_paid"] > 0 and rider["end_balance"] == rider["start_balance"] and rider["predictions"] > 0
    # Settled: nothing left in the contract, every wei accounted for.
    assert all(agent["still_locked"] == 0 for agent in result.agents.values())
    for agent in (honest, adversary):
        assert agent["end_balance"] == (
            agent["start_balance"]
            - agent["deposited"]
            + agent["refunded"]
            + agent["taken"]
            + agent["recovered"]
            - agent["gas_paid"]
        )
    assert honest["lost_to_others"] + adversary["lost_to_others"] == honest["taken"] + adversary["taken"]


def test_dense_model_from_numbers__shadow_model_stays_equal_to_the_chain(tmp_path, fresh_chain, accounts):
    """A model without batch prediction: predictions come from a shadow
    reference model trained alongside the contract, checked on chain."""
    data = write_csv(tmp_path / "points.csv", number_rows(300, seed=5))
    result = run(
        tmp_path,
        fresh_chain,
        accounts,
        dataset=str(data),
        label_column="label",
        model_type="dense_perceptron",
        duration_s=8 * HOUR,
    )
    assert result.trainer["parity"] == {
        "predictions": "shadow reference model, spot-checked on chain",
        "shadow_equals_chain": True,
    }
    assert result.balance_check["matches"] is True and result.problems == []
    assert result.transactions["add_data"] > 20 and result.transactions["refund"] > 0


@pytest.mark.parametrize("model_type", ["naive_bayes", "sparse_nearest_centroid", "nearest_centroid"])
def test_counting_models__same_direction_and_the_reference_takes_the_same_decisions(
    tmp_path, fresh_chain, accounts, model_type
):
    """Naive Bayes and both nearest centroids behind the deposit mechanism:
    a short run, checked against the Python reference of the contracts."""
    settings = config(tmp_path, model_type=model_type, duration_s=12 * HOUR)
    result = run_experiment(settings, accounts=accounts, chain=fresh_chain)
    assert result.trainer["kind"] == f"deposit/{model_type}"
    assert result.trainer["parity"] == {"predictions": "on chain (predict_batch)", "shadow_equals_chain": True}
    honest, adversary = result.agents["honest"], result.agents["adversary"]
    assert honest["end_balance"] > honest["start_balance"] and adversary["end_balance"] < adversary["start_balance"]
    assert result.accuracy_final >= result.accuracy_initial - 0.02
    assert result.balance_check["matches"] is True and result.problems == []
    reference = run_experiment(settings, backend="reference", prepared=prepare_experiment(settings))
    assert reference.transactions == result.transactions
    assert [r["accuracy"] for r in reference.series] == [r["accuracy"] for r in result.series]
    # Naive Bayes forgets the samples taken while it rejects them, on chain,
    # in the shadow and in the reference alike (the parity above covers it).
    forgotten = {name: agent["forgotten"] for name, agent in result.agents.items()}
    assert forgotten == {name: agent["forgotten"] for name, agent in reference.agents.items()}
    assert (forgotten["adversary"] > 0) == (model_type == "naive_bayes")
    console = Console(record=True, width=200)
    print_result(console, result, {})
    said = "samples removed from the model when taken while it rejected them: " + ", ".join(
        f"{name} {count}" for name, count in forgotten.items() if count
    )
    assert (said in console.export_text()) == (model_type == "naive_bayes")


def test_points_mechanism__points_reports_and_badges_as_the_trainer_records_them(tmp_path, fresh_chain, accounts):
    """No deposits: only gas leaves the accounts; the honest agent earns
    the points, the adversary's contributions get reported."""
    result = run(tmp_path, fresh_chain, accounts, mechanism="points", duration_s=12 * HOUR)
    assert result.trainer["kind"] == "points/sparse_perceptron"
    honest, adversary = result.agents["honest"], result.agents["adversary"]
    assert result.problems == []  # the trainer's points and reports equal the books'
    assert honest["points"] > 5 * adversary["points"]
    assert adversary["reported_by_others"] > adversary["points"]
    assert honest["points"] + honest["reported_by_others"] <= honest["contributions"]
    assert {"first contribution", "10 points"} <= set(honest["badges"])
    assert result.transactions["sweep"] == 0 and result.transactions["report"] > 0
    for agent in (honest, adversary):
        assert agent["deposited"] == agent["taken"] == agent["refunded"] == 0
        assert agent["end_balance"] == agent["start_balance"] - agent["gas_paid"]
    assert result.balance_check["matches"] is True
    paths = write_outputs(result, tmp_path / "out")
    header, *rows = paths["timeseries"].read_text().splitlines()
    assert header.endswith(",honest_points,adversary_points")
    assert rows[-1].endswith(f",{honest['points']},{adversary['points']}")
    assert json.loads(paths["summary"].read_text())["agents"]["honest"]["badges"] == honest["badges"]
    settings = config(tmp_path, mechanism="points", duration_s=12 * HOUR)
    reference = run_experiment(settings, backend="reference", prepared=prepare_experiment(settings))
    assert reference.transactions == result.transactions
    for name in ("honest", "adversary"):
        assert {k: reference.agents[name][k] for k in ("points", "reported_by_others", "badges")} == {
            k: result.agents[name][k] for k in ("points", "reported_by_others", "badges")
        }


def test_outputs__summary_timeseries_and_plot(tmp_path, fresh_chain, accounts):
    result = run(tmp_path, fresh_chain, accounts, duration_s=3 * HOUR, settle=False)
    paths = write_outputs(result, tmp_path / "out")
    summary = json.loads(paths["summary"].read_text())
    assert {"accuracy_initial", "accuracy_final", "baseline_accuracy", "agents"} <= set(summary)
    assert set(summary["agents"]["adversary"]) >= {
        "honest",
        "start_balance",
        "end_balance",
        "contributions",
        "refunds",
        "takes",
    }
    assert summary["agents"]["adversary"]["honest"] is False and summary["agents"]["honest"]["honest"] is True
    header, *rows = paths["timeseries"].read_text().splitlines()
    assert header.startswith("time_s,day,adding,accuracy,honest_balance_wei,")
    assert len(rows) == len(result.series) >= 4
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_transports__sdk_and_rpc_give_the_same_run_to_the_wei(tmp_path, fresh_chain, accounts):
    """The fast transport sends the same transactions as the SDK does."""
    changes = dict(
        duration_s=3 * HOUR,
        settle=False,
        refund_wait_s=HOUR,
        owner_claim_wait_s=2 * HOUR,
        any_address_claim_wait_s=2 * HOUR,
    )
    snapshot = fresh_chain.snapshot()
    fast = run(tmp_path, fresh_chain, accounts, transport="rpc", **changes)
    fresh_chain.restore(snapshot)
    slow = run(tmp_path, fresh_chain, accounts, transport="sdk", **changes)
    assert fast.transactions == slow.transactions and sum(fast.transactions.values()) > 15
    assert fast.series == slow.series
    assert fast.agents == slow.agents


def test_ctrl_c__stops_cleanly_and_keeps_what_it_has(tmp_path, fresh_chain, accounts):
    events = []

    def interrupt_after_a_while(simulation, elapsed, total):
        events.append(elapsed)
        if len(events) == 60:
            os.kill(os.getpid(), signal.SIGINT)

    stop = StopFlag()
    with interrupt_stops(stop):
        settings = config(tmp_path)
        result = run_experiment(
            settings, accounts=accounts, chain=fresh_chain, progress=interrupt_after_a_while, stop=stop
        )
    assert result.interrupted and result.stop_reason == "interrupted (Ctrl-C)"
    assert 0 < result.simulated_s < settings.duration_s
    assert len(events) == 60  # nothing ran after the signal
    paths = write_outputs(result, tmp_path / "out")
    summary = json.loads(paths["summary"].read_text())
    assert summary["interrupted"] is True and summary["agents"]["honest"]["contributions"] > 0
    assert paths["plot"].exists() and paths["timeseries"].exists()
    # The chain is still there (only this process got the signal): the books were checked against it.
    assert result.balance_check["matches"] is True
    # The handler is restored afterwards.
    assert signal.getsignal(signal.SIGINT) is not None


@pytest.mark.parametrize("model_type", ["sparse_perceptron", "averaged_perceptron"])
def test_reference_backend__same_decisions_without_a_chain(tmp_path, fresh_chain, accounts, model_type):
    """The Python reference of the contracts gives the same run (gas aside)."""
    settings = config(tmp_path, duration_s=6 * HOUR, model_type=model_type)
    on_chain = run_experiment(settings, accounts=accounts, chain=fresh_chain)
    reference = run_experiment(settings, backend="reference", prepared=prepare_experiment(settings))
    assert reference.transactions == on_chain.transactions
    assert [r["accuracy"] for r in reference.series] == [r["accuracy"] for r in on_chain.series]
    for name, agent in on_chain.agents.items():
        other = reference.agents[name]
        for key in ("contributions", "refunds", "takes", "deposited", "refunded", "taken", "recovered"):
            assert other[key] == agent[key], (name, key)
        assert other["end_balance"] == agent["end_balance"] + agent["gas_paid"]


def test_script__ctrl_c__exits_cleanly_with_the_results_so_far(tmp_path):
    """`ape run simulate` as a user runs it: on Ape's own local network (so
    on a private anvil), interrupted with SIGINT once it is running."""
    data = write_csv(tmp_path / "reviews.csv", reviews(300, seed=2))
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "APE_FOUNDRY_HOST"}
    env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    command = [
        "ape", "run", "simulate", "--dataset", str(data), "--label-column", "verdict", "--duration", "60d",
        "--refund-wait", "2h", "--any-claim-wait", "8h", "--eval-interval", "2h", "--no-progress", "--output", str(out),
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    guard = threading.Timer(240, process.kill)
    guard.start()
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("running;"):
                break
        threading.Event().wait(2)  # let it send some transactions
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=120)
    finally:
        guard.cancel()
    output = "".join(lines) + rest
    assert process.returncode == 0, output
    assert "interrupted (Ctrl-C): writing what the run has" in output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["interrupted"] is True
    assert summary["transactions"]["add_data"] > 0
    assert summary["balance_check"]["matches"] is True
    assert (out / "simulation.png").exists() and (out / "timeseries.csv").exists()
