# pragma version 0.4.3
"""
@title Prediction market over a sparse perceptron: test set and replay
@notice The model-specific half of the prediction market: how a test-set
        portion is encoded, hashed, checked and stored, and how the losses
        E_0..E_T of the models h_0..h_T on the revealed test set are
        computed, in bounded steps, by `process` and `replay`.

        A portion is a list of test samples (each the strictly increasing
        feature indices of one sample, at most MAX_SAMPLE_LENGTH of them),
        their labels (0 or 1), and a secret 32-byte salt. It is sent flat
        and packed: the feature indices of all its samples one after
        another, as uint32 eight to a word (index p in bits 32 * (p % 8) of
        word p // 8, unused lanes of the last word zero), `lengths[j]` the
        number of indices of sample j, and `labels[j]` its label. Its hash is
            keccak256(abi_encode(words: uint256[], lengths: uint256[],
                                 labels: uint64[], salt: bytes32))
        (decai.market.Portion.hash computes the same). Packing keeps the
        calldata, the memory and the event of a reveal eight times smaller.
@dev No copy of h_0 is kept and no model is re-trained. During
     participation the live model went through h_0 -> h_1 -> ... -> h_T, and
     each contribution recorded whether it changed the model and its label.
     A sparse perceptron update adds +learning_rate (label 1) or
     -learning_rate (label 0) to the weight of every feature of the sample,
     so the score of a test sample x under h_{t-1} is exactly its score under
     h_t minus step_t * |features_t & x|. Processing therefore:
     1. scores every test sample under the live model h_T (STAGE_SCORE, one
        test sample per step), which gives E_T;
     2. walks the contributions backwards (STAGE_REPLAY, `replay` in
        sparse_replay.vy, any number of contributions per call), undoing
        each update on the stored scores: E_{t-1}. The keeper passes the
        contributed samples (public in the AddData events); they are
        checked against the hash chain recorded at `add_data`, from the
        most recent backwards.
     Per replay call, a transient map from feature to the bitmask of the
     test samples that contain it is built once (its cost grows with the
     test set), so undoing a contribution then costs one lookup per feature
     plus one update per (feature, test sample) pair that actually meet,
     whatever the size of the test set.
     All arithmetic is exact integer arithmetic: E_t equals what re-training
     h_0 one contribution at a time gives (decai.market.replay_losses).
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from ..common import packed_int64
from . import prediction_market as market
from . import market_phases as phases
from . import market_rewards as rewards
from ..models import sparse_perceptron as model


# ------------------------------------------------------------------ uses --

uses: model
uses: market
uses: phases
uses: rewards


# ----------------------------------------------------- constants: bounds --

# @dev Most feature indices in the whole evaluated test set.
MAX_TEST_INDICES: constant(uint256) = 4096

# @dev Most feature indices and samples in one revealed portion (one
#      transaction: storing 2048 indices costs about 7 million gas).
MAX_PORTION_INDICES: constant(uint256) = 2048
MAX_PORTION_SAMPLES: constant(uint256) = market.MAX_TEST_SAMPLES
# @dev Packed eight indices to a word (layout below).
_MAX_PORTION_WORDS: constant(uint256) = MAX_PORTION_INDICES // 8

# ----------------------------------------------------- constants: layout --

# @dev Test feature indices as uint32, eight to a word, in reveal order.
_INDEX_BITS: constant(uint256) = 32
_INDICES_PER_WORD: constant(uint256) = 8
_INDEX_MASK: constant(uint256) = 2**32 - 1

# @dev End offset (exclusive) of each test sample in the index list, as
#      uint16, sixteen to a word.
_END_BITS: constant(uint256) = 16
_ENDS_PER_WORD: constant(uint256) = 16
_END_MASK: constant(uint256) = 2**16 - 1

# @dev Scores as int128, two to a word (|score| < 129 * 2**63 < 2**71).
_SCORE_MASK: constant(uint256) = 2**128 - 1

# @dev An account's shifts as int32, eight to a word.
_LANE_MASK: constant(uint256) = 2**32 - 1


# --------------------------------------------------------------- storage --

# @dev The evaluated test set: feature indices and sample ends (layout
#      above), in reveal order.
_index_words: uint256[MAX_TEST_INDICES // _INDICES_PER_WORD]
_sample_ends: uint256[market.MAX_TEST_SAMPLES // _ENDS_PER_WORD]

# @dev Bit j = label of test sample j.
_labels: uint256

# @dev Feature indices stored so far.
num_test_indices: public(uint256)

# @dev Score of every test sample under the model being replayed (fixed
#      point, 10**9 = 1.0), two per word.
_scores: uint256[market.MAX_TEST_SAMPLES // 2]

# @dev Bit j set while that model gets test sample j wrong; `_loss` counts
#      the set bits.
_wrong: uint256
_loss: uint256

# @dev Feature index -> bitmask of the test samples that contain it; built
#      afresh by every replay call.
_masks: transient(uint256[model.MAX_FEATURES])

# @dev h_T's scores and wrong answers, kept for the leave-out stage.
_final_scores: uint256[market.MAX_TEST_SAMPLES // 2]
_final_wrong: uint256

# @dev Account -> per test sample, the sum over the account's replayed
#      updates of sign * |update features & test sample features| (sign
#      +1 for label 1, -1 for label 0): its updates moved that sample's
#      score by learning_rate times this. int32 lanes, eight to a word.
_shifts: HashMap[address, uint256[market.MAX_TEST_SAMPLES // 8]]


# ---------------------------------------------------------------- events --

event PortionRevealed:
    index: uint256
    words: DynArray[uint256, _MAX_PORTION_WORDS]
    lengths: DynArray[uint256, MAX_PORTION_SAMPLES]
    labels: DynArray[uint64, MAX_PORTION_SAMPLES]
    salt: bytes32


event Processed:
    caller: indexed(address)
    stage: uint256
    steps: uint256


# -------------------------------------------------------------- external --

@external
def reveal_first_portion(
    index: uint256,
    words: DynArray[uint256, _MAX_PORTION_WORDS],
    lengths: DynArray[uint256, MAX_PORTION_SAMPLES],
    labels: DynArray[uint64, MAX_PORTION_SAMPLES],
    salt: bytes32,
):
    """
    @notice Provider: reveal the portion the contract drew, which opens
            participation. It proves the test set exists and shows its
            format; it is not part of the test set the rewards use.
    @dev Draws the portion first if nobody has (`draw_first_portion`).
    @param index The drawn portion's index.
    @param words Its samples' feature indices, packed (module notes).
    @param lengths Number of indices of each sample.
    @param labels Label of each sample (0 or 1).
    @param salt The salt the portion was hashed with.
    """
    phases._accept_first_portion(index, keccak256(abi_encode(words, lengths, labels, salt)))
    self._check_samples(words, lengths, labels, False)
    log PortionRevealed(index=index, words=words, lengths=lengths, labels=labels, salt=salt)


@external
def reveal_portion(
    index: uint256,
    words: DynArray[uint256, _MAX_PORTION_WORDS],
    lengths: DynArray[uint256, MAX_PORTION_SAMPLES],
    labels: DynArray[uint64, MAX_PORTION_SAMPLES],
    salt: bytes32,
):
    """
    @notice Provider: reveal the next portion of the test set after
            participation, in increasing index order (the first portion is
            skipped). The last one starts processing.
    @param index Must be `next_portion()`.
    @param words Its samples' feature indices, packed (module notes).
    @param lengths Number of indices of each sample.
    @param labels Label of each sample (0 or 1).
    @param salt The salt the portion was hashed with.
    """
    phases._accept_portion(index, keccak256(abi_encode(words, lengths, labels, salt)), len(lengths))
    self._check_samples(words, lengths, labels, True)
    log PortionRevealed(index=index, words=words, lengths=lengths, labels=labels, salt=salt)


@external
def process(max_steps: uint256) -> uint256:
    """
    @notice Anyone: advance the reward computation by at most `max_steps`
            units of work: score test samples under the final model, run
            the reward passes, or settle a forfeited market (see `stage()`).
            After the reveal deadline, the first call turns an incomplete
            reveal into a forfeit. The replay stage needs the contributed
            samples and goes through `replay` instead.
    @param max_steps Most units of work (capped at MAX_PROCESS_STEPS).
    @return The units of work done.
    """
    rewards._begin_processing()
    stage: uint256 = market.stage
    assert stage != market.STAGE_REPLAY, "prediction_market: replay stage: call replay"
    steps: uint256 = min(max_steps, market.MAX_PROCESS_STEPS)
    assert steps > 0, "prediction_market: max_steps must be positive"
    left: uint256 = steps
    if stage == market.STAGE_SCORE:
        left = self._score(left)
    elif stage == market.STAGE_LEAVE_OUT:
        left = self._leave_out(left)
    elif stage == market.STAGE_ROUNDS:
        left = rewards._rounds(left)
    else:
        left = rewards._settle_forfeit(left)
    log Processed(caller=msg.sender, stage=stage, steps=steps - left)
    return steps - left


@external
@view
def test_sample(index: uint256) -> (DynArray[int64, constants.MAX_SAMPLE_LENGTH], uint64):
    """
    @notice A sample of the evaluated test set (revealed after
            participation), in reveal order.
    @param index Sample position.
    @return Its feature indices and its label.
    """
    assert index < market.num_test_samples, "prediction_market: no such test sample"
    start: uint256 = 0
    if index > 0:
        start = self._sample_end(index - 1)
    sample: DynArray[int64, constants.MAX_SAMPLE_LENGTH] = []
    for position: uint256 in range(start, self._sample_end(index), bound=constants.MAX_SAMPLE_LENGTH):
        sample.append(convert(self._index_at(position), int64))
    return sample, convert((self._labels >> index) & 1, uint64)


@external
@view
def replay_loss() -> uint256:
    """
    @notice Test samples the model being replayed gets wrong (E_T after
            scoring, then E_t as the replay walks back).
    @return The count.
    """
    return self._loss


# -------------------------------------------------------------- internal --

@internal
@view
def _index_at(position: uint256) -> uint256:
    word: uint256 = self._index_words[position // _INDICES_PER_WORD]
    return (word >> (_INDEX_BITS * (position % _INDICES_PER_WORD))) & _INDEX_MASK


@internal
@view
def _sample_end(index: uint256) -> uint256:
    word: uint256 = self._sample_ends[index // _ENDS_PER_WORD]
    return (word >> (_END_BITS * (index % _ENDS_PER_WORD))) & _END_MASK


@internal
def _check_samples(
    words: DynArray[uint256, _MAX_PORTION_WORDS],
    lengths: DynArray[uint256, MAX_PORTION_SAMPLES],
    labels: DynArray[uint64, MAX_PORTION_SAMPLES],
    store: bool,
):
    """
    @dev Check that a revealed portion holds valid samples for the model
         and, if `store`, append it to the test set. The market has already
         added the portion's samples to num_test_samples.
    """
    count: uint256 = len(lengths)
    assert count == len(labels), "prediction_market: lengths and labels differ in number"
    assert count > 0, "prediction_market: empty portion"
    capacity: uint256 = len(words) * _INDICES_PER_WORD
    # Where a stored portion goes: its first sample, and the position of its
    # first index in the test set (the market has already counted the
    # portion's samples).
    first_sample: uint256 = 0
    base: uint256 = 0
    end_word: uint256 = 0
    label_word: uint256 = 0
    if store:
        first_sample = market.num_test_samples - count
        base = self.num_test_indices
        assert market.num_test_samples <= market.MAX_TEST_SAMPLES, "prediction_market: test set too large"
        if first_sample % _ENDS_PER_WORD != 0:
            end_word = self._sample_ends[first_sample // _ENDS_PER_WORD]
        label_word = self._labels
    offset: uint256 = 0
    for j: uint256 in range(count, bound=MAX_PORTION_SAMPLES):
        length: uint256 = lengths[j]
        assert length <= constants.MAX_SAMPLE_LENGTH, "prediction_market: test sample too long"
        assert labels[j] <= 1, "prediction_market: test label must be 0 or 1"
        assert offset + length <= capacity, "prediction_market: lengths do not match the indices"
        # Strictly increasing: each index at least the previous one + 1.
        least: uint256 = 0
        for k: uint256 in range(offset, offset + length, bound=constants.MAX_SAMPLE_LENGTH):
            feature: uint256 = (words[k // _INDICES_PER_WORD] >> (_INDEX_BITS * (k % _INDICES_PER_WORD))) & _INDEX_MASK
            assert feature >= least, "prediction_market: test feature indices must increase"
            least = feature + 1
        assert least <= model.num_features, "prediction_market: test feature index out of range"
        offset += length
        if store:
            sample: uint256 = first_sample + j
            # base + offset <= MAX_TEST_INDICES < 2**16 (checked below before
            # anything is written): fits its lane.
            end_word |= (base + offset) << (_END_BITS * (sample % _ENDS_PER_WORD))
            if (sample + 1) % _ENDS_PER_WORD == 0:
                self._sample_ends[sample // _ENDS_PER_WORD] = end_word
                end_word = 0
            if labels[j] == 1:
                label_word |= 1 << sample
    # Exactly the words the indices need, with the unused lanes zero, so
    # that a portion has one encoding.
    assert offset + _INDICES_PER_WORD > capacity, "prediction_market: lengths do not match the indices"
    if offset % _INDICES_PER_WORD != 0:
        assert words[len(words) - 1] >> (_INDEX_BITS * (offset % _INDICES_PER_WORD)) == 0, "prediction_market: lengths do not match the indices"
    if store:
        assert base + offset <= MAX_TEST_INDICES, "prediction_market: test set too large"
        last: uint256 = first_sample + count
        if last % _ENDS_PER_WORD != 0:
            self._sample_ends[last // _ENDS_PER_WORD] = end_word
        self._labels = label_word
        self.num_test_indices = base + offset
        # Append the words at lane base % 8: each word splits across two
        # stored words (shifts drop the bits that move out).
        lane: uint256 = base % _INDICES_PER_WORD
        target: uint256 = base // _INDICES_PER_WORD
        carry: uint256 = 0
        if lane != 0:
            carry = self._index_words[target]
        for w: uint256 in range(len(words), bound=_MAX_PORTION_WORDS):
            self._index_words[target + w] = carry | (words[w] << (_INDEX_BITS * lane))
            carry = 0
            if lane != 0:
                carry = words[w] >> (_INDEX_BITS * (_INDICES_PER_WORD - lane))
        if carry != 0:
            self._index_words[target + len(words)] = carry


@internal
@view
def _load_score(word: uint256, lane: uint256) -> int256:
    # Shift the lane to the top, then back down arithmetically.
    return convert(convert(word << (128 - 128 * lane), bytes32), int256) >> 128


@internal
@pure
def _pack_score(score: int256) -> uint256:
    # |score| < 2**71: the low 128 bits are its two's complement.
    return convert(convert(score, bytes32), uint256) & _SCORE_MASK


@internal
def _score(steps: uint256) -> uint256:
    """
    @dev Score up to `steps` test samples under the live model h_T.
         Returns the steps not used.
    """
    m: uint256 = market.num_test_samples
    sample: uint256 = market._cursor
    labels: uint256 = self._labels
    wrong: uint256 = self._wrong
    loss: uint256 = self._loss
    left: uint256 = steps
    start: uint256 = 0
    if sample > 0:
        start = self._sample_end(sample - 1)
    for _: uint256 in range(min(steps, market.MAX_TEST_SAMPLES), bound=market.MAX_TEST_SAMPLES):
        if sample == m:
            break
        left -= 1
        end: uint256 = self._sample_end(sample)
        score: int256 = model.intercept
        cached: uint256 = max_value(uint256)
        word: uint256 = 0
        for position: uint256 in range(start, end, bound=constants.MAX_SAMPLE_LENGTH):
            if position // _INDICES_PER_WORD != cached:
                cached = position // _INDICES_PER_WORD
                word = self._index_words[cached]
            feature: uint256 = (word >> (_INDEX_BITS * (position % _INDICES_PER_WORD))) & _INDEX_MASK
            # At most MAX_SAMPLE_LENGTH int64 weights plus the intercept.
            score = unsafe_add(score, packed_int64._get(
                model._weight_words[feature // packed_int64.PER_WORD], feature % packed_int64.PER_WORD
            ))
        lane: uint256 = sample % 2
        pair: uint256 = self._scores[sample // 2] & ~(_SCORE_MASK << (128 * lane))
        pair |= self._pack_score(score) << (128 * lane)
        self._scores[sample // 2] = pair
        self._final_scores[sample // 2] = pair
        if (score > 0) != ((labels >> sample) & 1 == 1):
            wrong |= 1 << sample
            loss += 1
        start = end
        sample += 1
    self._wrong = wrong
    self._loss = loss
    if sample == m:
        self._final_wrong = wrong
        rewards._finish_scoring(loss)
    else:
        market._cursor = sample
    return left


@internal
def _leave_out(steps: uint256) -> uint256:
    """
    @dev Up to `steps` contributions visited; the first contribution of each
         account measures its G_a: the test samples h_T gets wrong once the
         account's shifts are taken off its scores, minus those h_T gets
         wrong. Returns the steps not used.
    """
    count: uint256 = market._count()
    index: uint256 = market._cursor
    left: uint256 = steps
    for _: uint256 in range(steps, bound=market.MAX_PROCESS_STEPS):
        if index == count:
            break
        left -= 1
        author: address = convert(market._contributions[index] & market._AUTHOR_MASK, address)
        if market._accounts[author] == 0:
            rewards._left_out(author, self._gain(author))
        index += 1
    market._cursor = index
    if index == count:
        rewards._start_rounds()
    return left


@internal
@view
def _gain(author: address) -> int256:
    """
    @dev G_a of `author` (see `_leave_out`).
    """
    labels: uint256 = self._labels
    final_wrong: uint256 = self._final_wrong
    learning_rate: int256 = model.learning_rate
    gain: int256 = 0
    for w: uint256 in range((market.num_test_samples + 7) // 8, bound=market.MAX_TEST_SAMPLES // 8):
        lanes: uint256 = self._shifts[author][w]
        for lane: uint256 in range(8):
            if lanes == 0:
                break
            value: uint256 = lanes & _LANE_MASK
            lanes >>= 32
            if value == 0:
                continue
            j: uint256 = 8 * w + lane
            moved: int256 = convert(value, int256)
            if value >= 2**31:
                moved -= 2**32
            score: int256 = self._load_score(self._final_scores[j // 2], j % 2) - moved * learning_rate
            bit: uint256 = 1 << j
            if (score > 0) != (labels & bit != 0):
                if final_wrong & bit == 0:
                    gain += 1
            elif final_wrong & bit != 0:
                gain -= 1
    return gain
