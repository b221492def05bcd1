"""Data and models for the simulation: load, split, encode, train.

A data set is either the built-in Rotten Tomatoes snippets (text) or any
CSV with a label column and either one text column or numeric columns.
It is split once, with the simulation's seed, into a hidden test split,
the initial training data (what the deployed model is trained on off
chain) and the pool the agents draw their contributions from.

Every registered model type says whether it takes sparse samples
(feature indices) or dense ones (unit vectors in fixed point), and how to
train it off chain. The same training on all the clean training data gives
the baseline the experiment is measured against. Adding a model type to
the simulation needs nothing here: the registry in decai.models.base
lists every type.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from decai.errors import DecaiError
from decai.data.encoders import StandardUnitEncoder, VocabularyEncoder, unit_fixed
from decai.models.base import MAX_SAMPLE_LENGTH, Model, model_class, model_types
from decai.data.training import accuracy

DEFAULT_DATASET = "rotten-tomatoes"
TEXT = "text"
NUMBERS = "numbers"


@dataclass
class Dataset:
    """Raw inputs (texts or rows of numbers) with class indices."""

    name: str
    kind: str  # TEXT or NUMBERS
    inputs: list[Any]
    labels: list[int]
    classes: list[str]
    columns: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.inputs) != len(self.labels):
            raise DecaiError("a data set needs one label per input")
        if len(self.inputs) < 10:
            raise DecaiError(f"data set {self.name} has {len(self.inputs)} rows; the simulation needs at least 10")
        if len(self.classes) < 2:
            raise DecaiError(f"data set {self.name} has only one label ({self.classes[0] if self.classes else '-'})")


def rotten_tomatoes_dataset() -> Dataset:
    """The Rotten Tomatoes snippets that install with decai (rotten 0, fresh 1)."""
    from decai.data.datasets import rotten_tomatoes

    texts, labels = rotten_tomatoes()
    return Dataset("rotten-tomatoes", TEXT, texts, labels, ["rotten", "fresh"], ["text"])


def _class_order(values: Sequence[str]) -> list[str]:
    """Classes sorted numerically when they are all integers, else as text."""
    distinct = set(values)
    try:
        return [str(v) for v in sorted(distinct, key=lambda v: int(v))]
    except ValueError:
        return sorted(distinct)


def load_csv(path: str | Path, label_column: str = "label", text_column: str | None = None) -> Dataset:
    """A CSV with a header row: a label column plus either one text column
    (`text_column`, or the only other column when it is not numeric) or
    numeric feature columns (every other column)."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
    except FileNotFoundError:
        raise DecaiError(f"data file {path} does not exist") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise DecaiError(f"data file {path} is not a readable CSV: {error}") from None
    if label_column not in columns:
        raise DecaiError(f"{path.name} has no column {label_column!r} (columns: {', '.join(columns) or 'none'})")
    features = [c for c in columns if c != label_column]
    if not features:
        raise DecaiError(f"{path.name} has no column besides the label")
    rows = [row for row in rows if (row.get(label_column) or "").strip() != ""]
    raw_labels = [row[label_column].strip() for row in rows]
    classes = _class_order(raw_labels)
    index = {name: i for i, name in enumerate(classes)}
    labels = [index[value] for value in raw_labels]

    if text_column is None and len(features) == 1 and not _all_numeric(row[features[0]] for row in rows):
        text_column = features[0]
    if text_column is not None:
        if text_column not in columns:
            raise DecaiError(f"{path.name} has no column {text_column!r}")
        return Dataset(path.stem, TEXT, [row[text_column] or "" for row in rows], labels, classes, [text_column])

    inputs = []
    for number, row in enumerate(rows, start=2):
        try:
            inputs.append([float(row[c]) for c in features])
        except (TypeError, ValueError):
            bad = next(c for c in features if not _is_number(row[c]))
            raise DecaiError(
                f"{path.name} line {number}: column {bad!r} is not a number ({row[bad]!r}); "
                "give a text data set's text column with --text-column"
            ) from None
    return Dataset(path.stem, NUMBERS, inputs, labels, classes, features)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _all_numeric(values) -> bool:
    return all(_is_number(v) for v in values)


