# pragma version 0.4.3
"""
@title Prediction market over a sparse perceptron: the replay
@notice STAGE_REPLAY of the market over a sparse perceptron: `replay` walks
        the contributions backwards, undoing each update on the test-set
        scores that sparse_market.vy stored under the live model h_T, and
        records E_{t-1} for every contribution t (see sparse_market.vy for
        the method and the packed sample layout).
@dev Holds no storage of its own: the test set, the scores, the per-account
     shifts and the transient feature masks belong to sparse_market.vy, the
     contributions, their hash chain and the losses to prediction_market.vy.
     Per replay call, a transient map from feature to the bitmask of the
     test samples that contain it is built once (its cost grows with the
     test set), so undoing a contribution then costs one lookup per feature
     plus one update per (feature, test sample) pair that actually meet,
     whatever the size of the test set.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from . import prediction_market as market
from . import market_rewards as rewards
from . import sparse_market as sm
from ..models import sparse_perceptron as model


# ------------------------------------------------------------------ uses --

uses: model
uses: market
uses: rewards
uses: sm


# ------------------------------------------------------------- constants --

# @dev Most contributed samples, and their feature indices, one `replay`
#      call accepts. The features travel packed as uint32, eight to a word
#      (the layout of the stored test set), which keeps calldata and memory
#      small: a DynArray argument is copied to memory at its full bound.
MAX_REPLAY_SAMPLES: constant(uint256) = 256
MAX_REPLAY_FEATURES: constant(uint256) = 4096
_MAX_REPLAY_WORDS: constant(uint256) = MAX_REPLAY_FEATURES // sm._INDICES_PER_WORD


# -------------------------------------------------------------- external --

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
    log sm.Processed(caller=msg.sender, stage=market.STAGE_REPLAY, steps=done)
    return done


# -------------------------------------------------------------- internal --

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
        end: uint256 = sm._sample_end(sample)
        bit: uint256 = 1 << sample
        for position: uint256 in range(start, end, bound=constants.MAX_SAMPLE_LENGTH):
            if position // sm._INDICES_PER_WORD != cached:
                cached = position // sm._INDICES_PER_WORD
                word = sm._index_words[cached]
            feature: uint256 = (word >> (sm._INDEX_BITS * (position % sm._INDICES_PER_WORD))) & sm._INDEX_MASK
            sm._masks[feature] |= bit
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
    capacity: uint256 = len(features) * sm._INDICES_PER_WORD
    for k: uint256 in range(count, bound=MAX_REPLAY_SAMPLES):
        length: uint256 = lengths[k]
        assert length <= constants.MAX_SAMPLE_LENGTH, "prediction_market: replay sample too long"
        assert offset + length <= capacity, "prediction_market: lengths do not match the samples"
        sample: DynArray[int64, constants.MAX_SAMPLE_LENGTH] = []
        for q: uint256 in range(offset, offset + length, bound=constants.MAX_SAMPLE_LENGTH):
            # An int64 up to 2**32 - 1: no loss; a sample not added as such
            # fails the chain check below.
            sample.append(convert((features[q // sm._INDICES_PER_WORD] >> (sm._INDEX_BITS * (q % sm._INDICES_PER_WORD))) & sm._INDEX_MASK, int64))
        starts.append(offset)
        link = keccak256(abi_encode(link, sample))
        offset += length
    # The last word may hold at most seven unused lanes.
    assert offset + sm._INDICES_PER_WORD > capacity, "prediction_market: lengths do not match the samples"
    assert link == market._chain, "prediction_market: samples do not match the contributions"
    if count == remaining:
        assert chain_before == empty(bytes32), "prediction_market: samples do not match the contributions"

    self._build_masks()
    labels: uint256 = sm._labels
    wrong: uint256 = sm._wrong
    loss: uint256 = sm._loss
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
                feature: uint256 = (features[r // sm._INDICES_PER_WORD] >> (sm._INDEX_BITS * (r % sm._INDICES_PER_WORD))) & sm._INDEX_MASK
                mask: uint256 = sm._masks[feature]
                touched |= mask
                for _: uint256 in range(market.MAX_TEST_SAMPLES):
                    if mask == 0:
                        break
                    # Lowest set bit: mask & -mask in two's complement.
                    low: uint256 = mask & unsafe_sub(0, mask)
                    j: uint256 = self._bit_index(low)
                    if loaded & low == 0:
                        pair: uint256 = sm._scores[j // 2]
                        scores[j - j % 2] = sm._load_score(pair, 0)
                        scores[j - j % 2 + 1] = sm._load_score(pair, 1)
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
                lanes: uint256 = sm._shifts[author][j // 8]
                shift_bits: uint256 = 32 * (j % 8)
                value: uint256 = (((lanes >> shift_bits) & sm._LANE_MASK) + added) & sm._LANE_MASK
                sm._shifts[author][j // 8] = (lanes & ~(sm._LANE_MASK << shift_bits)) | (value << shift_bits)
                touched ^= low
        if index > 0:
            rewards._set_loss(index - 1, loss)

    # Write back the scores that changed, a pair per word.
    for pair_index: uint256 in range(market.MAX_TEST_SAMPLES // 2):
        if dirty == 0:
            break
        if dirty & 3 != 0:
            j: uint256 = 2 * pair_index
            sm._scores[pair_index] = sm._pack_score(scores[j]) | (sm._pack_score(scores[j + 1]) << 128)
        dirty >>= 2
    sm._wrong = wrong
    sm._loss = loss
    market._chain = chain_before
    market._cursor = remaining - count
    if remaining == count:
        rewards._start_leave_out(loss)
    return count
