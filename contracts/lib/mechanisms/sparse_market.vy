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
     2. walks the contributions backwards (STAGE_REPLAY, `replay`, any
        number of contributions per call), undoing each update on the stored
        scores: E_{t-1}. The keeper passes the contributed samples (public
        in the AddData events); they are checked against the hash chain
        recorded at `add_data`, from the most recent backwards.
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
from ..models import sparse_perceptron as model


# ------------------------------------------------------------------ uses --

uses: model
uses: market


# ----------------------------------------------------- constants: bounds --

# @dev Most feature indices in the whole evaluated test set.
MAX_TEST_INDICES: constant(uint256) = 4096

# @dev Most feature indices and samples in one revealed portion (one
#      transaction: storing 2048 indices costs about 7 million gas).
MAX_PORTION_INDICES: constant(uint256) = 2048
MAX_PORTION_SAMPLES: constant(uint256) = market.MAX_TEST_SAMPLES
# @dev Packed eight indices to a word (layout below).
_MAX_PORTION_WORDS: constant(uint256) = MAX_PORTION_INDICES // 8

# @dev Most contributed samples, and their feature indices, one `replay`
#      call accepts. The features travel packed as uint32, eight to a word
#      (the layout of the stored test set), which keeps calldata and memory
#      small: a DynArray argument is copied to memory at its full bound.
MAX_REPLAY_SAMPLES: constant(uint256) = 256
MAX_REPLAY_FEATURES: constant(uint256) = 4096
_MAX_REPLAY_WORDS: constant(uint256) = MAX_REPLAY_FEATURES // _INDICES_PER_WORD


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
    market._accept_first_portion(index, keccak256(abi_encode(words, lengths, labels, salt)))
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
    market._accept_portion(index, keccak256(abi_encode(words, lengths, labels, salt)), len(lengths))
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
    market._begin_processing()
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
        left = market._rounds(left)
    else:
        left = market._settle_forfeit(left)
    log Processed(caller=msg.sender, stage=stage, steps=steps - left)
    return steps - left


@external
def replay(
    features: DynArray[uint256, _MAX_REPLAY_WORDS],
    lengths: DynArray[uint256, MAX_REPLAY_SAMPLES],
    chain_before: bytes32,
) -> uint256:
    """
    @notice Anyone: undo contributions a+1..t on the test-set scores, most
            recent first, recording E_a..E_{t-1}; t = processing_cursor().
            The last contribution replayed starts the reward passes.
    @dev Pass the samples of contributions a+1..t in contribution order
         (their AddData events), flat: all their feature indices one after
         another, packed as uint32 eight to a word (index p in bits
         32 * (p % 8) of word p // 8), with their `lengths`, and
         `chain_before` = chain_a, the hash chain after contribution a (zero
         for a = 0; see chain_head()). They are checked against the chain
         recorded at `add_data`.
    @param features The contributed samples' feature indices, packed.
    @param lengths Number of features of each.
    @param chain_before The chain value before the first of them.
    @return The contributions replayed.
    """
    assert market._phase() == market.PHASE_PROCESSING and market.stage == market.STAGE_REPLAY, "prediction_market: not replaying"
    done: uint256 = self._replay(features, lengths, chain_before)
    log Processed(caller=msg.sender, stage=market.STAGE_REPLAY, steps=done)
    return done


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
        market._finish_scoring(loss)
    else:
        market._cursor = sample
    return left


@internal
def _build_masks():
    """
    @dev Feature -> bitmask of the test samples containing it, in transient
         storage (cleared at the end of the transaction).
    """
    m: uint256 = market.num_test_samples
    start: uint256 = 0
    cached: uint256 = max_value(uint256)
    word: uint256 = 0
    for sample: uint256 in range(m, bound=market.MAX_TEST_SAMPLES):
        end: uint256 = self._sample_end(sample)
        bit: uint256 = 1 << sample
        for position: uint256 in range(start, end, bound=constants.MAX_SAMPLE_LENGTH):
            if position // _INDICES_PER_WORD != cached:
                cached = position // _INDICES_PER_WORD
                word = self._index_words[cached]
            feature: uint256 = (word >> (_INDEX_BITS * (position % _INDICES_PER_WORD))) & _INDEX_MASK
            self._masks[feature] |= bit
        start = end


@internal
@pure
def _bit_index(bit: uint256) -> uint256:
    """
    @dev Position of the single set bit of `bit`, by binary search.
    """
    x: uint256 = bit
    index: uint256 = 0
    if x >= 2**128:
        x >>= 128
        index += 128
    if x >= 2**64:
        x >>= 64
        index += 64
    if x >= 2**32:
        x >>= 32
        index += 32
    if x >= 2**16:
        x >>= 16
        index += 16
    if x >= 2**8:
        x >>= 8
        index += 8
    if x >= 2**4:
        x >>= 4
        index += 4
    if x >= 2**2:
        x >>= 2
        index += 2
    if x >= 2:
        index += 1
    return index


