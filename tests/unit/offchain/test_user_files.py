"""The one reader of user files (decai.data.files): every problem is one
line `file:line: column 'name': what is wrong`, with the file's own line
numbers; rows left out are counted; suspicious classes are refused unless
allowed. Training CSVs go through `load_csv`, market test sets through
`read_test_set`, agents files through `read_agents`, model files through
`load_model`."""

from __future__ import annotations

import pytest

from decai.data.datasets import load_csv
from decai.data.files import read_agents, read_json, read_test_set
from decai.errors import DecaiError
from decai.models import load_model


def numbers(rows: int = 200) -> bytes:
    return b"x,y,label\n" + b"".join(b"%d,%d,%d\n" % (i, -i, i % 2) for i in range(rows))


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data, message",
    [
        (numbers() + b"nan,1,0\n", "202: column 'x': 'nan' is not a finite number"),
        (numbers() + b"1,-inf,0\n", "202: column 'y': '-inf' is not a finite number"),
        (numbers() + b"1,1e999,0\n", "202: column 'y': '1e999' is not a finite number"),
        (numbers() + b"1,2,x\n", "202: column 'label': 'x' is not a number like the other labels"),
        (numbers() + b"1,2,inf\n", "202: column 'label': 'inf' is not a number like the other labels"),
        (numbers() + b"1,2,2\n", "202: column 'label': class '2' has 1 of 201 rows (0.5%; line 202); a typo? "
         "fix it, or pass --allow-small-classes to keep it"),
        (numbers() + b"1,2\n", "202: 2 fields, but the header has 3"),
        (numbers() + b"1,\xff,0\n", "202: not UTF-8 text (byte 0xff); save the file as UTF-8"),
        (b"x,x,label\n1,2,0\n", "1: column 'x' appears twice in the header"),
        (b"x,,label\n1,2,0\n", "1: column 2 of the header has no name"),
    ],
)  # fmt: skip
def test_load_csv__bad_row__file_line_and_column(tmp_path, data, message):
    path = write(tmp_path, "data.csv", data)
    with pytest.raises(DecaiError) as error:
        load_csv(path)
    assert str(error.value) == f"{path}:{message}"


def test_load_csv__text_label_among_numbers_is_named_by_its_line(tmp_path):
    # The minority kind is the odd one, wherever it is.
    path = write(tmp_path, "d.csv", b"review,label\n" + b"".join(b"film %d,spam\n" % i for i in range(9)) + b"x,7\n")
    with pytest.raises(DecaiError, match=r"d.csv:11: column 'label': '7' is a number among text labels$"):
        load_csv(path, text_column="review")


def test_load_csv__small_class_allowed__kept_with_a_warning(tmp_path):
    path = write(tmp_path, "d.csv", numbers() + b"1,2,2\n")
    data = load_csv(path, allow_small_classes=True)
    assert data.classes == ["0", "1", "2"] and data.labels[-1] == 2
    assert data.notes == [f"{path}:202: column 'label': class '2' has 1 of 201 rows (0.5%; line 202)"]


def test_load_csv__class_under_one_percent_is_suspicious(tmp_path):
    rows = b"".join(b"%d,%d,%d\n" % (i, i, i % 2) for i in range(400)) + b"1,1,2\n2,2,2\n3,3,2\n"
    path = write(tmp_path, "d.csv", b"x,y,label\n" + rows)
    with pytest.raises(DecaiError, match=r"d.csv:402: column 'label': class '2' has 3 of 403 rows \(0.7%; lines "
                       r"402, 403, 404\); a typo\?"):  # fmt: skip
        load_csv(path)


def test_load_csv__empty_labels__left_out_and_counted(tmp_path):
    path = write(tmp_path, "d.csv", numbers(100) + b"5,5,\n6,6, \n")
    data = load_csv(path)
    assert len(data.labels) == 100
    assert data.notes == [f"{path}: left out 2 rows with an empty 'label' (lines 102, 103)"]


