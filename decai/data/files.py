"""One reader for every file a user gives decai: training CSVs, market test
sets (CSV or JSON), model files, agent files and raw-input stores (JSON Lines).

Whatever is wrong is said in one line that names the place in the file as
the file numbers it, never a position after shuffling or filtering:

    reviews.csv:7: column 'label': 'x' is not a number like the other labels
    test.json:12: labels[3]: 2 is not a label (0 or 1)

It refuses a file that is not UTF-8 (naming the line of the first bad
byte), JSON that does not parse (line and column), rows with more or fewer
fields than the header, numbers that are NaN or infinite, labels that do
not parse like the others, and classes so small that they are more likely
typos than data (one row, or under 1% of the rows; `--allow-small-classes`
turns that refusal into a warning). Rows left out (an empty label) are
counted and reported, never dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from decai.errors import DecaiError

#: A class with at most this many rows, or under `SMALL_CLASS_SHARE` of them, is suspicious.
SMALL_CLASS_ROWS = 1
SMALL_CLASS_SHARE = 0.01


def read_text(path: str | Path, what: str = "file") -> str:
    """The text of a UTF-8 file (a byte-order mark is allowed); DecaiError
    naming the file, and the line of a bad byte."""
    path = Path(path)
    if path.is_dir():
        raise DecaiError(f"{what} {path} is a folder; give a file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DecaiError(f"{what} {path} does not exist") from None
    except OSError as error:
        raise DecaiError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DecaiError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8"
        ) from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number decai accepts")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large a number")
    return value


def read_json(path: str | Path, what: str = "file") -> tuple[Any, str]:
    """(parsed content, text) of a JSON file; NaN and Infinity are refused."""
    text = read_text(path, what)
    try:
        return json.loads(text, parse_constant=_no_constants, parse_float=_finite_float), text
    except json.JSONDecodeError as error:
        raise DecaiError(
            f"{path}:{error.lineno}: {what} is not valid JSON: {error.msg} (column {error.colno})"
        ) from None
    except ValueError as error:
        raise DecaiError(f"{path}: {error}") from None


def line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _elements(text: str, at: int) -> list[int]:
    """The lines of the elements of the JSON array that opens at `at`."""
    decoder = json.JSONDecoder()
    lines, at = [], _skip(text, at + 1)
    while at < len(text) and text[at] != "]":
        lines.append(line_of(text, at))
        _, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        if text.startswith(",", at):
            at = _skip(text, at + 1)
    return lines


def array_lines(text: str, key: str | None = None) -> list[int]:
    """The line of each element of the array under the top-level `key` of
    the JSON object `text` (already known to parse), or of the top-level
    array itself when `key` is None; [] when there is none."""
    decoder = json.JSONDecoder()
    at = _skip(text, 0)
    if key is None:
        return _elements(text, at) if text.startswith("[", at) else []
    if not text.startswith("{", at):
        return []
    at = _skip(text, at + 1)
    while at < len(text) and text[at] == '"':
        name, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        at = _skip(text, at + 1)  # the colon
        if name == key and text.startswith("[", at):
            return _elements(text, at)
        _, at = decoder.raw_decode(text, at)
        at = _skip(text, at)
        if text.startswith(",", at):
            at = _skip(text, at + 1)
    return []


def read_csv(
    path: str | Path, what: str = "data file", text: str | None = None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, fields)]) of a UTF-8 CSV file (or of `text`,
    a file's content already read, e.g. uploaded to the dashboard); every
    row has as many fields as the header; blank lines are skipped."""
    if text is None:
        text = read_text(path, what)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            if not fields or all(not f.strip() for f in fields):
                continue
            if header is None:
                header = [name.strip() for name in fields]
                _check_header(path, reader.line_num, header)
                continue
            if len(fields) != len(header):
                raise DecaiError(f"{path}:{reader.line_num}: {len(fields)} fields, but the header has {len(header)}")
            rows.append((reader.line_num, fields))
    except csv.Error as error:
        raise DecaiError(f"{path}:{reader.line_num}: not a readable CSV row: {error}") from None
    if header is None:
        raise DecaiError(f"{path}: empty file; expected a header row")
    return header, rows


