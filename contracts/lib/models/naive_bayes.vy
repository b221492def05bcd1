# pragma version 0.4.3
"""
@title Multinomial naive Bayes
@notice Classifier over feature counts with any number of classes. A sample
        is a list of feature indices in non-decreasing order; an index that
        appears k times counts as k occurrences of that feature (term
        frequency), exactly as in scikit-learn's MultinomialNB on count
        vectors. Per class the model keeps the number of training samples
        N_c, the total feature count T_c and each feature's count n_cf. The
        score of class c for a sample x of length L is

            score_c = N_c * prod_{f in x} (n_cf + a) / (T_c + a * V) ** L

        (a = smoothing, V = number of features; proportional to the
        posterior with a prior N_c / sum N). The model predicts the class with
        the highest score; training always counts the sample (N_c += 1,
        T_c += L, n_cf += 1 for each entry of x).
@dev Fixed point and exactness. The smoothing `a` is fixed point (10**9 =
     1.0, so 10**9 is Laplace smoothing); counts are integers, so every
     factor above is an integer in 10**9 units: numerators u_f = n_cf * 10**9
     + a < 2**62 and the denominator w_c = T_c * 10**9 + a * V < 2**95.
     Nothing is ever rounded to zero (the 2019 original multiplied rounded
     probabilities and reached 0 after about four features). A score is
     computed as a binary floating-point number with a 128-bit mantissa and
     an exponent:
       - P = N_c * prod u_f is multiplied exactly in 256 bits; whenever it
         reaches 2**192 its low 64 bits are dropped (relative error below
         2**-128 each time), so P * u_f never exceeds 2**254.
       - W = w_c ** L and the quotient P / W are floating-point numbers
         with 128-bit mantissas: naive_bayes_score.vy computes them and
         states the precision bound (the prediction is the exact arg max
         unless the two best exact scores are within a factor 1 + 2**-117
         of each other). Equal computed scores go to the lower label.
     Counts that would leave their fields revert.
     decai.models.NaiveBayes repeats these steps bit for bit.
     Storage: one fixed-size array `_words` (no hashing). S is the class
     capacity rounded up to an even number. Words 0 .. S/2 - 1 hold class
     headers, two per word: class 2j in bits 0..119 and class 2j + 1 in bits
     120..239, each as N_c (bits 0..55 of the field) and T_c (bits 56..119).
     Bits 240..255 of word 0 hold the number of classes. The following words
     hold eight 32-bit lanes each: n_cf is lane f * S + c, so the counts of
     classes 2j and 2j + 1 for a feature share a word and one word holds the
     counts of every class for neighbouring features: a prediction reads
     about one word per feature and scores two classes per pass. Counts stay
     below 2**31 (MAX_COUNT): a sample adds at most 128 to a count, so an
     update cannot carry into the next lane, and the top bit of every lane
     tells, once per word, whether a count overflowed.
     Classes: the owner may add classes (up to `class_capacity`, fixed at
     deployment) during setup only: after `finish_setup` no owner call
     touches the model, and predictions change only through `add_data`.
     Setup writes may not touch the fields of a class that does not exist
     yet, nor those of the padding class of an odd capacity (checked the
     same way at every class count), so a class without data is never
     predicted and no label beyond the classes can be.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import labels
from ..common import ownership
from . import naive_bayes_score as score


# ------------------------------------------------------------------ uses --

uses: labels
uses: ownership


# ----------------------------------------------------------- initializes --

initializes: score


# ------------------------------------------------------------- constants --

# @dev Most features a model may have (indices 0 .. 2**20 - 1).
MAX_FEATURES: constant(uint256) = 2**20

# @dev Largest smoothing factor: 10**18, i.e. 10**9 in real terms.
MAX_SMOOTHING: constant(uint256) = 10**18

# @dev Largest feature count; each sits in a 32-bit lane whose top bit
#      stays clear, so that updates detect overflow once per word.
MAX_COUNT: constant(uint256) = 2**31 - 1

# @dev Most samples `predict_batch` evaluates in one call.
MAX_BATCH: constant(uint256) = 100

_ONE: constant(uint256) = score.ONE
_INDEX_MASK: constant(uint256) = MAX_FEATURES - 1
_COUNT_BITS: constant(uint256) = 32
_COUNT_MASK: constant(uint256) = 2**32 - 1
# @dev Bit 31 of every lane: counts stay below 2**31 (MAX_COUNT).
_GUARD_BITS: constant(uint256) = max_value(uint256) // (2**32 - 1) * 2**31
_COUNTS_PER_WORD: constant(uint256) = 8
_FIELD_BITS: constant(uint256) = 120
_FIELD_MASK: constant(uint256) = 2**120 - 1
_SAMPLES_MASK: constant(uint256) = 2**56 - 1
_TOTAL_SHIFT: constant(uint256) = 56
_TOTAL_MASK: constant(uint256) = 2**64 - 1
_NUM_CLASSES_SHIFT: constant(uint256) = 240
_NUM_CLASSES_MASK: constant(uint256) = 2**240 - 1
_MAX_HEADER_WORDS: constant(uint256) = labels.MAX_CLASSES // 2
_MAX_WORDS: constant(uint256) = _MAX_HEADER_WORDS + MAX_FEATURES * labels.MAX_CLASSES // _COUNTS_PER_WORD


# ------------------------------------------------------------ immutables --

# @dev Feature indices run from 0 to num_features - 1.
num_features: public(immutable(uint256))

# @dev Most classes the model can ever hold; fixes the storage layout.
class_capacity: public(immutable(uint256))

# @dev Added to every feature count; fixed point (10**9 = 1.0 = Laplace).
smoothing: public(immutable(uint256))

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
    _smoothing: uint256,
    words: DynArray[uint256, constants.MAX_INIT_WORDS],
):
    num_classes: uint256 = len(labels.classes)
    assert _num_features > 0, "naive_bayes: no features"
    assert _num_features <= MAX_FEATURES, "naive_bayes: too many features"
    assert num_classes > 0, "naive_bayes: no classes"
    assert num_classes <= _class_capacity, "naive_bayes: too many classes"
    assert _class_capacity <= labels.MAX_CLASSES, "naive_bayes: class capacity too large"
    assert _smoothing > 0, "naive_bayes: smoothing must be positive"
    assert _smoothing <= MAX_SMOOTHING, "naive_bayes: smoothing too large"
    num_features = _num_features
    class_capacity = _class_capacity
    smoothing = _smoothing
    score.__init__(_smoothing * _num_features)
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
    @dev Words as `decai.models.NaiveBayes.storage_words()` builds them:
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
    assert word >> _NUM_CLASSES_SHIFT < class_capacity, "naive_bayes: too many classes"
    # The class count is below class_capacity <= 64, so it stays in its bits.
    self._words[0] = unsafe_add(word, 1 << _NUM_CLASSES_SHIFT)
    return labels._add_class(name)


@external
@view
def predict(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]) -> uint64:
    """
    @notice Classify a sample; free to call.
    @param data Feature indices, non-decreasing; repeats count.
    @return The label with the highest score (the lowest on a tie).
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
    @return Its number of training samples and its total feature count.
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "naive_bayes: unknown label"
    field: uint256 = (self._words[label // 2] >> (_FIELD_BITS * (label % 2))) & _FIELD_MASK
    return field & _SAMPLES_MASK, field >> _TOTAL_SHIFT


@external
@view
def feature_count(label: uint256, index: uint256) -> uint256:
    """
    @notice How often a feature occurred in the training data of a class.
    @param label The class.
    @param index The feature.
    @return The count.
    """
    assert label < self._words[0] >> _NUM_CLASSES_SHIFT, "naive_bayes: unknown label"
    assert index < num_features, "naive_bayes: feature index out of range"
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
    assert start_word + count <= _TOTAL_WORDS, "naive_bayes: words beyond the last parameter"
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
    assert start_word + len(words) <= _TOTAL_WORDS, "naive_bayes: words beyond the last parameter"
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
                assert self._only_known_headers(position, word, num_classes), "naive_bayes: parameters for a class not added yet"
        else:
            assert word & _GUARD_BITS == 0, "naive_bayes: feature count out of range"
            if not complete:
                first_label: uint256 = ((position - _HEADER_WORDS) * _COUNTS_PER_WORD) % _STRIDE
                if first_label != mask_for:
                    mask_for = first_label
                    unknown = self._unknown_lanes(first_label, num_classes)
                assert word & unknown == 0, "naive_bayes: parameters for a class not added yet"
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
        # range; the scoring loop checks that no index is smaller than the
        # one before, so all are in range. It may look up an index out of
        # order before its check fails (which reverts everything); masking
        # the index with _INDEX_MASK keeps such a lookup inside `_words`.
        assert data[0] >= 0, "naive_bayes: negative feature index"
        assert convert(data[length - 1], uint256) < num_features, "naive_bayes: feature index out of range"
    stride: uint256 = _STRIDE
    alpha: uint256 = smoothing
    header: uint256 = self._words[0]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    # Scores as `_finish` ranks them: the highest wins, ties go to the lower
    # label; 0 means no class has samples.
    best: uint256 = 0
    # Header word j holds classes 2j and 2j + 1: score them in one pass.
    for pair: uint256 in range((num_classes + 1) // 2, bound=_MAX_HEADER_WORDS):
        if pair > 0:
            header = self._words[pair]
        if header & _SAMPLES_MASK == 0 and (header >> _FIELD_BITS) & _SAMPLES_MASK == 0:
            continue
        # N_c * prod(n_cf * 10**9 + a) for both classes, each kept below
        # 2**192 by dropping its low 64 bits when it reaches that; `dropped`
        # counts the dropped bits, class 2j in its low half.
        # Both terms are below 2**9: no overflow.
        lane_offset: uint256 = unsafe_add(_HEADER_WORDS << 3, pair << 1)
        product_0: uint256 = header & _SAMPLES_MASK
        product_1: uint256 = (header >> _FIELD_BITS) & _SAMPLES_MASK
        dropped: uint256 = 0
        previous: int64 = 0
        for index: int64 in data:
            assert index >= previous, "naive_bayes: feature indices must not decrease"
            previous = index
            # The masked index is below 2**20 and the stride <= 64: no overflow.
            lane: uint256 = unsafe_add(unsafe_mul(convert(convert(index, bytes32), uint256) & _INDEX_MASK, stride), lane_offset)
            word: uint256 = self._words[lane >> 3]
            lane_shift: uint256 = (lane & 7) << 5
            # The stride is even, so this lane is even and the next class's
            # count is the next lane of the same word. product < 2**192 and
            # count * 10**9 + a < 2**63: the products are below 2**255.
            product_0 = unsafe_mul(product_0, unsafe_add(unsafe_mul((word >> lane_shift) & _COUNT_MASK, _ONE), alpha))
            drop: uint256 = convert(product_0 >= 2**192, uint256) << 6
            product_0 >>= drop
            product_1 = unsafe_mul(product_1, unsafe_add(unsafe_mul((word >> unsafe_add(lane_shift, 32)) & _COUNT_MASK, _ONE), alpha))
            drop |= convert(product_1 >= 2**192, uint256) << 134
            product_1 >>= drop >> 128
            # Each half grows by at most 64 per entry: no carry between them.
            dropped = unsafe_add(dropped, drop)
        if header & _SAMPLES_MASK != 0:
            best = max(best, score._finish(product_0, dropped & (2**128 - 1), (header >> _TOTAL_SHIFT) & _TOTAL_MASK, length, pair << 1))
        if (header >> _FIELD_BITS) & _SAMPLES_MASK != 0:
            best = max(best, score._finish(product_1, dropped >> 128, (header >> (_FIELD_BITS + _TOTAL_SHIFT)) & _TOTAL_MASK, length, (pair << 1) | 1))
    if best == 0:
        # No class has samples yet: the order has not been checked.
        previous: int64 = 0
        for index: int64 in data:
            assert index >= previous, "naive_bayes: feature indices must not decrease"
            previous = index
        return 0
    return convert(255 - (best & 255), uint64)


@internal
def _update(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @dev Count the sample for class `label`: N_c += 1, T_c += len(data) and
         one more occurrence of each entry. Counts that would leave their
         fields revert.
    """
    class_index: uint256 = convert(label, uint256)
    header_index: uint256 = class_index >> 1
    header: uint256 = self._words[header_index]
    num_classes: uint256 = header >> _NUM_CLASSES_SHIFT
    if header_index > 0:
        num_classes = self._words[0] >> _NUM_CLASSES_SHIFT
    assert class_index < num_classes, "naive_bayes: unknown label"
    length: uint256 = len(data)
    # An empty sample scores only the class priors (the sample counts):
    # its refund would be known in advance, a risk-free "good contribution".
    assert length > 0, "naive_bayes: empty sample"
    # The first index must not be negative and the last must be in
    # range; the loop below checks that no index is smaller than the one
    # before, so all are in range. It may look up an index out of
    # order before its check fails (which reverts everything); masking
    # the index with _INDEX_MASK keeps such a lookup inside `_words`.
    assert data[0] >= 0, "naive_bayes: negative feature index"
    assert convert(data[length - 1], uint256) < num_features, "naive_bayes: feature index out of range"

    # Entries are non-decreasing, so their words are too: each word is read
    # and written once, however many of its counts change. Position 0 is a
    # header word, never a count word: it marks the empty cache.
    stride: uint256 = _STRIDE
    first_word: uint256 = _HEADER_WORDS
    previous: int64 = 0
    cached_position: uint256 = 0
    cached_word: uint256 = 0
    for index: int64 in data:
        assert index >= previous, "naive_bayes: feature indices must not decrease"
        previous = index
        # The masked index is below 2**20, stride <= 64 and the header words
        # fewer than 2**5: neither sum can overflow.
        lane: uint256 = unsafe_add(unsafe_mul(convert(convert(index, bytes32), uint256) & _INDEX_MASK, stride), class_index)
        position: uint256 = unsafe_add(first_word, lane >> 3)
        if position != cached_position:
            if cached_position != 0:
                assert cached_word & _GUARD_BITS == 0, "naive_bayes: feature count out of range"
                self._words[cached_position] = cached_word
            cached_position = position
            cached_word = self._words[position]
        # Stored counts are below 2**31 and one sample adds at most 128 to a
        # count, so no addition carries out of its lane; a count that
        # reaches 2**31 sets its guard bit, checked when the word is stored.
        cached_word = unsafe_add(cached_word, 1 << ((lane & 7) << 5))
    if cached_position != 0:
        assert cached_word & _GUARD_BITS == 0, "naive_bayes: feature count out of range"
        self._words[cached_position] = cached_word

    field_shift: uint256 = _FIELD_BITS * (class_index & 1)
    field: uint256 = (header >> field_shift) & _FIELD_MASK
    # Both fields are below 2**64 and len(data) <= 128: no overflow.
    samples: uint256 = unsafe_add(field & _SAMPLES_MASK, 1)
    total: uint256 = unsafe_add(field >> _TOTAL_SHIFT, len(data))
    assert samples <= _SAMPLES_MASK, "naive_bayes: too many samples"
    assert total <= _TOTAL_MASK, "naive_bayes: total feature count out of range"
    field = (total << _TOTAL_SHIFT) | samples
    self._words[header_index] = (header & ~(_FIELD_MASK << field_shift)) | (field << field_shift)
