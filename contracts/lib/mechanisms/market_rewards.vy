# pragma version 0.4.3
"""
@title Prediction market: the rewards
@notice Processing, once the test set is revealed: the stages of `process`
        and `replay` (in sparse_market.vy and sparse_replay.vy) record the
        losses E_t through `_finish_scoring`, `_set_loss` and
        `_start_leave_out`, each account's G_a through `_left_out`; then
        `_rounds` runs the two reward passes and credits every
        contribution. A forfeited market credits each stake back instead
        (`_settle_forfeit`). `_finish` credits the provider the rest.
@dev Rewards (docs/MARKET.md argues the rule):
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
     Holds no storage of its own: the record it writes is
     prediction_market.vy's (the account words are laid out below).
"""


# --------------------------------------------------------------- imports --

from . import prediction_market as market


# ------------------------------------------------------------------ uses --

uses: market


# ----------------------------------------------------- constants: layout --

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


# ---------------------------------------------------------------- events --

event Forfeited:
    caller: indexed(address)
    burned: uint256


event Settled:
    index: uint256
    author: indexed(address)
    balance: uint256
    payout: uint256


# ------------------------------------------------------- external: views --

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
    word: uint256 = market._accounts[who]
    if word == 0:
        return False, 0
    return True, convert((word >> _ACC_GAIN_SHIFT) & _ACC_GAIN_MASK, int256) - convert(_ACC_GAIN_OFFSET, int256)


@external
@view
def processing_cursor() -> uint256:
    """
    @notice Progress within the current stage: the next test sample (score),
            the number of contributions not yet replayed (replay), or the
            next contribution to visit (rounds, forfeit).
    @return The cursor.
    """
    return market._cursor


@external
@view
def current_pass() -> market.RewardPass:
    """
    @notice The state of the reward pass in progress.
    @return The pass record.
    """
    return market._pass


# -------------------------------------------------------------- internal --

@internal
def _begin_processing():
    """
    @dev Entry check of `process`. A reveal phase whose deadline has passed
         turns into the forfeit: every contribution will be credited its
         stake plus bounty // T.
    """
    current: uint256 = market._state & market._PHASE_MASK
    if current == market.PHASE_REVEAL:
        assert block.timestamp >= market.ended_at + market.reveal_window_s, "prediction_market: reveal window still open"
        market._set_phase(market.PHASE_PROCESSING)
        market.stage = market.STAGE_FORFEIT
        market._cursor = 0
        market.forfeited = True
        log Forfeited(caller=msg.sender, burned=market.bounty)
        return
    assert current == market.PHASE_PROCESSING, "prediction_market: nothing to process"


@internal
def _finish_scoring(final_loss: uint256):
    """
    @dev h_T is scored: record E_T for the last contribution; replay next.
    """
    count: uint256 = market._count()
    self._set_loss(count - 1, final_loss)
    market.stage = market.STAGE_REPLAY
    market._cursor = count


