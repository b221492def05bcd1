"""Every command checks its input before it touches the chain, a file or a
record, as a user meets it: `ape run` against an anvil of the module's own
(the clock, training and a short market address as processes of their own;
the rest one after another in one long-lived `ape run` process,
tests/helpers/script_worker.py). Each mistake ends with one `error:` line in decai's words
(no library text), exit 1, and the chain, the records and the files as they
were. tests/property/test_user_input_fuzz.py generates many more such
inputs in-process."""

from __future__ import annotations

import re

import pytest

from tests.helpers.scripts import SAMPLE, TEST_ACCOUNTS, nonce, rpc, run_script

LIBRARY_TEXT = ("ValueOutOfBounds", "InvalidAddress", "IsADirectoryError", "ValueError", "ENS", "Traceback")


@pytest.fixture(scope="module")
def node(anvil, session):
    url, records = anvil
    deployed = session.run("deploy", "--name", "bc")
    assert deployed.code == 0, deployed.err
    market = session.run("market", "deploy", "--features", "20", "--account", "TEST::0")
    assert market.code == 0, market.err
    address = re.search(r"market deployed at (0x[0-9a-fA-F]{40})", market.out).group(1)
    return url, records, address


def state(url: str, records) -> tuple:
    head = rpc(url, "eth_getBlockByNumber", "latest", False)
    files = sorted((p.name, p.read_bytes()) for p in records.iterdir())
    return head["number"], head["timestamp"], nonce(url, TEST_ACCOUNTS[0]), files


def one_error(result, expected: str) -> None:
    assert (result.code, result.errors) == (1, [expected]), result.out + result.err
    assert not result.traced and not any(text in result.err for text in LIBRARY_TEXT), result.err


def test_time__advance_out_of_range__refused_before_the_clock_moves(node):
    url, records, _ = node
    before = state(url, records)
    result = run_script(url, records, "time", "--advance", "1000000w")
    one_error(
        result,
        "error: bad value for '--advance': bad duration '1000000w': at most 100 years (3153600000 s) "
        "(see `ape run time --help`)",
    )
    assert state(url, records) == before
    assert run_script(url, records, "time").code == 0  # the clock still reads


def test_refund__negative_added_time__flag_named_no_encoder_text(node, session):
    url, records, _ = node
    before = state(url, records)
    result = session.run("refund", "--trainer", "bc", "--data", "1", "--label", "0", "--added-time", "-5")
    one_error(
        result,
        "error: bad value for '--added-time': -5 is out of range: 0 to 2**256 - 1 (uint256) "
        "(see `ape run refund --help`)",
    )
    assert state(url, records) == before


def test_market_status__short_address__no_ens_lookup(node):
    url, records, _ = node
    result = run_script(url, records, "market", "status", "0x1234")
    one_error(
        result,
        "error: bad value for 'ADDRESS': '0x1234' is not an address (0x and 40 hex digits) "
        "(see `ape run status --help`)",
    )


@pytest.mark.parametrize(
    "output, message",
    [
        ("x.xlsx", "error: --output {tmp}/x.xlsx: unknown file type '.xlsx'; end the name in .csv or .parquet"),
        ("bc", "error: --output {tmp}/bc: unknown file type '(no ending)'; end the name in .csv or .parquet"),
        ("", "error: --output {tmp}: is a folder; give a file name ending in .csv or .parquet"),
    ],
)
def test_export__bad_output__refused_before_reading_nothing_written(node, session, tmp_path, output, message):
    url, records, _ = node
    target = tmp_path / output if output else tmp_path
    result = session.run("export", "--trainer", "bc", "--output", str(target))
    one_error(result, message.format(tmp=tmp_path))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "name, content, line_message",
    [
        ("t.json", b'{"samples": [[1, 2],\n [3]],\n "labels": [1]}\n',
         "3: 2 samples but 1 labels; give one label per sample"),
        ("t.csv", b"label,indices\n1,3 4\n0,5\nx,7\n1,8\n", "4: column 'label': 'x' is not a label (0 or 1)"),
        ("t.csv", b"1,3 4\n0,5 \xe9\n", "2: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
        ("t.csv", b"1,3 4\n0,5 25\n", "2: sample: feature index 25 is out of range (the model has 20 features)"),
    ],
)  # fmt: skip
def test_market_commit__bad_test_set__file_line_nothing_sent_no_secrets(
    node, session, tmp_path, name, content, line_message
):
    url, records, market = node
    test_set = tmp_path / name
    test_set.write_bytes(content)
    out = tmp_path / "portions.json"
    before = state(url, records)
    result = session.run(
        "market", "commit", market, "--test-set", str(test_set), "--portions", "2",
        "--bounty", "1ether", "--out", str(out), "--account", "TEST::0",
    )  # fmt: skip
    one_error(result, f"error: {test_set}:{line_message}")
    assert state(url, records) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_deploy__deposit_trainer_without_refund_wait__refused(node, session):
    url, records, _ = node
    before = state(url, records)
    result = session.run("deploy", "--name", "nowait", "--refund-wait", "0")
    one_error(
        result,
        "error: --refund-wait 0: a deposit trainer needs a refund wait (with none, a contributor takes the deposit "
        "back at once and it deters nothing); give e.g. --refund-wait 1d",
    )
    assert state(url, records) == before


