"""Multinomial naive Bayes, mirroring contracts/lib/models/naive_bayes.vy bit for bit.

Scores are binary floating-point numbers with a 128-bit mantissa computed
exactly as the contract does (see the module NatSpec there for the scheme
and its precision bound: within a factor 1 +- 2**-118 of the exact score).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from decai.core.fixed_point import ONE, to_fixed
from decai.errors import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH, count_weight, register, require_int
from decai.models.counts import COUNT_MAX, SparseCountModel, read_words

MAX_SMOOTHING = 10**18
SAMPLES_BITS = 56
TOTAL_MAX = 2**64 - 1


def counts_to_indices(counts: Sequence[int]) -> list[int]:
    """A count vector as a naive Bayes sample: index f repeated counts[f] times."""
    sample: list[int] = []
    for index, count in enumerate(counts):
        count = int(count)
        if count < 0:
            raise DecaiError(f"negative count {count} for feature {index}")
        sample.extend([index] * count)
    if len(sample) > MAX_SAMPLE_LENGTH:
        raise DecaiError(f"the counts add up to {len(sample)} entries; a sample may have at most {MAX_SAMPLE_LENGTH}")
    return sample


@register
class NaiveBayes(SparseCountModel):
    """Multinomial naive Bayes over feature indices, any number of classes.

    A sample lists feature indices in non-decreasing order; repeats count.
    Model file parameters: "num_features", "smoothing" (fixed point, 10**9 =
    Laplace), "class_capacity" (default: the number of classes),
    "class_counts" (training samples per class), "feature_counts" (per class,
    one count per feature) and optionally "total_counts" (per class; default
    the sum of the class's feature counts).
    """

    type = "naive_bayes"
    contract_part = "NaiveBayes"
    short_name = "NB"
    #: Steps 1 and 0.5 do not hold on Rotten Tomatoes (seeds 1-5), 0.25 and below
    #: do; 0.25 holds on IMDB too and ends highest.
    default_step = 0.25
    SAMPLES_BITS = SAMPLES_BITS
    REPEATS = True
    MODULE = "naive_bayes"
    forgets_taken = True

    def __init__(
        self,
        *,
        smoothing: int,
        total_counts: Sequence[int] | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.smoothing = require_int(smoothing, "smoothing")
        if not 0 < self.smoothing <= MAX_SMOOTHING:
            raise DecaiError(
                f"smoothing must be 1 to {MAX_SMOOTHING} (fixed point, 10**9 = Laplace), got {self.smoothing}"
            )
        if total_counts is None:
            total_counts = [sum(row) for row in self.feature_counts]
        if len(total_counts) != len(self.classes):
            raise DecaiError("need one total feature count per class")
        self.total_counts = [require_int(t, "total count") for t in total_counts]
        if any(not 0 <= t <= TOTAL_MAX for t in self.total_counts):
            raise DecaiError("a total feature count is outside 0 to 2**64 - 1")

    def _class_number(self, label: int) -> int:
        return self.total_counts[label]

    def _class_added(self) -> None:
        self.total_counts.append(0)

    def _extra_constructor_args(self) -> list[Any]:
        return [self.smoothing]

    # -- the classifier -------------------------------------------------
    def rank(self, sample: Sequence[int], label: int) -> int | None:
        """Class `label`'s score for `sample` as the contract ranks it, or
        None for a class without samples.

        Bits 136 and up hold the binary exponent plus 2**32, bits 8..135 the
        mantissa (in [2**127, 2**128)), bits 0..7 hold 255 - label: the
        highest rank wins and equal scores go to the lower label.
        """
        samples = self.class_counts[label]
        if samples == 0:
            return None
        counts = self.feature_counts[label]
        product, dropped = samples, 0
        for index in sample:
            product *= counts[index] * ONE + self.smoothing
            if product >= 2**192:
                product >>= 64
                dropped += 64
        denominator = self.total_counts[label] * ONE + self.smoothing * self.num_features
        denominator_shift = 128 - denominator.bit_length()
        power, power_exponent = 2**127, -127
        base, base_exponent = denominator << denominator_shift, -denominator_shift
        remaining = len(sample)
        while remaining:
            if remaining & 1:
                power *= base
                drop = 127 + (power >> 255)
                power >>= drop
                power_exponent += base_exponent + drop
            remaining >>= 1
            if remaining:
                base *= base
                drop = 127 + (base >> 255)
                base >>= drop
                base_exponent += base_exponent + drop
        product_shift = 256 - product.bit_length()
        mantissa = (product << product_shift) // power
        high = mantissa >> 128
        exponent = dropped + high - product_shift - power_exponent
        return ((exponent + 2**32) << 136) | ((mantissa >> high) << 8) | (255 - label)

    def score(self, sample: Sequence[int], label: int) -> tuple[int, int] | None:
        """(exponent, mantissa) of class `label`'s score, or None for a class
        without samples: score = mantissa * 2**exponent within a factor
        1 +- 2**-118 of N_c * prod(n_cf + a) / (T_c + a * V)**len(sample)."""
        rank = self.rank(sample, label)
        if rank is None:
            return None
        return (rank >> 136) - 2**32, (rank >> 8) & (2**128 - 1)

    def predict(self, sample: Sequence[int]) -> int:
        self.check_sample(sample)
        ranks = [r for r in (self.rank(sample, label) for label in range(len(self.classes))) if r is not None]
        return 255 - (max(ranks) & 255) if ranks else 0

    def update(self, sample: Sequence[int], label: int) -> None:
        self.check_training_sample(sample, label)
        counts = self.feature_counts[label]
        touched: dict[int, int] = {}
        for index in sample:
            touched[index] = touched.get(index, counts[index]) + 1
        if any(c > COUNT_MAX for c in touched.values()):
            raise DecaiError("naive_bayes: feature count out of range")
        if self.class_counts[label] + 1 >= 2**SAMPLES_BITS:
            raise DecaiError("naive_bayes: too many samples")
        if self.total_counts[label] + len(sample) > TOTAL_MAX:
            raise DecaiError("naive_bayes: total feature count out of range")
        for index, count in touched.items():
            counts[index] = count
        self.class_counts[label] += 1
        self.total_counts[label] += len(sample)

    def forget(self, sample: Sequence[int], label: int) -> None:
        """Subtract a sample counted by `update` (the chain's `_forget`)."""
        self.check_training_sample(sample, label)
        counts = self.feature_counts[label]
        touched: dict[int, int] = {}
        for index in sample:
            touched[index] = touched.get(index, counts[index]) - 1
        if min(touched.values()) < 0 or self.class_counts[label] < 1 or self.total_counts[label] < len(sample):
            raise DecaiError("naive_bayes: the sample is not counted for this label")
        for index, count in touched.items():
            counts[index] = count
        self.class_counts[label] -= 1
        self.total_counts[label] -= len(sample)

    def set_step(self, step: float) -> None:
        """Weigh the deployed counts k = round(1/step) times, smoothing too:
        every score is multiplied by k, so predictions stay the same while
        one addition counts 1/k as much as a deployed sample."""
        k = count_weight(step)
        self._reweigh(
            step,
            {
                "smoothing": self.smoothing * k,
                "class_counts": [n * k for n in self.class_counts],
                "feature_counts": [[c * k for c in row] for row in self.feature_counts],
                "total_counts": [t * k for t in self.total_counts],
            },
        )

    # -- files and chains -------------------------------------------------
    def _parameters(self) -> dict[str, Any]:
        return {**super()._parameters(), "smoothing": self.smoothing, "total_counts": self.total_counts}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NaiveBayes:
        return cls(
            **cls._metadata(data, ("negative", "positive")),
            num_features=data["num_features"],
            smoothing=data.get("smoothing", ONE),
            class_capacity=data.get("class_capacity"),
            class_counts=data["class_counts"],
            feature_counts=data["feature_counts"],
            total_counts=data.get("total_counts"),
        )

    @classmethod
    def from_chain(cls, contract: Any, metadata: dict[str, Any]) -> NaiveBayes:
        """The current parameters of a deployed naive Bayes model."""
        num_features = int(contract.num_features())
        capacity = int(contract.class_capacity())
        samples, totals, counts = cls._decode_words(
            read_words(contract), num_features, capacity, len(metadata["classes"])
        )
        return cls(
            **metadata,
            num_features=num_features,
            class_capacity=capacity,
            smoothing=int(contract.smoothing()),
            class_counts=samples,
            feature_counts=counts,
            total_counts=totals,
        )

    @classmethod
    def fit(cls, X, y, *, seed: int, classes: Sequence[str], **metadata) -> tuple[NaiveBayes, Any]:
        """scikit-learn's MultinomialNB (alpha 1) on feature counts."""
        from sklearn.naive_bayes import MultinomialNB

        classifier = MultinomialNB(alpha=1.0).fit(X, y)
        return cls.from_sklearn(classifier, classes=classes, **metadata), classifier

    @classmethod
    def from_sklearn(
        cls,
        classifier: Any,
        *,
        name: str,
        description: str = "",
        encoder: str = "indices",
        classes: Sequence[str] | None = None,
        class_capacity: int | None = None,
        **metadata,
    ) -> NaiveBayes:
        """Export a fitted scikit-learn `MultinomialNB`.

        Uses its `class_count_` and `feature_count_` (which must be whole
        numbers, i.e. it was fitted on counts without sample weights) and
        `alpha`. Label i on chain is `classifier.classes_[i]`. The prior on
        chain is always the class sample counts (`fit_prior=True`).
        """
        import numpy as np

        if getattr(classifier, "class_prior", None) is not None or not getattr(classifier, "fit_prior", True):
            raise DecaiError(
                "the contract's prior is the class sample counts; "
                "export a MultinomialNB with fit_prior=True and no class_prior"
            )
        feature_counts = np.asarray(classifier.feature_count_)
        class_counts = np.asarray(classifier.class_count_)
        rounded_features = np.rint(feature_counts)
        rounded_classes = np.rint(class_counts)
        if (
            np.abs(feature_counts - rounded_features).max(initial=0) > 1e-6
            or np.abs(class_counts - rounded_classes).max(initial=0) > 1e-6
        ):
            raise DecaiError(
                "MultinomialNB counts are not whole numbers (fitted on non-count data or with sample weights)"
            )
        alpha = np.asarray(classifier.alpha, dtype=float)
        if alpha.ndim:
            raise DecaiError("per-feature smoothing is not supported; use a single alpha")
        return cls(
            name=name,
            description=description,
            encoder=encoder,
            classes=list(classes) if classes is not None else [str(c) for c in classifier.classes_],
            class_capacity=class_capacity,
            num_features=int(feature_counts.shape[1]),
            smoothing=to_fixed(float(alpha)),
            class_counts=[int(v) for v in rounded_classes],
            feature_counts=[[int(v) for v in row] for row in rounded_features],
            **metadata,
        )