@internal
def _left_out(who: address, gain: int256):
    """
    @dev Record G_a for an account (checked by the caller to be its first
         leave-out): it may be paid for at most max(0, G_a) errors.
    """
    # |G_a| <= MAX_TEST_SAMPLES < 2048: fits its field.
    left: uint256 = convert(max(gain, 0), uint256)
    market._accounts[who] = (
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
    market.initial_loss = loss_0
    market.stage = market.STAGE_LEAVE_OUT
    market._cursor = 0


@internal
def _set_loss(index: uint256, loss: uint256):
    """
    @dev E after contribution `index`, and its starting balance of one stake.
    """
    # loss <= MAX_TEST_SAMPLES < 2**12 and M <= 2**8: both fit their fields.
    word: uint256 = market._contributions[index] & (2**market._LOSS_SHIFT - 1)
    market._contributions[index] = word | (loss << market._LOSS_SHIFT) | (market.num_test_samples << market._BALANCE_SHIFT)


@internal
def _start_rounds():
    """
    @dev Every E_t and G_a is known: start the tally pass.
    """
    loss_0: uint256 = market.initial_loss
    market.stage = market.STAGE_ROUNDS
    market._cursor = 0
    market.rounds_left = market.bounty // market.stake
    count: uint256 = market._count()
    market._pass = market.RewardPass(
        settling=False,
        previous_loss=loss_0,
        positive=0,
        pool=0,
        final_loss=(market._contributions[count - 1] >> market._LOSS_SHIFT) & market._LOSS_MASK,
    )


@internal
def _settle(index: uint256, word: uint256, balance: uint256, m: uint256):
    """
    @dev Make a contribution's balance final and credit its payout,
         floor(balance * stake / M), rounded down in the contract's favour.
    """
    market._contributions[index] = (word & market._LOW_MASK) | market._SETTLED_BIT | (balance << market._BALANCE_SHIFT)
    payout: uint256 = balance * market.stake // m
    author: address = convert(word & market._AUTHOR_MASK, address)
    market._credit(author, payout)
    market.credited_to_contributors += payout
    log Settled(index=index, author=author, balance=balance, payout=payout)


@internal
def _rounds(steps: uint256) -> uint256:
    """
    @dev Up to `steps` visits of the two reward passes (module notes):
         the tally pass sums the positive scores and the units forfeited,
         the settling pass credits every contribution. Returns the steps
         not used.
    """
    p: market.RewardPass = market._pass
    count: uint256 = market._count()
    m: uint256 = market.num_test_samples
    rounds: uint256 = market.rounds_left
    index: uint256 = market._cursor
    left: uint256 = steps
    finished: bool = False
    for _: uint256 in range(steps, bound=market.MAX_PROCESS_STEPS):
        left -= 1
        if index < count:
            word: uint256 = market._contributions[index]
            loss: uint256 = (word >> market._LOSS_SHIFT) & market._LOSS_MASK
            previous: uint256 = p.previous_loss
            p.previous_loss = loss
            # The author's account: an account whose updates make h_T worse
            # (G_a < 0) forfeits every stake; otherwise its positive scores
            # count, first come first served, for at most G_a errors.
            author: address = convert(word & market._AUTHOR_MASK, address)
            account: uint256 = market._accounts[author]
            harmful: bool = previous < loss or (account >> _ACC_GAIN_SHIFT) & _ACC_GAIN_MASK < _ACC_GAIN_OFFSET
            effective: uint256 = 0
            if not harmful and previous > loss:
                lane: uint256 = _ACC_TALLY_SHIFT
                if p.settling:
                    lane = _ACC_SETTLE_SHIFT
                effective = min(previous - loss, (account >> lane) & _ACC_LEFT_MASK)
                if effective > 0:
                    market._accounts[author] = account - (effective << lane)
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
            loss_0: uint256 = market.initial_loss
            if loss_0 > p.final_loss:
                p.pool += market.rounds_left * (loss_0 - p.final_loss)
            p.settling = True
            p.previous_loss = loss_0
            index = 0
        else:
            finished = True
            break
    if finished or (p.settling and index == count):
        market.rounds_left = 0
        self._finish(market.initial_loss, p.final_loss, count)
    else:
        market._pass = p
        market._cursor = index
    return left


@internal
def _settle_forfeit(steps: uint256) -> uint256:
    """
    @dev Up to `steps` contributions credited their stake back. The bounty
         is burned (it stays in the contract, owed to nobody), so that
         not revealing costs the provider the whole bounty whatever
         addresses contributed. Returns the steps not used.
    """
    count: uint256 = market._count()
    index: uint256 = market._cursor
    left: uint256 = steps
    for _: uint256 in range(steps, bound=market.MAX_PROCESS_STEPS):
        if index == count:
            break
        left -= 1
        word: uint256 = market._contributions[index]
        market._contributions[index] = word | market._SETTLED_BIT
        author: address = convert(word & market._AUTHOR_MASK, address)
        market._credit(author, market.stake)
        market.credited_to_contributors += market.stake
        log Settled(index=index, author=author, balance=0, payout=market.stake)
        index += 1
    market._cursor = index
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
    total: uint256 = count * market.stake
    if not market.forfeited:
        total += market.bounty
    remainder: uint256 = total - market.credited_to_contributors
    market._credit(market.market_provider, remainder)
    market._set_phase(market.PHASE_FINISHED)
    market.stage = market.STAGE_NONE
    market._cursor = 0
    log market.Finished(initial_loss=loss_0, final_loss=loss_last, provider_payout=remainder)
