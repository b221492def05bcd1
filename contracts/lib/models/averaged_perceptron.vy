# pragma version 0.4.3
"""
@title Averaged sparse perceptron
@notice Binary linear classifier over binary features, robust to a stream of
        wrongly labelled samples. A sample is the list of the indices of its
        present features, strictly increasing. Training is the sparse
        perceptron's: when the current weights w predict wrongly, every
        present feature's weight moves by the learning rate towards the
        right answer. Predictions, refunds and reports use the *average* of
        the weights over every sample seen (the deployed weights count as
        `initial_count` samples), so that no single contribution, and no
        short burst of them, moves the predictions far.
@dev Weights, intercept and learning rate are fixed point with 10**9 = 1.0.
     Lazy averaging (Daume 2006): with `count` = c, the samples seen plus
     initial_count, and u = sum over updates of c * step (c at the time of
     the update), the average weight is w - u / c. The contract predicts 1
     when c * (intercept + sum w) - sum u > 0, the sign of the averaged
     score without a division. An update costs O(features in the sample).
     Storage: feature j's w is int64 lane 2 * (j % 2) and its u lane
     2 * (j % 2) + 1 of word j // 2 (see packed_int64); a w or u that
     would leave the int64 range reverts.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import ownership
from ..common import packed_int64


# ------------------------------------------------------------------ uses --

uses: ownership


# ------------------------------------------------------------- constants --

# @dev Most samples `predict_batch` evaluates in one call.
MAX_BATCH: constant(uint256) = 100

# @dev Most features an averaged perceptron supports (2 * 2**20).
MAX_FEATURES: constant(uint256) = _PER_WORD * _MAX_WORDS
_MAX_WORDS: constant(uint256) = 2**20
# @dev Features per storage word: each takes two int64 lanes (w, then u).
_PER_WORD: constant(uint256) = 2


# ------------------------------------------------------------ immutables --

# @dev Feature indices run from 0 to num_features - 1.
num_features: public(immutable(uint256))

# @dev Added to every score; fixed point (10**9 = 1.0).
intercept: public(immutable(int256))

# @dev Weight change per wrong prediction; fixed point (10**9 = 1.0).
learning_rate: public(immutable(int256))

# @dev How many samples the deployed weights count as in the average.
initial_count: public(immutable(uint256))


# --------------------------------------------------------------- storage --

# @dev Two features per word, each as two int64 lanes: w (the current
#      weight, fixed point) and u (the sum of count * step over its
#      updates, fixed point). A fixed-size array addresses its slots
#      without hashing.
_weight_words: uint256[_MAX_WORDS]

# @dev initial_count plus the samples trained on so far (every addition).
count: public(uint256)


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _num_features: uint256,
    _intercept: int256,
    _learning_rate: int256,
    _initial_count: uint256,
    weight_words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    assert _num_features > 0, "averaged_perceptron: no features"
    assert _num_features <= MAX_FEATURES, "averaged_perceptron: too many features"
    assert _learning_rate > 0, "averaged_perceptron: learning rate must be positive"
    assert packed_int64._fits(_learning_rate), "averaged_perceptron: learning rate out of range"
    assert packed_int64._fits(_intercept), "averaged_perceptron: intercept out of range"
    assert _initial_count > 0, "averaged_perceptron: initial count must be positive"
    assert _initial_count < 2**64, "averaged_perceptron: initial count out of range"
    num_features = _num_features
    intercept = _intercept
    learning_rate = _learning_rate
    initial_count = _initial_count
    self.count = _initial_count
    self._write_words(0, weight_words)


# -------------------------------------------------------------- external --

@external
def init_parameters(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    """
    @notice Load packed weights during setup (owner only).
    @dev Word `start_word + i` receives `words[i]`; feature `j`'s weight is
         lane `2 * (j % 2)` of word `j // 2` and its update sum lane
         `2 * (j % 2) + 1`, two's complement int64.
    @param start_word Index of the first word written.
    @param words Packed weights.
    """
    ownership._check_setup_open()
    self._write_words(start_word, words)


@external
@view
def predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    """
    @notice Classify a sample; free to call.
    @param data Strictly increasing indices of the present features.
    @return 1 if the averaged score is positive, else 0.
    """
    return self._predict(data)


@external
@view
def predict_batch(
    samples: DynArray[DynArray[int64, constants.MAX_SAMPLE_LENGTH], MAX_BATCH]
) -> DynArray[uint64, MAX_BATCH]:
    """
    @notice Classify many samples in one call.
    @param samples Up to MAX_BATCH samples, each as for `predict`.
    @return One prediction per sample, in order.
    """
    predictions: DynArray[uint64, MAX_BATCH] = []
    for sample: DynArray[int64, constants.MAX_SAMPLE_LENGTH] in samples:
        predictions.append(self._predict(sample))
    return predictions


@external
@view
def weight(index: uint256) -> int256:
    """
    @notice One current (not averaged) weight, fixed point (10**9 = 1.0).
    @param index Feature index.
    @return The weight w.
    """
    assert index < num_features, "averaged_perceptron: feature index out of range"
    return packed_int64._get(self._weight_words[index // _PER_WORD], 2 * (index % _PER_WORD))


@external
@view
def update_sum(index: uint256) -> int256:
    """
    @notice One feature's sum of count * step over its updates, fixed point.
    @dev The averaged weight is weight(index) - update_sum(index) / count().
    @param index Feature index.
    @return The sum u.
    """
    assert index < num_features, "averaged_perceptron: feature index out of range"
    return packed_int64._get(self._weight_words[index // _PER_WORD], 2 * (index % _PER_WORD) + 1)


@external
@view
def parameter_words(start_word: uint256, count: uint256) -> DynArray[uint256, constants.MAX_INIT_WORDS]:
    """
    @notice Raw packed weight words, for clients that mirror the model.
    @param start_word First word.
    @param count Number of words (at most MAX_INIT_WORDS).
    @return The words, as `init_parameters` takes them.
    """
    words: DynArray[uint256, constants.MAX_INIT_WORDS] = []
    for i: uint256 in range(count, bound=constants.MAX_INIT_WORDS):
        words.append(self._weight_words[start_word + i])
    return words


# -------------------------------------------------------------- internal --

@internal
def _write_words(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    total_words: uint256 = (num_features + _PER_WORD - 1) // _PER_WORD
    assert start_word + len(words) <= total_words, "averaged_perceptron: weights beyond the last feature"
    for i: uint256 in range(len(words), bound=constants.MAX_INIT_WORDS):
        self._weight_words[start_word + i] = words[i]


@internal
@view
def _scores(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> (int256, int256):
    """
    @dev (intercept + the sum of the present features' w, the sum of their
         u); checks the indices.
    """
    # Indices must be strictly increasing; then only the first can be
    # negative and only the last can be too large.
    if len(data) > 0:
        assert data[0] >= 0, "averaged_perceptron: negative feature index"
    weights: int256 = intercept
    sums: int256 = 0
    previous: int64 = -1
    for index: int64 in data:
        assert index > previous, "averaged_perceptron: feature indices must increase"
        previous = index
        position: uint256 = convert(index, uint256)
        word: uint256 = self._weight_words[position // _PER_WORD]
        lane: uint256 = 2 * (position % _PER_WORD)
        # Every term is int64-sized and there are at most MAX_SAMPLE_LENGTH
        # of them plus the int64 intercept: the sums stay far inside int256.
        weights = unsafe_add(weights, packed_int64._get(word, lane))
        sums = unsafe_add(sums, packed_int64._get(word, lane + 1))
    assert convert(previous + 1, uint256) <= num_features, "averaged_perceptron: feature index out of range"
    return weights, sums


@internal
@view
def _predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    weights: int256 = 0
    sums: int256 = 0
    weights, sums = self._scores(data)
    # count < 2**64 and |weights| < 2**71: the product stays far inside int256.
    if unsafe_mul(convert(self.count, int256), weights) - sums > 0:
        return 1
    return 0


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    assert label <= 1, "averaged_perceptron: label must be 0 or 1"
    # An empty sample scores exactly the intercept: its refund would be
    # known in advance, a risk-free "good contribution".
    assert len(data) > 0, "averaged_perceptron: empty sample"
    seen: uint256 = self.count
    self.count = seen + 1
    weights: int256 = 0
    sums: int256 = 0
    weights, sums = self._scores(data)
    current: uint64 = 0
    if weights > 0:
        current = 1
    if current == label:
        return
    step: int256 = learning_rate
    if label == 0:
        step = -learning_rate
    # |step| < 2**63 and seen < 2**64: the product stays inside int256.
    weighted: int256 = unsafe_mul(convert(seen, int256), step)
    for index: int64 in data:
        position: uint256 = convert(index, uint256)
        word_index: uint256 = position // _PER_WORD
        lane: uint256 = 2 * (position % _PER_WORD)
        word: uint256 = self._weight_words[word_index]
        updated: int256 = packed_int64._get(word, lane) + step
        updated_sum: int256 = packed_int64._get(word, lane + 1) + weighted
        assert packed_int64._fits(updated), "averaged_perceptron: weight out of range"
        assert packed_int64._fits(updated_sum), "averaged_perceptron: update sum out of range"
        self._weight_words[word_index] = packed_int64._set(packed_int64._set(word, lane, updated), lane + 1, updated_sum)
