"""Data and models for the simulation: load, split, encode, train.

A data set is a built-in one or a CSV file, loaded by
`decai.data.datasets` exactly as `ape run train` loads it (the same label
order) and encoded with the same encoder choice. It is split once, with
the simulation's seed, into a hidden test split, the initial training data (what the deployed model is trained on off
chain) and the pool the agents draw their contributions from.

Every registered model type says whether it takes sparse samples
(feature indices) or dense ones (unit vectors in fixed point), and how to
train it off chain. The same training on all the clean training data gives
the baseline the experiment is measured against. Adding a model type to
the simulation needs nothing here: the registry in decai.models.base
lists every type.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from decai.data.datasets import NUMBERS, TEXT, Dataset, load_source  # noqa: F401 - part of this module's API
from decai.data.encoders import AboveMeanEncoder, ColumnMeanEncoder, VocabularyEncoder
from decai.data.pipeline import WordsUnitEncoder, choose_encoder
from decai.data.training import accuracy
from decai.errors import DecaiError
from decai.models.base import Model, model_class

DEFAULT_DATASET = "rotten-tomatoes"
#: The fewest rows a simulation runs on (test, initial and pool splits).
MIN_ROWS = 10


def load_dataset(
    source: str = DEFAULT_DATASET,
    label_column: str = "label",
    text_column: str | None = None,
    allow_small_classes: bool = False,
) -> Dataset:
    """A built-in data set by name, or a CSV file (`decai.data.datasets`)."""
    return load_source(
        source, label_column=label_column, text_column=text_column, allow_small_classes=allow_small_classes
    )


# -- model types ------------------------------------------------------------------
# Every model type of the registry (decai.models.base) works here: its
# input kind picks the encoding and its scikit-learn fit trains it off chain.
# The off-chain training uses step 1 and `learning_rate` sets only the step
# of the on-chain updates (`Model.set_step`): how far one contribution moves
# the model, relative to what the initial training built, without changing
# the initial predictions. A perceptron trained from zero weights is the same
# classifier whatever its step; a counting model's deployed counts weigh
# round(1 / step) samples each. (The original experiment's SGD perceptron
# had the same effect through its decaying learning rate.)


def train_initial_model(
    model_type: str, samples, labels, size: int, metadata: dict, seed: int, learning_rate: float = 1.0
) -> Model:
    """`model_type` trained off chain on encoded samples; `size` is the
    number of features (sparse) or dimensions (dense)."""
    from decai.data.training import fit_model

    model, _ = fit_model(model_type, samples, labels, num_features=size, seed=seed, **metadata)
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


def encode_dataset(dataset: Dataset, model_type: str, train_indices: Sequence[int], vocabulary_size: int) -> Encoding:
    """Encode every input for `model_type` with the pipeline's encoder
    choice (`decai.data.pipeline.choose_encoder`), fitted on the training
    part only. Text for a dense model becomes a unit vector over the most
    frequent words and one dimension for any other word."""
    kind = "words-unit" if dataset.is_text and model_class(model_type).input_kind == "dense" else "auto"
    encoder = choose_encoder(
        kind, model_type, dataset.is_text, [dataset.inputs[i] for i in train_indices], vocabulary_size=vocabulary_size
    )
    samples: list[list[int] | None] = []
    for raw in dataset.inputs:
        try:
            samples.append(encoder.encode(raw))
        except DecaiError:  # no words, or a row exactly at the mean: no sample
            samples.append(None)
    size = getattr(encoder, "num_features", None) or len(dataset.columns)
    return Encoding(samples, size, encoder.spec, encoder.params() or None, _describe(encoder))


def _describe(encoder) -> str:
    if isinstance(encoder, WordsUnitEncoder):
        return f"unit vector over the {len(encoder.words.vocabulary)} most frequent words and one for any other word"
    if isinstance(encoder, VocabularyEncoder):
        return f"bag of the {len(encoder.vocabulary)} most frequent words"
    if isinstance(encoder, AboveMeanEncoder):
        return "the columns above the row's mean"
    if isinstance(encoder, ColumnMeanEncoder):
        return "the columns above their mean"
    return "standardised, unit length"


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
        return {
            "initial": len(self.initial[1]),
            "pool": len(self.pool[1]),
            "test": len(self.test[1]),
            "dropped": self.dropped,
        }


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
    if len(dataset.labels) < MIN_ROWS:
        raise DecaiError(
            f"data set {dataset.name} has {len(dataset.labels)} rows; the simulation needs at least {MIN_ROWS}"
        )
    kind = model_class(model_type)
    if kind.two_classes_only and len(dataset.classes) > 2:
        raise DecaiError(
            f"{model_type} handles 2 classes; the data set has {len(dataset.classes)} "
            f"({', '.join(dataset.classes[:5])}{', ...' if len(dataset.classes) > 5 else ''})"
        )
    initial, pool, test = split_indices(dataset.labels, seed, test_fraction, initial_fraction, max_test)
    encoding = encode_dataset(dataset, model_type, initial + pool, vocabulary_size)

    def part(indices, contributed: bool = False):
        # Contributions must carry information: every model refuses to be
        # trained on an empty sample (a text with no word it knows).
        kept = [i for i in indices if encoding.samples[i] is not None and (encoding.samples[i] or not contributed)]
        return [encoding.samples[i] for i in kept], [dataset.labels[i] for i in kept]

    dropped = sum(1 for s in encoding.samples if s is None)
    initial_part, pool_part, test_part = part(initial), part(pool, True), part(test)
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
        model_type,
        initial_part[0] + pool_part[0],
        initial_part[1] + pool_part[1],
        encoding.size,
        metadata,
        seed,
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
