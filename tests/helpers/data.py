"""Data sets and helpers shared by the classifier tests.

- scikit-learn's bundled digits (1797 8x8 images, 10 classes), as binary
  pixel indices (naive Bayes, sparse nearest centroid) or as unit vectors in
  fixed point (dense nearest centroid);
- a deterministic text-like corpus: documents drawn from per-class topic
  distributions over a vocabulary, as token indices with repeats (naive
  Bayes counts) or as sets of present words (sparse models).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from functools import lru_cache

from decai.chain.deploy import deploy_trainer
from decai.core.mechanisms import DepositParameters
from decai.data.encoders import unit_fixed
from decai.models import SparsePerceptron
from decai.units import DAY  # noqa: E402

NO_DEPOSIT = DepositParameters(
    refund_wait_s=DAY, owner_claim_wait_s=10 * DAY, any_address_claim_wait_s=20 * DAY, cost_weight=0
)
PIXEL_THRESHOLD = 8  # digits pixels run 0..16


@lru_cache(maxsize=1)
def digits():
    """(X, y) of scikit-learn's digits, X as a list of 64 ints 0..16."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return [[int(v) for v in row] for row in data.data], [int(v) for v in data.target]


@lru_cache(maxsize=1)
def digits_split():
    """A fixed stratified split: (train indices, test indices), 2/3 : 1/3."""
    from sklearn.model_selection import train_test_split

    X, y = digits()
    train, test = train_test_split(list(range(len(y))), test_size=1 / 3, random_state=0, stratify=y)
    return sorted(train), sorted(test)


def binary_pixels(row: Sequence[int]) -> list[int]:
    """A digit as the increasing indices of its dark pixels."""
    return [i for i, v in enumerate(row) if v >= PIXEL_THRESHOLD]


def indicator(sample: Sequence[int], num_features: int) -> list[int]:
    """Indices (repeats counted) as a dense count vector."""
    row = [0] * num_features
    for index in sample:
        row[index] += 1
    return row


def unit_digits() -> list[list[int]]:
    """Every digit scaled to unit length, in fixed point."""
    X, _ = digits()
    return [unit_fixed([float(v) for v in row]) for row in X]


@lru_cache(maxsize=4)
def text_corpus(num_docs: int = 900, vocabulary: int = 2000, num_classes: int = 4, seed: int = 7):
    """(documents, labels): each document a sorted list of token indices
    (with repeats), 8 to 60 tokens, drawn 30% from its class's topic words
    and 70% from a shared Zipf-like background."""
    rng = random.Random(seed)
    background = [1.0 / (rank + 1) for rank in range(vocabulary)]
    topics = []
    for _ in range(num_classes):
        words = rng.sample(range(vocabulary), 60)
        topics.append((words, [rng.random() + 0.2 for _ in words]))
    documents, labels = [], []
    for _ in range(num_docs):
        label = rng.randrange(num_classes)
        words, weights = topics[label]
        length = rng.randint(8, 60)
        tokens = [
            rng.choices(words, weights)[0] if rng.random() < 0.3 else rng.choices(range(vocabulary), background)[0]
            for _ in range(length)
        ]
        documents.append(sorted(tokens))
        labels.append(label)
    return documents, labels


def deploy(model, owner, **kwargs):
    """Deploy `model` behind a deposit-free mechanism; returns the contract."""
    return deploy_trainer(model, NO_DEPOSIT, owner, progress=False, **kwargs).contract


def deploy_in_setup(model, owner, mechanism=NO_DEPOSIT):
    """Deploy `model` with every parameter word in the constructor but the
    setup left open (the owner may still call setup-only functions)."""
    from decai.chain.contracts import contract_container
    from decai.chain.deploy import _constructor_args

    container = contract_container(mechanism.mechanism, model.type)
    return owner.deploy(container, *_constructor_args(model, mechanism, model.storage_words(), False))


def chain_predictions(contract, samples: Sequence[Sequence[int]], batch: int = 100) -> list[int]:
    out: list[int] = []
    for start in range(0, len(samples), batch):
        out.extend(int(p) for p in contract.predict_batch([list(s) for s in samples[start : start + batch]]))
    return out


def chain_words(contract) -> list[int]:
    total = int(contract.parameter_word_count())
    words: list[int] = []
    for start in range(0, total, 1024):
        words.extend(int(w) for w in contract.parameter_words(start, min(1024, total - start)))
    return words


def accuracy(predictions: Sequence[int], labels: Sequence[int]) -> float:
    return sum(int(p) == int(t) for p, t in zip(predictions, labels)) / len(labels)


def print_accuracy_table(title: str, rows: Sequence[tuple[str, float, float]]) -> None:
    print(f"\n{title}")
    print(f"{'model':32} {'scikit-learn':>12} {'decai':>8} {'diff (pp)':>10}")
    for name, float_accuracy, fixed_accuracy in rows:
        print(f"{name:32} {float_accuracy:12.4f} {fixed_accuracy:8.4f} {100 * (fixed_accuracy - float_accuracy):10.2f}")


def chunk_model(num_features):
    weights = [((i * 7919) % 2001 - 1000) * 1_000_003 for i in range(num_features)]
    return SparsePerceptron(
        name="chunks", description="", encoder="indices", weights=weights, intercept=-3, learning_rate=10**9
    )


def number_rows(count=200, seed=0):
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.randrange(2)
        centre = 1.0 if label else -1.0
        rows.append(
            {"x": f"{centre + rng.gauss(0, 0.5):.4f}", "y": f"{-centre + rng.gauss(0, 0.5):.4f}", "label": str(label)}
        )
    return rows


def write_csv(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
