"""Nearest centroid classifiers, mirroring contracts/lib/models/nearest_centroid.vy
and contracts/lib/models/sparse_nearest_centroid.vy bit for bit.

Dense: centroids are int32 fixed point (10**9 = 1.0); training moves the
label's centroid to (n * c + x) / (n + 1), each component truncated towards
zero (Vyper's signed `//`). Sparse: centroids are per-class feature counts
over the class's sample count, compared exactly (no rounding at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from decai.core.fixed_point import ONE, pack_lanes, tdiv, to_fixed, unpack_lanes
from decai.errors import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH, CountWeightedStep, Model, count_weight, register, require_int
from decai.models.counts import MAX_CLASSES, SparseCountModel, check_class_capacity, check_int64_indices, read_words

UNIT_NORM = ONE * ONE
NORM_TOLERANCE = 100 * ONE
CENTROID_BITS = 32
CENTROID_MIN, CENTROID_MAX = -(2**31), 2**31 - 1
DENSE_SAMPLES_BITS = 60
SPARSE_SAMPLES_BITS = 36
SPARSE_NORM_MAX = 2**84 - 1


def _class_counts_from_labels(labels: Sequence[Any], classes: Sequence[Any]) -> list[int]:
    position = {c: i for i, c in enumerate(classes)}
    counts = [0] * len(classes)
    for label in labels:
        counts[position[label]] += 1
    return counts


def _fit_quietly(classifier, X, y):
    """Fit scikit-learn's NearestCentroid without its warning about features
    that are constant within a class (common: a pixel always blank in one
    digit): it only concerns its shrinkage option, which decai does not use."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*zero standard deviation", category=UserWarning)
        return classifier.fit(X, y)


