"""How the prediction market encodes its test set and its contributions,
byte for byte as contracts/lib/sparse_market.vy and prediction_market.vy do.

- `Portion`: one part of the hidden test set (samples, labels, a secret
  salt), its packed form for a reveal and its hash for the commitment;
- `split_test_set` cuts a test set into portions the contract can take,
  `random_salts` gives reproducible salts for tests and demos;
- `pack_uint32`: feature indices eight to a 256-bit word;
- `chain_hash` / `chain_values`: the hash chain over contributed samples.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from decai.errors import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH

# Test-set bounds of contracts/lib/prediction_market.vy and sparse_market.vy.
MIN_PORTIONS = 2
MAX_PORTIONS = 16
MAX_TEST_SAMPLES = 256
MAX_TEST_INDICES = 4096
MAX_PORTION_INDICES = 2048
MAX_PORTION_SAMPLES = MAX_TEST_SAMPLES

ZERO_HASH = b"\x00" * 32


@dataclass(frozen=True)
class Portion:
    """A portion of the hidden test set: samples, labels and a secret salt.

    Samples are sparse (strictly increasing feature indices). On chain a
    portion travels flat and packed: all indices one sample after another as
    uint32 eight to a word (`pack_uint32`), the number of indices of each
    sample, the labels, and the salt.
    """

    samples: tuple[tuple[int, ...], ...]
    labels: tuple[int, ...]
    salt: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", tuple(tuple(int(f) for f in s) for s in self.samples))
        object.__setattr__(self, "labels", tuple(int(label) for label in self.labels))
        if len(self.salt) != 32:
            raise DecaiError("a portion's salt must be 32 bytes")
        if len(self.samples) != len(self.labels):
            raise DecaiError("a portion needs one label per sample")

    @property
    def indices(self) -> list[int]:
        return [feature for sample in self.samples for feature in sample]

    @property
    def lengths(self) -> list[int]:
        return [len(sample) for sample in self.samples]

    def args(self) -> tuple[list[int], list[int], list[int], bytes]:
        """The (words, lengths, labels, salt) a reveal transaction takes."""
        return pack_uint32(self.indices), self.lengths, list(self.labels), self.salt

    def hash(self) -> bytes:
        """keccak256(abi_encode(words: uint256[], lengths: uint256[], labels: uint64[], salt: bytes32))."""
        return portion_hash(*self.args())

    def check(self, num_features: int | None = None) -> None:
        """Raise DecaiError if the contract would reject this portion."""
        if not self.samples:
            raise DecaiError("a portion needs at least one sample")
        if len(self.samples) > MAX_PORTION_SAMPLES:
            raise DecaiError(f"a portion holds at most {MAX_PORTION_SAMPLES} samples, got {len(self.samples)}")
        if len(self.indices) > MAX_PORTION_INDICES:
            raise DecaiError(f"a portion holds at most {MAX_PORTION_INDICES} feature indices, got {len(self.indices)}")
        for position, (sample, label) in enumerate(zip(self.samples, self.labels)):
            check_sparse_sample(sample, num_features, what=f"test sample {position}")
            if label not in (0, 1):
                raise DecaiError(f"test sample {position} has label {label}; labels are 0 or 1")

    def to_dict(self) -> dict[str, Any]:
        return {"samples": [list(s) for s in self.samples], "labels": list(self.labels), "salt": "0x" + self.salt.hex()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Portion:
        return cls(
            tuple(tuple(s) for s in data["samples"]),
            tuple(data["labels"]),
            bytes.fromhex(data["salt"].removeprefix("0x")),
        )


def portion_hash(words: Sequence[int], lengths: Sequence[int], labels: Sequence[int], salt: bytes) -> bytes:
    """The hash a provider commits to, as contracts/lib/sparse_market.vy computes
    it; `words` are the portion's feature indices packed by `pack_uint32`."""
    return keccak(
        encode(["uint256[]", "uint256[]", "uint64[]", "bytes32"], [list(words), list(lengths), list(labels), salt])
    )