def test_read_test_set__json__errors_name_the_line_of_the_element(tmp_path):
    path = write(tmp_path, "t.json", b'{"samples": [\n  [1, 2],\n  [3]\n],\n "labels": [\n  1,\n  "x"\n]}\n')
    with pytest.raises(DecaiError) as error:
        read_test_set(path)
    assert str(error.value) == f"{path}:7: labels[1]: 'x' is not a label (0 or 1)"

    path = write(tmp_path, "t.json", b'{"samples": [[1, 2],\n [3]],\n "labels": [1]}\n')
    with pytest.raises(DecaiError) as error:
        read_test_set(path)
    assert str(error.value) == f"{path}:3: 2 samples but 1 labels; give one label per sample"

    path = write(tmp_path, "t.json", b'{"samples": [[1, 2],\n [3, -1]],\n "labels": [1, 0]}\n')
    with pytest.raises(DecaiError) as error:
        read_test_set(path)
    assert str(error.value) == f"{path}:2: samples[1]: -1 is not a feature index (a whole number from 0)"


def test_read_test_set__csv__file_lines_not_sample_positions(tmp_path):
    path = write(tmp_path, "t.csv", b"label,indices\n1,3 4\n\n0,5\nx,7\n")
    with pytest.raises(DecaiError) as error:
        read_test_set(path)
    assert str(error.value) == f"{path}:5: column 'label': 'x' is not a label (0 or 1)"
    path = write(tmp_path, "t.csv", b"1,3 4\n0,5 \xe9\n")
    with pytest.raises(DecaiError, match=r"t.csv:2: not UTF-8 text \(byte 0xe9\)"):
        read_test_set(path)
    path = write(tmp_path, "t.csv", b"label,indices\n1,3 4\n\n0,5\n")
    assert read_test_set(path) == ([[3, 4], [5]], [1, 0], [2, 4])


@pytest.mark.parametrize(
    "text, message",
    [
        ('[\n {"name": "a", "kind": "honest"},\n {"name": "b", "kind": "honest", "mean_wait_s": "x"}\n]',
         "3: agent 1: mean_wait_s is a number, got 'x'"),
        ('[\n {"name": "a", "kind": "honest", "refunds": 1}\n]', "2: agent 0: refunds is true or false, got 1"),
        ('[\n {"name": "a", "kind": "robot"}\n]', "2: agent 0: agent a: kind must be one of"),
        ('[\n {"name": "a", "kind": "honest", "mean_wait_s": NaN}\n]', " NaN is not a number decai accepts"),
        ('[\n {"name": "a", "kind": "honest", "mean_wait_s": 1e999}\n]', " 1e999 is too large a number"),
        ('[\n {"name": "a",\n', "3: agents file is not valid JSON"),
        ("[]", " an agents file holds a non-empty JSON list of agents"),
    ],
)  # fmt: skip
def test_read_agents__bad_agent__file_line(tmp_path, text, message):
    path = write(tmp_path, "agents.json", text.encode())
    with pytest.raises(DecaiError) as error:
        read_agents(path)
    separator = "" if message.startswith(" ") else ":"
    assert str(error.value).startswith(f"{path}{separator}{message}".replace(f"{path} ", f"{path}: "))


def test_model_file__not_utf8_or_bad_json__line(tmp_path):
    path = write(tmp_path, "m.json", b'{"format":\n "decai-model/1",\n "name": "\xff"}')
    with pytest.raises(DecaiError, match=r"m.json:3: not UTF-8 text \(byte 0xff\)"):
        load_model(path)
    path = write(tmp_path, "m.json", b'{"format":\n "decai-model/1",,\n}')
    with pytest.raises(DecaiError, match=r"m.json:2: model file is not valid JSON: Expecting property name"):
        load_model(path)
    with pytest.raises(DecaiError, match=r"model file .* is a folder; give a file$"):
        read_json(tmp_path, "model file")
