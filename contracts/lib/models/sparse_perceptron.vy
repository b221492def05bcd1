# pragma version 0.4.3
"""
@title Sparse perceptron
@notice Binary linear classifier over binary features. A sample is the list
        of the indices of its present features, strictly increasing. The
        score is intercept + the sum of the weights of the present features;
        the model predicts 1 when the score is positive. Training changes the
        model only when it predicts wrongly: every present feature's weight
        moves by the learning rate towards the right answer.
@dev Weights, intercept and learning rate are fixed point with 10**9 = 1.0.
     Weights are int64 (|w| < 9.2e9 in real terms) packed four to a word;
     an update that would leave that range reverts.
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

# @dev Most features a sparse perceptron supports (4 * 2**20).
MAX_FEATURES: constant(uint256) = packed_int64.PER_WORD * _MAX_WORDS
_MAX_WORDS: constant(uint256) = 2**20


# ------------------------------------------------------------ immutables --

# @dev Feature indices run from 0 to num_features - 1.
num_features: public(immutable(uint256))

# @dev Added to every score; fixed point (10**9 = 1.0).
intercept: public(immutable(int256))

# @dev Weight change per wrong prediction; fixed point (10**9 = 1.0).
learning_rate: public(immutable(int256))


# --------------------------------------------------------------- storage --

# @dev Four packed int64 weights per word (see packed_int64). A fixed-size
#      array addresses its slots without hashing.
_weight_words: uint256[_MAX_WORDS]


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _num_features: uint256,
    _intercept: int256,
    _learning_rate: int256,
    weight_words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    assert _num_features > 0, "sparse_perceptron: no features"
    assert _num_features <= MAX_FEATURES, "sparse_perceptron: too many features"
    assert _learning_rate > 0, "sparse_perceptron: learning rate must be positive"
    assert packed_int64._fits(_learning_rate), "sparse_perceptron: learning rate out of range"
    assert packed_int64._fits(_intercept), "sparse_perceptron: intercept out of range"
    num_features = _num_features
    intercept = _intercept
    learning_rate = _learning_rate
    self._write_words(0, weight_words)


# -------------------------------------------------------------- external --

@external
def init_parameters(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    """
    @notice Load packed weights during setup (owner only).
    @dev Word `start_word + i` receives `words[i]`; weight `j` is lane
         `j % 4` of word `j // 4`, two's complement int64.
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
    @return 1 if the score is positive, else 0.
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
    @notice One weight, fixed point (10**9 = 1.0).
    @param index Feature index.
    @return The weight.
    """
    assert index < num_features, "sparse_perceptron: feature index out of range"
    return packed_int64._get(self._weight_words[index // packed_int64.PER_WORD], index % packed_int64.PER_WORD)


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
    total_words: uint256 = (num_features + packed_int64.PER_WORD - 1) // packed_int64.PER_WORD
    assert start_word + len(words) <= total_words, "sparse_perceptron: weights beyond the last feature"
    for i: uint256 in range(len(words), bound=constants.MAX_INIT_WORDS):
        self._weight_words[start_word + i] = words[i]


@internal
@view
def _predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    # Indices must be strictly increasing; then only the first can be
    # negative and only the last can be too large.
    if len(data) > 0:
        assert data[0] >= 0, "sparse_perceptron: negative feature index"
    score: int256 = intercept
    previous: int64 = -1
    for index: int64 in data:
        assert index > previous, "sparse_perceptron: feature indices must increase"
        previous = index
        position: uint256 = convert(index, uint256)
        # Both terms are int64-sized and there are at most MAX_SAMPLE_LENGTH
        # of them plus the int64 intercept: the sum stays far inside int256.
        score = unsafe_add(score, packed_int64._get(
            self._weight_words[position // packed_int64.PER_WORD], position % packed_int64.PER_WORD
        ))
    assert convert(previous + 1, uint256) <= num_features, "sparse_perceptron: feature index out of range"
    if score > 0:
        return 1
    return 0


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    assert label <= 1, "sparse_perceptron: label must be 0 or 1"
    # An empty sample scores exactly the intercept: its refund would be
    # known in advance, a risk-free "good contribution".
    assert len(data) > 0, "sparse_perceptron: empty sample"
    if self._predict(data) == label:
        return
    step: int256 = learning_rate
    if label == 0:
        step = -learning_rate
    for index: int64 in data:
        position: uint256 = convert(index, uint256)
        word_index: uint256 = position // packed_int64.PER_WORD
        lane: uint256 = position % packed_int64.PER_WORD
        word: uint256 = self._weight_words[word_index]
        updated: int256 = packed_int64._get(word, lane) + step
        assert packed_int64._fits(updated), "sparse_perceptron: weight out of range"
        self._weight_words[word_index] = packed_int64._set(word, lane, updated)
