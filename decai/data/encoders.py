"""Encoders: turn raw input into the integer samples a model takes.

A trainer's `encoder()` string names its encoder so that every client
encodes the same way. The string is the encoder's spec; encoders with
parameters (a vocabulary, feature statistics) append the SHA-256 of their
canonical JSON parameters, and the parameters travel in the model file.

Specs:
  indices                   sparse sample given directly as feature indices
  unit                      dense: a real vector scaled to unit length
  standard-unit:sha256=...  dense: standardise each feature with the
                            recorded means and scales, then scale to unit
                            length
  bow:v1:<unknown>:<overflow>:sha256=...
                            text: bag of words over a recorded vocabulary
                            (feature i = vocabulary[i], most frequent first).
                            <unknown> says what happens to words outside it:
                            "skip" drops them, "bucket" maps them all to one
                            extra feature (index len(vocabulary)).
                            <overflow> says what happens to a text with more
                            than 128 distinct features: "error" refuses it,
                            "first" keeps the 128 lowest indices (the most
                            frequent words).
  above-mean:n=<n>          sparse from numbers: the indices of the n values
                            that exceed the sample's own mean (e.g. the
                            inked pixels of an image)
  column-mean:sha256=...    sparse from numbers: the indices of the values
                            that exceed their column's recorded mean (the
                            training rows' mean), for columns of different
                            units
  hash:v1:mmh3:n=<n>:seed=<s>
                            text: feature = MurmurHash3 (32-bit, unsigned) of
                            each token modulo n; no vocabulary needed.

Text is tokenised the same way by every text encoder: lower-cased, then
runs of letters and digits, with an apostrophe and letters allowed inside
a word ("don't" is one token). Non-ASCII letters count as letters.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import Any

from decai.core.fixed_point import ONE, to_fixed
from decai.errors import DecaiError

UNIT_NORM = ONE * ONE
NORM_TOLERANCE = 100 * ONE


def params_digest(params: dict[str, Any]) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Encoder(ABC):
    kind: str  # "sparse" or "dense"

    @property
    @abstractmethod
    def spec(self) -> str:
        """The string stored on chain in `encoder()`."""

    def params(self) -> dict[str, Any]:
        return {}

    @abstractmethod
    def encode(self, raw: Any) -> list[int]:
        """Raw input -> sample (list of int64), or DecaiError."""


class IndicesEncoder(Encoder):
    kind = "sparse"
    spec = "indices"

    def encode(self, raw: Any) -> list[int]:
        try:
            indices = sorted({int(x) for x in raw})
        except (TypeError, ValueError):
            raise DecaiError(f"feature indices must be integers, got {raw!r}") from None
        return indices


def unit_fixed(values: Sequence[float]) -> list[int]:
    """Scale a real vector to unit length and convert it to fixed point.

    Rounding each component moves the squared norm by at most about
    sqrt(len) * 10**9, well inside the contracts' tolerance of 100 * 10**9;
    the result is checked all the same.
    """
    values = [float(v) for v in values]
    if not all(math.isfinite(v) for v in values):
        raise DecaiError("cannot normalise a sample with infinite or NaN values")
    largest = max((abs(v) for v in values), default=0.0)
    if largest == 0:
        raise DecaiError("cannot normalise an all-zero sample")
    # Dividing by the largest magnitude first keeps the squares from
    # overflowing or underflowing, whatever the scale of the input.
    scaled = [v / largest for v in values]
    norm = math.sqrt(sum(v * v for v in scaled))
    sample = [to_fixed(repr(v / norm)) for v in scaled]
    squared = sum(x * x for x in sample)
    if abs(squared - UNIT_NORM) > NORM_TOLERANCE:  # pragma: no cover - guarded by the bound above
        raise DecaiError("sample could not be normalised within the contract's tolerance")
    return sample


def _floats(raw: Any) -> list[float]:
    try:
        values = [float(v) for v in raw]
    except (TypeError, ValueError):
        raise DecaiError(f"expected real numbers, got {raw!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise DecaiError("values must be finite numbers")
    return values


class UnitEncoder(Encoder):
    kind = "dense"
    spec = "unit"

    def encode(self, raw: Any) -> list[int]:
        return unit_fixed(_floats(raw))


class StandardUnitEncoder(Encoder):
    """Standardise with fixed means and scales, then scale to unit length."""

    kind = "dense"

    def __init__(self, means: Sequence[float], scales: Sequence[float]):
        if len(means) != len(scales):
            raise DecaiError("means and scales must have the same length")
        if any(s <= 0 for s in scales):
            raise DecaiError("every scale must be positive")
        self.means = [float(m) for m in means]
        self.scales = [float(s) for s in scales]

    def params(self) -> dict[str, Any]:
        return {"means": self.means, "scales": self.scales}

    @property
    def spec(self) -> str:
        return "standard-unit:sha256=" + params_digest(self.params())

    @classmethod
    def fit(cls, X) -> StandardUnitEncoder:
        import numpy as np

        X = np.asarray(X, dtype=float)
        scales = X.std(axis=0)
        scales[scales == 0] = 1.0
        return cls(X.mean(axis=0).tolist(), scales.tolist())

    def encode(self, raw: Any) -> list[int]:
        values = _floats(raw)
        if len(values) != len(self.means):
            raise DecaiError(f"expected {len(self.means)} values, got {len(values)}")
        return unit_fixed([(v - m) / s for v, m, s in zip(values, self.means, self.scales)])


MAX_SAMPLE_LENGTH = 128
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens, as every decai text encoder sees them."""
    if not isinstance(text, str):
        raise DecaiError(f"expected text, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


class VocabularyEncoder(Encoder):
    """Bag of words over a fixed vocabulary (see the module docstring)."""

    kind = "sparse"

    def __init__(self, vocabulary: Sequence[str], unknown: str = "skip", overflow: str = "error"):
        if unknown not in ("skip", "bucket"):
            raise DecaiError(f"unknown-word policy must be 'skip' or 'bucket', got {unknown!r}")
        if overflow not in ("error", "first"):
            raise DecaiError(f"overflow policy must be 'error' or 'first', got {overflow!r}")
        self.vocabulary = list(vocabulary)
        if len(set(self.vocabulary)) != len(self.vocabulary):
            raise DecaiError("the vocabulary has repeated words")
        self.index = {word: i for i, word in enumerate(self.vocabulary)}
        self.unknown = unknown
        self.overflow = overflow

    @classmethod
    def build(cls, texts: Sequence[str], size: int = 1000, min_count: int = 1, **policies) -> VocabularyEncoder:
        """The `size` most frequent tokens of `texts` (ties: alphabetical)."""
        counts = Counter(token for text in texts for token in set(tokenize(text)))
        ranked = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls(ranked[:size], **policies)

    @property
    def num_features(self) -> int:
        return len(self.vocabulary) + (1 if self.unknown == "bucket" else 0)

    def params(self) -> dict[str, Any]:
        return {"vocabulary": self.vocabulary}

    @property
    def spec(self) -> str:
        return f"bow:v1:{self.unknown}:{self.overflow}:sha256=" + params_digest(self.params())

    def encode(self, raw: Any) -> list[int]:
        features = set()
        for token in tokenize(raw):
            if token in self.index:
                features.add(self.index[token])
            elif self.unknown == "bucket":
                features.add(len(self.vocabulary))
        sample = sorted(features)
        if len(sample) > MAX_SAMPLE_LENGTH:
            if self.overflow == "error":
                raise DecaiError(
                    f"text has {len(sample)} distinct known words; a sample may have at most {MAX_SAMPLE_LENGTH}"
                )
            sample = sample[:MAX_SAMPLE_LENGTH]
        return sample

    def decode(self, sample: Sequence[int]) -> list[str]:
        """The words a sample stands for ("<unknown>" for the bucket)."""
        return [self.vocabulary[i] if i < len(self.vocabulary) else "<unknown>" for i in sample]


class HashingEncoder(Encoder):
    """Feature = MurmurHash3_x86_32(token, seed) mod n: stable everywhere."""

    kind = "sparse"

    def __init__(self, n_features: int = 1024, seed: int = 0):
        if not 1 <= n_features <= 2**31:
            raise DecaiError("n_features must be between 1 and 2**31")
        self.n_features = int(n_features)
        self.seed = int(seed)

    @property
    def num_features(self) -> int:
        return self.n_features

    @property
    def spec(self) -> str:
        return f"hash:v1:mmh3:n={self.n_features}:seed={self.seed}"

    def encode(self, raw: Any) -> list[int]:
        import mmh3

        sample = sorted({mmh3.hash(token, self.seed, signed=False) % self.n_features for token in tokenize(raw)})
        if len(sample) > MAX_SAMPLE_LENGTH:
            raise DecaiError(f"text has {len(sample)} distinct features; a sample may have at most {MAX_SAMPLE_LENGTH}")
        return sample


class AboveMeanEncoder(Encoder):
    """Sparse from n numbers: indices of the values above their mean."""

    kind = "sparse"

    def __init__(self, width: int):
        if width <= 0:
            raise DecaiError("width must be positive")
        self.num_features = int(width)

    @property
    def spec(self) -> str:
        return f"above-mean:n={self.num_features}"

    def encode(self, raw: Any) -> list[int]:
        values = _floats(raw)
        if len(values) != self.num_features:
            raise DecaiError(f"expected {self.num_features} values, got {len(values)}")
        mean = sum(values) / len(values)
        sample = [i for i, v in enumerate(values) if v > mean]
        if len(sample) > MAX_SAMPLE_LENGTH:
            raise DecaiError(f"{len(sample)} values are above the mean; a sample may have at most {MAX_SAMPLE_LENGTH}")
        return sample


class ColumnMeanEncoder(Encoder):
    """Sparse from n numbers: indices of the values above their column's
    recorded mean. Unlike `AboveMeanEncoder`, which compares a value with
    the other values of its row (pixels of one image), each column is
    compared with itself, so columns of different units (an area in the
    hundreds, a ratio under 1) each say something about the row."""

    kind = "sparse"

    def __init__(self, means: Sequence[float]):
        self.means = [float(m) for m in means]
        if not self.means:
            raise DecaiError("the column-mean encoder needs at least one column")
        if not all(math.isfinite(m) for m in self.means):
            raise DecaiError("every column mean must be a finite number")
        self.num_features = len(self.means)

    def params(self) -> dict[str, Any]:
        return {"means": self.means}

    @property
    def spec(self) -> str:
        return "column-mean:sha256=" + params_digest(self.params())

    @classmethod
    def fit(cls, X) -> ColumnMeanEncoder:
        import numpy as np

        return cls(np.asarray(X, dtype=float).mean(axis=0).tolist())

    def encode(self, raw: Any) -> list[int]:
        values = _floats(raw)
        if len(values) != self.num_features:
            raise DecaiError(f"expected {self.num_features} values, got {len(values)}")
        sample = [i for i, (v, m) in enumerate(zip(values, self.means)) if v > m]
        if len(sample) > MAX_SAMPLE_LENGTH:
            raise DecaiError(
                f"{len(sample)} values are above their column's mean; a sample may have at most {MAX_SAMPLE_LENGTH}"
            )
        return sample


def encoder_from_spec(spec: str, params: dict[str, Any] | None = None) -> Encoder:
    """The encoder a trainer's `encoder()` string names.

    Encoders with parameters need them (from the model file); their digest
    must match the spec, so a client never encodes with the wrong ones.
    """
    name = spec.split(":", 1)[0]
    if name == "indices":
        return IndicesEncoder()
    if name == "unit":
        return UnitEncoder()
    if name == "standard-unit":
        if not params:
            raise DecaiError("encoder standard-unit needs its parameters (means, scales) from the model file")
        encoder = StandardUnitEncoder(params["means"], params["scales"])
        if encoder.spec != spec:
            raise DecaiError("encoder parameters do not match the trainer's encoder digest")
        return encoder
    if name == "column-mean":
        if not params or "means" not in params:
            raise DecaiError("encoder column-mean needs its parameters (means) from the model file")
        encoder = ColumnMeanEncoder(params["means"])
        if encoder.spec != spec:
            raise DecaiError("encoder parameters do not match the trainer's encoder digest")
        return encoder
    if name == "bow":
        parts = spec.split(":")
        if len(parts) != 5 or parts[1] != "v1":
            raise DecaiError(f"malformed bag-of-words encoder spec {spec!r}")
        if not params or "vocabulary" not in params:
            raise DecaiError("encoder bow needs its vocabulary from the model file")
        encoder = VocabularyEncoder(params["vocabulary"], unknown=parts[2], overflow=parts[3])
        if encoder.spec != spec:
            raise DecaiError("encoder parameters do not match the trainer's encoder digest")
        return encoder
    if name == "above-mean":
        match = re.fullmatch(r"above-mean:n=(\d+)", spec)
        if not match:
            raise DecaiError(f"malformed above-mean encoder spec {spec!r}")
        return AboveMeanEncoder(int(match.group(1)))
    if name == "hash":
        match = re.fullmatch(r"hash:v1:mmh3:n=(\d+):seed=(\d+)", spec)
        if not match:
            raise DecaiError(f"malformed hashing encoder spec {spec!r}")
        return HashingEncoder(int(match.group(1)), int(match.group(2)))
    raise DecaiError(f"unknown encoder {spec!r}")