def check_sparse_sample(sample: Sequence[int], num_features: int | None = None, what: str = "sample") -> None:
    if len(sample) > MAX_SAMPLE_LENGTH:
        raise DecaiError(f"{what} has {len(sample)} features; at most {MAX_SAMPLE_LENGTH} are allowed")
    previous = -1
    for feature in sample:
        if feature <= previous:
            raise DecaiError(f"{what}: feature indices must be non-negative and strictly increasing")
        previous = feature
    if num_features is not None and sample and sample[-1] >= num_features:
        raise DecaiError(f"{what}: feature index {sample[-1]} is out of range (the model has {num_features} features)")


def split_test_set(
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    num_portions: int,
    *,
    num_features: int | None = None,
    salts: Sequence[bytes] | None = None,
) -> list[Portion]:
    """Split a test set into `num_portions` contiguous portions of near-equal size.

    Each portion gets a fresh random 32-byte salt (or the given `salts`).
    Shuffle the test set first if its order means anything. Raises
    DecaiError if the contract could not accept the result: whichever
    portion is drawn first, the others must fit the evaluated test set.
    """
    if not MIN_PORTIONS <= num_portions <= MAX_PORTIONS:
        raise DecaiError(f"a test set is split into {MIN_PORTIONS} to {MAX_PORTIONS} portions, not {num_portions}")
    if len(samples) != len(labels):
        raise DecaiError(f"{len(samples)} test samples but {len(labels)} labels")
    if len(samples) < num_portions:
        raise DecaiError(f"{len(samples)} test samples cannot fill {num_portions} portions")
    if salts is not None and len(salts) != num_portions:
        raise DecaiError(f"{num_portions} portions need {num_portions} salts")
    portions = []
    for i in range(num_portions):
        start, end = i * len(samples) // num_portions, (i + 1) * len(samples) // num_portions
        salt = salts[i] if salts is not None else os.urandom(32)
        portion = Portion(tuple(tuple(s) for s in samples[start:end]), tuple(labels[start:end]), salt)
        portion.check(num_features)
        portions.append(portion)
    check_portions_fit(portions)
    return portions


def check_portions_fit(portions: Sequence[Portion]) -> None:
    """Whichever portion is drawn first, the rest must fit the contract's test set."""
    total_samples = sum(len(p.samples) for p in portions)
    total_indices = sum(len(p.indices) for p in portions)
    smallest_samples = min(len(p.samples) for p in portions)
    smallest_indices = min(len(p.indices) for p in portions)
    if total_samples - smallest_samples > MAX_TEST_SAMPLES:
        raise DecaiError(
            f"the evaluated test set may have at most {MAX_TEST_SAMPLES} samples; "
            f"this split can leave {total_samples - smallest_samples}"
        )
    if total_indices - smallest_indices > MAX_TEST_INDICES:
        raise DecaiError(
            f"the evaluated test set may have at most {MAX_TEST_INDICES} feature indices; "
            f"this split can leave {total_indices - smallest_indices}"
        )


def pack_uint32(values: Sequence[int]) -> list[int]:
    """Feature indices packed as uint32, eight to a word (value p in bits 32 * (p % 8) of word p // 8)."""
    words = [0] * ((len(values) + 7) // 8)
    for position, value in enumerate(values):
        if not 0 <= value < 2**32:
            raise DecaiError(f"feature index {value} does not fit 32 bits")
        words[position // 8] |= value << (32 * (position % 8))
    return words


def chain_hash(previous: bytes, data: Sequence[int]) -> bytes:
    """One link of the contribution chain: keccak256(abi_encode(previous: bytes32, data: int64[]))."""
    return keccak(encode(["bytes32", "int64[]"], [previous, list(data)]))


def chain_values(samples: Iterable[Sequence[int]]) -> list[bytes]:
    """chain_0 (zero) .. chain_T for the contributed samples in order."""
    values = [ZERO_HASH]
    for data in samples:
        values.append(chain_hash(values[-1], data))
    return values


def random_salts(count: int, seed: int | None = None) -> list[bytes]:
    """Salts for tests and demos (deterministic with a seed); real providers keep os.urandom."""
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]
