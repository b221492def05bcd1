# pragma version 0.4.3
"""
@title Data handler
@notice Records every contribution. A contribution is identified by
        key = keccak256(abi_encode(data, label, added_time, author)) with
        `data` encoded as int64[], `label` as uint64, `added_time` as uint256
        and `author` as address. Because the key already commits to the
        sample, label, time and author, the record itself fits in a single
        storage word; the sample is public through the `AddData` event.
"""


# --------------------------------------------------------------- imports --

from . import constants


# ------------------------------------------------------------- constants --

# @dev Record layout (one word per contribution):
#      bits   0..95   claimable amount in wei
#      bits  96..191  initial deposit in wei
#      bits 192..253  claim count
#      bit  254       author refunded
#      bit  255       always set, so that a record is never the zero word
_AMOUNT_BITS: constant(uint256) = 96
_AMOUNT_MASK: constant(uint256) = 2**96 - 1
_COUNT_SHIFT: constant(uint256) = 192
_COUNT_MASK: constant(uint256) = 2**62 - 1
_REFUNDED_BIT: constant(uint256) = 2**254
_EXISTS_BIT: constant(uint256) = 2**255

# @dev Largest deposit one contribution can hold (about 79 billion ether).
MAX_DEPOSIT: constant(uint256) = _AMOUNT_MASK


# --------------------------------------------------------------- storage --

# @dev contribution key -> packed record (layout above)
_records: HashMap[bytes32, uint256]

# @dev contribution key -> account -> True once that account took a share
_claimed_by: HashMap[bytes32, HashMap[address, bool]]


# --------------------------------------------------------------- structs --

# @dev A record decoded (`contribution`, `_load`, `_store`).
struct Contribution:
    claimable: uint256        # wei still held for this contribution
    initial_deposit: uint256  # wei deposited when it was added
    claim_count: uint256      # successful refunds and takes so far
    refunded: bool            # True once the author has been refunded


# ---------------------------------------------------------------- events --

event AddData:
    sender: indexed(address)
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH]
    label: uint64
    added_time: uint256
    deposit: uint256


# -------------------------------------------------------------- external --

@external
@view
def claimable(
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH],
    label: uint64,
    added_time: uint256,
    original_author: address,
) -> uint256:
    """
    @notice Wei still held for a contribution (0 for an unknown one).
    @param data The sample exactly as it was added.
    @param label The label it was added with.
    @param added_time The block timestamp of the `AddData` event.
    @param original_author The account that added it.
    @return The claimable amount in wei.
    """
    return self._records[self._key(data, label, added_time, original_author)] & _AMOUNT_MASK


@external
@view
def contribution(key: bytes32) -> Contribution:
    """
    @notice The whole record of a contribution, looked up by its key.
    @dev Reverts for an unknown key.
    @param key keccak256(abi_encode(data, label, added_time, author)).
    @return The decoded record.
    """
    return self._load(key)


@external
@view
def has_claimed(key: bytes32, account: address) -> bool:
    """
    @notice Whether `account` has already taken a share of a contribution.
    @param key The contribution key.
    @param account The account to ask about.
    @return True if it has.
    """
    return self._claimed_by[key][account]


# -------------------------------------------------------------- internal --

@internal
@pure
def _key(
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH],
    label: uint64,
    added_time: uint256,
    author: address,
) -> bytes32:
    return keccak256(abi_encode(data, label, added_time, author))


@internal
def _record(
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64, deposit: uint256
) -> bytes32:
    """
    @dev Store a new contribution by `msg.sender` at this block's time and
         emit `AddData`. `deposit` must not exceed MAX_DEPOSIT (the caller's
         mechanism guarantees it).
    """
    key: bytes32 = self._key(data, label, block.timestamp, msg.sender)
    assert self._records[key] == 0, "data_handler: data already added"
    # deposit <= MAX_DEPOSIT, so both copies stay inside their fields.
    self._records[key] = _EXISTS_BIT | (deposit << _AMOUNT_BITS) | deposit
    log AddData(
        sender=msg.sender, data=data, label=label, added_time=block.timestamp, deposit=deposit
    )
    return key


@internal
@view
def _load(key: bytes32) -> Contribution:
    record: uint256 = self._records[key]
    assert record != 0, "data_handler: contribution not found"
    return Contribution(
        claimable=record & _AMOUNT_MASK,
        initial_deposit=(record >> _AMOUNT_BITS) & _AMOUNT_MASK,
        claim_count=(record >> _COUNT_SHIFT) & _COUNT_MASK,
        refunded=record & _REFUNDED_BIT != 0,
    )


@internal
def _store(key: bytes32, contribution: Contribution):
    """
    @dev Write back a record read with `_load`. Amounts only ever decrease
         and the claim count grows by one per claim, so the fields cannot
         overflow their widths; the asserts make that explicit.
    """
    assert contribution.claimable <= _AMOUNT_MASK
    assert contribution.claim_count <= _COUNT_MASK
    record: uint256 = _EXISTS_BIT | (contribution.initial_deposit << _AMOUNT_BITS)
    record |= contribution.claimable | (contribution.claim_count << _COUNT_SHIFT)
    if contribution.refunded:
        record |= _REFUNDED_BIT
    self._records[key] = record


@internal
@view
def _untaken(key: bytes32) -> bool:
    """
    @dev True until the contribution's first refund or take (a recorded
         key; callers check that). A deposit trainer whose model can undo an
         update exactly forgets the sample at its first take while the model
         rejects it: a take while the model agrees takes everything, so no
         later take can be a first one.
    """
    return self._records[key] & (_COUNT_MASK << _COUNT_SHIFT) == 0


@internal
def _mark_claimed(key: bytes32, account: address):
    self._claimed_by[key][account] = True
