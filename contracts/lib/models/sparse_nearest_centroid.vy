# pragma version 0.4.3
"""
@title Sparse nearest centroid
@notice Classifier over binary features with any number of classes. A
        sample is the list of the indices of its present features, strictly
        increasing. Each class has a centroid, the mean of its training
        samples; the model predicts the class whose centroid is nearest in
        squared Euclidean distance, and training moves the centroid of the
        sample's class to the running mean (n * c + x) / (n + 1).
@dev Exact arithmetic, no rounding. A class c keeps its number of samples
     n_c and, per feature f, the count s_cf of its samples that have f, so
     its centroid is s_cf / n_c exactly and the running mean is s_cf += 1 for
     the sample's features and n_c += 1: an update touches only the features
     present in the sample. With the class's norm term
     q_c = sum_f s_cf ** 2 (kept up to date by the same update:
     q_c += 2 * s_cf + 1 per present feature), the squared distance from a
     binary sample x is

         |x - s_c / n_c|**2 = |x|**2 - 2 * t_c / n_c + q_c / n_c**2,
         t_c = sum_{f in x} s_cf,

     and |x|**2 is the same for every class. The model therefore ranks
     d_c = (q_c - 2 * n_c * t_c) / n_c**2 and compares two classes by
     cross-multiplying, d_a < d_b iff (q_a - 2 n_a t_a) * n_b**2 <
     (q_b - 2 n_b t_b) * n_a**2, in int256 without any division: counts are
     below 2**31 (MAX_COUNT), t_c below 2**38, q_c below 2**84 (its field;
     a consistent q_c is below 2**82) and n_c below 2**36, so every term is
     below 2**158. The nearest centroid wins, ties go to the lower
     label; a class without samples has no centroid and is never predicted.
     decai.models.SparseNearestCentroid repeats this exactly. Centroids
     given as real numbers are stored as counts s_cf = round(c_f * n_c),
     exact when they are means of binary samples (as scikit-learn's
     NearestCentroid computes them).
     Storage: one fixed-size array `_words` (no hashing). S is the class
     capacity rounded up to an even number. Words 0 .. S/2 - 1 hold class
     headers, two per word: class 2j in bits 0..119 and class 2j + 1 in bits
     120..239, each as n_c (bits 0..35 of the field) and q_c (bits 36..119).
     Bits 240..255 of word 0 hold the number of classes. The following words
     hold eight 32-bit lanes each: s_cf is lane f * S + c, so the counts of
     classes 2j and 2j + 1 for a feature share a word and one word holds the
     counts of every class for neighbouring features: a prediction reads
     about one word per feature and scores two classes per pass. Counts stay
     below 2**31: an update adds at most one to a count, so it cannot carry
     into the next lane, and the top bit of every lane tells, once per word,
     whether a count overflowed.
     Classes: the owner may add classes (up to `class_capacity`, fixed at
     deployment) during setup only: after `finish_setup` no owner call
     touches the model, and predictions change only through `add_data`.
     Setup writes may not touch the fields of a class that does not exist
     yet, nor those of the padding class of an odd capacity (checked the
     same way at every class count), so a class without data is never
     predicted and no label beyond the classes can be.
     The owner must give q_c consistent with the counts (decai's
     `storage_words` does); training keeps it so.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import labels
from ..common import ownership


# ------------------------------------------------------------------ uses --

uses: labels
uses: ownership


# ------------------------------------------------------------- constants --

# @dev Most features a model may have (indices 0 .. 2**20 - 1).
MAX_FEATURES: constant(uint256) = 2**20

# @dev Largest per-class feature count (sum of the samples' values); each
#      sits in a 32-bit lane whose top bit stays clear, so that updates detect
#      overflow once per word.
MAX_COUNT: constant(uint256) = 2**31 - 1

# @dev Most samples `predict_batch` evaluates in one call.
MAX_BATCH: constant(uint256) = 100

_INDEX_MASK: constant(uint256) = MAX_FEATURES - 1
_COUNT_BITS: constant(uint256) = 32
_COUNT_MASK: constant(uint256) = 2**32 - 1
# @dev Bit 31 of every lane: counts stay below 2**31 (MAX_COUNT).
_GUARD_BITS: constant(uint256) = max_value(uint256) // (2**32 - 1) * 2**31
_COUNTS_PER_WORD: constant(uint256) = 8
_FIELD_BITS: constant(uint256) = 120
_FIELD_MASK: constant(uint256) = 2**120 - 1
_SAMPLES_MASK: constant(uint256) = 2**36 - 1
_NORM_SHIFT: constant(uint256) = 36
_NORM_MASK: constant(uint256) = 2**84 - 1
_NUM_CLASSES_SHIFT: constant(uint256) = 240
_NUM_CLASSES_MASK: constant(uint256) = 2**240 - 1
_MAX_HEADER_WORDS: constant(uint256) = labels.MAX_CLASSES // 2
_MAX_WORDS: constant(uint256) = _MAX_HEADER_WORDS + MAX_FEATURES * labels.MAX_CLASSES // _COUNTS_PER_WORD


# ------------------------------------------------------------ immutables --

# @dev Feature indices run from 0 to num_features - 1.
num_features: public(immutable(uint256))

# @dev Most classes the model can ever hold; fixes the storage layout.
class_capacity: public(immutable(uint256))

# @dev Lanes per feature (S above): class_capacity rounded up to even.
_STRIDE: immutable(uint256)

# @dev Number of header words (H above); count words start there.
_HEADER_WORDS: immutable(uint256)

# @dev H + ceil(num_features * S / 8): the parameter words.
_TOTAL_WORDS: immutable(uint256)


# --------------------------------------------------------------- storage --

# @dev Class headers, then packed feature counts (layout above).
_words: uint256[_MAX_WORDS]


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _num_features: uint256,
    _class_capacity: uint256,
    words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    num_classes: uint256 = len(labels.classes)
    assert _num_features > 0, "sparse_nearest_centroid: no features"
    assert _num_features <= MAX_FEATURES, "sparse_nearest_centroid: too many features"
    assert num_classes > 0, "sparse_nearest_centroid: no classes"
    assert num_classes <= _class_capacity, "sparse_nearest_centroid: too many classes"
    assert _class_capacity <= labels.MAX_CLASSES, "sparse_nearest_centroid: class capacity too large"
    num_features = _num_features
    class_capacity = _class_capacity
    _STRIDE = _class_capacity + _class_capacity % 2
    _HEADER_WORDS = _STRIDE // 2
    _TOTAL_WORDS = _HEADER_WORDS + (_num_features * _STRIDE + _COUNTS_PER_WORD - 1) // _COUNTS_PER_WORD
    self._words[0] = num_classes << _NUM_CLASSES_SHIFT
    self._write_words(0, words)


# -------------------------------------------------------------- external --

@external
def init_parameters(start_word: uint256, words: DynArray[uint256, constants.MAX_INIT_WORDS]):
    """
    @notice Load parameter words during setup (owner only).
    @dev Words as `decai.models.SparseNearestCentroid.storage_words()` builds them:
         class headers, then packed counts (see the module notes). Bits
         240..255 of word 0 are ignored: they hold the number of classes,
         which only `add_class` changes. Fields of classes not added yet
         must be zero.
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
         only through training.
    @param name The class name.
    @return The new class's label.
    """
    ownership._check_setup_open()
    word: uint256 = self._words[0]
    assert word >> _NUM_CLASSES_SHIFT < class_capacity, "sparse_nearest_centroid: too many classes"
    # The class count is below class_capacity <= 64, so it stays in its bits.
    self._words[0] = unsafe_add(word, 1 << _NUM_CLASSES_SHIFT)
    return labels._add_class(name)


@external
@view
def predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    """
    @notice Classify a sample; free to call.
    @param data Strictly increasing indices of the present features.
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
def class_info(label: uint256) -> (uint256, uint256):
    """
    @notice What the model knows about one class.
    @param label The class.
    @return Its number of training samples n and the sum over all features
            of the squared feature counts (n**2 times the centroid's squared
            norm).
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "sparse_nearest_centroid: unknown label"
    field: uint256 = (self._words[label // 2] >> (_FIELD_BITS * (label % 2))) & _FIELD_MASK
    return field & _SAMPLES_MASK, field >> _NORM_SHIFT


@external
@view
def feature_count(label: uint256, index: uint256) -> uint256:
    """
    @notice How many training samples of a class have a feature; the
            centroid's value for the feature is this divided by the class's
            number of samples.
    @param label The class.
    @param index The feature.
    @return The count.
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "sparse_nearest_centroid: unknown label"
    assert index < num_features, "sparse_nearest_centroid: feature index out of range"
    lane: uint256 = index * _STRIDE + label
    word: uint256 = self._words[_HEADER_WORDS + lane // _COUNTS_PER_WORD]
    return (word >> (_COUNT_BITS * (lane % _COUNTS_PER_WORD))) & _COUNT_MASK


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
    assert start_word + count <= _TOTAL_WORDS, "sparse_nearest_centroid: words beyond the last parameter"
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
    assert start_word + len(words) <= _TOTAL_WORDS, "sparse_nearest_centroid: words beyond the last parameter"
    num_classes: uint256 = self._words[0] >> _NUM_CLASSES_SHIFT
    # Lanes of classes not added yet (and of the padding class) must stay zero:
    # `unknown` masks them for words whose first lane has class `mask_for`
    # (with an even stride dividing 8, that is every count word).
    # With an odd capacity the stride has one padding class more, never
    # added: its lanes are checked too, at every class count.
    complete: bool = num_classes == _STRIDE
    mask_for: uint256 = max_value(uint256)
    unknown: uint256 = 0
    for i: uint256 in range(len(words), bound=constants.MAX_INIT_WORDS):
        position: uint256 = start_word + i
        word: uint256 = words[i]
        if position < _HEADER_WORDS:
            if position == 0:
                word = (word & _NUM_CLASSES_MASK) | (num_classes << _NUM_CLASSES_SHIFT)
            if not complete:
                assert self._only_known_headers(position, word, num_classes), "sparse_nearest_centroid: parameters for a class not added yet"
        else:
            assert word & _GUARD_BITS == 0, "sparse_nearest_centroid: feature count out of range"
            if not complete:
                first_label: uint256 = ((position - _HEADER_WORDS) * _COUNTS_PER_WORD) % _STRIDE
                if first_label != mask_for:
                    mask_for = first_label
                    unknown = self._unknown_lanes(first_label, num_classes)
                assert word & unknown == 0, "sparse_nearest_centroid: parameters for a class not added yet"
        self._words[position] = word


@internal
@pure
def _only_known_headers(position: uint256, word: uint256, num_classes: uint256) -> bool:
    """
    @dev Whether header word `word`, destined for `position`, leaves the
         fields of the classes from `num_classes` on at zero.
    """
    first: uint256 = 2 * position
    if first >= num_classes:
        return word & (2**240 - 1) == 0
    if first + 1 >= num_classes:
        return (word >> _FIELD_BITS) & _FIELD_MASK == 0
    return True


@internal
@view
def _unknown_lanes(first_label: uint256, num_classes: uint256) -> uint256:
    """
    @dev The lanes of a count word whose first lane has class `first_label`
         that belong to classes from `num_classes` on (or to the padding
         class of an odd capacity).
    """
    label: uint256 = first_label
    unknown: uint256 = 0
    for offset: uint256 in range(_COUNTS_PER_WORD):
        if label >= num_classes:
            unknown |= _COUNT_MASK << (offset << 5)
        label += 1
        if label == _STRIDE:
            label = 0
    return unknown


@internal
@view
def _predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    length: uint256 = len(data)
    if length > 0:
        # The first index must not be negative and the last must be in
        # range; the loop below checks that every index is larger than the
        # one before, so all are in range. It may look up an index out of
        # order before its check fails (which reverts everything); masking
        # the index with _INDEX_MASK keeps such a lookup inside `_words`.
        assert data[0] >= 0, "sparse_nearest_centroid: negative feature index"
        assert convert(data[length - 1], uint256) < num_features, "sparse_nearest_centroid: feature index out of range"
    stride: uint256 = _STRIDE
    header: uint256 = self._words[0]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    # The nearest so far: (q - 2 n t) and n**2 of its class (n**2 = 0: none).
    best_label: uint256 = 0
    best_distance: int256 = 0
    best_scale: int256 = 0
    # Header word j holds classes 2j and 2j + 1: measure both in one pass.
    for pair: uint256 in range((num_classes + 1) // 2, bound=_MAX_HEADER_WORDS):
        if pair > 0:
            header = self._words[pair]
        if header & _SAMPLES_MASK == 0 and (header >> _FIELD_BITS) & _SAMPLES_MASK == 0:
            continue
        # Both terms are below 2**9: no overflow.
        lane_offset: uint256 = unsafe_add(_HEADER_WORDS << 3, pair << 1)
        # t for both classes; each is below 128 * 2**31.
        sum_0: uint256 = 0
        sum_1: uint256 = 0
        previous: int64 = -1
        for index: int64 in data:
            assert index > previous, "sparse_nearest_centroid: feature indices must increase"
            previous = index
            # The masked index is below 2**20 and the stride <= 64: no overflow.
            lane: uint256 = unsafe_add(unsafe_mul(convert(convert(index, bytes32), uint256) & _INDEX_MASK, stride), lane_offset)
            # The stride is even, so this lane is even and the next class's
            # count is the next lane of the same word.
            counts: uint256 = self._words[lane >> 3] >> ((lane & 7) << 5)
            sum_0 = unsafe_add(sum_0, counts & _COUNT_MASK)
            sum_1 = unsafe_add(sum_1, (counts >> 32) & _COUNT_MASK)
        for half: uint256 in range(2):
            field: uint256 = header >> (_FIELD_BITS * half)
            samples: int256 = convert(field & _SAMPLES_MASK, int256)
            if samples == 0:
                continue
            # q < 2**84, n < 2**36 and t < 2**38: the difference is within
            # 2**85 of zero and its product with n**2 < 2**72 fits int256.
            distance: int256 = unsafe_sub(
                convert((field >> _NORM_SHIFT) & _NORM_MASK, int256),
                unsafe_mul(unsafe_mul(2, samples), convert(sum_1 if half == 1 else sum_0, int256)),
            )
            scale: int256 = unsafe_mul(samples, samples)
            if best_scale == 0 or unsafe_mul(distance, best_scale) < unsafe_mul(best_distance, scale):
                best_label = (pair << 1) | half
                best_distance = distance
                best_scale = scale
    if best_scale == 0:
        # No class has samples yet: the order has not been checked.
        previous: int64 = -1
        for index: int64 in data:
            assert index > previous, "sparse_nearest_centroid: feature indices must increase"
            previous = index
    return convert(best_label, uint64)


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @dev Move class `label`'s centroid to the running mean: n_c += 1 and, for
         each present feature, s_cf += 1 and q_c += 2 * s_cf + 1 (with the
         count before the update). Counts that would leave their fields
         revert.
    """
    class_index: uint256 = convert(label, uint256)
    header_index: uint256 = class_index >> 1
    header: uint256 = self._words[header_index]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    if header_index > 0:
        num_classes = self._words[0] >> _NUM_CLASSES_SHIFT
    assert class_index < num_classes, "sparse_nearest_centroid: unknown label"
    length: uint256 = len(data)
    # An empty sample is nearest to the class with the smallest q_c / n_c**2,
    # whatever any feature says: its refund would be known in advance, a
    # risk-free "good contribution".
    assert length > 0, "sparse_nearest_centroid: empty sample"
    # As in `_predict`: the loop checks the order, the ends are checked
    # here, and masking keeps an out-of-order lookup inside `_words`.
    assert data[0] >= 0, "sparse_nearest_centroid: negative feature index"
    assert convert(data[length - 1], uint256) < num_features, "sparse_nearest_centroid: feature index out of range"

    # Entries are increasing, so their words are too: each word is read and
    # written once, however many of its counts change. Position 0 is a
    # header word, never a count word: it marks the empty cache.
    stride: uint256 = _STRIDE
    first_word: uint256 = _HEADER_WORDS
    previous: int64 = -1
    cached_position: uint256 = 0
    cached_word: uint256 = 0
    # sum over the sample of 2 * s_cf + 1; below 128 * 2**32.
    norm_increase: uint256 = length
    for index: int64 in data:
        assert index > previous, "sparse_nearest_centroid: feature indices must increase"
        previous = index
        # The masked index is below 2**20, stride <= 64 and the header words
        # fewer than 2**5: neither sum can overflow.
        lane: uint256 = unsafe_add(unsafe_mul(convert(convert(index, bytes32), uint256) & _INDEX_MASK, stride), class_index)
        position: uint256 = unsafe_add(first_word, lane >> 3)
        if position != cached_position:
            if cached_position != 0:
                assert cached_word & _GUARD_BITS == 0, "sparse_nearest_centroid: feature count out of range"
                self._words[cached_position] = cached_word
            cached_position = position
            cached_word = self._words[position]
        lane_shift: uint256 = (lane & 7) << 5
        norm_increase = unsafe_add(norm_increase, ((cached_word >> lane_shift) & _COUNT_MASK) << 1)
        # Stored counts are below 2**31 and an update adds one to each, so
        # no addition carries out of its lane; a count that reaches 2**31
        # sets its guard bit, checked when the word is stored.
        cached_word = unsafe_add(cached_word, 1 << lane_shift)
    if cached_position != 0:
        assert cached_word & _GUARD_BITS == 0, "sparse_nearest_centroid: feature count out of range"
        self._words[cached_position] = cached_word

    field_shift: uint256 = _FIELD_BITS * (class_index & 1)
    field: uint256 = (header >> field_shift) & _FIELD_MASK
    # Both fields are below 2**84 and the increases below 2**40: no overflow.
    samples: uint256 = unsafe_add(field & _SAMPLES_MASK, 1)
    norm: uint256 = unsafe_add(field >> _NORM_SHIFT, norm_increase)
    assert samples <= _SAMPLES_MASK, "sparse_nearest_centroid: too many samples"
    assert norm <= _NORM_MASK, "sparse_nearest_centroid: norm out of range"
    field = (norm << _NORM_SHIFT) | samples
    self._words[header_index] = (header & ~(_FIELD_MASK << field_shift)) | (field << field_shift)