def test_train__nan_and_stray_class__file_line_column(tmp_path, node):
    url, records, _ = node
    rows = b"".join(b"%d,%d,%d\n" % (i, -i, i % 2) for i in range(100))
    data = tmp_path / "d.csv"
    data.write_bytes(b"x,y,label\n" + rows + b"nan,1,0\n")
    out = tmp_path / "m.json"
    args = ("train", "--data", str(data), "--model-type", "nearest_centroid", "--out", str(out))
    nan = f"error: {data}:102: column 'x': 'nan' is not a finite number"
    one_error(run_script(url, records, *args, network=None), nan)
    data.write_bytes(b"x,y,label\n" + rows + b"3,1,2\n,,\n4,4,\n")
    one_error(
        run_script(url, records, *args, network=None),
        f"error: {data}:102: column 'label': class '2' has 1 of 101 rows (1.0%; line 102); a typo? "
        "fix it, or pass --allow-small-classes to keep it",
    )
    assert not out.exists()
    kept = run_script(url, records, *args, "--allow-small-classes", network=None)
    assert kept.code == 0, kept.err
    assert f"warning: {data}: left out 1 row with an empty 'label' (line 104)" in kept.err
    assert f"warning: {data}:102: column 'label': class '2' has 1 of 101 rows" in kept.err
    assert "3 classes" in kept.out and out.exists()


@pytest.mark.parametrize("script", ["simulate", "tune"])
def test_simulate_and_tune__nan_and_inf_in_the_csv__file_line_column(tmp_path, node, script):
    url, records, _ = node
    rows = b"".join(b"%d,%d,%d\n" % (i, -i, i % 2) for i in range(100))
    data = tmp_path / "d.csv"
    data.write_bytes(b"x,y,label\n" + rows + b"1,inf,0\n")
    before = state(url, records)
    network = "ethereum:local:foundry" if script == "simulate" else None  # tune runs off chain
    result = run_script(url, records, script, "--dataset", str(data), network=network)
    one_error(result, f"error: {data}:102: column 'y': 'inf' is not a finite number")
    assert "RuntimeWarning" not in result.err
    assert state(url, records) == before


def test_add_data__refund_hint__runs_as_printed(node, session):
    url, records, _ = node
    added = session.run("add_data", "--trainer", "bc", "--values", SAMPLE, "--label", "malignant",
                       "--account", "TEST::2")  # fmt: skip
    assert added.code == 0, added.err
    hint = re.search(r"refund with: ape run (.*)$", added.out, flags=re.M).group(1).split()
    assert hint[-2:] == ["--account", "TEST::2"]
    assert session.run("time", "--advance", "1d").code == 0
    refunded = session.run(*hint)
    assert refunded.code == 0 and refunded.out.startswith("refunded "), refunded.out + refunded.err


def test_market_status__ether_and_durations(node, session):
    url, records, market = node
    result = session.run("market", "status", market)
    assert result.code == 0, result.err
    assert "bounty      0 ETH   stake 0.01 ETH" in result.out and " wei" not in result.out
