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
@dev Rewards (issue 11; docs/MARKET.md argues the rule):
     E_t is the number of test samples that h_t (the model after the first t
     contributions) gets wrong, M the test-set size, so the loss is E_t / M.
     Every contribution changes the model (the trainer refuses samples the
     model already predicts). A contribution that undoes exactly an earlier
     uncancelled one (same sample, opposite label: the two perceptron
     updates sum to zero) cancels it: both are flagged at `add_data` and the
     replay skips them, so the E_t are those of the sequence without them.
     Each contribution is scored once by its own effect,
         s_t = E_{t-1} - E_t,
     nothing is ever charged to a neighbour. Each account a is then capped
     by G_a = E(h_T minus all a's updates) - E_T, the errors its updates
     still remove from the final model (measured in the leave-out stage):
     a positive s_t counts for e_t = min(s_t, what is left of G_a), first
     come first served. Balances are in units of stake / M (one stake = M):
     G_a < 0 or s_t < 0 gets 0 (the stake goes to the pool), e_t = 0 gets
     M - 1 (one unit to the pool), e_t > 0 gets
     M + min(R * e_t, floor(pool * e_t / S+)), S+ the sum of the e_t, R =
     bounty // stake and
         pool = R * max(0, E_0 - E_T) + units forfeited,
     so contributors gain beyond their stakes at most
     bounty * max(0, E_0 - E_T) / M. A tally pass computes S+ and the pool,
     a settling pass credits floor(b_t * stake / M) wei each (rounded down,
     in the contract's favour); the provider gets bounty + stakes - all
     payouts. decai/market/reward.py holds the reference implementation
     that the contract matches exactly.
"""


# --------------------------------------------------------------- imports --

from ..common import constants


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

# @dev One word per contributing account, written while processing (zero
#      before its account is left out of h_T):
#      bit   0      set: measured
#      bits 16..27  G_a + 2048: E(h_T without the account's updates) - E_T
#      bits 32..43  errors still payable in the tally pass
#      bits 48..59  errors still payable in the settling pass
_ACC_DONE: constant(uint256) = 1
_ACC_GAIN_SHIFT: constant(uint256) = 16
_ACC_GAIN_OFFSET: constant(uint256) = 2048
_ACC_GAIN_MASK: constant(uint256) = 2**12 - 1
_ACC_TALLY_SHIFT: constant(uint256) = 32
_ACC_SETTLE_SHIFT: constant(uint256) = 48
_ACC_LEFT_MASK: constant(uint256) = 2**12 - 1


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

# @dev Account -> its word (layout above).
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
#      contributions, then a settling pass (module notes).
struct RewardPass:
    settling: bool              # false: tallying; true: crediting
    previous_loss: uint256      # E before the contribution at the cursor
    positive: uint256           # sum of the positive scores
    pool: uint256               # units shared by the positive scores
    final_loss: uint256         # E_T


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
    portion_hashes: DynArray[bytes32, MAX_PORTIONS]
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


event Forfeited:
    caller: indexed(address)
    burned: uint256


event Settled:
    index: uint256
    author: indexed(address)
    balance: uint256
    payout: uint256


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


# -------------------------------------------------------------- external --

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
def account(who: address) -> (bool, int256):
    """
    @notice What the final model owes an account's updates, once processing
            has measured it.
    @param who The account.
    @return whether it has been measured, and G_a = E(h_T without its
            updates) - E_T: the test errors its updates still remove from
            the final model (negative: they add errors).
    """
    word: uint256 = self._accounts[who]
    if word == 0:
        return False, 0
    return True, convert((word >> _ACC_GAIN_SHIFT) & _ACC_GAIN_MASK, int256) - convert(_ACC_GAIN_OFFSET, int256)


@external
@view
def opened_at() -> uint256:
    """
    @notice When participation opened (0 before).
    @return A block timestamp.
    """
    return (self._state >> _OPENED_SHIFT) & _TIME_MASK


@external
@view
def commit_deadline() -> uint256:
    """
    @notice Until when (exclusive) the first portion may be revealed.
    @return A block timestamp (0 before the commitment).
    """
    if self.committed_at == 0:
        return 0
    return self.committed_at + commit_window_s


@external
@view
def participation_deadline() -> uint256:
    """
    @notice Until when (exclusive) contributions are accepted.
    @return A block timestamp (0 before participation opens).
    """
    opened: uint256 = (self._state >> _OPENED_SHIFT) & _TIME_MASK
    if opened == 0:
        return 0
    return opened + max_duration_s


@external
@view
def reveal_deadline() -> uint256:
    """
    @notice Until when (exclusive) the other portions may be revealed.
    @return A block timestamp (0 before participation ends).
    """
    if self.ended_at == 0:
        return 0
    return self.ended_at + reveal_window_s


@external
@view
def portion_hash(index: uint256) -> bytes32:
    """
    @notice The committed hash of a test-set portion.
    @param index Portion index.
    @return Its hash.
    """
    assert index < self.num_portions, "prediction_market: no such portion"
    return self._portion_hashes[index]


@external
@view
def first_portion() -> (bool, uint256):
    """
    @notice Which portion had to be revealed first.
    @return Whether it has been drawn, and its index (0 if not drawn).
    """
    drawn: uint256 = self._first_portion
    if drawn == 0:
        return False, 0
    return True, drawn - 1


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
def processing_cursor() -> uint256:
    """
    @notice Progress within the current stage: the next test sample (score),
            the number of contributions not yet replayed (replay), or the
            next contribution to visit (rounds, forfeit).
    @return The cursor.
    """
    return self._cursor


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
def current_pass() -> RewardPass:
    """
    @notice The state of the reward pass in progress.
    @return The pass record.
    """
    return self._pass


@external
@view
def next_deposit() -> uint256:
    """
    @notice The stake `add_data` requires.
    @return Wei.
    """
    return stake


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
    assert self._state & _PHASE_MASK == PHASE_COMMITTED, "prediction_market: not awaiting the first portion"
    assert self._first_portion == 0, "prediction_market: first portion already drawn"
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
    assert self._state & _PHASE_MASK == PHASE_COMMITTED, "prediction_market: nothing to cancel"
    if msg.sender != self.market_provider:
        expired: bool = self._first_portion == 0 and block.number > self.random_block + 256
        assert expired or block.timestamp >= self.committed_at + commit_window_s, "prediction_market: commit window not over"
    self._set_phase(PHASE_CANCELLED)
    self._credit(self.market_provider, self.bounty)
    log Cancelled(caller=msg.sender)


@external
def end_participation():
    """
    @notice Close participation. The provider may do so once the minimum
            duration has passed or the minimum number of contributions is
            reached; anyone may after the deadline. Without contributions the
            market finishes at once and the bounty goes back to the provider.
    """
    state: uint256 = self._state
    assert state & _PHASE_MASK == PHASE_PARTICIPATION, "prediction_market: participation is not open"
    opened: uint256 = (state >> _OPENED_SHIFT) & _TIME_MASK
    count: uint256 = (state >> _COUNT_SHIFT) & _COUNT_MASK
    if block.timestamp < opened + max_duration_s:
        assert msg.sender == self.market_provider, "prediction_market: only the provider may end before the deadline"
        assert block.timestamp >= opened + min_duration_s or count >= min_contributions, "prediction_market: too early to end"
    self.ended_at = block.timestamp
    log ParticipationEnded(ended_at=block.timestamp, contributions=count, reveal_deadline=block.timestamp + reveal_window_s)
    if count == 0:
        self._set_phase(PHASE_FINISHED)
        self._credit(self.market_provider, self.bounty)
        log Finished(initial_loss=0, final_loss=0, provider_payout=self.bounty)
    else:
        self._set_phase(PHASE_REVEAL)


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


@internal
@payable
def _commit(portion_hashes: DynArray[bytes32, MAX_PORTIONS]):
    """
    @dev The caller (checked by the trainer to be the owner) becomes the
         provider; msg.value is the bounty.
    """
    assert self._state & _PHASE_MASK == PHASE_SETUP, "prediction_market: already committed"
    assert len(portion_hashes) >= MIN_PORTIONS, "prediction_market: at least two portions"
    assert msg.value >= stake, "prediction_market: bounty below one stake"
    assert msg.value // stake <= MAX_ROUNDS, "prediction_market: bounty buys too many rounds"
    for i: uint256 in range(len(portion_hashes), bound=MAX_PORTIONS):
        self._portion_hashes[i] = portion_hashes[i]
    self.market_provider = msg.sender
    self.bounty = msg.value
    self.num_portions = len(portion_hashes)
    self.committed_at = block.timestamp
    self.random_block = block.number + 1
    self._set_phase(PHASE_COMMITTED)
    log Committed(provider=msg.sender, bounty=msg.value, portion_hashes=portion_hashes, random_block=block.number + 1)


@internal
def _draw() -> uint256:
    drawn: uint256 = self._first_portion
    if drawn != 0:
        return drawn - 1
    target: uint256 = self.random_block
    assert block.number > target, "prediction_market: randomness not available yet"
    assert block.number - target <= 256, "prediction_market: draw expired"
    index: uint256 = convert(blockhash(target), uint256) % self.num_portions
    self._first_portion = index + 1
    log FirstPortionDrawn(index=index, random_block=target)
    return index


@internal
def _accept_first_portion(index: uint256, portion_hash: bytes32):
    """
    @dev Check the provider's reveal of the first portion (drawing it if
         nobody has) and open participation.
    """
    assert self._state & _PHASE_MASK == PHASE_COMMITTED, "prediction_market: not awaiting the first portion"
    assert msg.sender == self.market_provider, "prediction_market: caller is not the provider"
    assert block.timestamp < self.committed_at + commit_window_s, "prediction_market: commit window over"
    drawn: uint256 = self._draw()
    assert index == drawn, "prediction_market: wrong portion"
    assert portion_hash == self._portion_hashes[index], "prediction_market: portion does not match its hash"
    next_index: uint256 = 0
    if drawn == 0:
        next_index = 1
    self.next_portion = next_index
    self._state = PHASE_PARTICIPATION | (block.timestamp << _OPENED_SHIFT)
    log ParticipationOpened(opened_at=block.timestamp, deadline=block.timestamp + max_duration_s)


@internal
@view
def _check_open():
    state: uint256 = self._state
    assert state & _PHASE_MASK == PHASE_PARTICIPATION, "prediction_market: participation is not open"
    assert block.timestamp < ((state >> _OPENED_SHIFT) & _TIME_MASK) + max_duration_s, "prediction_market: participation deadline passed"
    assert (state >> _COUNT_SHIFT) & _COUNT_MASK < MAX_CONTRIBUTIONS, "prediction_market: contribution limit reached"


@internal
@payable
def _record(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64, updated: bool) -> uint256:
    """
    @dev Record a contribution by msg.sender (after `_check_open` and the
         model update). Returns the stake kept; the trainer sends back the
         rest of msg.value.
    """
    assert msg.value >= stake, "prediction_market: stake too low"
    state: uint256 = self._state
    count: uint256 = (state >> _COUNT_SHIFT) & _COUNT_MASK
    word: uint256 = convert(msg.sender, uint256)
    if label == 1:
        word |= _LABEL_BIT
    if updated:
        word |= _UPDATED_BIT
        # An update with the opposite label of an earlier, uncancelled update
        # of the same sample undoes it exactly: both are cancelled, and the
        # replay skips them, as if neither had been made.
        opposite: bytes32 = keccak256(abi_encode(data, 1 - label))
        earlier: uint256 = self._open[opposite]
        if earlier != 0:
            self._open[opposite] = 0
            self._contributions[earlier - 1] |= _CANCELLED_BIT
            word |= _CANCELLED_BIT
        else:
            self._open[keccak256(abi_encode(data, label))] = count + 1
    self._contributions[count] = word
    self._chain = keccak256(abi_encode(self._chain, data))
    # count < MAX_CONTRIBUTIONS (checked in _check_open): no carry out of the field.
    self._state = state + (1 << _COUNT_SHIFT)
    log AddData(sender=msg.sender, data=data, label=label, added_time=block.timestamp, deposit=stake)
    return stake


@internal
def _accept_portion(index: uint256, portion_hash: bytes32, samples: uint256):
    """
    @dev Check one reveal of the reveal phase; once the last portion is in,
         processing starts.
    """
    assert self._state & _PHASE_MASK == PHASE_REVEAL, "prediction_market: not revealing"
    assert msg.sender == self.market_provider, "prediction_market: caller is not the provider"
    assert block.timestamp < self.ended_at + reveal_window_s, "prediction_market: reveal deadline passed"
    assert index == self.next_portion, "prediction_market: portion revealed out of order"
    assert portion_hash == self._portion_hashes[index], "prediction_market: portion does not match its hash"
    self.num_test_samples += samples
    next_index: uint256 = index + 1
    if next_index == self._first_portion - 1:
        next_index += 1
    self.next_portion = next_index
    if next_index >= self.num_portions:
        self._set_phase(PHASE_PROCESSING)
        self.stage = STAGE_SCORE
        self._cursor = 0


@internal
def _begin_processing():
    """
    @dev Entry check of `process`. A reveal phase whose deadline has passed
         turns into the forfeit: every contribution will be credited its
         stake plus bounty // T.
    """
    current: uint256 = self._state & _PHASE_MASK
    if current == PHASE_REVEAL:
        assert block.timestamp >= self.ended_at + reveal_window_s, "prediction_market: reveal window still open"
        self._set_phase(PHASE_PROCESSING)
        self.stage = STAGE_FORFEIT
        self._cursor = 0
        self.forfeited = True
        log Forfeited(caller=msg.sender, burned=self.bounty)
        return
    assert current == PHASE_PROCESSING, "prediction_market: nothing to process"


@internal
def _finish_scoring(final_loss: uint256):
    """
    @dev h_T is scored: record E_T for the last contribution; replay next.
    """
    count: uint256 = self._count()
    self._set_loss(count - 1, final_loss)
    self.stage = STAGE_REPLAY
    self._cursor = count


@internal
def _left_out(who: address, gain: int256):
    """
    @dev Record G_a for an account (checked by the caller to be its first
         leave-out): it may be paid for at most max(0, G_a) errors.
    """
    # |G_a| <= MAX_TEST_SAMPLES < 2048: fits its field.
    left: uint256 = convert(max(gain, 0), uint256)
    self._accounts[who] = (
        _ACC_DONE
        | (convert(gain + convert(_ACC_GAIN_OFFSET, int256), uint256) << _ACC_GAIN_SHIFT)
        | (left << _ACC_TALLY_SHIFT)
        | (left << _ACC_SETTLE_SHIFT)
    )


@internal
def _start_leave_out(loss_0: uint256):
    """
    @dev Every E_t is known: measure each account's G_a next (the cursor
         walks the contributions; an account is measured at its first).
    """
    self.initial_loss = loss_0
    self.stage = STAGE_LEAVE_OUT
    self._cursor = 0


@internal
def _set_loss(index: uint256, loss: uint256):
    """
    @dev E after contribution `index`, and its starting balance of one stake.
    """
    # loss <= MAX_TEST_SAMPLES < 2**12 and M <= 2**8: both fit their fields.
    word: uint256 = self._contributions[index] & (2**_LOSS_SHIFT - 1)
    self._contributions[index] = word | (loss << _LOSS_SHIFT) | (self.num_test_samples << _BALANCE_SHIFT)


@internal
def _start_rounds():
    """
    @dev Every E_t and G_a is known: start the tally pass.
    """
    loss_0: uint256 = self.initial_loss
    self.stage = STAGE_ROUNDS
    self._cursor = 0
    self.rounds_left = self.bounty // stake
    count: uint256 = self._count()
    self._pass = RewardPass(
        settling=False,
        previous_loss=loss_0,
        positive=0,
        pool=0,
        final_loss=(self._contributions[count - 1] >> _LOSS_SHIFT) & _LOSS_MASK,
    )


@internal
def _settle(index: uint256, word: uint256, balance: uint256, m: uint256):
    """
    @dev Make a contribution's balance final and credit its payout,
         floor(balance * stake / M), rounded down in the contract's favour.
    """
    self._contributions[index] = (word & _LOW_MASK) | _SETTLED_BIT | (balance << _BALANCE_SHIFT)
    payout: uint256 = balance * stake // m
    author: address = convert(word & _AUTHOR_MASK, address)
    self._credit(author, payout)
    self.credited_to_contributors += payout
    log Settled(index=index, author=author, balance=balance, payout=payout)


@internal
def _rounds(steps: uint256) -> uint256:
    """
    @dev Up to `steps` visits of the two reward passes (module notes):
         the tally pass sums the positive scores and the units forfeited,
         the settling pass credits every contribution. Returns the steps
         not used.
    """
    p: RewardPass = self._pass
    count: uint256 = self._count()
    m: uint256 = self.num_test_samples
    rounds: uint256 = self.rounds_left
    index: uint256 = self._cursor
    left: uint256 = steps
    finished: bool = False
    for _: uint256 in range(steps, bound=MAX_PROCESS_STEPS):
        left -= 1
        if index < count:
            word: uint256 = self._contributions[index]
            loss: uint256 = (word >> _LOSS_SHIFT) & _LOSS_MASK
            previous: uint256 = p.previous_loss
            p.previous_loss = loss
            # The author's account: an account whose updates make h_T worse
            # (G_a < 0) forfeits every stake; otherwise its positive scores
            # count, first come first served, for at most G_a errors.
            author: address = convert(word & _AUTHOR_MASK, address)
            account: uint256 = self._accounts[author]
            harmful: bool = previous < loss or (account >> _ACC_GAIN_SHIFT) & _ACC_GAIN_MASK < _ACC_GAIN_OFFSET
            effective: uint256 = 0
            if not harmful and previous > loss:
                lane: uint256 = _ACC_TALLY_SHIFT
                if p.settling:
                    lane = _ACC_SETTLE_SHIFT
                effective = min(previous - loss, (account >> lane) & _ACC_LEFT_MASK)
                if effective > 0:
                    self._accounts[author] = account - (effective << lane)
            if not p.settling:
                if harmful:
                    p.pool += m
                elif effective > 0:
                    p.positive += effective
                else:
                    p.pool += 1
            else:
                balance: uint256 = 0
                if effective > 0:
                    # At most R units per error, so an account gains at most
                    # R * G_a; rounded down: the dust goes to the provider.
                    # pool < 2**73, R <= 2**64 and a score <= 256: no overflow.
                    balance = m + min(rounds * effective, p.pool * effective // p.positive)
                elif not harmful:
                    balance = m - 1
                self._settle(index, word, balance, m)
            index += 1
        elif not p.settling:
            # End of the tally: the pool is the bounty's share for the
            # improvement of h_T over h_0 plus the units forfeited.
            loss_0: uint256 = self.initial_loss
            if loss_0 > p.final_loss:
                p.pool += self.rounds_left * (loss_0 - p.final_loss)
            p.settling = True
            p.previous_loss = loss_0
            index = 0
        else:
            finished = True
            break
    if finished or (p.settling and index == count):
        self.rounds_left = 0
        self._finish(self.initial_loss, p.final_loss, count)
    else:
        self._pass = p
        self._cursor = index
    return left


@internal
def _settle_forfeit(steps: uint256) -> uint256:
    """
    @dev Up to `steps` contributions credited their stake back. The bounty
         is burned (it stays in the contract, owed to nobody), so that
         not revealing costs the provider the whole bounty whatever
         addresses contributed. Returns the steps not used.
    """
    count: uint256 = self._count()
    index: uint256 = self._cursor
    left: uint256 = steps
    for _: uint256 in range(steps, bound=MAX_PROCESS_STEPS):
        if index == count:
            break
        left -= 1
        word: uint256 = self._contributions[index]
        self._contributions[index] = word | _SETTLED_BIT
        author: address = convert(word & _AUTHOR_MASK, address)
        self._credit(author, stake)
        self.credited_to_contributors += stake
        log Settled(index=index, author=author, balance=0, payout=stake)
        index += 1
    self._cursor = index
    if index == count:
        self._finish(0, 0, count)
    return left


@internal
def _finish(loss_0: uint256, loss_last: uint256, count: uint256):
    """
    @dev Every contribution is credited: the provider gets the rest of the
         bounty and the stakes, which is never negative because payouts sum
         to at most (T + bounty // stake) * stake.
    """
    total: uint256 = count * stake
    if not self.forfeited:
        total += self.bounty
    remainder: uint256 = total - self.credited_to_contributors
    self._credit(self.market_provider, remainder)
    self._set_phase(PHASE_FINISHED)
    self.stage = STAGE_NONE
    self._cursor = 0
    log Finished(initial_loss=loss_0, final_loss=loss_last, provider_payout=remainder)
