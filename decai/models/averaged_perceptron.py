"""The averaged sparse perceptron, mirroring contracts/lib/models/averaged_perceptron.vy.

Training is the sparse perceptron's (an update on every mistake of the
current weights w); predictions come from the average of the weights over
every sample seen, kept lazily: with `count` = c (the deployed weights count
as `initial_count` samples, every addition adds one) and u = the sum over
updates of c * step, the average weight is w - u / c, and the model predicts
1 when c * (intercept + sum w) - sum u > 0. A wrongly labelled sample still
moves w, but the predictions (and so the refunds and reports) move by a
share of it that shrinks as the model sees more data: an adversary that
keeps paying moves the model far less than it moves a plain perceptron.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from decai.core.fixed_point import ONE, fits_int64, pack_int64, to_fixed, unpack_int64
from decai.errors import DecaiError
from decai.models.base import register, require_int
from decai.models.perceptron import SparsePerceptron

#: How many samples the deployed weights count as, by default: the average
#: starts at the trained weights and drifts from them as data comes in.
DEFAULT_INITIAL_COUNT = 100


@register
class AveragedPerceptron(SparsePerceptron):
    """Binary averaged perceptron over binary features given as increasing indices.

    Model file parameters: "weights" (current weights w, one int per
    feature, fixed point), "update_sums" (u per feature, fixed point; zeros
    if absent), "count" (samples seen, counting the initial ones; default
    "initial_count"), "initial_count" (what the deployed weights count as),
    "intercept" and "learning_rate" (fixed point).
    """

    type = "averaged_perceptron"
    input_kind = "sparse"
    contract_part = "AveragedPerceptron"
    short_name = "AP"
    two_classes_only = True
    #: 0.05 to 0.25 hold on Rotten Tomatoes, 0.05 and 0.1 on IMDB (0.25 does not);
    #: 0.1 ends highest over the two.
    default_step = 0.1
    #: On breast cancer (with the deposit's price clock) 0.01 to 0.1 end 1.2 to 2.1
    #: points under their control; 0.005 holds (85.1% against 84.8%) and keeps 48%.
    default_numeric_step = 0.005

    def __init__(
        self,
        *,
        update_sums: Sequence[int] | None = None,
        count: int | None = None,
        initial_count: int = DEFAULT_INITIAL_COUNT,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.initial_count = require_int(initial_count, "initial_count")
        if not 0 < self.initial_count < 2**64:
            raise DecaiError("initial_count must be positive (and below 2**64)")
        self.count = self.initial_count if count is None else require_int(count, "count")
        if not self.initial_count <= self.count < 2**64:
            raise DecaiError("count must be at least initial_count (and below 2**64)")
        sums = [0] * len(self.weights) if update_sums is None else [require_int(u, "update sum") for u in update_sums]
        if len(sums) != len(self.weights):
            raise DecaiError(f"update_sums has {len(sums)} entries; the model has {len(self.weights)} weights")
        for index, value in enumerate(sums):
            if not fits_int64(value):
                raise DecaiError(f"update sum {index} ({value}) does not fit int64")
        self.update_sums = sums

    # the classifier -----------------------------------------------------
    def averaged_score(self, sample: Sequence[int]) -> int:
        """count * (intercept + sum w) - sum u: count times the averaged score."""
        return self.count * self.score(sample) - sum(self.update_sums[index] for index in sample)

    def averaged_weights(self) -> list[float]:
        """The averaged weights as floats (w - u / count), for inspection."""
        return [(w - u / self.count) / ONE for w, u in zip(self.weights, self.update_sums)]

    def predict(self, sample: Sequence[int]) -> int:
        self.check_sample(sample)
        return 1 if self.averaged_score(sample) > 0 else 0

    def update(self, sample: Sequence[int], label: int) -> None:
        self.check_training_sample(sample, label)
        seen = self.count
        current = 1 if self.score(sample) > 0 else 0
        if current == label:
            self.count = seen + 1
            return
        step = self.learning_rate if label == 1 else -self.learning_rate
        weights = [self.weights[index] + step for index in sample]
        sums = [self.update_sums[index] + seen * step for index in sample]
        if not all(fits_int64(w) for w in weights):
            raise DecaiError("a weight would leave the int64 range")
        if not all(fits_int64(u) for u in sums):
            raise DecaiError("an update sum would leave the int64 range")
        for index, weight, total in zip(sample, weights, sums):
            self.weights[index] = weight
            self.update_sums[index] = total
        self.count = seen + 1

    # deployment ---------------------------------------------------------
    def storage_words(self) -> list[int]:
        """Two features per word: lanes (w, u) of feature 2k, then of 2k + 1."""
        lanes: list[int] = []
        for weight, total in zip(self.weights, self.update_sums):
            lanes += [weight, total]
        return pack_int64(lanes)

    def constructor_args(self, initial_words: Sequence[int]) -> list[Any]:
        if self.count != self.initial_count:
            raise DecaiError("a trained averaged perceptron cannot be redeployed as is (count != initial_count)")
        return [len(self.weights), self.intercept, self.learning_rate, self.initial_count, list(initial_words)]

    def _parameters(self) -> dict[str, Any]:
        return {
            **super()._parameters(),
            "update_sums": self.update_sums,
            "count": self.count,
            "initial_count": self.initial_count,
        }

    @classmethod
    def from_chain(cls, contract: Any, metadata: dict[str, Any]) -> AveragedPerceptron:
        """The current parameters of a deployed averaged perceptron."""
        count = contract.num_features()
        total_words = (count + 1) // 2
        words: list[int] = []
        for start in range(0, total_words, 1024):
            words.extend(contract.parameter_words(start, min(1024, total_words - start)))
        lanes = unpack_int64(words, 2 * count)
        return cls(
            weights=lanes[0::2],
            update_sums=lanes[1::2],
            intercept=contract.intercept(),
            learning_rate=contract.learning_rate(),
            initial_count=contract.initial_count(),
            count=contract.count(),
            **metadata,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AveragedPerceptron:
        return cls(
            **cls._metadata(data, ("negative", "positive")),
            weights=data["weights"],
            update_sums=data.get("update_sums"),
            intercept=data.get("intercept", 0),
            learning_rate=data.get("learning_rate", ONE),
            initial_count=data.get("initial_count", DEFAULT_INITIAL_COUNT),
            count=data.get("count"),
        )

    @classmethod
    def fit(cls, X, y, *, seed: int, learning_rate: float = 1.0, initial_count: int | None = None, **metadata):
        """scikit-learn's Perceptron with averaged weights (`SGDClassifier`
        with the perceptron loss and `average=True`), exported to fixed
        point as the starting weights; `initial_count` defaults to the
        number of training samples (the average the export stands for)."""
        import numpy as np
        from sklearn.linear_model import SGDClassifier

        classifier = SGDClassifier(
            loss="perceptron",
            penalty=None,
            learning_rate="constant",
            eta0=learning_rate,
            average=True,
            random_state=seed,
            max_iter=1000,
            tol=1e-4,
        )
        classifier.fit(X, np.asarray(y))
        model = cls(
            weights=[to_fixed(repr(float(w))) for w in classifier.coef_[0]],
            intercept=to_fixed(repr(float(classifier.intercept_[0]))),
            learning_rate=to_fixed(learning_rate),
            initial_count=initial_count or max(1, min(len(y), 2**63)),
            **metadata,
        )
        return model, classifier
