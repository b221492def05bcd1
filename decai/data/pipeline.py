"""Data -> encoder -> scikit-learn -> decai model file, in one call.

Used by `ape run train`. Data sets (built in, or CSV files) load with
`decai.data.datasets.load_source`; `choose_encoder` is the one place that
decides how text or numbers become a model's samples (the simulation uses
it too). The model file is written only when everything has succeeded,
through a temporary file renamed into place.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path
from typing import Any

from decai.data.datasets import load_source
from decai.data.encoders import (
    AboveMeanEncoder,
    ColumnMeanEncoder,
    Encoder,
    HashingEncoder,
    StandardUnitEncoder,
    UnitEncoder,
    VocabularyEncoder,
    unit_fixed,
)
from decai.data.training import train_model
from decai.errors import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH, sparse_model_types


class WordsUnitEncoder(Encoder):
    """Text as a dense sample: a unit vector (fixed point) over the most
    frequent words plus one dimension for any other word. Its spec is
    "unit": a client holding the model sees unit vectors, not text, so
    `ape run train` does not offer it; the simulation uses it to run dense
    models on text."""

    kind = "dense"
    spec = "unit"

    def __init__(self, words: VocabularyEncoder):
        self.words = words
        self.num_features = words.num_features

    def encode(self, raw: Any) -> list[int]:
        present = set(self.words.encode(raw))
        if not present:
            raise DecaiError("the text has no words")
        return unit_fixed([1.0 if i in present else 0.0 for i in range(self.num_features)])


def choose_encoder(
    kind: str, model_type: str, is_text: bool, train_inputs, *, vocabulary_size: int = 1000, hash_features: int = 1024
) -> Encoder:
    """The encoder for `model_type` on text or numbers, fitted on `train_inputs`.

    `kind` "auto" picks: text -> bow (a vocabulary of the `vocabulary_size`
    most frequent words); numbers -> standard-unit for dense models,
    column-mean (the values above their column's mean over `train_inputs`)
    for sparse ones; pixels (the values above the row's mean) only when
    asked for. "words-unit" (text
    for a dense model, see `WordsUnitEncoder`) is only chosen explicitly.
    """
    sparse = model_type in sparse_model_types()
    if kind == "words-unit":
        if not is_text or sparse:
            raise DecaiError(f"the words-unit encoder turns text into dense samples, not what a {model_type} takes")
        size = min(vocabulary_size, MAX_SAMPLE_LENGTH - 1)
        return WordsUnitEncoder(VocabularyEncoder.build(train_inputs, size=size, unknown="bucket"))
    if is_text and not sparse:
        raise DecaiError(
            f"text becomes sparse samples; choose a sparse model ({', '.join(sparse_model_types())}), not {model_type}"
        )
    if kind == "auto":
        kind = "bow" if is_text else ("column-mean" if sparse else "standard-unit")
    if is_text and kind not in ("bow", "hash"):
        raise DecaiError(f"text needs the bow or hash encoder, not {kind}")
    if not is_text and kind in ("bow", "hash"):
        raise DecaiError(f"numbers need the standard-unit, unit, column-mean or pixels encoder, not {kind}")
    if sparse != (kind in ("bow", "hash", "column-mean", "pixels")):
        raise DecaiError(
            f"a {model_type} takes {'sparse' if sparse else 'dense'} samples; the {kind} encoder makes the other kind"
        )
    if not sparse and len(train_inputs[0]) > MAX_SAMPLE_LENGTH:
        raise DecaiError(
            f"a dense model has at most {MAX_SAMPLE_LENGTH} dimensions; the data have {len(train_inputs[0])} columns"
        )
    if kind == "bow":
        return VocabularyEncoder.build(train_inputs, size=vocabulary_size, overflow="first")
    if kind == "hash":
        return HashingEncoder(hash_features)
    if kind == "standard-unit":
        return StandardUnitEncoder.fit(train_inputs)
    if kind == "unit":
        return UnitEncoder()
    if kind == "column-mean":
        return ColumnMeanEncoder.fit(train_inputs)
    return AboveMeanEncoder(len(train_inputs[0]))


def _check_output(output: str) -> Path:
    """The model file's path, refused before any work if it cannot be written there."""
    path = Path(output)
    if path.is_dir():
        raise DecaiError(f"--out {output}: is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        raise DecaiError(f"--out {output}: folder {folder} does not exist")
    return path


def _write_atomically(path: Path, text: str) -> None:
    """Write a temporary file next to `path`, then rename it: `path` is
    either untouched or complete."""
    handle = tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False, encoding="utf-8"
    )
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def build_model_file(
    source: str,
    model_type: str,
    output: str,
    *,
    label_column: str = "label",
    text_column: str | None = None,
    encoder_kind: str = "auto",
    vocabulary_size: int = 1000,
    hash_features: int = 1024,
    test_fraction: float = 0.25,
    name: str | None = None,
    seed: int = 0,
    step: float | None = None,
    allow_small_classes: bool = False,
    warn=None,
) -> str:
    """Train, export and write the model file; returns a short report.
    `step`: how far each later on-chain addition moves the model
    (`Model.set_step`; default: the model type's for the data's kind, `Model.default_step_for`).
    `warn(message)` hears what the reader left out or kept with a doubt
    (`Dataset.notes`); a class with one row or under 1% of them is refused
    unless `allow_small_classes`."""
    if not 0 < test_fraction < 1:
        raise DecaiError(f"--test-fraction {test_fraction:g}: must be between 0 and 1")
    if vocabulary_size < 1 or hash_features < 1:
        flag = "--vocabulary-size" if vocabulary_size < 1 else "--hash-features"
        raise DecaiError(f"{flag}: must be at least 1")
    path = _check_output(output)
    dataset = load_source(source, label_column, text_column, allow_small_classes=allow_small_classes)
    for note in dataset.notes:
        if warn is not None:
            warn(note)
    inputs, labels, classes, is_text = dataset.inputs, dataset.labels, dataset.classes, dataset.is_text
    order = list(range(len(inputs)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - test_fraction))
    train_rows, test_rows = order[:cut], order[cut:]
    encoder = choose_encoder(
        encoder_kind,
        model_type,
        is_text,
        [inputs[i] for i in train_rows],
        vocabulary_size=vocabulary_size,
        hash_features=hash_features,
    )
    encode = encoder.encode
    train_x = [encode(inputs[i]) for i in train_rows]
    test_x = [encode(inputs[i]) for i in test_rows]
    train_y = [labels[i] for i in train_rows]
    test_y = [labels[i] for i in test_rows]
    model, predict_float = train_model(
        model_type,
        train_x,
        train_y,
        classes=classes,
        encoder=encoder.spec,
        encoder_params=encoder.params() or None,
        num_features=getattr(encoder, "num_features", None),
        name=name or f"{source.rsplit('/', 1)[-1]} {model_type}",
        description=f"Trained off chain on {len(train_x)} samples of {source.rsplit('/', 1)[-1]}.",
        seed=seed,
    )
    step = model.default_step_for(dataset.kind) if step is None else step
    model.set_step(step)
    exported = sum(model.predict(x) == y for x, y in zip(test_x, test_y)) / len(test_y)
    floating = sum(p == y for p, y in zip(predict_float(test_x), test_y)) / len(test_y)
    _write_atomically(path, json.dumps(model.to_dict(), indent=1) + "\n")
    return (
        f"wrote {path} ({model.type}, {len(classes)} classes, encoder {encoder.spec.split(':sha256=')[0]}, "
        f"{model.describe_step(step)})\n"
        f"held-out accuracy on {len(test_y)} samples: scikit-learn {floating:.4f}, decai (fixed point) {exported:.4f}"
    )
