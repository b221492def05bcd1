"""What naive Bayes and the sparse nearest centroid share: per-class counts.

Both contracts (contracts/lib/models/naive_bayes.vy, sparse_nearest_centroid.vy)
store, per class, a number of training samples and one more class-wide
number (naive Bayes: the total feature count; sparse nearest centroid: the
sum of squared feature counts), and per class and feature a 32-bit count.
The storage layout they share, as one flat list of 256-bit words:

  words 0 .. H-1, H = S / 2: class headers, two per word,
      class 2j in bits 0..119 and class 2j+1 in bits 120..239; a header is
      the sample count in its low `SAMPLES_BITS` bits and the class-wide
      number above them. (On chain, bits 240..255 of word 0 hold the number
      of classes; `parameter_words` masks them out.)
  words H .. : eight 32-bit lanes per word, each a count below 2**31 (the
      top bit of a lane is a guard that updates check); the count of
      feature f in class c is lane f * S + c, where S is class_capacity
      rounded up to an even number.

Classes beyond the current ones (up to class_capacity) have all-zero fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from decai.core.fixed_point import fits_int64, pack_lanes, unpack_lanes
from decai.errors import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH, CountWeightedStep, Model, require_int

MAX_CLASSES = 64  # contracts/lib/common/labels.vy
MAX_FEATURES = 2**20
COUNT_BITS = 32
COUNT_MAX = 2**31 - 1
FIELD_BITS = 120
READ_CHUNK = 1024  # constants.MAX_INIT_WORDS


def check_int64_indices(sample: Sequence[int]) -> None:
    if len(sample) > MAX_SAMPLE_LENGTH:
        raise DecaiError(f"sample has {len(sample)} entries; a sample may have at most {MAX_SAMPLE_LENGTH}")
    for position, value in enumerate(sample):
        if isinstance(value, bool) or not isinstance(value, int) or not fits_int64(value):
            raise DecaiError(f"sample value {value!r} at position {position} is not an int64")


def check_class_capacity(classes: Sequence[str], class_capacity: int | None) -> int:
    capacity = len(classes) if class_capacity is None else require_int(class_capacity, "class_capacity")
    if not classes:
        raise DecaiError("a model needs at least one class")
    if len(classes) > capacity:
        raise DecaiError(f"{len(classes)} classes do not fit the class capacity {capacity}")
    if capacity > MAX_CLASSES:
        raise DecaiError(f"class capacity {capacity} is above the maximum of {MAX_CLASSES}")
    return capacity


def read_words(contract: Any) -> list[int]:
    """All parameter words of a deployed count or centroid model."""
    total = int(contract.parameter_word_count())
    words: list[int] = []
    for start in range(0, total, READ_CHUNK):
        words.extend(int(w) for w in contract.parameter_words(start, min(READ_CHUNK, total - start)))
    return words


class SparseCountModel(CountWeightedStep, Model):
    """Base of the two sparse per-class count models."""

    input_kind = "sparse"
    #: Bits of the sample count in a class header; the class-wide number
    #: takes the rest of the 120-bit field.
    SAMPLES_BITS: ClassVar[int]
    #: Whether a sample may repeat an index (naive Bayes: counts).
    REPEATS: ClassVar[bool]
    #: Reason-string prefix of the contract module.
    MODULE: ClassVar[str]

    def __init__(
        self,
        *,
        num_features: int,
        class_counts: Sequence[int],
        feature_counts: Sequence[Sequence[int]],
        class_capacity: int | None = None,
        **metadata,
    ):
        super().__init__(**metadata)
        self.num_features = require_int(num_features, "num_features")
        if not 1 <= self.num_features <= MAX_FEATURES:
            raise DecaiError(f"num_features must be 1 to {MAX_FEATURES}, got {self.num_features}")
        self.class_capacity = check_class_capacity(self.classes, class_capacity)
        if len(class_counts) != len(self.classes) or len(feature_counts) != len(self.classes):
            raise DecaiError(
                f"need one sample count and one row of feature counts per class ({len(self.classes)} classes)"
            )
        self.class_counts = [require_int(n, "class count") for n in class_counts]
        for label, n in enumerate(self.class_counts):
            if not 0 <= n < 2**self.SAMPLES_BITS:
                raise DecaiError(f"class {label} sample count {n} is out of range (0 to 2**{self.SAMPLES_BITS} - 1)")
        self.feature_counts = []
        for label, row in enumerate(feature_counts):
            if len(row) != self.num_features:
                raise DecaiError(
                    f"class {label} has {len(row)} feature counts; the model has {self.num_features} features"
                )
            row = [require_int(v, "feature count") for v in row]
            if any(not 0 <= v <= COUNT_MAX for v in row):
                raise DecaiError(f"class {label} has a feature count outside 0 to 2**31 - 1")
            self.feature_counts.append(row)

    # -- samples --------------------------------------------------------
    def check_sample(self, sample: Sequence[int]) -> None:
        check_int64_indices(sample)
        if not sample:
            return
        if sample[0] < 0:
            raise DecaiError(f"negative feature index {sample[0]}")
        for previous, index in zip(sample, sample[1:]):
            if index < previous or (index == previous and not self.REPEATS):
                order = "non-decreasing" if self.REPEATS else "strictly increasing"
                raise DecaiError(f"feature indices must be {order} ({previous} then {index})")
        if sample[-1] >= self.num_features:
            raise DecaiError(f"feature index {sample[-1]} is out of range (the model has {self.num_features} features)")

    def check_training_sample(self, sample: Sequence[int], label: int) -> None:
        super().check_training_sample(sample, label)
        if not sample:
            # Its prediction depends on the class headers alone: a refund
            # known in advance. The contract refuses it with this reason.
            raise DecaiError(f"{self.MODULE}: empty sample")

    # -- classes --------------------------------------------------------
    def add_class(self, name: str) -> int:
        """Add an empty class, as the contract's `add_class` does."""
        if len(self.classes) >= self.class_capacity:
            raise DecaiError(f"the model already holds its capacity of {self.class_capacity} classes")
        self.classes.append(name)
        try:
            self._check_metadata()
        except DecaiError:
            self.classes.pop()
            raise
        self.class_counts.append(0)
        self.feature_counts.append([0] * self.num_features)
        self._class_added()
        return len(self.classes) - 1

    def _class_added(self) -> None:
        """Extend per-class state beyond the counts (subclasses)."""

    # -- storage --------------------------------------------------------
    def _class_number(self, label: int) -> int:
        """The class-wide number stored above the sample count."""
        raise NotImplementedError

    @property
    def stride(self) -> int:
        """Lanes per feature: the class capacity rounded up to even."""
        return self.class_capacity + self.class_capacity % 2

    def storage_words(self) -> list[int]:
        """The flat parameter words `init_parameters` takes, in order."""
        headers = [0] * (self.stride // 2)
        for label, samples in enumerate(self.class_counts):
            field = samples | (self._class_number(label) << self.SAMPLES_BITS)
            if field >> FIELD_BITS:
                raise DecaiError(f"class {label}'s header does not fit its {FIELD_BITS} bits")
            headers[label // 2] |= field << (FIELD_BITS * (label % 2))
        stride = self.stride
        lanes = [0] * (self.num_features * stride)
        for label, row in enumerate(self.feature_counts):
            lanes[label::stride] = row
        return headers + pack_lanes(lanes, COUNT_BITS)

    def constructor_args(self, initial_words: Sequence[int]) -> list[Any]:
        return [self.num_features, self.class_capacity, *self._extra_constructor_args(), list(initial_words)]

    def _extra_constructor_args(self) -> list[Any]:
        return []

    @classmethod
    def _decode_words(cls, words: Sequence[int], num_features: int, class_capacity: int, num_classes: int):
        stride = class_capacity + class_capacity % 2
        header_words = stride // 2
        samples, numbers = [], []
        for label in range(num_classes):
            field = (words[label // 2] >> (FIELD_BITS * (label % 2))) & (2**FIELD_BITS - 1)
            samples.append(field & (2**cls.SAMPLES_BITS - 1))
            numbers.append(field >> cls.SAMPLES_BITS)
        lanes = unpack_lanes(words[header_words:], num_features * stride, COUNT_BITS)
        counts = [lanes[label::stride] for label in range(num_classes)]
        # Classes not added yet, and the padding class of an odd capacity,
        # hold nothing: the contract refuses setup words that give them any.
        for label in range(num_classes, stride):
            if (words[label // 2] >> (FIELD_BITS * (label % 2))) & (2**FIELD_BITS - 1) or any(lanes[label::stride]):
                raise DecaiError(f"{cls.MODULE}: parameters for a class not added yet")
        return samples, numbers, counts

    def _parameters(self) -> dict[str, Any]:
        return {
            "num_features": self.num_features,
            "class_capacity": self.class_capacity,
            "class_counts": self.class_counts,
            "feature_counts": self.feature_counts,
        }
