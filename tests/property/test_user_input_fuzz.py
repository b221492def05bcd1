"""Generated bad input, through the real scripts: for every generated bad
data file or flag value, the command exits 1 with exactly one `error:` line
naming the file and line (or the flag), prints no traceback, and leaves
the output files and the deployment records as they were.

The scripts run in-process through click's CliRunner (the same command
objects `ape run` invokes; a flag is checked while the command line is
parsed, before any network is joined). tests/integration/test_inputs_first.py
runs a few of the same mistakes as `ape run` processes against a node."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import assume, given
from hypothesis import strategies as st

from decai.data.files import read_test_set
from decai.errors import DecaiError

ROOT = Path(__file__).resolve().parents[2]
ROWS = 60
HEADER = ["x", "y", "label"]


def _script(name: str):
    spec = importlib.util.spec_from_file_location(f"decai_fuzz_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


SCRIPTS = {name: _script(name) for name in ("train", "time", "refund", "report", "simulate", "tune", "export")}
MARKET = _script("market")


def _invoke(command, args, folder: Path):
    """Run `command` with `args`; (exit code, stdout, stderr)."""
    runner = CliRunner(mix_stderr=False, env={"DECAI_DEPLOYMENTS": str(folder / "deployments")})
    result = runner.invoke(command, args, prog_name="cli")
    return result.exit_code, result.stdout, result.stderr


def _assert_one_error(code, out, err, starts: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, (out, err)
    assert len(lines) == 1 and lines[0].startswith(f"error: {starts}"), (starts, err)
    assert "Traceback" not in out + err and 'File "' not in out + err


def _good_rows() -> list[list[str]]:
    return [[str(i), str(-i), str(i % 2)] for i in range(ROWS)]


@st.composite
def bad_csv(draw):
    """(file bytes, the file line of the mistake, what the error says after `line: `)."""
    rows = [[field.encode() for field in row] for row in _good_rows()]
    row = draw(st.integers(0, ROWS - 1))
    line = row + 2  # the header is line 1
    kind = draw(st.sampled_from(["non-finite", "not a number", "ragged", "label text", "stray class", "bad byte"]))
    if kind == "non-finite":
        column = draw(st.integers(0, 1))
        rows[row][column] = draw(st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e400"])).encode()
        expected = f"column '{HEADER[column]}': "
    elif kind == "not a number":
        column = draw(st.integers(0, 1))
        text = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8))
        rows[row][column] = text.encode()
        expected = f"column '{HEADER[column]}': {text!r} is not"
    elif kind == "ragged":
        count = draw(st.sampled_from([1, 2, 4, 5, 7]))
        rows[row] = [b"1"] * count
        expected = f"{count} fields, but the header has 3"
    elif kind == "label text":
        text = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8))
        rows[row][2] = text.encode()
        expected = f"column 'label': {text!r} is not a number like the other labels"
    elif kind == "stray class":
        rows[row][2] = str(draw(st.integers(2, 99))).encode()
        expected = "column 'label': class "
    else:
        rows[row][0] = b"1" + bytes([draw(st.integers(0x80, 0xFF))])
        expected = "not UTF-8 text"
    data = b",".join(h.encode() for h in HEADER) + b"\n" + b"".join(b",".join(r) + b"\n" for r in rows)
    return data, line, expected


@given(bad=bad_csv(), model_type=st.sampled_from(["nearest_centroid", "dense_perceptron", "naive_bayes"]))
def test_train__generated_bad_csv__one_error_line_with_file_and_line_nothing_written(tmp_path_factory, bad, model_type):
    data, line, expected = bad
    folder = tmp_path_factory.mktemp("train")
    path = folder / "data.csv"
    path.write_bytes(data)
    out = folder / "model.json"
    code, stdout, err = _invoke(
        SCRIPTS["train"], ["--data", str(path), "--model-type", model_type, "--out", str(out)], folder
    )
    _assert_one_error(code, stdout, err, f"{path}:{line}: ")
    assert expected in err
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv"]  # no model, no temporary, no records


@st.composite
def bad_test_set(draw):
    """(name, bytes, line, expected text) of a market test set with one mistake."""
    count = draw(st.integers(2, 12))
    samples = [sorted(set(draw(st.lists(st.integers(0, 50), min_size=1, max_size=4)))) for _ in range(count)]
    labels = [draw(st.integers(0, 1)) for _ in range(count)]
    bad = draw(st.integers(0, count - 1))
    wrong = draw(st.one_of(st.sampled_from(["x", "2", "-1", "0.5", "true", "null", "yes"]), st.integers(2, 10**6)))
    if draw(st.booleans()):
        lines = ["label,indices"] + [f"{y}," + " ".join(map(str, s)) for s, y in zip(samples, labels)]
        lines[bad + 1] = f"{wrong}," + " ".join(map(str, samples[bad]))
        return "t.csv", ("\n".join(lines) + "\n").encode(), bad + 2, "column 'label': "
    shown = [str(y) for y in labels]
    # "x" and "yes" are not JSON literals: written as JSON strings, so that the
    # file stays valid JSON and only the label is wrong.
    shown[bad] = str(wrong) if isinstance(wrong, int) else (f'"{wrong}"' if wrong in ("x", "yes") else wrong)
    text = '{"samples": [\n' + ",\n".join(str(s) for s in samples) + '\n],\n"labels": [\n' + ",\n".join(shown) + "\n]}"
    return "t.json", text.encode(), count + 4 + bad, f"labels[{bad}]: "


@given(bad=bad_test_set())
def test_market_test_set__generated_bad_label__error_names_the_file_line(tmp_path_factory, bad):
    name, data, line, expected = bad
    path = tmp_path_factory.mktemp("market") / name
    path.write_bytes(data)
    with pytest.raises(DecaiError) as error:
        read_test_set(path)
    assert str(error.value).startswith(f"{path}:{line}: {expected}")
    assert "\n" not in str(error.value)


def _bad_durations():
    units = st.sampled_from(["", "s", "m", "h", "d", "w"])
    too_long = st.builds(lambda n, u: f"{n}{u}", st.integers(10**10, 10**30), units)
    garbage = st.text(alphabet="abcxyz-.,+ 1e", min_size=1, max_size=10).filter(
        lambda t: not t.strip().isdigit() and t.strip() not in ("",)
    )
    return st.one_of(too_long, garbage, st.sampled_from(["-5", "1y", "1.5d", "1000000w", "nan", "inf"]))


FLAG_CASES = {
    # script, the other arguments, the flag, values to draw from
    "advance": ("time", [], "--advance", _bad_durations()),
    "added-time": (
        "refund",
        ["--trainer", "t", "--label", "0", "--data", "1"],
        "--added-time",
        st.one_of(st.integers(max_value=-1), st.integers(min_value=2**256), st.sampled_from(["x", "1.5", "0x10"])),
    ),
    "vocabulary": (
        "train",
        ["--data", "rotten-tomatoes", "--model-type", "naive_bayes", "--out", "m.json"],
        "--vocabulary-size",
        st.integers(max_value=0),
    ),
    "test-fraction": (
        "train",
        ["--data", "breast-cancer", "--model-type", "nearest_centroid", "--out", "m.json"],
        "--test-fraction",
        st.one_of(st.floats(max_value=0), st.floats(min_value=1), st.just("nan")),
    ),
    "simulate-duration": ("simulate", [], "--duration", _bad_durations()),
    "simulate-cost": ("simulate", [], "--cost-weight", st.sampled_from(["-1", "1.5", "x", "nan", "1e80ether"])),
    "tune-duration": ("tune", [], "--duration", _bad_durations()),
}


@pytest.mark.parametrize("case", sorted(FLAG_CASES))
@given(data=st.data())
def test_flags__generated_bad_value__one_error_line_naming_the_flag(tmp_path_factory, case, data):
    script, args, flag, values = FLAG_CASES[case]
    value = data.draw(values)
    if isinstance(value, float):
        assume(value == value)  # NaN is drawn as text
    folder = tmp_path_factory.mktemp("flags")
    code, out, err = _invoke(SCRIPTS[script], [*args, flag, str(value)], folder)
    _assert_one_error(code, out, err, f"bad value for '{flag}': ")
    assert list(folder.iterdir()) == []  # no output, no records


@given(
    address=st.one_of(
        st.text(alphabet="0123456789abcdefx", min_size=1, max_size=41),
        st.builds(lambda name: f"{name}.eth", st.text(alphabet="abcdef", min_size=1, max_size=8)),
        st.sampled_from(["0x1234", "vitalik.eth", "TEST::0", "0x" + "g" * 40]),
    )
)
def test_market_status__generated_non_address__one_line_before_any_network(tmp_path_factory, address):
    folder = tmp_path_factory.mktemp("status")
    code, out, err = _invoke(MARKET, ["status", "0x" + "1" * 40, "--who", address], folder)
    _assert_one_error(code, out, err, f"bad value for '--who': {address.strip()!r} is not an address")


AGENT = {"name": "a", "kind": "honest", "mean_wait_s": 600, "max_deposit_units": 50, "refunds": True}


@given(
    count=st.integers(1, 5),
    bad=st.data(),
    value=st.one_of(st.text(max_size=5), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)),
)
def test_agents_file__generated_bad_field__error_names_the_agents_line(tmp_path_factory, count, bad, value):
    from decai.data.files import read_agents

    index = bad.draw(st.integers(0, count - 1))
    field = bad.draw(st.sampled_from(["mean_wait_s", "max_deposit_units", "refunds", "kind"]))
    assume(not (field == "refunds" and isinstance(value, bool)))
    assume(not (field == "kind" and value in ("honest", "adversary", "free_rider")))
    agents = [dict(AGENT, name=f"a{i}") for i in range(count)]
    agents[index][field] = value
    text = "[\n" + ",\n".join(json.dumps(agent) for agent in agents) + "\n]\n"
    path = tmp_path_factory.mktemp("agents") / "agents.json"
    path.write_text(text)
    with pytest.raises(DecaiError) as error:
        read_agents(path)
    assert str(error.value).startswith(f"{path}:{index + 2}: agent {index}: ")
    assert "\n" not in str(error.value)


@given(data=st.binary(min_size=1, max_size=200))
def test_model_file__generated_bytes__one_line_decai_error_never_a_library_error(tmp_path_factory, data):
    from decai.models import load_model

    path = tmp_path_factory.mktemp("model") / "m.json"
    path.write_bytes(data)
    with pytest.raises(DecaiError) as error:  # random bytes are never a whole model file
        load_model(path)
    assert "\n" not in str(error.value) and (str(path) in str(error.value) or "model file" in str(error.value))
