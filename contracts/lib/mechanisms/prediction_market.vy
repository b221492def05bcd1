# pragma version 0.4.3
"""
@title Prediction market
@notice The prediction market's bounty mechanism, independent of the model. A
        provider stakes a bounty and commits to a hidden test set split into
        N portions (only their hashes are published). A block hash drawn after
        the commitment picks one portion, which the provider must reveal
        before contributors may join: proof that the test set exists. Each
        contribution then costs a fixed stake. When participation ends, the
        provider reveals the other portions (they form the test set D; the
        first portion was public during participation, so it is left out),
        and anyone may run the reward computation step by step. Contributors
        and the provider finally withdraw what they are owed.
        Every phase has a deadline and an exit, so no ether is ever stuck
        (except a forfeited bounty, which is burned on purpose):
        - the first portion is not revealed within `commit_window_s`, or
          nobody drew it within 256 blocks of `random_block`: anyone may
          cancel, the bounty goes back to the provider;
        - participation: after `max_duration_s` anyone may end it;
        - the rest is not revealed within `reveal_window_s` of the end: the
          bounty is forfeited: each contribution gets its stake back and the
          bounty is burned (owed to nobody), so that not revealing costs the
          provider the whole bounty whatever addresses they control;
        - processing is permissionless (`process` in the trainer).
@dev The mechanism is three modules, which a trainer initializes together
     (prediction_market first, then the two that use it):
     - this one: the parameters, the market's record (every storage field
       of the mechanism, in one layout), the views of the record and the
       balances (`_credit`, `_withdraw`);
     - market_phases.vy: the phases up to processing (the commitment, the
       draw and reveal of the first portion, the contributions, the end of
       participation, the reveal of the other portions, cancellation);
     - market_rewards.vy: processing (its stages, the reward rule, the
       forfeit), with the notes on how rewards are computed.
     The two others keep no storage of their own.
"""


# ----------------------------------------------------- constants: bounds --

# @dev A test set is split into 2..16 portions.
MIN_PORTIONS: constant(uint256) = 2
MAX_PORTIONS: constant(uint256) = 16

# @dev Most samples in the evaluated test set (one bit per sample in a word).
MAX_TEST_SAMPLES: constant(uint256) = 256

# @dev Most contributions one market accepts. Large on purpose: a party that
#      wants to shut others out must buy every slot, at least one unit
#      (stake / M) and one model update (~120,000 gas) each, so 4096 slots
#      cost it at least 16 stakes and about 490 million gas (docs/MARKET.md,
#      "Slots"). Processing stays linear (2T + 1 reward visits, one replay
#      and one leave-out step per contribution), in bounded calls.
MAX_CONTRIBUTIONS: constant(uint256) = 4096

# @dev Most rounds a bounty may buy (bounty // stake), so that balances fit
#      their 80-bit field: M * (1 + rounds) < 2**8 * 2**65 < 2**80.
MAX_ROUNDS: constant(uint256) = 2**64

# @dev Largest stake, so that balance * stake stays far inside uint256.
MAX_STAKE: constant(uint256) = 2**128

# @dev Most units of work one `process` call may do (a loop bound; the
#      caller's max_steps is capped at this).
MAX_PROCESS_STEPS: constant(uint256) = 4096


# ----------------------------------------------------- constants: phases --

PHASE_SETUP: constant(uint256) = 0           # no commitment yet
PHASE_COMMITTED: constant(uint256) = 1       # waiting for the first portion
PHASE_PARTICIPATION: constant(uint256) = 2   # contributions accepted
PHASE_REVEAL: constant(uint256) = 3          # waiting for the other portions
PHASE_PROCESSING: constant(uint256) = 4      # rewards being computed
PHASE_FINISHED: constant(uint256) = 5        # balances final; withdraw
PHASE_CANCELLED: constant(uint256) = 6       # first portion never revealed

# @dev Units of work while processing.
STAGE_NONE: constant(uint256) = 0
STAGE_SCORE: constant(uint256) = 1    # one test sample scored under h_T
STAGE_REPLAY: constant(uint256) = 2   # one contribution undone: E_{t-1}
STAGE_ROUNDS: constant(uint256) = 3   # one contribution tallied or settled
STAGE_FORFEIT: constant(uint256) = 4  # one contribution's stake refunded
STAGE_LEAVE_OUT: constant(uint256) = 5  # one contribution's account left out of h_T


# ----------------------------------------------------- constants: layout --

