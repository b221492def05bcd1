"""The tuning sweep (decai.simulation.sweep, `ape run tune`) on a tiny grid."""

import csv
import json
import random

import pytest

from decai.errors import DecaiError
from decai.simulation.agents import UNIT, adversary_agent, free_rider_agent, honest_agent
from decai.simulation.books import SimulationResult
from decai.simulation.report import kept, learning_figures
from decai.simulation.sweep import (
    KEPT_GOAL,
    SweepGrid,
    read_runs,
    recommend,
    run_sweep,
    summarise,
    table_markdown,
    write_sweep,
)
from decai.units import DAY, HOUR, MINUTE
from tests.helpers.data import write_csv

GOOD = "great superb lovely moving witty tender".split()
BAD = "dull awful boring tedious flat bland".split()
FILLER = "the a film movie plot of and it cast story".split()


def tiny_grid(tmp_path, **changes) -> SweepGrid:
    rng = random.Random(3)
    rows = []
    for _ in range(300):
        label = rng.randrange(2)
        mine, theirs = (GOOD, BAD) if label else (BAD, GOOD)
        words = [rng.choice(mine if rng.random() < 0.8 else theirs) for _ in range(3)] + rng.sample(FILLER, 3)
        rows.append({"review": " ".join(words), "verdict": "fresh" if label else "rotten"})
    path = tmp_path / "reviews.csv"
    write_csv(path, rows)
    values = dict(
        model_types=["sparse_perceptron"],
        learning_rates=[0.1, 0.5],
        refund_waits_s=[2 * HOUR],
        claim_waits_s=[4 * HOUR],
        seeds=[1],
        agents=[
            honest_agent(mean_wait_s=10 * MINUTE, start_balance=1_000 * UNIT),
            adversary_agent(mean_wait_s=HOUR, start_balance=1_000 * UNIT),
            free_rider_agent(mean_wait_s=HOUR),
        ],
        base=dict(dataset=str(path), label_column="verdict", duration_s=6 * HOUR, eval_interval_s=2 * HOUR),
    )
    values.update(changes)
    return SweepGrid(**values)


def test_grid__every_combination_attacked_and_control(tmp_path):
    grid = tiny_grid(tmp_path, seeds=[1, 2])
    runs = grid.runs()
    assert len(runs) == 2 * 2 * 2
    control = grid.config(runs[1][0], runs[1][1], runs[1][2])
    assert runs[1][2] is False and all(a.kind != "adversary" for a in control.agents)
    assert grid.config(*runs[0]).owner_claim_wait_s == grid.config(*runs[0]).any_address_claim_wait_s == 4 * HOUR


