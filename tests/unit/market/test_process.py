"""Processing: scoring h_T, replaying the contributions backwards, the reward
passes, and the payouts; all must equal the Python reference, whatever the
step size."""

import ape
import pytest

from decai.market.encoding import ZERO_HASH, pack_uint32
from decai.market.reward import leave_out_gains, replay_losses, reward_balances, settle
from tests.helpers.market import BOUNTY, HOUR, STAKE, advance, contribute, initial_model


@pytest.fixture
def mixed(open_market, contributors, provider, portions, chain):
    """Ten contributions, honest and harmful, revealed and ready to process."""
    contribute(open_market, contributors, 6, seed=11)
    contribute(open_market, contributors, 4, seed=12, harmful=True)
    advance(chain, HOUR)
    open_market.end_participation(sender=provider)
    open_market.reveal_rest(portions, sender=provider)
    return open_market


def evaluated_test_set(market, portions):
    first = int(market.contract.first_portion()[1])
    rest = [p for i, p in enumerate(portions) if i != first]
    return [s for p in rest for s in p.samples], [label for p in rest for label in p.labels]


@pytest.mark.parametrize("steps", [1, 4, 1000])
def test_rewards_match_the_reference(mixed, portions, provider, contributors, stranger, chain, steps):
    c = mixed.contract
    mixed.keep(sender=stranger, max_steps=steps)
    assert mixed.phase == "finished" and not c.forfeited()

    samples, labels = evaluated_test_set(mixed, portions)
    contributions = mixed.contributions()
    losses = replay_losses(initial_model(), [(x.data, x.label) for x in contributions], samples, labels)
    assert mixed.losses() == losses
    authors = [x.author for x in contributions]
    gains = leave_out_gains(initial_model(), [(x.data, x.label) for x in contributions], authors, samples, labels)
    assert {a: tuple(c.account(a)) for a in gains} == {a: (True, gain) for a, gain in gains.items()}
    result = reward_balances(losses, len(samples), BOUNTY // STAKE, authors, gains)
    records = [c.contribution(i) for i in range(len(contributions))]
    assert tuple(r[6] for r in records) == result.balances
    assert not any(r[3] for r in records)  # no exact pairs here
    assert all(r[4] for r in records)

    settlement = settle(authors, losses, len(samples), STAKE, BOUNTY, provider.address, gains)
    for account, amount in settlement.owed.items():
        assert c.owed(account) == amount
    assert c.total_owed() == BOUNTY + STAKE * len(contributions) == chain.provider.get_balance(c.address)

    paid = {account: mixed.withdraw(sender=account) for account in [provider, *contributors] if c.owed(account)}
    assert sum(paid.values()) == BOUNTY + STAKE * len(contributions)
    assert chain.provider.get_balance(c.address) == 0 and c.total_owed() == 0
    gain = sum(settlement.payouts) - STAKE * len(contributions)
    assert gain * len(samples) <= BOUNTY * max(0, losses[0] - losses[-1])


def test_process__in_replay_stage__reverts(processing, stranger):
    while processing.stage == "score":
        processing.process(100, sender=stranger)
    with ape.reverts("prediction_market: replay stage: call replay"):
        processing.contract.process(1, sender=stranger)


def test_replay__outside_replay_stage__reverts(processing, stranger):
    with ape.reverts("prediction_market: not replaying"):
        processing.contract.replay([], [], ZERO_HASH, sender=stranger)


def test_process__zero_steps__reverts(processing, stranger):
    with ape.reverts("prediction_market: max_steps must be positive"):
        processing.contract.process(0, sender=stranger)


@pytest.fixture
def replaying(processing, stranger):
    while processing.stage == "score":
        processing.process(100, sender=stranger)
    return processing


def test_replay__wrong_sample__reverts(replaying, stranger):
    features, lengths, chain_before = replaying.replay_args(2)
    words = list(features)
    words[0] ^= 1  # another feature in the first sample
    with ape.reverts("prediction_market: samples do not match the contributions"):
        replaying.contract.replay(words, lengths, chain_before, sender=stranger)


def test_replay__wrong_chain__reverts(replaying, stranger):
    features, lengths, _ = replaying.replay_args(2)
    with ape.reverts("prediction_market: samples do not match the contributions"):
        replaying.contract.replay(features, lengths, b"\x01" * 32, sender=stranger)


def test_replay__first_contribution_needs_the_zero_chain(replaying, stranger):
    contributions = replaying.contributions()
    features = pack_uint32([f for x in contributions for f in x.data])
    lengths = [len(x.data) for x in contributions]
    # Claiming a non-zero chain before the first contribution would need a
    # preimage; the contract insists on zero anyway.
    with ape.reverts("prediction_market: samples do not match the contributions"):
        replaying.contract.replay(features, lengths, b"\x02" * 32, sender=stranger)


def test_replay__lengths_do_not_match__reverts(replaying, stranger):
    features, lengths, chain_before = replaying.replay_args(2)
    with ape.reverts("prediction_market: lengths do not match the samples"):
        replaying.contract.replay(features, [lengths[0] + 100, lengths[1]], chain_before, sender=stranger)
    with ape.reverts("prediction_market: lengths do not match the samples"):
        replaying.contract.replay(features + [0], lengths, chain_before, sender=stranger)


def test_replay__sample_too_long__reverts(replaying, stranger):
    features, lengths, chain_before = replaying.replay_args(1)
    with ape.reverts("prediction_market: replay sample too long"):
        replaying.contract.replay(features + [0] * 16, [129], chain_before, sender=stranger)


def test_replay__too_many_samples__reverts(replaying, stranger):
    count = int(replaying.contract.num_contributions())
    with ape.reverts("prediction_market: more samples than contributions left"):
        replaying.contract.replay([0], [0] * (count + 1), ZERO_HASH, sender=stranger)
    with ape.reverts("prediction_market: no samples to replay"):
        replaying.contract.replay([], [], ZERO_HASH, sender=stranger)


def test_withdraw_twice__reverts(processing, contributors, stranger):
    processing.keep(sender=stranger)
    account = next(a for a in contributors if processing.contract.owed(a))
    processing.withdraw(sender=account)
    with ape.reverts("prediction_market: nothing to withdraw"):
        processing.contract.withdraw(sender=account)


REENTRANT_CONTRIBUTOR = """
# pragma version 0.4.3
interface Market:
    def add_data(data: DynArray[int64, 128], label: uint64): payable
    def withdraw() -> uint256: nonpayable

market: public(address)
reentry_attempts: public(uint256)
reentry_succeeded: public(bool)
received: public(uint256)

@deploy
def __init__(market: address):
    self.market = market

@external
@payable
def contribute(data: DynArray[int64, 128], label: uint64):
    extcall Market(self.market).add_data(data, label, value=msg.value)

@external
def take():
    extcall Market(self.market).withdraw()

@external
@payable
def __default__():
    self.received += msg.value
    if self.reentry_attempts == 0:
        self.reentry_attempts += 1
        ok: bool = raw_call(self.market, method_id("withdraw()"), revert_on_failure=False)
        self.reentry_succeeded = ok
"""


def test_withdraw__reentered_from_the_receive_hook__pays_once(open_market, provider, portions, stranger, chain):
    """A contributor contract whose receive hook calls withdraw again: the
    inner call hits the reentrancy lock and fails; the outer one pays once."""
    from ape import compilers

    attacker = stranger.deploy(
        compilers.compile_source("vyper", REENTRANT_CONTRIBUTOR, contractName="Reentrant"), open_market.address
    )
    attacker.contribute([0, 2, 4], 1, sender=stranger, value=STAKE)
    advance(chain, HOUR)
    open_market.contract.end_participation(sender=provider)
    open_market.reveal_rest(portions, sender=provider)
    open_market.keep(sender=stranger)
    owed = open_market.contract.owed(attacker.address)
    assert owed > 0
    attacker.take(sender=stranger)
    assert attacker.reentry_attempts() == 1 and not attacker.reentry_succeeded()
    assert attacker.received() == owed == chain.provider.get_balance(attacker.address)
    assert open_market.contract.owed(attacker.address) == 0
