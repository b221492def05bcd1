# pragma version 0.4.3
"""
@title Prediction market: the phases up to processing
@notice The provider's commitment to a test set, the draw and reveal of
        its first portion, the contributions, the end of participation and
        the reveal of the other portions, each with its deadline and exit
        (prediction_market.vy describes the phases). The trainer calls
        `_commit`, `_check_open` and `_record`; the market's model-specific
        half (sparse_market.vy) checks each revealed portion with
        `_accept_first_portion` and `_accept_portion`.
@dev Holds no storage of its own: the record it writes is
     prediction_market.vy's.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from . import prediction_market as market


# ------------------------------------------------------------------ uses --

uses: market


# ---------------------------------------------------------------- events --

event AddData:
    sender: indexed(address)
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]
    label: uint64
    added_time: uint256
    deposit: uint256


event Committed:
    provider: indexed(address)
    bounty: uint256
    portion_hashes: DynArray[bytes32, market.MAX_PORTIONS]
    random_block: uint256


event FirstPortionDrawn:
    index: uint256
    random_block: uint256


event ParticipationOpened:
    opened_at: uint256
    deadline: uint256


event ParticipationEnded:
    ended_at: uint256
    contributions: uint256
    reveal_deadline: uint256


event Cancelled:
    caller: indexed(address)


# ------------------------------------------------------- external: views --

@external
@view
def opened_at() -> uint256:
    """
    @notice When participation opened (0 before).
    @return A block timestamp.
    """
    return (market._state >> market._OPENED_SHIFT) & market._TIME_MASK


@external
@view
def commit_deadline() -> uint256:
    """
    @notice Until when (exclusive) the first portion may be revealed.
    @return A block timestamp (0 before the commitment).
    """
    if market.committed_at == 0:
        return 0
    return market.committed_at + market.commit_window_s


@external
@view
def participation_deadline() -> uint256:
    """
    @notice Until when (exclusive) contributions are accepted.
    @return A block timestamp (0 before participation opens).
    """
    opened: uint256 = (market._state >> market._OPENED_SHIFT) & market._TIME_MASK
    if opened == 0:
        return 0
    return opened + market.max_duration_s


@external
@view
def reveal_deadline() -> uint256:
    """
    @notice Until when (exclusive) the other portions may be revealed.
    @return A block timestamp (0 before participation ends).
    """
    if market.ended_at == 0:
        return 0
    return market.ended_at + market.reveal_window_s


@external
@view
def portion_hash(index: uint256) -> bytes32:
    """
    @notice The committed hash of a test-set portion.
    @param index Portion index.
    @return Its hash.
    """
    assert index < market.num_portions, "prediction_market: no such portion"
    return market._portion_hashes[index]


@external
@view
def first_portion() -> (bool, uint256):
    """
    @notice Which portion had to be revealed first.
    @return Whether it has been drawn, and its index (0 if not drawn).
    """
    drawn: uint256 = market._first_portion
    if drawn == 0:
        return False, 0
    return True, drawn - 1


# ---------------------------------------------- external: permissionless --

@external
def draw_first_portion() -> uint256:
    """
    @notice Fix which portion the provider must reveal first. Anyone may
            call this once the block after the commitment is mined; the
            provider's reveal does it too.
    @dev The block hash of `random_block` picks the portion. Only that
         block's hash counts: once it is no longer available (more than 256
         blocks later) nobody can draw, the first portion cannot be revealed
         and anyone may cancel, so waiting gives the provider no new draw.
    @return The portion index.
    """
    assert market._state & market._PHASE_MASK == market.PHASE_COMMITTED, "prediction_market: not awaiting the first portion"
    assert market._first_portion == 0, "prediction_market: first portion already drawn"
    return self._draw()


@external
def cancel():
    """
    @notice Call off a market whose first portion was never revealed: the
            provider at any time before that, anyone once the commit window
            is over or the draw has expired undrawn (nobody drew within 256
            blocks of `random_block`). The bounty is credited back to the
            provider; nobody has staked yet.
    """
    assert market._state & market._PHASE_MASK == market.PHASE_COMMITTED, "prediction_market: nothing to cancel"
    if msg.sender != market.market_provider:
        expired: bool = market._first_portion == 0 and block.number > market.random_block + 256
        assert expired or block.timestamp >= market.committed_at + market.commit_window_s, "prediction_market: commit window not over"
    market._set_phase(market.PHASE_CANCELLED)
    market._credit(market.market_provider, market.bounty)
    log Cancelled(caller=msg.sender)


@external
def end_participation():
    """
    @notice Close participation. The provider may do so once the minimum
            duration has passed or the minimum number of contributions is
            reached; anyone may after the deadline. Without contributions the
            market finishes at once and the bounty goes back to the provider.
    """
    state: uint256 = market._state
    assert state & market._PHASE_MASK == market.PHASE_PARTICIPATION, "prediction_market: participation is not open"
    opened: uint256 = (state >> market._OPENED_SHIFT) & market._TIME_MASK
    count: uint256 = (state >> market._COUNT_SHIFT) & market._COUNT_MASK
    if block.timestamp < opened + market.max_duration_s:
        assert msg.sender == market.market_provider, "prediction_market: only the provider may end before the deadline"
        assert block.timestamp >= opened + market.min_duration_s or count >= market.min_contributions, "prediction_market: too early to end"
    market.ended_at = block.timestamp
    log ParticipationEnded(ended_at=block.timestamp, contributions=count, reveal_deadline=block.timestamp + market.reveal_window_s)
    if count == 0:
        market._set_phase(market.PHASE_FINISHED)
        market._credit(market.market_provider, market.bounty)
        log market.Finished(initial_loss=0, final_loss=0, provider_payout=market.bounty)
    else:
        market._set_phase(market.PHASE_REVEAL)


# -------------------------------------------------------------- internal --

@internal
@payable
def _commit(portion_hashes: DynArray[bytes32, market.MAX_PORTIONS]):
    """
    @dev The caller (checked by the trainer to be the owner) becomes the
         provider; msg.value is the bounty.
    """
    assert market._state & market._PHASE_MASK == market.PHASE_SETUP, "prediction_market: already committed"
    assert len(portion_hashes) >= market.MIN_PORTIONS, "prediction_market: at least two portions"
    assert msg.value >= market.stake, "prediction_market: bounty below one stake"
    assert msg.value // market.stake <= market.MAX_ROUNDS, "prediction_market: bounty buys too many rounds"
    for i: uint256 in range(len(portion_hashes), bound=market.MAX_PORTIONS):
        market._portion_hashes[i] = portion_hashes[i]
    market.market_provider = msg.sender
    market.bounty = msg.value
    market.num_portions = len(portion_hashes)
    market.committed_at = block.timestamp
    market.random_block = block.number + 1
    market._set_phase(market.PHASE_COMMITTED)
    log Committed(provider=msg.sender, bounty=msg.value, portion_hashes=portion_hashes, random_block=block.number + 1)


@internal
def _draw() -> uint256:
    drawn: uint256 = market._first_portion
    if drawn != 0:
        return drawn - 1
    target: uint256 = market.random_block
    assert block.number > target, "prediction_market: randomness not available yet"
    assert block.number - target <= 256, "prediction_market: draw expired"
    index: uint256 = convert(blockhash(target), uint256) % market.num_portions
    market._first_portion = index + 1
    log FirstPortionDrawn(index=index, random_block=target)
    return index


@internal
def _accept_first_portion(index: uint256, portion_hash: bytes32):
    """
    @dev Check the provider's reveal of the first portion (drawing it if
         nobody has) and open participation.
    """
    assert market._state & market._PHASE_MASK == market.PHASE_COMMITTED, "prediction_market: not awaiting the first portion"
    assert msg.sender == market.market_provider, "prediction_market: caller is not the provider"
    assert block.timestamp < market.committed_at + market.commit_window_s, "prediction_market: commit window over"
    drawn: uint256 = self._draw()
    assert index == drawn, "prediction_market: wrong portion"
    assert portion_hash == market._portion_hashes[index], "prediction_market: portion does not match its hash"
    next_index: uint256 = 0
    if drawn == 0:
        next_index = 1
    market.next_portion = next_index
    market._state = market.PHASE_PARTICIPATION | (block.timestamp << market._OPENED_SHIFT)
    log ParticipationOpened(opened_at=block.timestamp, deadline=block.timestamp + market.max_duration_s)


@internal
@view
def _check_open():
    state: uint256 = market._state
    assert state & market._PHASE_MASK == market.PHASE_PARTICIPATION, "prediction_market: participation is not open"
    assert block.timestamp < ((state >> market._OPENED_SHIFT) & market._TIME_MASK) + market.max_duration_s, "prediction_market: participation deadline passed"
    assert (state >> market._COUNT_SHIFT) & market._COUNT_MASK < market.MAX_CONTRIBUTIONS, "prediction_market: contribution limit reached"


@internal
@payable
def _record(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64, updated: bool) -> uint256:
    """
    @dev Record a contribution by msg.sender (after `_check_open` and the
         model update). Returns the stake kept; the trainer sends back the
         rest of msg.value.
    """
    assert msg.value >= market.stake, "prediction_market: stake too low"
    state: uint256 = market._state
    count: uint256 = (state >> market._COUNT_SHIFT) & market._COUNT_MASK
    word: uint256 = convert(msg.sender, uint256)
    if label == 1:
        word |= market._LABEL_BIT
    if updated:
        word |= market._UPDATED_BIT
        # An update with the opposite label of an earlier, uncancelled update
        # of the same sample undoes it exactly: both are cancelled, and the
        # replay skips them, as if neither had been made.
        opposite: bytes32 = keccak256(abi_encode(data, 1 - label))
        earlier: uint256 = market._open[opposite]
        if earlier != 0:
            market._open[opposite] = 0
            market._contributions[earlier - 1] |= market._CANCELLED_BIT
            word |= market._CANCELLED_BIT
        else:
            market._open[keccak256(abi_encode(data, label))] = count + 1
    market._contributions[count] = word
    market._chain = keccak256(abi_encode(market._chain, data))
    # count < MAX_CONTRIBUTIONS (checked in _check_open): no carry out of the field.
    market._state = state + (1 << market._COUNT_SHIFT)
    log AddData(sender=msg.sender, data=data, label=label, added_time=block.timestamp, deposit=market.stake)
    return market.stake


@internal
def _accept_portion(index: uint256, portion_hash: bytes32, samples: uint256):
    """
    @dev Check one reveal of the reveal phase; once the last portion is in,
         processing starts.
    """
    assert market._state & market._PHASE_MASK == market.PHASE_REVEAL, "prediction_market: not revealing"
    assert msg.sender == market.market_provider, "prediction_market: caller is not the provider"
    assert block.timestamp < market.ended_at + market.reveal_window_s, "prediction_market: reveal deadline passed"
    assert index == market.next_portion, "prediction_market: portion revealed out of order"
    assert portion_hash == market._portion_hashes[index], "prediction_market: portion does not match its hash"
    market.num_test_samples += samples
    next_index: uint256 = index + 1
    if next_index == market._first_portion - 1:
        next_index += 1
    market.next_portion = next_index
    if next_index >= market.num_portions:
        market._set_phase(market.PHASE_PROCESSING)
        market.stage = market.STAGE_SCORE
        market._cursor = 0