def read_jsonl(path: str | Path, what: str = "file", text: str | None = None) -> list[tuple[int, Any]]:
    """[(line number, value)] of a JSON Lines file (or of `text`, its
    content); blank lines are skipped, NaN and Infinity refused."""
    if text is None:
        text = read_text(path, what)
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_constant=_no_constants, parse_float=_finite_float)
        except json.JSONDecodeError as error:
            raise DecaiError(f"{path}:{number}: not valid JSON: {error.msg} (column {error.colno})") from None
        except ValueError as error:
            raise DecaiError(f"{path}:{number}: {error}") from None
        out.append((number, value))
    return out


def _check_header(path, line: int, header: list[str]) -> None:
    seen: set[str] = set()
    for position, name in enumerate(header, 1):
        if not name:
            raise DecaiError(f"{path}:{line}: column {position} of the header has no name")
        if name in seen:
            raise DecaiError(f"{path}:{line}: column {name!r} appears twice in the header")
        seen.add(name)


def finite_number(path, line: int, column: str, text: str, hint: str = "") -> float:
    """`text` as a finite float, or DecaiError `file:line: column 'name': ...`."""
    try:
        value = float(text)
    except ValueError:
        raise DecaiError(f"{path}:{line}: column {column!r}: {text.strip()!r} is not a number{hint}") from None
    if not math.isfinite(value):
        raise DecaiError(f"{path}:{line}: column {column!r}: {text.strip()!r} is not a finite number")
    return value


def is_finite_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except (TypeError, ValueError):
        return False


def check_label_kinds(path, column: str, labels: Sequence[tuple[int, str]]) -> None:
    """Refuse a label column that mixes numbers with other text (a stray
    'x' among 0 and 1): the line of the first label unlike the majority."""
    numeric = [is_finite_number(value) for _, value in labels]
    count = sum(numeric)
    if count in (0, len(labels)):
        return
    majority_numeric = count * 2 >= len(labels)
    line, value = next(pair for pair, kind in zip(labels, numeric) if kind != majority_numeric)
    if majority_numeric:
        raise DecaiError(f"{path}:{line}: column {column!r}: {value!r} is not a number like the other labels")
    raise DecaiError(f"{path}:{line}: column {column!r}: {value!r} is a number among text labels")


def small_classes(labels: Sequence[tuple[int, str]]) -> list[tuple[str, list[int]]]:
    """The suspicious classes: (name, their lines) for each class with at
    most `SMALL_CLASS_ROWS` rows or under `SMALL_CLASS_SHARE` of them."""
    lines: dict[str, list[int]] = {}
    for line, value in labels:
        lines.setdefault(value, []).append(line)
    total = len(labels)
    return [
        (name, where)
        for name, where in lines.items()
        if len(where) <= SMALL_CLASS_ROWS or len(where) < SMALL_CLASS_SHARE * total
    ]


def check_small_classes(path, column: str, labels: Sequence[tuple[int, str]], allow: bool) -> list[str]:
    """Refuse suspicious classes (see `small_classes`) unless `allow`; then
    they come back as warnings."""
    found = small_classes(labels)
    messages = []
    for name, where in found:
        shown = ", ".join(str(n) for n in where[:5]) + (", ..." if len(where) > 5 else "")
        share = len(where) / len(labels)
        messages.append(
            f"{path}:{where[0]}: column {column!r}: class {name!r} has {len(where)} of {len(labels)} rows "
            f"({share:.1%}; line{'s' if len(where) > 1 else ''} {shown})"
        )
    if messages and not allow:
        raise DecaiError(f"{messages[0]}; a typo? fix it, or pass --allow-small-classes to keep it")
    return messages


def dropped_note(path, column: str, lines: Sequence[int]) -> str | None:
    """The report of rows left out for an empty label (None when none were)."""
    if not lines:
        return None
    shown = ", ".join(str(n) for n in lines[:10]) + (", ..." if len(lines) > 10 else "")
    rows = "row" if len(lines) == 1 else "rows"
    return (
        f"{path}: left out {len(lines)} {rows} with an empty {column!r} (line{'s' if len(lines) > 1 else ''} {shown})"
    )