def load_dataset(source: str = DEFAULT_DATASET, label_column: str = "label", text_column: str | None = None) -> Dataset:
    """The built-in data set by name, or a CSV file."""
    if source == DEFAULT_DATASET:
        return rotten_tomatoes_dataset()
    return load_csv(source, label_column=label_column, text_column=text_column)


# -- model types ------------------------------------------------------------------
# Every model type of the registry (decai.models.base) works here: its
# input kind picks the encoding and its scikit-learn fit trains it off chain.
# A perceptron trained from zero weights is the same classifier whatever
# its step size (every weight scales with it), so the off-chain training
# uses step 1 and `learning_rate` sets only the step of the on-chain
# updates: how far one contribution moves the model, relative to what the
# initial training built. (The original experiment's SGD perceptron had
# the same effect through its decaying learning rate.)


def train_initial_model(model_type: str, samples, labels, size: int, metadata: dict, seed: int, learning_rate: float = 1.0) -> Model:
    """`model_type` trained off chain on encoded samples; `size` is the
    number of features (sparse) or dimensions (dense)."""
    from decai.data.training import fit_model

    model, _ = fit_model(model_type, samples, labels, num_features=size, seed=seed, **metadata)
    if hasattr(model, "set_step"):
        model.set_step(learning_rate)
    return model


# -- encoding -----------------------------------------------------------------------


@dataclass
class Encoding:
    """Every input of a data set as a model sample (None: cannot be encoded)."""

    samples: list[list[int] | None]
    size: int
    encoder: str
    encoder_params: dict | None
    description: str


def encode_dataset(dataset: Dataset, input_kind: str, train_indices: Sequence[int], vocabulary_size: int) -> Encoding:
    """Encode for `input_kind`, fitting the encoder on the training part only."""
    if dataset.kind == TEXT and input_kind == "sparse":
        vocabulary = VocabularyEncoder.build([dataset.inputs[i] for i in train_indices], size=vocabulary_size, overflow="first")
        return Encoding(
            [vocabulary.encode(text) for text in dataset.inputs],
            vocabulary.num_features,
            vocabulary.spec,
            vocabulary.params(),
            f"bag of the {len(vocabulary.vocabulary)} most frequent words",
        )
    if dataset.kind == TEXT and input_kind == "dense":
        # A dense model holds at most 128 dimensions: the 127 most frequent
        # words plus one for "any other word", as a unit vector.
        words = VocabularyEncoder.build(
            [dataset.inputs[i] for i in train_indices], size=min(vocabulary_size, MAX_SAMPLE_LENGTH - 1), unknown="bucket"
        )
        samples: list[list[int] | None] = []
        for text in dataset.inputs:
            present = set(words.encode(text))
            vector = [1.0 if i in present else 0.0 for i in range(words.num_features)]
            samples.append(unit_fixed(vector) if present else None)
        return Encoding(
            samples,
            words.num_features,
            "unit",
            None,
            f"unit vector over the {len(words.vocabulary)} most frequent words and one for any other word",
        )
    if dataset.kind == NUMBERS and input_kind == "dense":
        if len(dataset.columns) > MAX_SAMPLE_LENGTH:
            raise DecaiError(f"a dense model has at most {MAX_SAMPLE_LENGTH} dimensions; the data set has {len(dataset.columns)} columns")
        encoder = StandardUnitEncoder.fit([dataset.inputs[i] for i in train_indices])
        samples = []
        for row in dataset.inputs:
            try:
                samples.append(encoder.encode(row))
            except DecaiError:  # a row exactly at the mean has no direction
                samples.append(None)
        return Encoding(samples, len(dataset.columns), encoder.spec, encoder.params(), "standardised, unit length")
    raise DecaiError(
        f"this data set has numbers and the model takes sparse samples (feature indices): "
        f"use a dense model ({', '.join(t for t in model_types() if model_class(t).input_kind == 'dense')})"
    )


# -- the prepared experiment ------------------------------------------------------------


