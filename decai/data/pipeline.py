"""Data -> encoder -> scikit-learn -> decai model file, in one call.

Used by `ape run train`. Built-in data sets install with decai:
rotten-tomatoes (text, 2 classes), breast-cancer (30 numbers, 2 classes),
digits (8x8 images, 10 classes; sparse models see the pixels darker than
the image's mean).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from decai.errors import DecaiError
from decai.data.encoders import AboveMeanEncoder, HashingEncoder, StandardUnitEncoder, UnitEncoder, VocabularyEncoder
from decai.data.training import train_model
from decai.models.base import sparse_model_types


def load_source(source: str, label_column: str, text_column: str | None):
    """(inputs, labels, class names, is_text) for a built-in set or a CSV."""
    from decai.data.datasets import load_csv, rotten_tomatoes

    if source == "rotten-tomatoes":
        texts, labels = rotten_tomatoes()
        return texts, labels, ["rotten", "fresh"], True
    if source in ("breast-cancer", "digits"):
        from sklearn.datasets import load_breast_cancer, load_digits

        data = load_breast_cancer() if source == "breast-cancer" else load_digits()
        names = [str(n) for n in getattr(data, "target_names", range(10))]
        return data.data.tolist(), [int(t) for t in data.target], names, False
    inputs, labels, names = load_csv(source, label_column, text_column)
    return inputs, labels, names, text_column is not None


def choose_encoder(kind: str, model_type: str, is_text: bool, train_inputs, *, vocabulary_size: int, hash_features: int):
    sparse = model_type in sparse_model_types()
    if is_text and not sparse:
        raise DecaiError(f"text becomes sparse samples; choose a sparse model ({', '.join(sparse_model_types())}), not {model_type}")
    if kind == "auto":
        kind = ("bow" if is_text else "pixels") if sparse else ("standard-unit" if not is_text else "bow")
    if is_text and kind not in ("bow", "hash"):
        raise DecaiError(f"text needs the bow or hash encoder, not {kind}")
    if not is_text and kind in ("bow", "hash"):
        raise DecaiError(f"numbers need the standard-unit, unit or pixels encoder, not {kind}")
    if sparse != (kind in ("bow", "hash", "pixels")):
        raise DecaiError(f"a {model_type} takes {'sparse' if sparse else 'dense'} samples; the {kind} encoder makes the other kind")
    if kind == "bow":
        return VocabularyEncoder.build(train_inputs, size=vocabulary_size, overflow="first")
    if kind == "hash":
        return HashingEncoder(hash_features)
    if kind == "standard-unit":
        return StandardUnitEncoder.fit(train_inputs)
    if kind == "unit":
        return UnitEncoder()
    return AboveMeanEncoder(len(train_inputs[0]))


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
) -> str:
    """Train, export and write the model file; returns a short report."""
    if not 0 < test_fraction < 1:
        raise DecaiError("test fraction must be between 0 and 1")
    inputs, labels, classes, is_text = load_source(source, label_column, text_column)
    order = list(range(len(inputs)))
    random.Random(seed).shuffle(order)
    cut = int(len(order) * (1 - test_fraction))
    train_rows, test_rows = order[:cut], order[cut:]
    encoder = choose_encoder(encoder_kind, model_type, is_text, [inputs[i] for i in train_rows],
                             vocabulary_size=vocabulary_size, hash_features=hash_features)
    encode = encoder.encode
    train_x = [encode(inputs[i]) for i in train_rows]
    test_x = [encode(inputs[i]) for i in test_rows]
    train_y = [labels[i] for i in train_rows]
    test_y = [labels[i] for i in test_rows]
    model, predict_float = train_model(
        model_type, train_x, train_y, classes=classes, encoder=encoder.spec, encoder_params=encoder.params() or None,
        num_features=getattr(encoder, "num_features", None), name=name or f"{source.rsplit('/', 1)[-1]} {model_type}",
        description=f"Trained off chain on {len(train_x)} samples of {source.rsplit('/', 1)[-1]}.", seed=seed,
    )
    exported = sum(model.predict(x) == y for x, y in zip(test_x, test_y)) / len(test_y)
    floating = sum(p == y for p, y in zip(predict_float(test_x), test_y)) / len(test_y)
    path = Path(output)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(model.to_dict(), indent=1) + "\n")
    tmp.replace(path)
    return (
        f"wrote {path} ({model.type}, {len(classes)} classes, encoder {encoder.spec.split(':sha256=')[0]})\n"
        f"held-out accuracy on {len(test_y)} samples: scikit-learn {floating:.4f}, decai (fixed point) {exported:.4f}"
    )
