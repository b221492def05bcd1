"""`ape run train` as a user runs it: bad input ends with one line
`error: <file>:<line>: ...` and exit 1, writes nothing, and shows the
trace only with --verbose."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def train(*args: str) -> tuple[int, str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ape = Path(sys.executable).with_name("ape")
    done = subprocess.run(
        [str(ape), "run", "train", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    errors = [line for line in done.stderr.splitlines() if not line.startswith(" ") and "Warning" not in line]
    return done.returncode, done.stdout, errors


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "name, content, options, message",
    [
        ("ragged.csv", b"x,y,label\n1,2,0\n3,4,1\n5,6\n", ["--model-type", "dense_perceptron"],
         "ragged.csv:4: 2 fields, but the header has 3"),
        ("latin.csv", b"review,label\ngood film,1\nbad \xe9t\xe9,0\n",
         ["--model-type", "naive_bayes", "--text-column", "review"],
         "latin.csv:3: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
        ("one.csv", b"x,label\n1,0\n2,0\n3,0\n", ["--model-type", "dense_perceptron"],
         "one.csv: column 'label' has only one class (0); a model needs at least two"),
    ],
)  # fmt: skip
def test_train__bad_csv__one_line_error_with_file_and_line_and_nothing_written(
    tmp_path, name, content, options, message
):
    data = write(tmp_path / name, content)
    out = tmp_path / "model.json"
    code, _, errors = train("--data", str(data), *options, "--out", str(out))
    assert (code, errors) == (1, [f"error: {tmp_path / message}"])
    assert list(tmp_path.iterdir()) == [data]


def test_train__output_folder_missing__one_line_error_before_training(tmp_path):
    out = tmp_path / "missing" / "model.json"
    code, _, errors = train("--data", "breast-cancer", "--model-type", "dense_perceptron", "--out", str(out))
    assert (code, errors) == (1, [f"error: --out {out}: folder {out.parent} does not exist"])
    assert list(tmp_path.iterdir()) == []


def test_train__verbose__shows_the_trace_then_the_line(tmp_path):
    data = write(tmp_path / "ragged.csv", b"x,y,label\n1,2,0\n3,4\n")
    code, _, errors = train(
        "--data", str(data), "--model-type", "dense_perceptron", "--out", str(tmp_path / "m.json"), "--verbose"
    )
    assert code == 1
    assert errors[0].startswith("Traceback") and errors[-1] == f"error: {data}:3: 2 fields, but the header has 3"


def test_train__failure_after_a_good_run__keeps_the_old_file_whole(tmp_path):
    numbers = write(
        tmp_path / "points.csv",
        b"x,y,label\n" + b"".join(b"%d,%d,%d\n" % (i, -i if i % 2 else i, i % 2) for i in range(1, 41)),
    )
    out = tmp_path / "model.json"
    code, stdout, errors = train("--data", str(numbers), "--model-type", "nearest_centroid", "--out", str(out))
    assert (code, errors) == (0, []) and f"wrote {out}" in stdout
    before = out.read_bytes()
    ragged = write(tmp_path / "ragged.csv", b"x,y,label\n1,2,0\n3,4,1,9\n")
    code, _, errors = train("--data", str(ragged), "--model-type", "nearest_centroid", "--out", str(out))
    assert (code, errors) == (1, [f"error: {ragged}:3: 4 fields, but the header has 3"])
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model.json",
        "points.csv",
        "ragged.csv",
    ]  # no temporary file left


@pytest.mark.parametrize(
    "model_type, step, message",
    [
        ("naive_bayes", "2", "error: --step 2: a counting model's step must be above 0 and at most 1 (1/k: its "
         "deployed counts weigh k samples), got 2 (naive_bayes)"),
        ("sparse_perceptron", "0", "error: --step 0: a perceptron's step must be positive and below "
         "2**63 / 10**9, got 0 (sparse_perceptron)"),
    ],
)  # fmt: skip
def test_train__step_the_model_cannot_take__one_line_before_training(tmp_path, model_type, step, message):
    out = tmp_path / "model.json"
    code, _, errors = train("--data", "rotten-tomatoes", "--model-type", model_type, "--step", step, "--out", str(out))
    assert (code, errors) == (1, [message])
    assert list(tmp_path.iterdir()) == []