# -- agent files -------------------------------------------------------------------
def read_agents(path: str | Path) -> list:
    """A simulation's agents file: a JSON list of agent objects
    (`decai.simulation.agents.AgentSpec.from_dict`), each checked, errors
    naming the agent's line."""
    from dataclasses import MISSING, fields

    from decai.simulation.agents import AgentSpec

    data, text = read_json(path, "agents file")
    if not isinstance(data, list) or not data:
        raise DecaiError(f"{path}: an agents file holds a non-empty JSON list of agents")
    defaults = {f.name: f.default for f in fields(AgentSpec) if f.default is not MISSING}
    specs = []
    for i, (item, line) in enumerate(zip(data, array_lines(text))):
        where = f"{path}:{line}: agent {i}"
        if not isinstance(item, dict):
            raise DecaiError(f"{where}: an agent is a JSON object")
        for key, value in item.items():
            name = key.removesuffix("_units") if key.endswith("_units") else key
            if name in ("name", "kind"):
                if not isinstance(value, str):
                    raise DecaiError(f"{where}: {key} is text, got {value!r}")
            elif isinstance(defaults.get(name), bool):
                if not isinstance(value, bool):
                    raise DecaiError(f"{where}: {key} is true or false, got {value!r}")
            elif name in defaults and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise DecaiError(f"{where}: {key} is a number, got {value!r}")
        try:
            specs.append(AgentSpec.from_dict(item))
        except DecaiError as error:
            raise DecaiError(f"{where}: {error}") from None
        except (TypeError, ValueError, OverflowError) as error:
            raise DecaiError(f"{where}: {error}") from None
    return specs


# -- market test sets ------------------------------------------------------------
def _index(path, line: int, where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise DecaiError(f"{path}:{line}: {where}: {value!r} is not a feature index (a whole number from 0)")
    if value < 0:
        raise DecaiError(f"{path}:{line}: {where}: {value} is not a feature index (a whole number from 0)")
    return value


def _label(path, line: int, where: str, value: Any) -> int:
    text = str(value).strip() if not isinstance(value, bool) else ""
    if text not in ("0", "1") or isinstance(value, float):
        raise DecaiError(f"{path}:{line}: {where}: {value!r} is not a label (0 or 1)")
    return int(text)


def read_test_set(path: str | Path) -> tuple[list[list[int]], list[int], list[int]]:
    """A market test set: (samples, labels, the file line of each sample).

    JSON: {"samples": [[feature indices], ...], "labels": [0 or 1, ...]},
    one label per sample. CSV: lines `label,indices separated by spaces`
    (a first line that does not start with a digit is a header)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _json_test_set(path)
    text = read_text(path, "test-set file")
    samples, labels, lines = [], [], []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or (number == 1 and not stripped[0].isdigit()):
            continue
        label, comma, features = line.partition(",")
        if not comma:
            raise DecaiError(f"{path}:{number}: expected `label,indices` (e.g. `1,3 17 40`), got {stripped!r}")
        labels.append(_label(path, number, "column 'label'", label))
        samples.append(sorted(_index(path, number, "column 'sample'", f) for f in features.split()))
        lines.append(number)
    if not samples:
        raise DecaiError(f"{path}: no samples")
    return samples, labels, lines


def _json_test_set(path: Path) -> tuple[list[list[int]], list[int], list[int]]:
    data, text = read_json(path, "test-set file")
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("samples"), list)
        or not isinstance(data.get("labels"), list)
    ):
        raise DecaiError(f'{path}: expected {{"samples": [[indices], ...], "labels": [0 or 1, ...]}}')
    sample_lines, label_lines = array_lines(text, "samples"), array_lines(text, "labels")
    samples, labels = data["samples"], data["labels"]
    if len(samples) != len(labels):
        end = label_lines[-1] if label_lines else line_of(text, len(text))
        raise DecaiError(f"{path}:{end}: {len(samples)} samples but {len(labels)} labels; give one label per sample")
    if not samples:
        raise DecaiError(f"{path}: no samples")
    out = []
    for i, sample in enumerate(samples):
        if not isinstance(sample, list):
            raise DecaiError(f"{path}:{sample_lines[i]}: samples[{i}]: a sample is a list of feature indices")
        out.append(sorted(_index(path, sample_lines[i], f"samples[{i}]", f) for f in sample))
    parsed = [_label(path, label_lines[i], f"labels[{i}]", label) for i, label in enumerate(labels)]
    return out, parsed, sample_lines
