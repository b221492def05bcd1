# pragma version 0.4.3
"""
@title Ownership and the setup phase
@notice A trainer has one owner, set at deployment and transferable. It
        starts in setup: only the owner may load model parameters (in as many
        chunks as the block gas limit requires) and nobody may add data.
        `finish_setup` ends the phase for good; from then on the model
        changes only through `add_data`. In a deposit trainer the owner may
        also take what is left of a contribution after `owner_claim_wait_s`.
@dev Owner and setup flag share one storage word: deployment writes one
     slot instead of two, and every `add_data` pays one cold read for the
     check that setup is over.
"""


# ------------------------------------------------------------- constants --

# @dev Fields of `_state` (layout below).
_OWNER_MASK: constant(uint256) = 2**160 - 1
_FINISHED_BIT: constant(uint256) = 2**160


# --------------------------------------------------------------- storage --

# @dev bits 0..159 owner, bit 160 set once setup has finished
_state: uint256


# ---------------------------------------------------------------- events --

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)


event SetupFinished:
    owner: indexed(address)


# ----------------------------------------------------------- constructor --

@deploy
def __init__():
    self._state = convert(msg.sender, uint256)
    log OwnershipTransferred(previous_owner=empty(address), new_owner=msg.sender)


# -------------------------------------------------------------- external --

@external
@view
def owner() -> address:
    """
    @notice The account allowed to call owner-only functions.
    @return The owner.
    """
    return self._owner()


@external
@view
def setup_finished() -> bool:
    """
    @notice Whether setup is over and the model open for training.
    @return True once `finish_setup` has been called.
    """
    return self._state & _FINISHED_BIT != 0


@external
def transfer_ownership(new_owner: address):
    """
    @notice Hand ownership to `new_owner` (owner only).
    @param new_owner The next owner; the zero address is refused.
    """
    self._check_owner()
    assert new_owner != empty(address), "ownership: new owner is the zero address"
    log OwnershipTransferred(previous_owner=msg.sender, new_owner=new_owner)
    self._state = (self._state & _FINISHED_BIT) | convert(new_owner, uint256)


@external
def finish_setup():
    """
    @notice Close the setup phase for good and open the model to training.
    @dev Owner only; a second call reverts.
    """
    self._check_setup_open()
    self._finish_setup()


# -------------------------------------------------------------- internal --

@internal
@view
def _owner() -> address:
    return convert(self._state & _OWNER_MASK, address)


@internal
@view
def _check_owner():
    assert msg.sender == self._owner(), "ownership: caller is not the owner"


@internal
@view
def _check_setup_open():
    self._check_owner()
    assert self._state & _FINISHED_BIT == 0, "ownership: setup is closed"


@internal
@view
def _check_setup_finished():
    assert self._state & _FINISHED_BIT != 0, "ownership: setup is not finished"


@internal
def _finish_setup():
    self._state |= _FINISHED_BIT
    log SetupFinished(owner=self._owner())
