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
"""

from __future__ import annotations

import hashlib
import json
import math
from abc import ABC, abstractmethod
from typing import Any, Sequence

from decai import DecaiError
from decai.fixed_point import ONE, to_fixed

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
    norm = math.sqrt(sum(float(v) * float(v) for v in values))
    if norm == 0 or not math.isfinite(norm):
        raise DecaiError("cannot normalise an all-zero (or non-finite) sample")
    sample = [to_fixed(repr(float(v) / norm)) for v in values]
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
    def fit(cls, X) -> "StandardUnitEncoder":
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
    raise DecaiError(f"unknown encoder {spec!r}")