@register
class NearestCentroid(CountWeightedStep, Model):
    """Dense nearest centroid over fixed-length real vectors (fixed point).

    Model file parameters: "centroids" (per class, one fixed-point value per
    dimension, each within int32, i.e. |c| < 2.147), "class_counts" (training
    samples per class) and "class_capacity" (default: the number of
    classes). Training samples must be unit vectors (squared norm within
    100 * 10**9 of 10**18).
    """

    type = "nearest_centroid"
    input_kind = "dense"
    contract_part = "NearestCentroid"
    short_name = "NCC"
    #: Steps 1 to 0.25 hold on Rotten Tomatoes (seeds 1-5) and 0.5 on IMDB; 0.5
    #: ends highest on Rotten Tomatoes.
    default_step = 0.5

    @classmethod
    def fit(cls, X, y, *, seed: int, classes: Sequence[str], **metadata) -> tuple[NearestCentroid, Any]:
        """scikit-learn's NearestCentroid (euclidean); class sizes from `y`."""
        from sklearn.neighbors import NearestCentroid as SkNearestCentroid

        classifier = _fit_quietly(SkNearestCentroid(), X, y)
        return cls.from_sklearn(classifier, y=y, classes=classes, **metadata), classifier

    def __init__(
        self,
        *,
        centroids: Sequence[Sequence[int]],
        class_counts: Sequence[int],
        class_capacity: int | None = None,
        **metadata,
    ):
        super().__init__(**metadata)
        self.class_capacity = check_class_capacity(self.classes, class_capacity)
        if len(centroids) != len(self.classes) or len(class_counts) != len(self.classes):
            raise DecaiError(f"need one centroid and one sample count per class ({len(self.classes)} classes)")
        self.centroids = [[require_int(v, "centroid value") for v in row] for row in centroids]
        self.dimensions = len(self.centroids[0]) if self.centroids else 0
        if not 1 <= self.dimensions <= MAX_SAMPLE_LENGTH:
            raise DecaiError(f"a dense model has 1 to {MAX_SAMPLE_LENGTH} dimensions, got {self.dimensions}")
        for label, row in enumerate(self.centroids):
            if len(row) != self.dimensions:
                raise DecaiError(f"centroid {label} has {len(row)} values; the model has {self.dimensions} dimensions")
            if any(not CENTROID_MIN <= v <= CENTROID_MAX for v in row):
                raise DecaiError(f"centroid {label} has a value outside int32 (fixed point, |c| < 2.147)")
        self.class_counts = [require_int(n, "class count") for n in class_counts]
        if any(not 0 <= n < 2**DENSE_SAMPLES_BITS for n in self.class_counts):
            raise DecaiError(f"a class sample count is outside 0 to 2**{DENSE_SAMPLES_BITS} - 1")

    # -- samples --------------------------------------------------------
    def check_sample(self, sample: Sequence[int]) -> None:
        check_int64_indices(sample)
        if len(sample) != self.dimensions:
            raise DecaiError(f"sample has {len(sample)} values; the model has {self.dimensions} dimensions")

    def check_training_sample(self, sample: Sequence[int], label: int) -> None:
        super().check_training_sample(sample, label)
        norm = sum(x * x for x in sample)
        if abs(norm - UNIT_NORM) > NORM_TOLERANCE:
            raise DecaiError(f"sample is not normalised: squared norm {norm / UNIT_NORM:.9f}, must be 1 within 1e-7")

    # -- the classifier -------------------------------------------------
    def distances(self, sample: Sequence[int]) -> list[int | None]:
        """Squared distance (scale 10**18) to each class's centroid; None for
        a class without samples."""
        return [
            sum((x - c) ** 2 for x, c in zip(sample, centroid)) if samples else None
            for centroid, samples in zip(self.centroids, self.class_counts)
        ]

    def predict(self, sample: Sequence[int]) -> int:
        self.check_sample(sample)
        best_label, best = 0, None
        for label, distance in enumerate(self.distances(sample)):
            if distance is not None and (best is None or distance < best):
                best_label, best = label, distance
        return best_label

    def update(self, sample: Sequence[int], label: int) -> None:
        self.check_training_sample(sample, label)
        samples = self.class_counts[label]
        if samples + 1 >= 2**DENSE_SAMPLES_BITS:
            raise DecaiError("nearest_centroid: too many samples")
        self.centroids[label] = [tdiv(samples * c + x, samples + 1) for c, x in zip(self.centroids[label], sample)]
        self.class_counts[label] = samples + 1

    def set_step(self, step: float) -> None:
        """Count each class's deployed samples k = round(1/step) times: the
        centroids stay, and one addition moves its centroid 1/k as far."""
        k = count_weight(step)
        self._reweigh(step, {"class_counts": [n * k for n in self.class_counts]})

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
        self.centroids.append([0] * self.dimensions)
        self.class_counts.append(0)
        return len(self.classes) - 1

    # -- storage --------------------------------------------------------
    def storage_words(self) -> list[int]:
        """Header words (four 60-bit sample counts each), then each class's
        centroid as eight int32 lanes per word, class after class. Words of
        class slots not in use are zero on chain and left out here."""
        headers = [0] * ((self.class_capacity + 3) // 4)
        for label, samples in enumerate(self.class_counts):
            headers[label // 4] |= samples << (DENSE_SAMPLES_BITS * (label % 4))
        words = list(headers)
        for centroid in self.centroids:
            words.extend(pack_lanes(centroid, CENTROID_BITS, signed=True))
        return words

    def constructor_args(self, initial_words: Sequence[int]) -> list[Any]:
        return [self.dimensions, self.class_capacity, list(initial_words)]

    def _parameters(self) -> dict[str, Any]:
        return {"class_capacity": self.class_capacity, "class_counts": self.class_counts, "centroids": self.centroids}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NearestCentroid:
        return cls(
            **cls._metadata(data, ("negative", "positive")),
            centroids=data["centroids"],
            class_counts=data["class_counts"],
            class_capacity=data.get("class_capacity"),
        )

    @classmethod
    def from_chain(cls, contract: Any, metadata: dict[str, Any]) -> NearestCentroid:
        """The current parameters of a deployed dense nearest centroid."""
        dimensions = int(contract.dimensions())
        capacity = int(contract.class_capacity())
        words = read_words(contract)
        num_classes = len(metadata["classes"])
        header_words = (capacity + 3) // 4
        per_class = (dimensions + 7) // 8
        counts = [
            (words[label // 4] >> (DENSE_SAMPLES_BITS * (label % 4))) & (2**DENSE_SAMPLES_BITS - 1)
            for label in range(num_classes)
        ]
        centroids = [
            unpack_lanes(
                words[header_words + label * per_class : header_words + (label + 1) * per_class],
                dimensions,
                CENTROID_BITS,
                signed=True,
            )
            for label in range(num_classes)
        ]
        return cls(**metadata, centroids=centroids, class_counts=counts, class_capacity=capacity)

    @classmethod
    def from_sklearn(
        cls,
        classifier: Any,
        *,
        class_counts: Sequence[int] | None = None,
        y: Sequence[Any] | None = None,
        name: str,
        description: str = "",
        encoder: str = "unit",
        classes: Sequence[str] | None = None,
        class_capacity: int | None = None,
        **metadata,
    ) -> NearestCentroid:
        """Export a fitted scikit-learn `NearestCentroid` (euclidean metric).

        Its `centroids_` become fixed point (rounded to nearest); the sample
        count per class, which scikit-learn does not keep, comes from
        `class_counts` or from the training labels `y`. Label i on chain is
        `classifier.classes_[i]`.
        """
        if getattr(classifier, "metric", "euclidean") != "euclidean" or getattr(classifier, "shrink_threshold", None):
            raise DecaiError("only NearestCentroid(metric='euclidean') without shrinking can be exported")
        counts = _export_counts(classifier, class_counts, y)
        return cls(
            name=name,
            description=description,
            encoder=encoder,
            classes=list(classes) if classes is not None else [str(c) for c in classifier.classes_],
            class_capacity=class_capacity,
            centroids=[[to_fixed(float(v)) for v in row] for row in classifier.centroids_],
            class_counts=counts,
            **metadata,
        )


def _export_counts(classifier: Any, class_counts: Sequence[int] | None, y: Sequence[Any] | None) -> list[int]:
    if (class_counts is None) == (y is None):
        raise DecaiError("give the samples per class either as class_counts or as the training labels y")
    counts = list(class_counts) if class_counts is not None else _class_counts_from_labels(y, list(classifier.classes_))
    if len(counts) != len(classifier.classes_):
        raise DecaiError(f"need one sample count per class ({len(classifier.classes_)} classes)")
    return [int(n) for n in counts]


@register
class SparseNearestCentroid(SparseCountModel):
    """Nearest centroid over binary features given as increasing indices.

    Model file parameters: "num_features", "class_capacity" (default: the
    number of classes), "class_counts" (training samples per class n_c) and
    "feature_counts" (per class, per feature, how many of its samples have
    the feature: the centroid is feature_counts / class_counts).
    """

    type = "sparse_nearest_centroid"
    contract_part = "SparseNearestCentroid"
    short_name = "SNCC"
    #: Steps 1 to 0.25 hold on Rotten Tomatoes (seeds 1-5); on IMDB 1 fails (its
    #: lowest accuracy) and 0.5 and 0.25 hold; 0.25 ends highest over the two.
    default_step = 0.25
    SAMPLES_BITS = SPARSE_SAMPLES_BITS
    REPEATS = False
    MODULE = "sparse_nearest_centroid"

    def __init__(self, *, norms: Sequence[int] | None = None, **kwargs):
        super().__init__(**kwargs)
        if norms is None:
            norms = [sum(v * v for v in row) for row in self.feature_counts]
        if len(norms) != len(self.classes):
            raise DecaiError("need one norm term per class")
        self.norms = [require_int(q, "norm") for q in norms]
        if any(not 0 <= q <= SPARSE_NORM_MAX for q in self.norms):
            raise DecaiError("a norm term is outside 0 to 2**84 - 1")

    def _class_number(self, label: int) -> int:
        return self.norms[label]

    def _class_added(self) -> None:
        self.norms.append(0)

    # -- the classifier -------------------------------------------------
    def centroid(self, label: int) -> list[float]:
        """The class's centroid as real numbers (feature counts / samples)."""
        samples = self.class_counts[label]
        return [count / samples for count in self.feature_counts[label]] if samples else []

    def predict(self, sample: Sequence[int]) -> int:
        self.check_sample(sample)
        best_label, best = 0, None  # best = (q - 2 n t, n**2)
        for label, samples in enumerate(self.class_counts):
            if samples == 0:
                continue
            counts = self.feature_counts[label]
            distance = self.norms[label] - 2 * samples * sum(counts[index] for index in sample)
            scale = samples * samples
            if best is None or distance * best[1] < best[0] * scale:
                best_label, best = label, (distance, scale)
        return best_label

    def update(self, sample: Sequence[int], label: int) -> None:
        self.check_training_sample(sample, label)
        counts = self.feature_counts[label]
        if any(counts[index] + 1 > 2**31 - 1 for index in sample):
            raise DecaiError("sparse_nearest_centroid: feature count out of range")
        if self.class_counts[label] + 1 >= 2**SPARSE_SAMPLES_BITS:
            raise DecaiError("sparse_nearest_centroid: too many samples")
        increase = sum(2 * counts[index] + 1 for index in sample)
        if self.norms[label] + increase > SPARSE_NORM_MAX:
            raise DecaiError("sparse_nearest_centroid: norm out of range")
        for index in sample:
            counts[index] += 1
        self.norms[label] += increase
        self.class_counts[label] += 1

    def set_step(self, step: float) -> None:
        """Weigh the deployed counts k = round(1/step) times (the centroids,
        counts over samples, stay; the norm terms, sums of squared counts,
        grow by k**2): one addition moves its centroid 1/k as far."""
        k = count_weight(step)
        self._reweigh(
            step,
            {
                "class_counts": [n * k for n in self.class_counts],
                "feature_counts": [[c * k for c in row] for row in self.feature_counts],
                "norms": [q * k * k for q in self.norms],
            },
        )

    # -- files, chains and scikit-learn ----------------------------------
    def _parameters(self) -> dict[str, Any]:
        return {**super()._parameters(), "norms": self.norms}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SparseNearestCentroid:
        return cls(
            **cls._metadata(data, ("negative", "positive")),
            num_features=data["num_features"],
            class_capacity=data.get("class_capacity"),
            class_counts=data["class_counts"],
            feature_counts=data["feature_counts"],
            norms=data.get("norms"),
        )

    @classmethod
    def from_chain(cls, contract: Any, metadata: dict[str, Any]) -> SparseNearestCentroid:
        """The current parameters of a deployed sparse nearest centroid."""
        num_features = int(contract.num_features())
        capacity = int(contract.class_capacity())
        samples, norms, counts = cls._decode_words(
            read_words(contract), num_features, capacity, len(metadata["classes"])
        )
        return cls(
            **metadata,
            num_features=num_features,
            class_capacity=capacity,
            class_counts=samples,
            feature_counts=counts,
            norms=norms,
        )

    @classmethod
    def from_counts(
        cls, *, class_counts: Sequence[int], feature_counts: Sequence[Sequence[int]], **kwargs
    ) -> SparseNearestCentroid:
        """From per-class sample counts and per-class feature counts (how many
        samples of the class have each feature)."""
        return cls(
            num_features=len(feature_counts[0]) if feature_counts else 0,
            class_counts=class_counts,
            feature_counts=feature_counts,
            **kwargs,
        )

    @classmethod
    def from_centroids(
        cls, *, centroids: Sequence[Sequence[float]], class_counts: Sequence[int], **kwargs
    ) -> SparseNearestCentroid:
        """From real-valued centroids and sample counts: each feature count is
        round(centroid value * samples), exact for means of binary samples."""
        feature_counts = [[int(round(float(v) * n)) for v in row] for row, n in zip(centroids, class_counts)]
        return cls.from_counts(class_counts=list(class_counts), feature_counts=feature_counts, **kwargs)

    @classmethod
    def sklearn_features(cls, X):
        return (X > 0).astype(float)  # presence of a feature, as on chain

    @classmethod
    def fit(cls, X, y, *, seed: int, classes: Sequence[str], **metadata) -> tuple[SparseNearestCentroid, Any]:
        """scikit-learn's NearestCentroid on 0/1 presence vectors."""
        from sklearn.neighbors import NearestCentroid as SkNearestCentroid

        classifier = _fit_quietly(SkNearestCentroid(), X, y)
        return cls.from_sklearn(classifier, y=y, classes=classes, **metadata), classifier

    @classmethod
    def from_sklearn(
        cls,
        classifier: Any,
        *,
        class_counts: Sequence[int] | None = None,
        y: Sequence[Any] | None = None,
        name: str,
        description: str = "",
        encoder: str = "indices",
        classes: Sequence[str] | None = None,
        class_capacity: int | None = None,
        **metadata,
    ) -> SparseNearestCentroid:
        """Export a scikit-learn `NearestCentroid` fitted on binary data.

        Its centroids times the class sample counts (from `class_counts` or
        the training labels `y`) are rounded to the feature counts the
        contract stores: exact when the training data were 0/1 vectors.
        """
        if getattr(classifier, "metric", "euclidean") != "euclidean" or getattr(classifier, "shrink_threshold", None):
            raise DecaiError("only NearestCentroid(metric='euclidean') without shrinking can be exported")
        counts = _export_counts(classifier, class_counts, y)
        return cls.from_centroids(
            centroids=classifier.centroids_,
            class_counts=counts,
            name=name,
            description=description,
            encoder=encoder,
            classes=list(classes) if classes is not None else [str(c) for c in classifier.classes_],
            class_capacity=class_capacity,
            **metadata,
        )


__all__ = ["NearestCentroid", "SparseNearestCentroid", "MAX_CLASSES"]
