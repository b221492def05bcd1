# pragma version 0.4.3
"""
@title Dense perceptron
@notice Binary linear classifier over a fixed number of real-valued
        dimensions. The score is intercept + sum(w_i * x_i); the model
        predicts 1 when it is positive. Training changes the model only when
        it predicts wrongly: w_i += learning_rate * x_i for label 1, and
        w_i -= learning_rate * x_i for label 0. A training sample must be
        normalised (squared norm within 100 * 10**9 of 10**18, i.e. a unit
        vector in fixed point) so that no single sample dominates.
@dev Weights, samples, intercept and learning rate are fixed point with
     10**9 = 1.0. Weights are int64 packed four to a word; an update that
     would leave that range reverts. The weight change per dimension is
     learning_rate * x_i // 10**9, truncated towards zero.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import ownership
from ..common import packed_int64


# ------------------------------------------------------------------ uses --

uses: ownership


# ------------------------------------------------------------- constants --

# @dev Squared norm of a normalised sample, and how far it may be off.
_UNIT_NORM: constant(int256) = constants.ONE * constants.ONE
_NORM_TOLERANCE: constant(int256) = 100 * constants.ONE

_MAX_WORDS: constant(uint256) = constants.MAX_SAMPLE_LENGTH // packed_int64.PER_WORD
_LANE_MASK: constant(uint256) = 2**64 - 1


# ------------------------------------------------------------ immutables --

# @dev Length of every sample (at most MAX_SAMPLE_LENGTH).
dimensions: public(immutable(uint256))

# @dev Added to every score; fixed point (10**9 = 1.0).
intercept: public(immutable(int256))

# @dev Step size of an update; fixed point (10**9 = 1.0).
learning_rate: public(immutable(int256))


# --------------------------------------------------------------- storage --

# @dev Four packed int64 weights per word (see packed_int64).
_weight_words: uint256[_MAX_WORDS]


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _dimensions: uint256,
    _intercept: int256,
    _learning_rate: int256,
    weight_words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    assert _dimensions > 0, "dense_perceptron: no dimensions"
    assert _dimensions <= constants.MAX_SAMPLE_LENGTH, "dense_perceptron: too many dimensions"
    assert _learning_rate > 0, "dense_perceptron: learning rate must be positive"
    assert packed_int64._fits(_learning_rate), "dense_perceptron: learning rate out of range"
    assert packed_int64._fits(_intercept), "dense_perceptron: intercept out of range"
    dimensions = _dimensions
    intercept = _intercept
    learning_rate = _learning_rate
    self._write_words(0, weight_words)


# -------------------------------------------------------------- external --

@external
def init_parameters(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    """
    @notice Load packed weights during setup (owner only).
    @dev Weight `j` is lane `j % 4` of word `j // 4`, two's complement int64.
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
    @param data `dimensions` fixed-point values (10**9 = 1.0).
    @return 1 if the score is positive, else 0.
    """
    return self._predict(data)


@external
@view
def weight(index: uint256) -> int256:
    """
    @notice One weight, fixed point (10**9 = 1.0).
    @param index Dimension.
    @return The weight.
    """
    assert index < dimensions, "dense_perceptron: dimension out of range"
    return packed_int64._get(self._weight_words[index // packed_int64.PER_WORD], index % packed_int64.PER_WORD)


@external
@view
def parameter_words(start_word: uint256, count: uint256) -> DynArray[uint256, constants.MAX_INIT_WORDS]:
    """
    @notice Raw packed weight words, for clients that mirror the model.
    @param start_word First word.
    @param count Number of words.
    @return The words, as `init_parameters` takes them.
    """
    words: DynArray[uint256, constants.MAX_INIT_WORDS] = []
    for i: uint256 in range(count, bound=constants.MAX_INIT_WORDS):
        words.append(self._weight_words[start_word + i])
    return words


# -------------------------------------------------------------- internal --

@internal
def _write_words(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    total_words: uint256 = (dimensions + packed_int64.PER_WORD - 1) // packed_int64.PER_WORD
    assert start_word + len(words) <= total_words, "dense_perceptron: weights beyond the last dimension"
    for i: uint256 in range(len(words), bound=constants.MAX_INIT_WORDS):
        self._weight_words[start_word + i] = words[i]


@internal
@view
def _predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    if self._score(data) > 0:
        return 1
    return 0


@internal
@view
def _score(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> int256:
    """
    @dev intercept + sum(w_i * x_i), at scale 10**18.
    """
    assert len(data) == dimensions, "dense_perceptron: wrong number of dimensions"
    # Each product of two int64 values fits int127 and there are at most
    # MAX_SAMPLE_LENGTH + 1 terms, so the unchecked sums cannot overflow.
    # Lane k of a word is sign-extended by (word << (192 - 64k)) >> 192; the
    # four lanes are written out because a loop over them costs twice as much.
    score: int256 = intercept * constants.ONE
    full_words: uint256 = dimensions // packed_int64.PER_WORD
    for w: uint256 in range(full_words, bound=_MAX_WORDS):
        word: uint256 = self._weight_words[w]
        i: uint256 = w * packed_int64.PER_WORD
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 192, bytes32), int256) >> 192, convert(data[i], int256)))
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 128, bytes32), int256) >> 192, convert(data[i + 1], int256)))
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 64, bytes32), int256) >> 192, convert(data[i + 2], int256)))
        score = unsafe_add(score, unsafe_mul(convert(convert(word, bytes32), int256) >> 192, convert(data[i + 3], int256)))
    if full_words * packed_int64.PER_WORD < dimensions:
        word: uint256 = self._weight_words[full_words]
        for i: uint256 in range(full_words * packed_int64.PER_WORD, dimensions, bound=packed_int64.PER_WORD):
            score = unsafe_add(score, unsafe_mul(convert(convert(word << 192, bytes32), int256) >> 192, convert(data[i], int256)))
            word >>= 64
    return score


@internal
@view
def _score_and_norm(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> (int256, int256):
    """
    @dev `_score` and sum(x_i ** 2) (scale 10**18) in one pass, for updates,
         which need both. The squares fit int127 and there are at most
         MAX_SAMPLE_LENGTH of them.
    """
    assert len(data) == dimensions, "dense_perceptron: wrong number of dimensions"
    score: int256 = intercept * constants.ONE
    norm: int256 = 0
    full_words: uint256 = dimensions // packed_int64.PER_WORD
    for w: uint256 in range(full_words, bound=_MAX_WORDS):
        word: uint256 = self._weight_words[w]
        i: uint256 = w * packed_int64.PER_WORD
        x0: int256 = convert(data[i], int256)
        x1: int256 = convert(data[i + 1], int256)
        x2: int256 = convert(data[i + 2], int256)
        x3: int256 = convert(data[i + 3], int256)
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 192, bytes32), int256) >> 192, x0))
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 128, bytes32), int256) >> 192, x1))
        score = unsafe_add(score, unsafe_mul(convert(convert(word << 64, bytes32), int256) >> 192, x2))
        score = unsafe_add(score, unsafe_mul(convert(convert(word, bytes32), int256) >> 192, x3))
        norm = unsafe_add(norm, unsafe_add(unsafe_add(unsafe_mul(x0, x0), unsafe_mul(x1, x1)), unsafe_add(unsafe_mul(x2, x2), unsafe_mul(x3, x3))))
    if full_words * packed_int64.PER_WORD < dimensions:
        word: uint256 = self._weight_words[full_words]
        for i: uint256 in range(full_words * packed_int64.PER_WORD, dimensions, bound=packed_int64.PER_WORD):
            x: int256 = convert(data[i], int256)
            score = unsafe_add(score, unsafe_mul(convert(convert(word << 192, bytes32), int256) >> 192, x))
            norm = unsafe_add(norm, unsafe_mul(x, x))
            word >>= 64
    return score, norm


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    assert label <= 1, "dense_perceptron: label must be 0 or 1"
    score: int256 = 0
    norm: int256 = 0
    score, norm = self._score_and_norm(data)
    assert abs(norm - _UNIT_NORM) <= _NORM_TOLERANCE, "dense_perceptron: sample is not normalised"
    if (score > 0) == (label == 1):
        return
    rate: int256 = learning_rate
    if label == 0:
        rate = -learning_rate
    # w_i += rate * x_i // ONE, truncated towards zero. |rate * x_i| < 2**126
    # and |w_i| < 2**63, so the sums are exact; whether every new weight
    # still fits int64 is collected in `in_range` and checked once at the end
    # (a failed check reverts every write).
    in_range: bool = True
    full_words: uint256 = dimensions // packed_int64.PER_WORD
    for w: uint256 in range(full_words, bound=_MAX_WORDS):
        old: uint256 = self._weight_words[w]
        i: uint256 = w * packed_int64.PER_WORD
        w0: int256 = unsafe_add(convert(convert(old << 192, bytes32), int256) >> 192, unsafe_mul(rate, convert(data[i], int256)) // constants.ONE)
        w1: int256 = unsafe_add(convert(convert(old << 128, bytes32), int256) >> 192, unsafe_mul(rate, convert(data[i + 1], int256)) // constants.ONE)
        w2: int256 = unsafe_add(convert(convert(old << 64, bytes32), int256) >> 192, unsafe_mul(rate, convert(data[i + 2], int256)) // constants.ONE)
        w3: int256 = unsafe_add(convert(convert(old, bytes32), int256) >> 192, unsafe_mul(rate, convert(data[i + 3], int256)) // constants.ONE)
        # w + 2**63 lies in [0, 2**64) exactly when w fits int64.
        in_range = in_range and (unsafe_add(w0, 2**63) | unsafe_add(w1, 2**63) | unsafe_add(w2, 2**63) | unsafe_add(w3, 2**63)) >> 64 == 0
        new: uint256 = (
            (convert(convert(w0, bytes32), uint256) & _LANE_MASK)
            | ((convert(convert(w1, bytes32), uint256) & _LANE_MASK) << 64)
            | ((convert(convert(w2, bytes32), uint256) & _LANE_MASK) << 128)
            | (convert(convert(w3, bytes32), uint256) << 192)
        )
        if new != old:
            self._weight_words[w] = new
    if full_words * packed_int64.PER_WORD < dimensions:
        old: uint256 = self._weight_words[full_words]
        new: uint256 = old
        for i: uint256 in range(full_words * packed_int64.PER_WORD, dimensions, bound=packed_int64.PER_WORD):
            offset: uint256 = 64 * (i % packed_int64.PER_WORD)
            weight: int256 = unsafe_add(convert(convert(old << (192 - offset), bytes32), int256) >> 192, unsafe_mul(rate, convert(data[i], int256)) // constants.ONE)
            in_range = in_range and unsafe_add(weight, 2**63) >> 64 == 0
            new = (new & ~(_LANE_MASK << offset)) | ((convert(convert(weight, bytes32), uint256) & _LANE_MASK) << offset)
        self._weight_words[full_words] = new
    assert in_range, "dense_perceptron: weight out of range"
