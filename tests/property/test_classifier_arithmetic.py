"""The fixed-point claims of the classifiers, checked against exact rational
arithmetic on random models (the reference models are bit-exact mirrors of
the contracts, see the parity tests).

- naive Bayes: every computed score is within a factor 1 +- 2**-118 of
  N_c * prod(n_cf + a) / (T_c + a V)**L, whatever the counts (up to their
  limits) and for samples of up to 128 entries;
- sparse nearest centroid: the prediction is exactly the arg min of the
  squared distance to the centroids count / n;
- averaged perceptron: the lazily kept average is exactly the average of
  the weights over every sample seen (the deployed weights counting as
  `initial_count` samples, each addition as the weights after it), and the
  prediction is its sign;
- every counting model's step (`set_step`) either leaves every prediction as
  it was, or, when the deployed counts weighed by the step's k would leave
  their fields, is refused with a reason that says so and changes nothing.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from decai.core.fixed_point import ONE
from decai.errors import DecaiError
from decai.models import AveragedPerceptron, NaiveBayes, SparseNearestCentroid
from decai.models.counts import COUNT_MAX, FIELD_BITS
from decai.models.naive_bayes import MAX_SMOOTHING, TOTAL_MAX
from decai.models.nearest_centroid import SPARSE_NORM_MAX

NUM_FEATURES = 12
counts = st.one_of(st.integers(0, 20), st.integers(0, 2**31 - 1))


@st.composite
def naive_bayes_cases(draw):
    num_classes = draw(st.integers(1, 4))
    feature_counts = [draw(st.lists(counts, min_size=NUM_FEATURES, max_size=NUM_FEATURES)) for _ in range(num_classes)]
    totals = [sum(row) + draw(st.integers(0, 2**40)) for row in feature_counts]
    model = NaiveBayes(
        name="property",
        description="",
        encoder="indices",
        classes=[f"c{i}" for i in range(num_classes)],
        num_features=NUM_FEATURES,
        smoothing=draw(st.one_of(st.sampled_from([1, ONE, ONE // 100]), st.integers(1, 10**18))),
        class_counts=[draw(st.integers(1, 2**56 - 1)) for _ in range(num_classes)],
        feature_counts=feature_counts,
        total_counts=[min(t, 2**64 - 1) for t in totals],
    )
    sample = sorted(draw(st.lists(st.integers(0, NUM_FEATURES - 1), max_size=128)))
    return model, sample


def exact_score(model: NaiveBayes, sample, label) -> Fraction:
    numerator = Fraction(model.class_counts[label])
    for index in sample:
        numerator *= model.feature_counts[label][index] * ONE + model.smoothing
    denominator = model.total_counts[label] * ONE + model.smoothing * model.num_features
    return numerator / Fraction(denominator) ** len(sample)


@given(naive_bayes_cases())
def test_naive_bayes__scores_within_two_to_the_minus_118(case):
    model, sample = case
    exact = [exact_score(model, sample, label) for label in range(len(model.classes))]
    for label, value in enumerate(exact):
        exponent, mantissa = model.score(sample, label)
        assert 2**127 <= mantissa < 2**128
        computed = Fraction(mantissa) * Fraction(2) ** exponent
        assert abs(computed / value - 1) < Fraction(1, 2**118)
    # The prediction is the exact arg max unless the best two are closer
    # than the bound.
    ranked = sorted(range(len(exact)), key=lambda label: exact[label], reverse=True)
    if len(ranked) == 1 or exact[ranked[0]] > exact[ranked[1]] * (1 + Fraction(1, 2**117)):
        assert model.predict(sample) == ranked[0]


@st.composite
def centroid_cases(draw):
    num_classes = draw(st.integers(1, 4))
    samples = [draw(st.integers(0, 50)) for _ in range(num_classes)]
    feature_counts = [[draw(st.integers(0, n)) for _ in range(NUM_FEATURES)] for n in samples]
    model = SparseNearestCentroid(
        name="property",
        description="",
        encoder="indices",
        classes=[f"c{i}" for i in range(num_classes)],
        num_features=NUM_FEATURES,
        class_counts=samples,
        feature_counts=feature_counts,
    )
    sample = sorted(draw(st.sets(st.integers(0, NUM_FEATURES - 1))))
    return model, sample


@given(centroid_cases())
def test_sparse_nearest_centroid__exact_arg_min(case):
    model, sample = case
    present = set(sample)
    best, best_distance = 0, None
    for label, n in enumerate(model.class_counts):
        if n == 0:
            continue
        distance = sum(
            (int(f in present) - Fraction(model.feature_counts[label][f], n)) ** 2 for f in range(NUM_FEATURES)
        )
        if best_distance is None or distance < best_distance:
            best, best_distance = label, distance
    assert model.predict(sample) == best


@st.composite
def averaged_cases(draw):
    weights = [draw(st.integers(-3 * ONE, 3 * ONE)) for _ in range(NUM_FEATURES)]
    model = AveragedPerceptron(
        name="property",
        description="",
        encoder="indices",
        weights=weights,
        intercept=draw(st.integers(-ONE, ONE)),
        learning_rate=draw(st.sampled_from([ONE // 20, ONE // 4, ONE])),
        initial_count=draw(st.integers(1, 500)),
    )
    subsets = st.lists(st.integers(0, NUM_FEATURES - 1), min_size=1, unique=True).map(sorted)
    additions = draw(st.lists(st.tuples(subsets, st.integers(0, 1)), max_size=40))
    queries = draw(st.lists(subsets, min_size=1, max_size=5))
    return model, additions, queries


@given(averaged_cases())
def test_averaged_perceptron__lazy_average_is_the_explicit_average(case):
    model, additions, queries = case
    # The sum of the weight vectors over every sample seen, kept the long way.
    total = [model.initial_count * w for w in model.weights]
    for sample, label in additions:
        model.update(sample, label)
        total = [t + w for t, w in zip(total, model.weights)]
    assert model.count == model.initial_count + len(additions)
    for sample in queries:
        explicit = model.count * model.intercept + sum(total[f] for f in sample)
        assert model.averaged_score(sample) == explicit
        assert model.predict(sample) == (1 if explicit > 0 else 0)


def weighed_counts_fit(model, k: int) -> bool:
    """Whether every count of `model` weighed k times stays within its field
    (what `set_step` needs), checked field by field from the contracts'
    limits rather than through the model's constructor."""
    if any(c * k > COUNT_MAX for row in model.feature_counts for c in row):
        return False
    if any(n * k >= 2**model.SAMPLES_BITS for n in model.class_counts):
        return False
    if isinstance(model, NaiveBayes):
        wide = [t * k for t in model.total_counts]
        if model.smoothing * k > MAX_SMOOTHING or any(t > TOTAL_MAX for t in wide):
            return False
    else:
        wide = [q * k * k for q in model.norms]
        if any(q > SPARSE_NORM_MAX for q in wide):
            return False
    return all((n * k) | (w << model.SAMPLES_BITS) < 2**FIELD_BITS for n, w in zip(model.class_counts, wide))