@internal
def _replay(
    features: DynArray[uint256, _MAX_REPLAY_WORDS],
    lengths: DynArray[uint256, MAX_REPLAY_SAMPLES],
    chain_before: bytes32,
) -> uint256:
    """
    @dev Undo the given contributions, most recent first (module notes).
         Returns how many.
    """
    remaining: uint256 = market._cursor
    count: uint256 = len(lengths)
    assert count > 0, "prediction_market: no samples to replay"
    assert count <= remaining, "prediction_market: more samples than contributions left"

    # Check the samples against the hash chain, remembering where each
    # starts.
    starts: DynArray[uint256, MAX_REPLAY_SAMPLES] = []
    link: bytes32 = chain_before
    offset: uint256 = 0
    capacity: uint256 = len(features) * _INDICES_PER_WORD
    for k: uint256 in range(count, bound=MAX_REPLAY_SAMPLES):
        length: uint256 = lengths[k]
        assert length <= constants.MAX_SAMPLE_LENGTH, "prediction_market: replay sample too long"
        assert offset + length <= capacity, "prediction_market: lengths do not match the samples"
        sample: DynArray[int64, constants.MAX_SAMPLE_LENGTH] = []
        for q: uint256 in range(offset, offset + length, bound=constants.MAX_SAMPLE_LENGTH):
            # An int64 up to 2**32 - 1: no loss; a sample not added as such
            # fails the chain check below.
            sample.append(convert((features[q // _INDICES_PER_WORD] >> (_INDEX_BITS * (q % _INDICES_PER_WORD))) & _INDEX_MASK, int64))
        starts.append(offset)
        link = keccak256(abi_encode(link, sample))
        offset += length
    # The last word may hold at most seven unused lanes.
    assert offset + _INDICES_PER_WORD > capacity, "prediction_market: lengths do not match the samples"
    assert link == market._chain, "prediction_market: samples do not match the contributions"
    if count == remaining:
        assert chain_before == empty(bytes32), "prediction_market: samples do not match the contributions"

    self._build_masks()
    labels: uint256 = self._labels
    wrong: uint256 = self._wrong
    loss: uint256 = self._loss
    learning_rate: int256 = model.learning_rate
    scores: int256[market.MAX_TEST_SAMPLES] = empty(int256[market.MAX_TEST_SAMPLES])
    hits: uint256[market.MAX_TEST_SAMPLES] = empty(uint256[market.MAX_TEST_SAMPLES])
    loaded: uint256 = 0
    dirty: uint256 = 0
    for q: uint256 in range(count, bound=MAX_REPLAY_SAMPLES):
        k: uint256 = count - 1 - q
        index: uint256 = remaining - 1 - q
        word: uint256 = market._contributions[index]
        # A cancelled pair's updates sum to zero: skipping both (delta 0)
        # replays the sequence without them. Its shifts still count for its
        # author: leaving one account out of h_T leaves out all its updates.
        if word & market._UPDATED_BIT != 0:
            # The update added +lr (label 1) or -lr (label 0) to each
            # feature's weight; undoing it moves the scores the other way.
            delta: int256 = learning_rate
            if word & market._LABEL_BIT != 0:
                delta = -learning_rate
            if word & market._CANCELLED_BIT != 0:
                delta = 0
            touched: uint256 = 0
            for r: uint256 in range(starts[k], starts[k] + lengths[k], bound=constants.MAX_SAMPLE_LENGTH):
                feature: uint256 = (features[r // _INDICES_PER_WORD] >> (_INDEX_BITS * (r % _INDICES_PER_WORD))) & _INDEX_MASK
                mask: uint256 = self._masks[feature]
                touched |= mask
                for _: uint256 in range(market.MAX_TEST_SAMPLES):
                    if mask == 0:
                        break
                    # Lowest set bit: mask & -mask in two's complement.
                    low: uint256 = mask & unsafe_sub(0, mask)
                    j: uint256 = self._bit_index(low)
                    if loaded & low == 0:
                        pair: uint256 = self._scores[j // 2]
                        scores[j - j % 2] = self._load_score(pair, 0)
                        scores[j - j % 2 + 1] = self._load_score(pair, 1)
                        loaded |= 3 << (j - j % 2)
                    scores[j] += delta
                    hits[j] += 1
                    mask ^= low
            dirty |= touched
            # Add this update's shifts to its author's: +hits (label 1) or
            # -hits (label 0), in int32 lanes (|shift| <= 4096 * 128 < 2**31).
            author: address = convert(word & market._AUTHOR_MASK, address)
            for _: uint256 in range(market.MAX_TEST_SAMPLES):
                if touched == 0:
                    break
                low: uint256 = touched & unsafe_sub(0, touched)
                j: uint256 = self._bit_index(low)
                is_wrong: bool = (scores[j] > 0) != (labels & low != 0)
                if is_wrong != (wrong & low != 0):
                    wrong ^= low
                    if is_wrong:
                        loss += 1
                    else:
                        loss -= 1
                added: uint256 = hits[j]
                hits[j] = 0
                if word & market._LABEL_BIT == 0:
                    added = 2**32 - added
                lanes: uint256 = self._shifts[author][j // 8]
                shift_bits: uint256 = 32 * (j % 8)
                value: uint256 = (((lanes >> shift_bits) & _LANE_MASK) + added) & _LANE_MASK
                self._shifts[author][j // 8] = (lanes & ~(_LANE_MASK << shift_bits)) | (value << shift_bits)
                touched ^= low
        if index > 0:
            market._set_loss(index - 1, loss)

    # Write back the scores that changed, a pair per word.
    for pair_index: uint256 in range(market.MAX_TEST_SAMPLES // 2):
        if dirty == 0:
            break
        if dirty & 3 != 0:
            j: uint256 = 2 * pair_index
            self._scores[pair_index] = self._pack_score(scores[j]) | (self._pack_score(scores[j + 1]) << 128)
        dirty >>= 2
    self._wrong = wrong
    self._loss = loss
    market._chain = chain_before
    market._cursor = remaining - count
    if remaining == count:
        market._start_leave_out(loss)
    return count


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
            market._left_out(author, self._gain(author))
        index += 1
    market._cursor = index
    if index == count:
        market._start_rounds()
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
