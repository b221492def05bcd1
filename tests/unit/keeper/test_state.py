"""The keeper's state file and the monitor's rules (no chain)."""

from __future__ import annotations

import json

import pytest

from decai.core.contributions import Contribution
from decai.errors import DecaiError
from decai.keeper.monitor import alert_message, measurement_due
from decai.keeper.service import run_loop
from decai.keeper.state import KeeperState

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def test_state__saved_and_loaded__keeps_contributions_finished_and_done(tmp_path):
    path = tmp_path / "keeper.json"
    state = KeeperState.load(path, ME, 1)
    trainer = state.trainer("0xT")
    trainer.next_block = 42
    trainer.contributions["0xk"] = Contribution((1, 5), 1, 1000, OTHER, 7, block_number=3)
    trainer.finished.add("0xj")
    state.record("0xT", "report", "0xk", 5, "0xtx", 43)
    loaded = KeeperState.load(path, ME, 1)
    again = loaded.trainer("0xT")
    assert again.next_block == 42 and again.contributions == trainer.contributions
    assert again.finished == {"0xj"} and again.done == {"0xk": ["report"]}
    assert loaded.log == [{"kind": "report", "trainer": "0xT", "key": "0xk", "amount": 5, "tx": "0xtx", "block": 43}]
    assert not (tmp_path / "keeper.json.tmp").exists()


def test_state__file_of_another_account_or_chain__is_refused(tmp_path):
    path = tmp_path / "keeper.json"
    KeeperState.load(path, ME, 1).save()
    with pytest.raises(DecaiError, match=f"belongs to {ME} on chain 1, not {OTHER} on chain 1: use another file"):
        KeeperState.load(path, OTHER, 1)
    with pytest.raises(DecaiError, match=f"belongs to {ME} on chain 1, not {ME} on chain 5"):
        KeeperState.load(path, ME, 5)


def test_state__not_a_state_file_or_missing_directory__one_line_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    with pytest.raises(DecaiError, match=r"not a keeper state file \(JSONDecodeError\)"):
        KeeperState.load(bad, ME, 1)
    bad.write_text(json.dumps({"version": 99}))
    with pytest.raises(DecaiError, match="not a keeper state file of version 1"):
        KeeperState.load(bad, ME, 1)
    with pytest.raises(DecaiError, match="does not exist"):
        KeeperState.load(tmp_path / "nowhere" / "k.json", ME, 1)


@pytest.mark.parametrize(
    ("best", "accuracy", "drop", "alerts"),
    [(None, 0.5, 0.05, False), (0.9, 0.86, 0.05, False), (0.9, 0.85, 0.05, False), (0.9, 0.84, 0.05, True)],
)
def test_alert_message__only_beyond_the_allowed_drop(best, accuracy, drop, alerts):
    message = alert_message(best, accuracy, drop)
    assert (message is not None) == alerts
    if alerts:
        assert message == "accuracy 84.0% is 6.0% below its best 90.0% (allowed drop 5.0%)"


@pytest.mark.parametrize(
    ("now", "last", "every", "additions", "after", "due"),
    [
        (100, None, None, 0, None, True),
        (100, 50, 60, 0, None, False),
        (110, 50, 60, 0, None, True),
        (100, 50, None, 4, 5, False),
        (100, 50, None, 5, 5, True),
        (100, 50, None, 50, None, False),
    ],
)
def test_measurement_due__first_time_on_schedule_or_after_n_additions(now, last, every, additions, after, due):
    assert measurement_due(now, last, every, additions, after) is due


class FakeMonitor:
    def __init__(self, alert_on: set[int], due: bool = False):
        self.measured, self.alert_on, self._due = 0, alert_on, due

    def due(self):
        return self._due

    def measure(self):
        self.measured += 1
        return self.measured

    def describe(self, row):
        return f"row {row}"

    def check(self, row):
        return "dropped" if row in self.alert_on else None


class Stop(Exception):
    pass


def test_run_loop__once__measures_even_when_not_due_and_exits_1_on_an_alert():
    monitor = FakeMonitor({1})
    assert run_loop(None, monitor, once=True, stop_on_alert=True, log=lambda line: None) == 1
    assert monitor.measured == 1
    assert run_loop(None, FakeMonitor(set()), once=True, stop_on_alert=True, log=lambda line: None) == 0


def test_run_loop__keeper_keeps_going_after_an_alert_and_measures_only_when_due():
    monitor, ticks, sleeps = FakeMonitor({1}), [], []

    class FakeKeeper:
        def tick(self):
            ticks.append(1)

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            raise Stop

    with pytest.raises(Stop):
        run_loop(FakeKeeper(), monitor, interval_s=5, log=lambda line: None, sleep=sleep)
    assert (len(ticks), monitor.measured, sleeps) == (3, 1, [5, 5, 5])