# @dev `_state`: bits 0..7 phase, 8..39 number of contributions, 64..127
#      block timestamp at which participation opened. add_data reads and
#      writes this one word.
_PHASE_MASK: constant(uint256) = 2**8 - 1
_COUNT_SHIFT: constant(uint256) = 8
_COUNT_MASK: constant(uint256) = 2**32 - 1
_OPENED_SHIFT: constant(uint256) = 64
_TIME_MASK: constant(uint256) = 2**64 - 1

# @dev One word per contribution:
#      bits   0..159 author
#      bit  160      label (0 or 1)
#      bit  161      the contribution changed the model
#      bit  162      cancelled: one of an exact pair (same sample, opposite
#                    labels) whose updates sum to zero; skipped by the replay
#      bit  163      final balance credited to the author
#      bits 164..175 E_t: test samples h_t gets wrong (set while processing)
#      bits 176..255 balance in units of stake / M (set while processing)
_AUTHOR_MASK: constant(uint256) = 2**160 - 1
_LABEL_BIT: constant(uint256) = 2**160
_UPDATED_BIT: constant(uint256) = 2**161
_CANCELLED_BIT: constant(uint256) = 2**162
_SETTLED_BIT: constant(uint256) = 2**163
_LOSS_SHIFT: constant(uint256) = 164
_LOSS_MASK: constant(uint256) = 2**12 - 1
_BALANCE_SHIFT: constant(uint256) = 176
_LOW_MASK: constant(uint256) = 2**176 - 1


# ------------------------------------------------------------ immutables --

# @dev Wei every contribution stakes.
stake: public(immutable(uint256))

# @dev Seconds after participation opens before the provider may end it
#      (unless min_contributions is reached first).
min_duration_s: public(immutable(uint256))

# @dev Seconds after participation opens after which it is closed and
#      anyone may end it.
max_duration_s: public(immutable(uint256))

# @dev Contributions after which the provider may end participation early.
min_contributions: public(immutable(uint256))

# @dev Seconds after the commitment within which the first portion must be
#      revealed; afterwards anyone may cancel the market.
commit_window_s: public(immutable(uint256))

# @dev Seconds after the end of participation within which the other
#      portions must be revealed; afterwards the bounty is forfeited.
reveal_window_s: public(immutable(uint256))


# --------------------------------------------------------------- storage --

# @dev Phase, contribution count and opening time (layout above).
_state: uint256

# @dev Who committed the test set and staked the bounty.
market_provider: public(address)

# @dev Wei staked by the provider.
bounty: public(uint256)

# @dev Number of committed portions, and their hashes (lib/mechanisms/sparse_market.vy
#      says how a portion is hashed).
num_portions: public(uint256)
_portion_hashes: bytes32[MAX_PORTIONS]

# @dev Block timestamp of the commitment.
committed_at: public(uint256)

# @dev The block whose hash picks the first portion (the one after the
#      commitment's).
random_block: public(uint256)

# @dev Index + 1 of the first portion once drawn, 0 before.
_first_portion: uint256

# @dev The next portion expected in the reveal phase.
next_portion: public(uint256)

# @dev Block timestamp at which participation ended.
ended_at: public(uint256)

# @dev M: samples in the evaluated test set (all portions but the first).
num_test_samples: public(uint256)

# @dev Hash chain over the contributed samples:
#      chain_t = keccak256(abi_encode(chain_{t-1}, data_t)), chain_0 = 0.
#      While processing it walks back: it holds chain_t for the number t of
#      contributions not yet replayed.
_chain: bytes32

# @dev Contribution words, in order (layout above).
_contributions: uint256[MAX_CONTRIBUTIONS]

# @dev keccak256(abi_encode(sample, label)) -> index + 1 of the latest
#      contribution of that sample and label not yet cancelled by one with
#      the opposite label (0: none).
_open: HashMap[bytes32, uint256]

# @dev Account -> its word (its layout is in market_rewards.vy).
_accounts: HashMap[address, uint256]

# @dev What `process` does next, and where it is.
stage: public(uint256)
_cursor: uint256

# @dev E_0: test samples the initial model h_0 gets wrong.
initial_loss: public(uint256)

# @dev R = bounty // stake, the units paid per error removed, while the
#      rewards are computed; 0 once they are settled.
rounds_left: public(uint256)

# @dev The reward pass in progress while stage == STAGE_ROUNDS.
_pass: RewardPass

# @dev Wei each account may withdraw now.
owed: public(HashMap[address, uint256])

# @dev Sum of `owed`: what the contract must hold for credited accounts.
total_owed: public(uint256)

# @dev Wei credited to contributors so far (stakes included).
credited_to_contributors: public(uint256)

# @dev Wei withdrawn so far.
total_withdrawn: public(uint256)