@given(naive_bayes_cases(), centroid_cases(), st.sampled_from([1.0, 0.5, 0.25, 0.1, 0.01]))
def test_counting_models__step_keeps_every_prediction_or_is_refused_for_counts_too_large(bayes, centroid, step):
    k = round(1 / step)
    for model, sample in (bayes, centroid):
        before, parameters = model.predict(sample), model.to_dict()
        if weighed_counts_fit(model, k):
            model.set_step(step)
            assert model.predict(sample) == before
        else:
            with pytest.raises(
                DecaiError,
                match=rf"^step {step:g} needs the deployed counts weighed {k} times, "
                r"and this model's counts are too large for that: ",
            ):
                model.set_step(step)
            assert model.to_dict() == parameters


@given(naive_bayes_cases(), st.data())
def test_naive_bayes__forget_undoes_update_exactly(case, data):
    """Whatever the model and the sample, forgetting a counted sample gives
    back the model before it, and a sample that is not counted for a label
    is refused rather than driving a count below zero."""
    model, sample = case
    if not sample:
        return  # add_data refuses an empty sample: there is nothing to forget
    label = data.draw(st.integers(0, len(model.classes) - 1))
    before = model.to_dict()
    try:
        model.update(sample, label)
    except DecaiError:
        return  # counts too large to take the sample: never recorded, never forgotten
    model.forget(sample, label)
    assert model.to_dict() == before
    counts = model.feature_counts[label]
    missing = [i for i in set(sample) if counts[i] < sample.count(i)]
    if missing or model.class_counts[label] < 1 or model.total_counts[label] < len(sample):
        with pytest.raises(DecaiError, match="naive_bayes: the sample is not counted for this label"):
            model.forget(sample, label)
        assert model.to_dict() == before
