"""`ape run market ...`: the script's commands, run in-process with Click's
runner on the test chain (the demo and the log lines: as a user runs them,
in another process). Thin wrappers: check the output, that bad input ends
with a one-line `error: ...` and exit code 1 before anything is sent, and
that the provider's secrets file appears only for a commitment that was
mined, readable by its owner only."""

import importlib.util
import os
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from decai.chain.node import Anvil
from decai.market.client import MAX_ROUNDS, Market, MarketParameters
from tests.helpers.market import deploy_market

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "market.py"
TEST_SET = "label,features\n1,1 2\n0,3 4\n1,0 5\n1,2 7\n0,1 3 5\n1,0 2 4\n1,6\n0,7 8\n"


@pytest.fixture(scope="module")
def cli():
    spec = importlib.util.spec_from_file_location("market_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def run(cli, *args):
    return CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def error_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def on_test_chain(chain, monkeypatch):
    """Point the commands at the test session's own node, as a user points
    them at theirs (APE_FOUNDRY_HOST and the local network), so that state
    carries from one command to the next."""
    monkeypatch.setenv("APE_FOUNDRY_HOST", chain.provider.uri)
    return ["--network", "ethereum:local:foundry"]


@pytest.fixture
def test_set(tmp_path):
    path = tmp_path / "test.csv"
    path.write_text(TEST_SET)
    return path


def test_commands__a_whole_market__finishes_and_pays_out(cli, tmp_path, test_set, accounts, on_test_chain):
    result = run(
        cli,
        "deploy",
        "--features",
        10,
        "--stake",
        1000,
        "--min-duration",
        0,
        "--min-contributions",
        0,
        "--account",
        "TEST::0",
        *on_test_chain,
    )
    assert result.exit_code == 0, result.output + result.stderr
    address = result.output.split("deployed at ")[1].split()[0]
    secrets = tmp_path / "portions.json"
    result = run(
        cli,
        "commit",
        address,
        "--test-set",
        test_set,
        "--portions",
        2,
        "--bounty",
        10_000,
        "--out",
        secrets,
        "--account",
        "TEST::0",
        *on_test_chain,
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert (
        run(cli, "reveal-first", address, "--portions-file", secrets, "--account", "TEST::0", *on_test_chain).exit_code
        == 0
    )
    assert (
        run(cli, "add", address, "--sample", "0,2,4", "--label", 1, "--account", "TEST::1", *on_test_chain).exit_code
        == 0
    )
    assert run(cli, "end", address, "--account", "TEST::0", *on_test_chain).exit_code == 0
    assert (
        run(cli, "reveal", address, "--portions-file", secrets, "--account", "TEST::0", *on_test_chain).exit_code == 0
    )
    result = run(cli, "process", address, "--account", "TEST::2", *on_test_chain)
    assert result.exit_code == 0 and "phase: finished" in result.output, result.output
    result = run(cli, "status", address, "--who", accounts[1].address, *on_test_chain)
    assert "phase       finished" in result.output
    assert run(cli, "withdraw", address, "--account", "TEST::0", *on_test_chain).exit_code == 0


def test_commit__mined__secrets_file_private_and_complete(cli, tmp_path, test_set, accounts, on_test_chain):
    market = deploy_market(accounts[0])
    secrets = tmp_path / "portions.json"
    result = run(
        cli,
        "commit",
        market.address,
        "--test-set",
        test_set,
        "--portions",
        2,
        "--bounty",
        "0.1ether",
        "--out",
        secrets,
        "--account",
        "TEST::0",
        *on_test_chain,
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["portions.json", "test.csv"]  # no temporary file left
    from decai.market.files import load_portions

    assert [p.hash() for p in load_portions(secrets)] == [market.contract.portion_hash(i) for i in range(2)]
    assert market.phase == "committed" and int(market.contract.bounty()) == 10**17


@pytest.mark.parametrize(
    "account, bounty, stake, message",
    [
        ("TEST::1", "0.1ether", 10**15, "error: commit rejected: ownership: caller is not the owner"),
        ("TEST::0", str(MAX_ROUNDS + 1), 1, "error: commit rejected: prediction_market: bounty buys too many rounds"),
        ("TEST::0", "999", 1000, "error: the bounty (999 wei) must be at least one stake (1000 wei)"),
        ("TEST::0", "lots", 1000, "error: --bounty: bad amount 'lots': use wei, or a number with gwei or ether"),
    ],
)
def test_commit__refused__one_line_no_file_no_transaction(
    cli, tmp_path, test_set, accounts, on_test_chain, account, bounty, stake, message
):
    parameters = MarketParameters(
        stake=stake, min_duration_s=0, max_duration_s=10, min_contributions=0, commit_window_s=10, reveal_window_s=10
    )
    market = deploy_market(accounts[0], parameters)
    sender = accounts[int(account.split("::")[1])]
    nonce = sender.nonce
    secrets = tmp_path / "out" / "portions.json"
    secrets.parent.mkdir()
    result = CliRunner(mix_stderr=False).invoke(
        cli,
        [
            "commit",
            market.address,
            "--test-set",
            str(test_set),
            "--portions",
            "2",
            "--bounty",
            bounty,
            "--out",
            str(secrets),
            "--account",
            account,
            *on_test_chain,
        ],
    )
    assert result.exit_code == 1, result.output + result.stderr
    assert error_lines(result) == [message], result.output
    assert "Traceback" not in result.output
    assert list(secrets.parent.iterdir()) == []
    assert sender.nonce == nonce and market.phase == "setup"


def test_commit__after_a_refusal__retry_with_the_same_out_succeeds(cli, tmp_path, test_set, accounts, on_test_chain):
    market = deploy_market(accounts[0])
    secrets = tmp_path / "portions.json"
    args = [
        "commit",
        market.address,
        "--test-set",
        test_set,
        "--portions",
        2,
        "--bounty",
        "0.1ether",
        "--out",
        secrets,
        *on_test_chain,
    ]
    assert CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args] + ["--account", "TEST::1"]).exit_code == 1
    result = run(cli, *args, "--account", "TEST::0")
    assert result.exit_code == 0, result.output + result.stderr
    assert Market(market.contract).phase == "committed" and secrets.exists()


def test_commit__out_exists__refused_before_anything(cli, tmp_path, test_set, accounts, on_test_chain):
    market = deploy_market(accounts[0])
    secrets = tmp_path / "portions.json"
    secrets.write_text("keep me")
    result = CliRunner(mix_stderr=False).invoke(
        cli,
        [
            "commit",
            market.address,
            "--test-set",
            str(test_set),
            "--bounty",
            "0.1ether",
            "--out",
            str(secrets),
            "--account",
            "TEST::0",
            *on_test_chain,
        ],
    )
    assert result.exit_code == 1
    assert error_lines(result) == [f"error: --out: {secrets} exists; refusing to overwrite a provider's secret file"]
    assert secrets.read_text() == "keep me" and market.phase == "setup"


@pytest.mark.parametrize(
    "args, message",
    [
        (["status", "0x0000000000000000000000000000000000000001"], "error: no contract at"),
        (
            ["status", "0x0000000000000000000000000000000000000001", "--who", "nobody"],
            "error: bad value for '--who': 'nobody' is not an address (0x and 40 hex digits)",
        ),
        (
            ["deploy", "--features", 0, "--account", "TEST::0"],
            "error: bad value for '--features': 0 is out of range: 1 to 2**256 - 1 (uint256)",
        ),
        (
            [
                "commit",
                "0x0000000000000000000000000000000000000001",
                "--test-set",
                "/nonexistent.json",
                "--bounty",
                1,
                "--out",
                "/nonexistent-dir/x.json",
                "--account",
                "TEST::0",
            ],
            "error: --out: cannot write /nonexistent-dir/x.json: directory /nonexistent-dir does not exist",
        ),
    ],
)
def test_bad_input__one_line_and_exit_1(cli, args, message):
    result = CliRunner(mix_stderr=False).invoke(cli, [str(a) for a in args])
    assert result.exit_code == 1, result.output + result.stderr
    errors = error_lines(result)
    assert len(errors) == 1 and errors[0].startswith(message), result.output


def test_add__bad_sample_or_closed_market__one_line_error(cli, accounts, on_test_chain):
    market = deploy_market(accounts[0])
    for sample, message in (
        ("a,b", "a sample is comma-separated"),
        ("3,1", "strictly increasing"),
        ("99", "out of range"),
    ):
        result = CliRunner(mix_stderr=False).invoke(
            cli, ["add", market.address, "--sample", sample, "--label", "1", "--account", "TEST::1", *on_test_chain]
        )
        assert result.exit_code == 1 and message in result.stderr, result.output
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["add", market.address, "--sample", "1", "--label", "1", "--account", "TEST::1", *on_test_chain]
    )
    assert result.exit_code == 1
    assert error_lines(result) == ["error: add_data rejected: prediction_market: participation is not open"]


@pytest.fixture(scope="module")
def users_node():
    """A node the user keeps for other work, reached through APE_FOUNDRY_HOST."""
    with Anvil() as node:
        yield node


def ape_run(users_node, *args):
    env = dict(os.environ, APE_FOUNDRY_HOST=users_node.url, PYTHONPATH=str(ROOT))
    return subprocess.run(
        ["ape", "run", *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_commands__on_a_node__no_ape_log_lines(users_node):
    deployed = ape_run(
        users_node, "market", "deploy", "--features", 10, "--account", "TEST::0", "--network", "ethereum:local:foundry"
    )
    assert deployed.returncode == 0, deployed.stderr
    address = deployed.stdout.split("deployed at ")[1].split()[0]
    status = ape_run(users_node, "market", "status", address, "--network", "ethereum:local:foundry")
    assert status.returncode == 0 and "phase       setup" in status.stdout, status.stderr
    for result in (deployed, status):
        lines = (result.stdout + result.stderr).splitlines()
        assert [line for line in lines if line.startswith(("INFO:", "SUCCESS:"))] == [], lines
