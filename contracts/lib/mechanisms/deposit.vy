# pragma version 0.4.3
"""
@title Deposit, refund and take
@notice The self-assessment incentive mechanism. Every contribution carries
        a deposit that shrinks as the time on the price clock grows; each
        accepted contribution moves the clock 70% of the way to the block
        time, so one addition at most about doubles the price (1.83x) and a
        burst of data (spam) grows it geometrically. After `refund_wait_s`
        the author gets the deposit back if the model still agrees with the
        sample; otherwise other contributors with a record of good data may
        take it, each in proportion to their good contributions (rounded
        down; a share that rounds to zero takes nothing). After
        `owner_claim_wait_s` the owner, and after `any_address_claim_wait_s`
        anyone, may take whatever is left, so no ether stays locked. Every
        take made while the model rejects the sample pays the taker half of
        what it removes and burns the rest (it stays in the contract, owed
        to no one): whatever accounts a spammer controls and whatever record
        they built, they get back at most half of a rejected deposit.
@dev This module moves no ether itself: its callers pay out the amounts it
     returns, under a reentrancy lock, after all state has been written.
"""


# --------------------------------------------------------------- imports --

from ..common import data_handler
from ..common import ownership


# ------------------------------------------------------------------ uses --

uses: data_handler
uses: ownership


# ------------------------------------------------------------- constants --

# @dev The deposit formula multiplies cost_weight by this many seconds.
_DEPOSIT_SCALE_S: constant(uint256) = 3600

# @dev The square root of the elapsed time is taken to 9 decimals:
#      isqrt(elapsed * 10**18) = 10**9 * sqrt(elapsed), rounded down.
_ROOT_SCALE: constant(uint256) = 10**9

# @dev Each accepted contribution moves the price clock this many tenths of
#      the way from where it was to the block time. The time left on the
#      clock is then at least 3/10 of what it was, so the price rises at
#      most sqrt(10/3) = 1.83 times: never more than twice a quote taken
#      before the addition (the price rounds up, see `_next_deposit`).
_CLOCK_STEP_TENTHS: constant(uint256) = 7

# @dev Fields of `_clock` (layout below).
_TIME_MASK: constant(uint256) = 2**64 - 1
_TOTAL_SHIFT: constant(uint256) = 64


# ------------------------------------------------------------ immutables --

# @dev Seconds after adding before the author may be refunded, or others
#      may report the contribution.
refund_wait_s: public(immutable(uint256))

# @dev Seconds after adding before the owner may take all that is left.
owner_claim_wait_s: public(immutable(uint256))

# @dev Seconds after adding before anyone may take all that is left.
any_address_claim_wait_s: public(immutable(uint256))

# @dev Wei; the deposit is cost_weight * 3600 / sqrt(seconds on the price
#      clock), rounded up, so one update per hour costs about cost_weight * 60.
cost_weight: public(immutable(uint256))


# --------------------------------------------------------------- storage --

# @dev Two counters that change together with most updates share a word,
#      so that refunds never pay to create a slot:
#      bits 0..63   the price clock, a block timestamp: deployment time at
#                   first; each accepted contribution moves it 7/10 of the
#                   way to that block's timestamp
#      bits 64..255 sum of good_contributions over all authors
_clock: uint256

# @dev Refunded ("good") contributions per author.
good_contributions: public(HashMap[address, uint256])


# ---------------------------------------------------------------- events --

event Refund:
    author: indexed(address)
    key: bytes32
    amount: uint256


event Report:
    reporter: indexed(address)
    author: indexed(address)
    key: bytes32
    amount: uint256
    # @dev Wei removed from the deposit but paid to no one (half of the take
    #      while the model rejects the sample, rounded up; otherwise zero).
    burned: uint256


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _refund_wait_s: uint256,
    _owner_claim_wait_s: uint256,
    _any_address_claim_wait_s: uint256,
    _cost_weight: uint256,
):
    # Strictly later: with equal waits the owner (or, with all three equal,
    # anyone) could take a deposit in the very block its refund opens,
    # racing the honest author. The owner's and anyone's waits may be equal:
    # both are sweepers and the author's window has closed by then.
    assert _refund_wait_s < _owner_claim_wait_s, "deposit: owner wait must exceed refund wait"
    assert _owner_claim_wait_s <= _any_address_claim_wait_s, "deposit: owner wait exceeds any-address wait"
    # The largest deposit (one second after the last update) must fit a record.
    assert _cost_weight <= data_handler.MAX_DEPOSIT // _DEPOSIT_SCALE_S, "deposit: cost weight too large"
    refund_wait_s = _refund_wait_s
    owner_claim_wait_s = _owner_claim_wait_s
    any_address_claim_wait_s = _any_address_claim_wait_s
    cost_weight = _cost_weight
    self._clock = block.timestamp


# -------------------------------------------------------------- external --

@external
@view
def next_deposit() -> uint256:
    """
    @notice The deposit `add_data` requires in a transaction mined now.
    @dev Later blocks need less: the price falls with the square root of the
         time on the price clock. One addition mined first raises it at most
         1.83 times, so sending twice this quote always suffices against a
         single front-runner; the excess comes back in the same transaction.
    @return The deposit in wei.
    """
    return self._next_deposit()