# @dev True once the bounty was forfeited (burned: owed to nobody).
forfeited: public(bool)


# --------------------------------------------------------------- structs --

# @dev The reward computation after the replay: a tally pass over the
#      contributions, then a settling pass (market_rewards.vy).
struct RewardPass:
    settling: bool              # false: tallying; true: crediting
    previous_loss: uint256      # E before the contribution at the cursor
    positive: uint256           # sum of the positive scores
    pool: uint256               # units shared by the positive scores
    final_loss: uint256         # E_T


# ---------------------------------------------------------------- events --

event Finished:
    initial_loss: uint256
    final_loss: uint256
    provider_payout: uint256


event Withdrawal:
    account: indexed(address)
    amount: uint256


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _stake: uint256,
    _min_duration_s: uint256,
    _max_duration_s: uint256,
    _min_contributions: uint256,
    _commit_window_s: uint256,
    _reveal_window_s: uint256,
):
    assert _stake > 0, "prediction_market: stake must be positive"
    assert _stake <= MAX_STAKE, "prediction_market: stake too large"
    assert _max_duration_s > 0, "prediction_market: participation needs a deadline"
    assert _min_duration_s <= _max_duration_s, "prediction_market: minimum duration exceeds the deadline"
    assert _min_contributions <= MAX_CONTRIBUTIONS, "prediction_market: minimum contributions too large"
    assert _commit_window_s > 0, "prediction_market: commit window must be positive"
    assert _reveal_window_s > 0, "prediction_market: reveal window must be positive"
    stake = _stake
    min_duration_s = _min_duration_s
    max_duration_s = _max_duration_s
    min_contributions = _min_contributions
    commit_window_s = _commit_window_s
    reveal_window_s = _reveal_window_s


# ------------------------------------------------------- external: views --

@external
@view
def phase() -> uint256:
    """
    @notice The market's phase: 0 setup, 1 committed (waiting for the first
            portion), 2 participation, 3 reveal, 4 processing, 5 finished,
            6 cancelled.
    @return The phase number.
    """
    return self._state & _PHASE_MASK


@external
@view
def num_contributions() -> uint256:
    """
    @notice Contributions accepted so far.
    @return Their number.
    """
    return (self._state >> _COUNT_SHIFT) & _COUNT_MASK


@external
@view
def contribution(index: uint256) -> (address, uint64, bool, bool, bool, uint256, uint256):
    """
    @notice A contribution's record.
    @param index Its position (0 = first contribution).
    @return author, label, whether it changed the model, whether it was
            cancelled (one of an exact pair of opposite labels), whether its
            balance was credited,
            E_t (test errors of the model right after it; set while
            processing), balance in units of stake / M (set while processing).
    """
    assert index < (self._state >> _COUNT_SHIFT) & _COUNT_MASK, "prediction_market: no such contribution"
    word: uint256 = self._contributions[index]
    return (
        convert(word & _AUTHOR_MASK, address),
        convert((word >> 160) & 1, uint64),
        word & _UPDATED_BIT != 0,
        word & _CANCELLED_BIT != 0,
        word & _SETTLED_BIT != 0,
        (word >> _LOSS_SHIFT) & _LOSS_MASK,
        word >> _BALANCE_SHIFT,
    )


@external
@view
def chain_head() -> bytes32:
    """
    @notice The contribution hash chain: chain_T during participation;
            while replaying, chain_t for the t contributions not yet replayed.
    @return The chain value.
    """
    return self._chain


@external
@view
def next_deposit() -> uint256:
    """
    @notice The stake `add_data` requires.
    @return Wei.
    """
    return stake


# -------------------------------------------------------------- internal --

@internal
@view
def _phase() -> uint256:
    return self._state & _PHASE_MASK


@internal
@view
def _count() -> uint256:
    return (self._state >> _COUNT_SHIFT) & _COUNT_MASK


@internal
def _set_phase(new_phase: uint256):
    self._state = (self._state & ~_PHASE_MASK) | new_phase


@internal
def _credit(account: address, amount: uint256):
    if amount == 0:
        return
    self.owed[account] += amount
    self.total_owed += amount


@internal
def _withdraw() -> uint256:
    """
    @dev Debit everything `msg.sender` is owed; the caller pays it out.
    """
    amount: uint256 = self.owed[msg.sender]
    assert amount > 0, "prediction_market: nothing to withdraw"
    self.owed[msg.sender] = 0
    self.total_owed -= amount
    self.total_withdrawn += amount
    log Withdrawal(account=msg.sender, amount=amount)
    return amount
