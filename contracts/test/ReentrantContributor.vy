# pragma version 0.4.3
"""
@title Test helper: a contributor that is a contract
@notice Used only by the test suite. It adds data through a trainer, can add
        the same sample twice in one transaction (same key), and when armed
        tries to re-enter the trainer from its receive hook while being paid.
"""


# ------------------------------------------------------------ interfaces --

from ..interfaces import ITrainer


# --------------------------------------------------------------- storage --

# @dev 0 = accept payments, 1 = re-enter refund, 2 = re-enter report,
#      3 = re-enter add_data
mode: public(uint8)
# @dev True to let a failed re-entry revert the whole payment, False to
#      record it in `reentry_failed` and accept the payment
bubble: public(bool)
# @dev Re-entries tried from the receive hook, and those that failed.
reentry_attempts: public(uint256)
reentry_failed: public(uint256)

# @dev The trainer under test, and the call to re-enter it with (`arm`).
trainer: public(ITrainer)
_data: DynArray[int64, 128]
_label: uint64
_added_time: uint256
_author: address


# ----------------------------------------------------------- constructor --

@deploy
def __init__(trainer: ITrainer):
    self.trainer = trainer


# -------------------------------------------------------------- external --

@external
@payable
def add(data: DynArray[int64, 128], label: uint64):
    """
    @notice Add `data` through the trainer, forwarding the attached value.
    """
    extcall self.trainer.add_data(data, label, value=msg.value)


@external
@payable
def add_twice(data: DynArray[int64, 128], label: uint64):
    """
    @notice Add the same sample twice in this transaction (the same key),
            half of the attached value each time.
    """
    half: uint256 = msg.value // 2
    extcall self.trainer.add_data(data, label, value=half)
    extcall self.trainer.add_data(data, label, value=msg.value - half)


@external
def refund(data: DynArray[int64, 128], label: uint64, added_time: uint256):
    """
    @notice Ask the trainer to refund a contribution this contract made.
    """
    extcall self.trainer.refund(data, label, added_time)


@external
def report(data: DynArray[int64, 128], label: uint64, added_time: uint256, author: address):
    """
    @notice Report a contribution through the trainer.
    """
    extcall self.trainer.report(data, label, added_time, author)


@external
def arm(mode: uint8, bubble: bool, data: DynArray[int64, 128], label: uint64, added_time: uint256, author: address):
    """
    @notice Choose what the receive hook does when paid next (see `mode`)
            and the call it re-enters with.
    """
    self.mode = mode
    self.bubble = bubble
    self._data = data
    self._label = label
    self._added_time = added_time
    self._author = author


@external
@payable
def __default__():
    """
    @notice Accept a payment and, when armed, try to re-enter the trainer.
    """
    if self.mode == 0:
        return
    self.reentry_attempts += 1
    payload: Bytes[4500] = b""
    if self.mode == 1:
        payload = abi_encode(self._data, self._label, self._added_time, method_id=method_id("refund(int64[],uint64,uint256)"))
    elif self.mode == 2:
        payload = abi_encode(self._data, self._label, self._added_time, self._author, method_id=method_id("report(int64[],uint64,uint256,address)"))
    else:
        payload = abi_encode(self._data, self._label, method_id=method_id("add_data(int64[],uint64)"))
    success: bool = False
    response: Bytes[128] = b""
    success, response = raw_call(self.trainer.address, payload, max_outsize=128, revert_on_failure=False)
    if not success:
        self.reentry_failed += 1
        assert not self.bubble, "reentrant contributor: re-entry refused"