@external
@view
def last_update_time() -> uint256:
    """
    @notice The price clock: the deposit is priced by the seconds since this
            time. Each accepted contribution moves it 7/10 of the way to
            its block's timestamp.
    @return A block timestamp (the deployment's before any contribution).
    """
    return self._clock & _TIME_MASK


@external
@view
def total_good_contributions() -> uint256:
    """
    @notice How many contributions have been refunded, over all authors.
    @return The total; reporters' shares are computed against it.
    """
    return self._clock >> _TOTAL_SHIFT


# -------------------------------------------------------------- internal --

@internal
@view
def _next_deposit() -> uint256:
    if cost_weight == 0:
        return 0
    elapsed_s: uint256 = max(1, block.timestamp - (self._clock & _TIME_MASK))
    # Rounds up, so that the price after one addition never exceeds twice a
    # quote taken before it (the bound needs both sides rounded the same
    # way up); the contract holds exactly what was paid either way.
    # No overflow: cost_weight < 2**96 // 3600, elapsed_s < 2**64.
    root: uint256 = isqrt(elapsed_s * _ROOT_SCALE * _ROOT_SCALE)
    return (cost_weight * _DEPOSIT_SCALE_S * _ROOT_SCALE + root - 1) // root


@internal
@payable
def _take_deposit() -> uint256:
    """
    @dev Check the attached value against the current price and move the
         price clock toward now. Returns the deposit to record; the caller
         sends the excess `msg.value - deposit` back to `msg.sender`.
    """
    deposit: uint256 = self._next_deposit()
    assert msg.value >= deposit, "deposit: insufficient deposit"
    # Only part of the way: restarting the clock at now would multiply the
    # price up to 60 times in one addition, so that a front-runner could
    # make an honest addition quoted a moment earlier revert.
    clock: uint256 = self._clock
    start: uint256 = clock & _TIME_MASK
    start += (block.timestamp - start) * _CLOCK_STEP_TENTHS // 10
    # Timestamps stay below 2**64 for the next 500 billion years.
    self._clock = (clock & ~_TIME_MASK) | start
    return deposit


@internal
def _refund(key: bytes32, added_time: uint256, model_agrees: bool) -> uint256:
    """
    @dev The author (`msg.sender`, already bound into `key`) reclaims the
         deposit. Returns the wei to pay out.
    """
    record: data_handler.Contribution = data_handler._load(key)
    assert not record.refunded, "deposit: already refunded"
    # A contribution that was taken empty has nothing to refund; one added
    # with no deposit (cost_weight 0) can still be refunded to count as good.
    assert record.claimable > 0 or record.initial_deposit == 0, "deposit: nothing left to refund"
    assert block.timestamp - added_time >= refund_wait_s, "deposit: refund wait not over"
    assert model_agrees, "deposit: model disagrees with the label"

    amount: uint256 = record.claimable
    record.claimable = 0
    record.claim_count += 1
    record.refunded = True
    data_handler._store(key, record)
    self.good_contributions[msg.sender] += 1
    self._clock += 1 << _TOTAL_SHIFT
    log Refund(author=msg.sender, key=key, amount=amount)
    return amount


@internal
def _report(key: bytes32, added_time: uint256, author: address, model_agrees: bool) -> uint256:
    """
    @dev `msg.sender` takes from someone's contribution. Before the owner's
         and anyone's waits this is the report path: the model must now
         disagree with the label and the reporter must have good
         contributions. After the waits it is a sweep of what is left.
         Either way, while the model rejects the sample the taker is paid
         half of what is removed (rounded down) and the rest is burned.
         Returns the wei to pay out.
    """
    record: data_handler.Contribution = data_handler._load(key)
    assert record.claimable > 0, "deposit: nothing left to take"
    assert not data_handler._claimed_by[key][msg.sender], "deposit: already claimed"
    age_s: uint256 = block.timestamp - added_time
    assert age_s >= refund_wait_s, "deposit: refund wait not over"

    amount: uint256 = record.claimable
    can_take_all: bool = age_s >= any_address_claim_wait_s or (
        age_s >= owner_claim_wait_s and msg.sender == ownership._owner()
    )
    if not can_take_all:
        assert msg.sender != author, "deposit: cannot report own contribution"
        assert not model_agrees, "deposit: model agrees with the label"
        reporter_good: uint256 = self.good_contributions[msg.sender]
        assert reporter_good > 0, "deposit: reporter has no good contributions"
        # Rounds down (in the contract's favour), so the amount never falls
        # as the reporter's share grows: a share that rounds to zero takes
        # nothing and is refused (the rest waits for the claim waits).
        share: uint256 = record.initial_deposit * reporter_good // (self._clock >> _TOTAL_SHIFT)
        assert share > 0, "deposit: share rounds to zero"
        amount = min(share, amount)

    record.claimable -= amount
    record.claim_count += 1
    data_handler._store(key, record)
    data_handler._mark_claimed(key, msg.sender)
    paid: uint256 = amount
    if not model_agrees:
        paid = amount // 2
    log Report(reporter=msg.sender, author=author, key=key, amount=paid, burned=amount - paid)
    return paid


@internal
def _send(recipient: address, amount: uint256):
    """
    @dev Pay `amount` wei to `recipient`, forwarding all gas so that contract
         wallets work; callers hold the reentrancy lock and have finished
         writing state.
    """
    if amount > 0:
        raw_call(recipient, b"", value=amount)
