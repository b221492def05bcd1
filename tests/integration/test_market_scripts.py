"""`ape run market ...`: the script's commands, run in-process with Click's
runner on the test chain. Thin wrappers: check the output and that bad input
ends with a one-line error and exit code 1."""

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "market.py"


@pytest.fixture(scope="module")
def cli():
    spec = importlib.util.spec_from_file_location("market_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def run(cli, *args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def on_test_chain(chain):
    """--network for the test session's own node, so that state carries from
    one command to the next (without it, each command starts a fresh chain)."""
    return ["--network", chain.provider.uri]


def test_demo_runs_a_whole_market(cli):
    result = run(cli, "demo")
    assert result.exit_code == 0, result.output
    assert "test errors: h_0" in result.output
    assert "mallory" in result.output and "provider" in result.output


def test_full_market_from_the_commands(cli, tmp_path, accounts, on_test_chain):
    test_set = tmp_path / "test.csv"
    test_set.write_text("label,features\n1,1 2\n0,3 4\n1,0 5\n1,2 7\n0,1 3 5\n1,0 2 4\n1,6\n0,7 8\n")
    result = run(cli, "deploy", "--features", 10, "--stake", 1000, "--min-duration", 0, "--min-contributions", 0, "--account", "TEST::0", *on_test_chain)
    assert result.exit_code == 0, result.output
    address = result.output.split("deployed at ")[1].split()[0]
    secrets = tmp_path / "portions.json"
    result = run(cli, "commit", address, "--test-set", test_set, "--portions", 2, "--bounty", 10_000, "--out", secrets, "--account", "TEST::0", *on_test_chain)
    assert result.exit_code == 0, result.output
    assert run(cli, "reveal-first", address, "--portions-file", secrets, "--account", "TEST::0", *on_test_chain).exit_code == 0
    assert run(cli, "add", address, "--sample", "0,2,4", "--label", 1, "--account", "TEST::1", *on_test_chain).exit_code == 0
    assert run(cli, "end", address, "--account", "TEST::0", *on_test_chain).exit_code == 0
    assert run(cli, "reveal", address, "--portions-file", secrets, "--account", "TEST::0", *on_test_chain).exit_code == 0
    result = run(cli, "process", address, "--account", "TEST::2", *on_test_chain)
    assert result.exit_code == 0 and "phase: finished" in result.output, result.output
    result = run(cli, "status", address, "--who", accounts[1].address, *on_test_chain)
    assert "phase       finished" in result.output
    assert run(cli, "withdraw", address, "--account", "TEST::0", *on_test_chain).exit_code == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["status", "0x0000000000000000000000000000000000000001"], "Error: no contract at"),
        (["status", "0x0000000000000000000000000000000000000001", "--who", "nobody"], "Error: nobody is not an address"),
        (["deploy", "--features", 0, "--account", "TEST::0"], "Error: --features must be positive"),
        (["commit", "0x0000000000000000000000000000000000000001", "--test-set", "/nonexistent.json", "--bounty", 1,
          "--out", "/tmp/x.json", "--account", "TEST::0"], "Error: no contract at"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(cli, args, message):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith(message), result.output


def test_add_with_a_bad_sample_or_market(cli, accounts, on_test_chain):
    from tests.helpers.market import deploy_market

    market = deploy_market(accounts[0])
    for sample, message in (("a,b", "a sample is comma-separated"), ("3,1", "strictly increasing"), ("99", "out of range")):
        result = CliRunner().invoke(cli, ["add", market.address, "--sample", sample, "--label", "1", "--account", "TEST::1", *on_test_chain])
        assert result.exit_code == 1 and message in result.output, result.output
    result = CliRunner().invoke(cli, ["add", market.address, "--sample", "1", "--label", "1", "--account", "TEST::1", *on_test_chain])
    assert result.exit_code == 1 and "Error: add_data rejected: prediction_market: participation is not open" in result.output