@dataclass
class Prepared:
    """Everything the simulation needs from the data, encoded."""

    dataset: Dataset
    model_type: str
    model: Model  # trained on the initial data; what is deployed
    encoding_description: str
    initial: tuple[list[list[int]], list[int]]
    pool: tuple[list[list[int]], list[int]]
    test: tuple[list[list[int]], list[int]]
    baseline_accuracy: float
    dropped: int = 0

    @property
    def num_classes(self) -> int:
        return len(self.dataset.classes)

    def sizes(self) -> dict[str, int]:
        return {"initial": len(self.initial[1]), "pool": len(self.pool[1]), "test": len(self.test[1]), "dropped": self.dropped}


def split_indices(
    labels: Sequence[int], seed: int, test_fraction: float, initial_fraction: float, max_test: int | None
) -> tuple[list[int], list[int], list[int]]:
    """(initial, pool, test) index lists: shuffled with `seed`; the initial
    part holds at least one sample of every class."""
    if not 0 < test_fraction < 1 or not 0 < initial_fraction < 1:
        raise DecaiError("test and initial fractions must lie strictly between 0 and 1")
    order = list(range(len(labels)))
    random.Random(seed).shuffle(order)
    test_size = max(1, round(len(order) * test_fraction))
    if max_test is not None:
        test_size = min(test_size, max_test)
    test, train = order[:test_size], order[test_size:]
    initial_size = max(len(set(labels)), round(len(train) * initial_fraction))
    initial, pool = train[:initial_size], train[initial_size:]
    for label in sorted(set(labels)):
        if not any(labels[i] == label for i in initial):
            swap = next((k for k, i in enumerate(pool) if labels[i] == label), None)
            if swap is not None:
                spare = next(k for k, i in enumerate(initial) if sum(labels[j] == labels[i] for j in initial) > 1)
                initial[spare], pool[swap] = pool[swap], initial[spare]
    if len(pool) < 2:
        raise DecaiError("too little data left for the agents after the test and initial splits")
    return initial, pool, test


def prepare(
    dataset: Dataset,
    model_type: str,
    *,
    seed: int,
    test_fraction: float = 0.2,
    initial_fraction: float = 0.08,
    max_test: int | None = 1000,
    vocabulary_size: int = 1000,
    learning_rate: float = 1.0,
) -> Prepared:
    """Split, encode, train the initial model and measure the baseline."""
    kind = model_class(model_type)
    if kind.two_classes_only and len(dataset.classes) > 2:
        raise DecaiError(
            f"{model_type} handles 2 classes; the data set has {len(dataset.classes)} "
            f"({', '.join(dataset.classes[:5])}{', ...' if len(dataset.classes) > 5 else ''})"
        )
    initial, pool, test = split_indices(dataset.labels, seed, test_fraction, initial_fraction, max_test)
    encoding = encode_dataset(dataset, kind.input_kind, initial + pool, vocabulary_size)

    def part(indices):
        kept = [i for i in indices if encoding.samples[i] is not None]
        return [encoding.samples[i] for i in kept], [dataset.labels[i] for i in kept]

    dropped = sum(1 for s in encoding.samples if s is None)
    initial_part, pool_part, test_part = part(initial), part(pool), part(test)
    name = f"{dataset.name} {model_type.replace('_', ' ')}"[:64]
    metadata = dict(
        name=name,
        description=f"Simulation: {dataset.name}, {encoding.description}."[:160],
        classes=[c[:32] or "?" for c in dataset.classes],
        encoder=encoding.encoder,
        encoder_params=encoding.encoder_params,
    )
    model = train_initial_model(model_type, *initial_part, encoding.size, metadata, seed, learning_rate=learning_rate)
    clean = train_initial_model(
        model_type, initial_part[0] + pool_part[0], initial_part[1] + pool_part[1], encoding.size, metadata, seed,
        learning_rate=learning_rate,
    )
    return Prepared(
        dataset=dataset,
        model_type=model_type,
        model=model,
        encoding_description=encoding.description,
        initial=initial_part,
        pool=pool_part,
        test=test_part,
        baseline_accuracy=accuracy(clean, *test_part),
        dropped=dropped,
    )
