# pragma version 0.4.3
"""
@title Dense nearest centroid
@notice Classifier over a fixed number of real-valued dimensions with any
        number of classes. Each class has a centroid, the running mean of its
        training samples; the model predicts the class whose centroid is
        nearest in squared Euclidean distance. Training moves the centroid of
        the sample's class: c = (n * c + x) / (n + 1), n += 1. A training
        sample must be normalised (squared norm within 100 * 10**9 of 10**18,
        i.e. a unit vector in fixed point), as for the dense perceptron.
@dev Fixed point with 10**9 = 1.0. Distances are exact: sum((x_i - c_i)**2)
     at scale 10**18 in int256, no rounding. The running mean rounds each
     component towards zero (Vyper's signed `//`): c_i = (n * c_i + x_i) //
     (n + 1); decai.models.NearestCentroid does the same. A class without
     samples has no centroid and is never predicted (its first sample
     becomes its centroid); the nearest centroid wins, ties go to the lower
     label.
     Centroids are int32 (|c_i| < 2.147 in real terms): centroids of unit
     vectors lie in the unit ball, and a running mean of an int32 centroid
     and a normalised sample (|x_i| <= 1.00000005) stays within both, so
     training can never overflow a centroid. Prediction accepts any int64
     values.
     Storage: one fixed-size array `_words` (no hashing). Words 0 .. H - 1
     (H = ceil(class_capacity / 4)) hold the sample counts, four 60-bit
     fields per word (class c in word c // 4, bits 60 * (c % 4)); bits
     240..255 of word 0 hold the number of classes. Class c's centroid
     follows in words H + c * W .. H + (c + 1) * W - 1 (W = ceil(dimensions
     / 8)), eight int32 lanes per word in two's complement, dimension i in
     lane i % 8 of word i // 8: an update reads and writes only W words.
     Classes: the owner may add classes (up to `class_capacity`, fixed at
     deployment) during setup only: after `finish_setup` no owner call
     touches the model, and predictions change only through `add_data`.
     Setup writes may not touch a class that does not exist yet, so a class
     without data is never predicted.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import labels
from ..common import ownership


# ------------------------------------------------------------------ uses --

uses: labels
uses: ownership


# ------------------------------------------------------------- constants --

# @dev Squared norm of a normalised sample, and how far it may be off.
_UNIT_NORM: constant(int256) = constants.ONE * constants.ONE
_NORM_TOLERANCE: constant(int256) = 100 * constants.ONE

# @dev Most samples `predict_batch` evaluates in one call.
MAX_BATCH: constant(uint256) = 100

_LANES: constant(uint256) = 8
_LANE_MASK: constant(uint256) = 2**32 - 1
_SAMPLES_BITS: constant(uint256) = 60
_SAMPLES_MASK: constant(uint256) = 2**60 - 1
_NUM_CLASSES_SHIFT: constant(uint256) = 240
_NUM_CLASSES_MASK: constant(uint256) = 2**240 - 1
_MAX_WORDS_PER_CLASS: constant(uint256) = constants.MAX_SAMPLE_LENGTH // _LANES
_MAX_HEADER_WORDS: constant(uint256) = labels.MAX_CLASSES // 4
_MAX_WORDS: constant(uint256) = _MAX_HEADER_WORDS + labels.MAX_CLASSES * _MAX_WORDS_PER_CLASS


# ------------------------------------------------------------ immutables --

# @dev Length of every sample (at most MAX_SAMPLE_LENGTH).
dimensions: public(immutable(uint256))

# @dev Most classes the model can ever hold; fixes the storage layout.
class_capacity: public(immutable(uint256))

# @dev Header words (H above); centroid words start there.
_HEADER_WORDS: immutable(uint256)

# @dev Words per centroid (W above).
_WORDS_PER_CLASS: immutable(uint256)

# @dev H + class_capacity * W: the parameter words.
_TOTAL_WORDS: immutable(uint256)


# --------------------------------------------------------------- storage --

# @dev Sample counts, then packed centroids (layout above).
_words: uint256[_MAX_WORDS]


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _dimensions: uint256,
    _class_capacity: uint256,
    words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    num_classes: uint256 = len(labels.classes)
    assert _dimensions > 0, "nearest_centroid: no dimensions"
    assert _dimensions <= constants.MAX_SAMPLE_LENGTH, "nearest_centroid: too many dimensions"
    assert num_classes > 0, "nearest_centroid: no classes"
    assert num_classes <= _class_capacity, "nearest_centroid: too many classes"
    assert _class_capacity <= labels.MAX_CLASSES, "nearest_centroid: class capacity too large"
    dimensions = _dimensions
    class_capacity = _class_capacity
    _HEADER_WORDS = (_class_capacity + 3) // 4
    _WORDS_PER_CLASS = (_dimensions + _LANES - 1) // _LANES
    _TOTAL_WORDS = _HEADER_WORDS + _class_capacity * _WORDS_PER_CLASS
    self._words[0] = num_classes << _NUM_CLASSES_SHIFT
    self._write_words(0, words)


# -------------------------------------------------------------- external --

@external
def init_parameters(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    """
    @notice Load parameter words during setup (owner only).
    @dev Words as `decai.models.NearestCentroid.storage_words()` builds them:
         sample counts, then packed centroids (see the module notes). Bits
         240..255 of word 0 are ignored: they hold the number of classes,
         which only `add_class` changes. Words of classes not added yet must
         be zero.
    @param start_word Index of the first word written.
    @param words The words.
    """
    ownership._check_setup_open()
    self._write_words(start_word, words)


@external
def add_class(name: String[constants.MAX_CLASS_NAME_LENGTH]) -> uint64:
    """
    @notice Add a class (owner only, during setup).
    @dev The new class has no samples: it is never predicted until data is
         added for it, during setup through `init_parameters`, afterwards
         only through training (its first sample becomes its centroid).
    @param name The class name.
    @return The new class's label.
    """
    ownership._check_setup_open()
    word: uint256 = self._words[0]
    assert word >> _NUM_CLASSES_SHIFT < class_capacity, "nearest_centroid: too many classes"
    # The class count is below class_capacity <= 64, so it stays in its bits.
    self._words[0] = unsafe_add(word, 1 << _NUM_CLASSES_SHIFT)
    return labels._add_class(name)


@external
@view
def predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    """
    @notice Classify a sample; free to call.
    @param data `dimensions` fixed-point values (10**9 = 1.0).
    @return The label of the nearest centroid (the lowest on a tie).
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
def class_samples(label: uint256) -> uint256:
    """
    @notice How many training samples a class's centroid averages.
    @param label The class.
    @return The number of samples (0: the class has no centroid yet).
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "nearest_centroid: unknown label"
    return (self._words[label // 4] >> (_SAMPLES_BITS * (label % 4))) & _SAMPLES_MASK


@external
@view
def centroid(label: uint256) -> DynArray[int256, constants.MAX_SAMPLE_LENGTH]:
    """
    @notice A class's centroid.
    @param label The class.
    @return One fixed-point value (10**9 = 1.0) per dimension.
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "nearest_centroid: unknown label"
    values: DynArray[int256, constants.MAX_SAMPLE_LENGTH] = []
    base: uint256 = _HEADER_WORDS + label * _WORDS_PER_CLASS
    for i: uint256 in range(dimensions, bound=constants.MAX_SAMPLE_LENGTH):
        word: uint256 = self._words[base + i // _LANES]
        values.append(convert(convert(word << (224 - 32 * (i % _LANES)), bytes32), int256) >> 224)
    return values


@external
@view
def parameter_words(start_word: uint256, count: uint256) -> DynArray[uint256, constants.MAX_INIT_WORDS]:
    """
    @notice Raw parameter words, for clients that mirror the model.
    @dev The number of classes (bits 240..255 of word 0) is masked out, so
         the words are exactly what `init_parameters` takes.
    @param start_word First word.
    @param count Number of words (at most MAX_INIT_WORDS).
    @return The words.
    """
    assert start_word + count <= _TOTAL_WORDS, "nearest_centroid: words beyond the last parameter"
    words: DynArray[uint256, constants.MAX_INIT_WORDS] = []
    for i: uint256 in range(count, bound=constants.MAX_INIT_WORDS):
        words.append(self._words[start_word + i])
    if start_word == 0 and count > 0:
        words[0] &= _NUM_CLASSES_MASK
    return words


@external
@view
def parameter_word_count() -> uint256:
    """
    @notice How many parameter words the model has.
    @return The number of words `init_parameters` can write.
    """
    return _TOTAL_WORDS


# -------------------------------------------------------------- internal --

@internal
def _write_words(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    assert start_word + len(words) <= _TOTAL_WORDS, "nearest_centroid: words beyond the last parameter"
    num_classes: uint256 = self._words[0] >> _NUM_CLASSES_SHIFT
    # Words from here on belong to classes not added yet.
    first_unused: uint256 = _HEADER_WORDS + num_classes * _WORDS_PER_CLASS
    for i: uint256 in range(len(words), bound=constants.MAX_INIT_WORDS):
        position: uint256 = start_word + i
        word: uint256 = words[i]
        if position == 0:
            word = (word & _NUM_CLASSES_MASK) | (num_classes << _NUM_CLASSES_SHIFT)
        if position < _HEADER_WORDS:
            # Sample-count fields of classes not added yet must be zero.
            first: uint256 = 4 * position
            if first + 4 > num_classes:
                used_bits: uint256 = _SAMPLES_BITS * (num_classes - min(first, num_classes))
                assert (word & _NUM_CLASSES_MASK) >> used_bits == 0, "nearest_centroid: parameters for a class not added yet"
        else:
            assert position < first_unused or word == 0, "nearest_centroid: parameters for a class not added yet"
        self._words[position] = word


@internal
@view
def _predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    assert len(data) == dimensions, "nearest_centroid: wrong number of dimensions"
    header: uint256 = self._words[0]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    best_label: uint256 = 0
    best_distance: uint256 = max_value(uint256)
    for label: uint256 in range(num_classes, bound=labels.MAX_CLASSES):
        if label & 3 == 0 and label > 0:
            header = self._words[label >> 2]
        if (header >> (_SAMPLES_BITS * (label & 3))) & _SAMPLES_MASK == 0:
            continue
        base: uint256 = _HEADER_WORDS + label * _WORDS_PER_CLASS
        # Each difference of an int64 and an int32 is below 2**64 in size,
        # its square below 2**128, and there are at most 128 of them: the
        # unchecked sum stays far below 2**256. Lane k of a word is
        # sign-extended by (word << (224 - 32k)) >> 224 (arithmetic).
        distance: uint256 = 0
        word: uint256 = 0
        for i: uint256 in range(dimensions, bound=constants.MAX_SAMPLE_LENGTH):
            lane: uint256 = i & 7
            if lane == 0:
                word = self._words[base + (i >> 3)]
            d: int256 = unsafe_sub(convert(data[i], int256), convert(convert(word << (224 - (lane << 5)), bytes32), int256) >> 224)
            distance = unsafe_add(distance, convert(unsafe_mul(d, d), uint256))
        if distance < best_distance:
            best_distance = distance
            best_label = label
    return convert(best_label, uint64)


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @dev c = (n * c + x) // (n + 1) component by component (rounded towards
         zero), n += 1, for class `label`; the sample must be normalised.
    """
    class_index: uint256 = convert(label, uint256)
    header_index: uint256 = class_index >> 2
    header: uint256 = self._words[header_index]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    if header_index > 0:
        num_classes = self._words[0] >> _NUM_CLASSES_SHIFT
    assert class_index < num_classes, "nearest_centroid: unknown label"
    assert len(data) == dimensions, "nearest_centroid: wrong number of dimensions"
    field_shift: uint256 = _SAMPLES_BITS * (class_index & 3)
    samples: int256 = convert((header >> field_shift) & _SAMPLES_MASK, int256)
    assert samples < convert(_SAMPLES_MASK, int256), "nearest_centroid: too many samples"
    # n < 2**60, |c| < 2**31 and |x| < 2**63: n * c + x is below 2**92 in
    # size; n + 1 > 0. Every new value lies between the old centroid value
    # and x (rounded towards zero); with the norm check below, |x| < 2**31,
    # so it fits int32 and the mask keeps its two's complement.
    divisor: int256 = unsafe_add(samples, 1)
    norm: int256 = 0
    base: uint256 = _HEADER_WORDS + class_index * _WORDS_PER_CLASS
    full_words: uint256 = dimensions // _LANES
    for w: uint256 in range(full_words, bound=_MAX_WORDS_PER_CLASS):
        old: uint256 = self._words[base + w]
        i: uint256 = w * _LANES
        new: uint256 = 0
        for k: uint256 in range(_LANES):
            x: int256 = convert(data[i + k], int256)
            norm = unsafe_add(norm, unsafe_mul(x, x))
            c: int256 = convert(convert(old << (224 - 32 * k), bytes32), int256) >> 224
            value: int256 = unsafe_div(unsafe_add(unsafe_mul(samples, c), x), divisor)
            new |= (convert(convert(value, bytes32), uint256) & _LANE_MASK) << (32 * k)
        if new != old:
            self._words[base + w] = new
    if full_words * _LANES < dimensions:
        old: uint256 = self._words[base + full_words]
        new: uint256 = 0
        for i: uint256 in range(full_words * _LANES, dimensions, bound=_LANES):
            k: uint256 = i % _LANES
            x: int256 = convert(data[i], int256)
            norm = unsafe_add(norm, unsafe_mul(x, x))
            c: int256 = convert(convert(old << (224 - 32 * k), bytes32), int256) >> 224
            value: int256 = unsafe_div(unsafe_add(unsafe_mul(samples, c), x), divisor)
            new |= (convert(convert(value, bytes32), uint256) & _LANE_MASK) << (32 * k)
        if new != old:
            self._words[base + full_words] = new
    # Each square is below 2**126 and there are at most 128: no overflow. A
    # failed check reverts every write above.
    assert abs(norm - _UNIT_NORM) <= _NORM_TOLERANCE, "nearest_centroid: sample is not normalised"
    # samples + 1 <= _SAMPLES_MASK: the field does not overflow.
    self._words[header_index] = unsafe_add(header, 1 << field_shift)
