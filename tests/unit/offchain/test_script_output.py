"""What the scripts print reads like the rest of decai: ether rather than
wei, durations rather than raw timestamps, a counting model's step named as
such, and node advice that fits the address."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from click.testing import CliRunner

from decai.apps.cli import start_hint
from decai.market.status import MarketStatus
from decai.simulation.sweep import write_sweep
from tests.unit.offchain.test_sweep import _rows

ROOT = Path(__file__).resolve().parents[3]


def test_market_status__ether_dates_and_time_left():
    status = MarketStatus(
        address="0xM", phase="participation", stage="none", now=1_700_000_000, provider="0xP",
        bounty=10**18, stake=10**16, num_portions=4, first_portion=1, next_portion=0, num_contributions=2,
        num_test_samples=32, deadlines={"participation deadline": 1_700_000_000 + 86_340, "reveal deadline": 0},
        processing_cursor=0, rounds_left=0, initial_loss=None, final_loss=None, forfeited=False,
        total_owed=2 * 10**16, balance=102 * 10**16, owed={"0xC": 10**16},
    )  # fmt: skip
    lines = status.lines()
    assert "bounty      1 ETH   stake 0.01 ETH   rounds 100" in lines
    assert "participation deadline 2023-11-15 22:12:20 UTC (in 23h 59m)" in lines
    assert "contract balance 1.02 ETH, owed to accounts 0.02 ETH" in lines
    assert "owed to 0xC: 0.01 ETH" in lines
    assert not any(" wei" in line for line in lines)


def test_tune__recommendation_in_words_with_the_counting_step(tmp_path):
    write_sweep(_rows(steps=(0.25, 0.5)), tmp_path / "earlier")
    spec = importlib.util.spec_from_file_location("decai_script_tune", ROOT / "scripts" / "tune.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = CliRunner(mix_stderr=False).invoke(
        module.cli, ["--merge", str(tmp_path / "earlier"), "--output", str(tmp_path / "out")], terminal_width=300
    )
    assert result.exit_code == 0, result.stderr
    assert (
        "recommended: naive_bayes, on-chain step 0.5 (deployed counts weigh 2 samples each), refund wait 1d, "
        "claim wait 9d, cost weight 3e+14 wei" in " ".join(result.stdout.split())
    )
    assert "learning_rate" not in result.stdout and "{" not in result.stdout


def test_start_hint__names_the_port_make_node_does_not_use():
    assert start_hint("http://127.0.0.1:8545") == "start one with `make node`"
    assert start_hint("http://127.0.0.1:8555") == "start one with `anvil --port 8555` (`make node` listens on 8545)"


def test_confirmations_bar__filled_when_the_wait_ends(capsys):
    from ape.api.transactions import ConfirmationsProgressBar

    from decai.apps.cli import complete_confirmation_bars

    complete_confirmation_bars()
    with ConfirmationsProgressBar(2) as bar:
        pass  # Ape leaves the loop as soon as the node reports the confirmations
    assert bar._bar.n == 2
    assert "Confirmations (2/2)" in capsys.readouterr().err