def test_sweep__writes_runs_table_plot_and_recommendation(tmp_path):
    grid = tiny_grid(tmp_path)
    seen = []
    rows = run_sweep(grid, jobs=1, progress=seen.append)
    assert len(rows) == len(seen) == 4
    assert {row["learning_rate"] for row in rows} == {0.1, 0.5} and {row["attacked"] for row in rows} == {True, False}
    paths = write_sweep(rows, tmp_path / "out")
    with paths["runs"].open() as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 4 and {"accuracy_final", "accuracy_lowest", "accuracy_final_mean_last_day"} <= set(
        written[0]
    )
    assert paths["plot"].read_bytes()[:8] == paths["kept_plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert {"baseline_accuracy", "kept", "honest_refunded_share", "honest_postponed_for_funds"} <= set(written[0])
    assert paths["table"].read_text().count("\n") == 2 + 2
    advice = json.loads(paths["recommendation"].read_text())
    assert advice["settings"]["learning_rate"] in (0.1, 0.5) and advice["reason"]


def test_recommend__highest_attacked_final_among_settings_that_hold():
    def line(rate, final, control, lowest, initial=0.6):
        return dict(
            model_type="m",
            learning_rate=rate,
            refund_wait_s=1,
            claim_wait_s=1,
            cost_weight=1,
            seeds=3,
            accuracy_initial=initial,
            accuracy_final=final,
            control_accuracy_final=control,
            accuracy_lowest=lowest,
            honest_balance_change_percent=1.0,
            adversary_balance_change_percent=-5.0,
            holds=final >= control - 0.01 and lowest >= initial - 0.03,
        )

    lines = [line(0.1, 0.62, 0.625, 0.59), line(0.5, 0.70, 0.75, 0.50), line(0.25, 0.64, 0.645, 0.58)]
    advice = recommend(lines)
    assert advice["holds"] is True and advice["settings"]["learning_rate"] == 0.25
    assert recommend([lines[1]])["holds"] is False


def _line(rate, final, kept, holds=True):
    return dict(
        model_type="m",
        learning_rate=rate,
        refund_wait_s=1,
        claim_wait_s=1,
        cost_weight=1,
        seeds=3,
        accuracy_initial=0.6,
        accuracy_final=final,
        control_accuracy_final=final,
        accuracy_lowest=0.6,
        baseline_accuracy=0.8,
        kept=kept,
        learns=kept is None or kept >= KEPT_GOAL,
        honest_balance_change_percent=1.0,
        adversary_balance_change_percent=-5.0,
        holds=holds,
    )


def test_recommend__highest_final_among_settings_that_hold_and_keep_the_goal():
    lines = [_line(0.1, 0.66, 0.3), _line(0.25, 0.75, 0.75), _line(0.5, 0.77, 0.85, holds=False)]
    advice = recommend(lines)
    assert advice["settings"]["learning_rate"] == 0.25 and advice["holds"] is True and advice["learns"] is True
    assert advice["reason"].startswith("1 of 3 settings hold and keep at least 70% of what they can learn")
    assert "clean baseline 80.0%), kept 75%" in advice["reason"]


def test_recommend__none_learns__highest_holding_and_says_the_goal_is_missed():
    advice = recommend([_line(0.1, 0.66, 0.3), _line(0.25, 0.68, 0.4), _line(0.5, 0.77, 0.85, holds=False)])
    assert advice["settings"]["learning_rate"] == 0.25 and advice["holds"] is True and advice["learns"] is False
    assert "2 of 3 settings hold but none keeps 70% of what it can learn (the goal is missed)" in advice["reason"]


def test_summarise__means_over_seeds():
    base = dict(
        model_type="m",
        learning_rate=0.1,
        refund_wait_s=1,
        claim_wait_s=1,
        cost_weight=1,
        honest_balance_change_percent=0.0,
        adversary_balance_change_percent=None,
    )
    rows = [
        {
            **base,
            "seed": s,
            "attacked": a,
            "accuracy_initial": 0.5,
            "accuracy_final": f,
            "accuracy_final_mean_last_day": f,
            "accuracy_lowest": 0.49,
        }
        for s, a, f in ((1, True, 0.6), (2, True, 0.7), (1, False, 0.66), (2, False, 0.66))
    ]
    (only,) = summarise(rows)
    assert abs(only["accuracy_final"] - 0.65) < 1e-12 and only["control_accuracy_final"] == 0.66
    assert only["holds"] is False and only["final_holds"] is False and only["lowest_holds"] is True
    # Runs of an older sweep, without the clean baseline: nothing to say about learning.
    assert only["kept"] is None and only["honest_refunded_share"] is None


def test_summarise__kept_refunds_and_postponed_from_the_means():
    rows = [
        {
            **row,
            "honest_refunded_share": 0.5 + row["seed"] / 10 if row["attacked"] else 0.9,
            "honest_postponed_for_funds": 10 * row["seed"] if row["attacked"] else 100,
        }
        for row in _rows(steps=(0.1,), seeds=(1, 2))
    ]
    (only,) = summarise(rows)
    # initial 0.5, baseline 0.7; attacked last-day means 0.62 and 0.63, controls 0.005 higher
    assert abs(only["kept"] - (0.625 - 0.5) / 0.2) < 1e-9 and abs(only["control_kept"] - (0.63 - 0.5) / 0.2) < 1e-9
    assert only["learns"] is False and abs(only["honest_refunded_share"] - 0.65) < 1e-12
    assert only["honest_postponed_for_funds"] == 15 and only["control_honest_postponed_for_funds"] == 100
    table = table_markdown([only])
    assert table.rstrip().endswith("| 70.0% | 63% (65%) | +80.0% | -80.0% | 65% | 15 (100) | yes | no |")


def _rows(dataset="rotten-tomatoes", steps=(0.1,), seeds=(1, 2)):
    return [
        dict(
            model_type="naive_bayes",
            learning_rate=step,
            refund_wait_s=86400,
            claim_wait_s=777600,
            cost_weight=3 * 10**14,
            seed=seed,
            attacked=attacked,
            dataset=dataset,
            accuracy_initial=0.5,
            # The last single measurement ranks the steps the other way round from the last day's mean.
            accuracy_final=0.6 - step / 10 + seed / 100 + (0 if attacked else 0.005),
            accuracy_final_mean_last_day=0.6 + step / 10 + seed / 100 + (0 if attacked else 0.005),
            accuracy_lowest=0.49,
            baseline_accuracy=0.7,
            honest_balance_change_percent=80.0 if attacked else 0.0,
            adversary_balance_change_percent=-80.0 if attacked else None,
            runtime_s=1.5,
        )
        for step in steps
        for seed in seeds
        for attacked in (True, False)
    ]


def test_merge__earlier_sweeps_read_back_typed_and_repeated_runs_kept_once(tmp_path):
    write_sweep(_rows(steps=(0.1, 0.25)), tmp_path / "a")
    write_sweep(_rows(steps=(0.25, 0.5), seeds=(1, 2, 3)), tmp_path / "b")
    merged = read_runs([tmp_path / "a", tmp_path / "b"])
    assert merged[: len(_rows(steps=(0.1, 0.25)))] == _rows(steps=(0.1, 0.25))
    assert len(merged) == 2 * 2 * 2 + 2 * 1 + 3 * 2  # the second sweep's seeds 1-2 at 0.25 are repeats
    lines = {line["learning_rate"]: line for line in summarise(merged)}
    assert {step: line["seeds"] for step, line in lines.items()} == {0.1: 2, 0.25: 3, 0.5: 3}
    paths = write_sweep(merged, tmp_path / "ab")
    assert "| naive_bayes | 0.5 | 1 d | 9 d | 3e+14 | 3 |" in paths["table"].read_text()


def test_merge__older_runs_without_the_newer_columns__merged_with_them_left_empty(tmp_path):
    old = [{k: v for k, v in row.items() if k != "baseline_accuracy"} for row in _rows(steps=(0.1,))]
    new = [{**row, "honest_refunded_share": 0.8} for row in _rows(steps=(0.25,))]
    write_sweep(old, tmp_path / "old")
    write_sweep(new, tmp_path / "new")
    merged = read_runs([tmp_path / "new", tmp_path / "old"])
    paths = write_sweep(merged, tmp_path / "both")
    with paths["runs"].open() as handle:
        written = list(csv.DictReader(handle))
    assert {"baseline_accuracy", "honest_refunded_share"} <= set(written[0]) and len(written) == 8
    lines = {line["learning_rate"]: line for line in summarise(read_runs([tmp_path / "both"]))}
    assert lines[0.1]["kept"] is None and lines[0.1]["honest_refunded_share"] is None
    assert lines[0.25]["honest_refunded_share"] == 0.8 and lines[0.25]["kept"] is not None


def test_merge__different_data_sets_or_a_bad_file__one_line_error(tmp_path):
    write_sweep(_rows(), tmp_path / "a")
    write_sweep(_rows(dataset="imdb"), tmp_path / "b")
    with pytest.raises(DecaiError, match=r"^the runs are of different data sets \(imdb, rotten-tomatoes\); merge one"):
        read_runs([tmp_path / "a", tmp_path / "b"])
    with pytest.raises(DecaiError, match=r"^cannot read .*missing/runs.csv: No such file or directory$"):
        read_runs([tmp_path / "missing"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "runs.csv").write_text("model_type,seed\nnaive_bayes,one\n")
    with pytest.raises(DecaiError, match=r"broken/runs.csv:2: not a row of `ape run tune` \(invalid literal"):
        read_runs([broken])


def _result(initial, final, baseline, agents):
    return SimulationResult(
        config={"duration_s": DAY},
        dataset_name="d",
        backend="reference",
        sizes={},
        baseline_accuracy=baseline,
        accuracy_initial=initial,
        accuracy_final=final,
        series=[],
        agents=agents,
        transactions={},
        simulated_s=DAY,
        runtime_s=1.0,
        interrupted=False,
        stop_reason="",
        balance_check={},
        problems=[],
        trainer={},
    )


def test_learning_figures__kept_share_refunded_and_postponed_of_the_honest_agents():
    agents = {
        "honest": {"kind": "honest", "contributions": 40, "refunds": 30, "additions_postponed_for_funds": 7},
        "honest 2": {"kind": "honest", "contributions": 10, "refunds": 5, "additions_postponed_for_funds": 1},
        "adversary": {"kind": "adversary", "contributions": 99, "refunds": 0, "additions_postponed_for_funds": 50},
    }
    figures = learning_figures(_result(0.6, 0.66, 0.7, agents))
    assert abs(figures["kept"] - 0.6) < 1e-9
    assert figures["honest_refunded_share"] == 35 / 50 and figures["honest_postponed_for_funds"] == 8
    # A clean baseline no better than the initial model leaves nothing to learn.
    assert learning_figures(_result(0.9, 0.88, 0.89, agents))["kept"] is None
    assert abs(kept(0.6, 0.55, 0.7) + 0.5) < 1e-9


def _runs(attacked_last_day, attacked_last, control_last_day, control_last, lowest=0.49):
    """Two seeds of one setting: initial 0.5, clean baseline 0.7."""
    return [
        dict(
            model_type="naive_bayes",
            learning_rate=0.25,
            refund_wait_s=86400,
            claim_wait_s=777600,
            cost_weight=3 * 10**14,
            seed=seed,
            attacked=attacked,
            dataset="rotten-tomatoes",
            accuracy_initial=0.5,
            accuracy_final=attacked_last if attacked else control_last,
            accuracy_final_mean_last_day=attacked_last_day if attacked else control_last_day,
            accuracy_lowest=lowest,
            baseline_accuracy=0.7,
            honest_balance_change_percent=10.0 if attacked else 0.0,
            adversary_balance_change_percent=-50.0 if attacked else None,
        )
        for seed in (1, 2)
        for attacked in (True, False)
    ]


def test_summarise__holds_and_kept_on_the_last_day_mean_not_the_last_measurement():
    # The last measurement is 3 points under the control's, the last day's mean 0.5 point: it holds.
    (line,) = summarise(_runs(attacked_last_day=0.655, attacked_last=0.63, control_last_day=0.66, control_last=0.66))
    assert line["accuracy_final"] == 0.655 and line["control_accuracy_final"] == 0.66
    assert line["accuracy_last_measurement"] == 0.63 and line["control_accuracy_last_measurement"] == 0.66
    assert line["final_holds"] is True and line["holds"] is True
    assert abs(line["kept"] - (0.655 - 0.5) / 0.2) < 1e-9 and abs(line["control_kept"] - (0.66 - 0.5) / 0.2) < 1e-9
    # The other way round: a last measurement level with the control's, a last day 2 points under it.
    (line,) = summarise(_runs(attacked_last_day=0.64, attacked_last=0.66, control_last_day=0.66, control_last=0.66))
    assert line["final_holds"] is False and line["holds"] is False
    assert abs(line["kept"] - 0.7) < 1e-9 and line["learns"] is True
    # Kept falls under the goal on the last day's mean even when the last measurement reaches it.
    (line,) = summarise(_runs(attacked_last_day=0.62, attacked_last=0.66, control_last_day=0.62, control_last=0.62))
    assert abs(line["kept"] - 0.6) < 1e-9 and line["learns"] is False and line["holds"] is True


def test_table__final_is_the_last_day_mean_with_the_last_measurement_beside_it():
    table = table_markdown(summarise(_runs(0.655, 0.63, 0.66, 0.66)))
    head, _, row = table.splitlines()
    columns = [c.strip() for c in head.strip("|").split("|")]
    cells = dict(zip(columns, (c.strip() for c in row.strip("|").split("|"))))
    assert cells["final (control)"] == "65.5% (66.0%)" and cells["last measured (control)"] == "63.0% (66.0%)"
    assert cells["kept (control)"] == "78% (80%)" and cells["holds"] == "yes" and cells["learns"] == "yes"
    assert "last day (control)" not in columns


def test_recommend__ranks_by_the_last_day_mean():
    # _rows: the last measurement is highest at step 0.1, the last day's mean at step 0.5.
    lines = summarise(_rows(steps=(0.1, 0.25, 0.5)))
    assert {ln["learning_rate"]: ln["holds"] for ln in lines} == {0.1: True, 0.25: True, 0.5: True}
    advice = recommend(lines)
    assert advice["settings"]["learning_rate"] == 0.5
    assert "ends highest under attack: final (mean of the last day) 66.5%" in advice["reason"]


def test_read_runs__a_run_without_the_last_day_mean__refused_by_line(tmp_path):
    rows = _rows()
    rows[1]["accuracy_final_mean_last_day"] = None
    write_sweep(rows, tmp_path / "a")
    with pytest.raises(
        DecaiError, match=r"a/runs.csv:3: not a row of `ape run tune` \(.accuracy_final_mean_last_day.\)$"
    ):
        read_runs([tmp_path / "a"])


def _tune_cli():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "decai_tune_script", Path(__file__).parents[3] / "scripts" / "tune.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_tune_summarise__table_plots_and_recommendation_again_from_runs_csv_left_as_it_is(tmp_path):
    from click.testing import CliRunner

    paths = write_sweep(_rows(steps=(0.1, 0.5)), tmp_path / "sweep")
    runs = paths["runs"].read_bytes()
    for name in ("table", "recommendation", "plot", "kept_plot"):
        paths[name].write_text("stale")
    result = CliRunner(mix_stderr=False).invoke(_tune_cli(), ["--summarise", str(tmp_path / "sweep")])
    assert result.exit_code == 0, result.stderr
    assert paths["runs"].read_bytes() == runs and not (tmp_path / "sweep" / "runs.csv.part").exists()
    assert paths["table"].read_text() == table_markdown(summarise(read_runs([tmp_path / "sweep"])))
    assert json.loads(paths["recommendation"].read_text())["settings"]["learning_rate"] == 0.5
    assert paths["plot"].read_bytes()[:4] == paths["kept_plot"].read_bytes()[:4] == b"\x89PNG"
    both = CliRunner(mix_stderr=False).invoke(
        _tune_cli(), ["--summarise", str(tmp_path / "sweep"), "--merge", str(tmp_path / "sweep")]
    )
    assert both.exit_code == 1 and both.stderr == "error: --summarise and --merge: give one of them\n"
    assert paths["runs"].read_bytes() == runs


def test_learning_figures__kept_from_the_mean_of_the_last_day():
    result = _result(0.6, 0.7, 0.7, {})
    result.config = {"duration_s": 2 * DAY}
    result.simulated_s = 3 * DAY  # additions stop at day 2; the settling day after it is not measured
    result.series = [
        {"time_s": t, "accuracy": a}
        for t, a in ((0, 0.6), (DAY - 1, 0.8), (DAY, 0.64), (1.5 * DAY, 0.66), (2 * DAY, 0.7))
    ]
    # Last day (days 1-2): 0.64, 0.66 and 0.70, mean 0.6667; the last measurement alone would keep 100%.
    assert abs(learning_figures(result)["kept"] - (2.0 / 3 - 0.6) / 0.1) < 1e-9


def test_tune_summarise__missing_or_broken_runs__one_line_error_and_nothing_written(tmp_path):
    from click.testing import CliRunner

    missing = CliRunner(mix_stderr=False).invoke(_tune_cli(), ["--summarise", str(tmp_path / "none")])
    assert missing.exit_code == 1
    assert missing.stderr == f"error: cannot read {tmp_path / 'none' / 'runs.csv'}: No such file or directory\n"
    assert not (tmp_path / "none").exists()
    paths = write_sweep(_rows(), tmp_path / "sweep")
    before = {name: path.read_bytes() for name, path in paths.items()}
    with paths["runs"].open("a") as handle:
        handle.write("naive_bayes,0.1,86400,777600,300000000000000,x\n")
    broken = CliRunner(mix_stderr=False).invoke(_tune_cli(), ["--summarise", str(tmp_path / "sweep")])
    assert broken.exit_code == 1 and broken.stderr.startswith(f"error: {paths['runs']}:6: not a row of `ape run tune`")
    assert broken.stderr.count("\n") == 1
    assert all(path.read_bytes() == before[name] for name, path in paths.items() if name != "runs")
