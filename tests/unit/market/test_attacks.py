"""The market's attacks, performed on chain with ordinary samples: none pays.

- inexact harm/undo pairs appended after the honest data, from two accounts;
- the appended attack a search finds best on the revealed test set;
- slot hoarding: one account fills every slot it may with ordinary samples.
"""

from __future__ import annotations

import random

import ape
import pytest

from decai.market.reward import replay_losses, reward_balances
from tests.helpers.market import (
    BOUNTY,
    HOUR,
    NUM_FEATURES,
    STAKE,
    advance,
    contribute,
    deploy_market,
    initial_model,
    make_portions,
    random_sample,
    truth,
)
from tests.helpers.market_search import World, attacker_gain, search

ACCOUNT_LIMIT = 64
ROUNDS = BOUNTY // STAKE


def open_large_market(provider, chain, seed: int):
    """A market with 32 evaluated test samples (48 in 3 portions)."""
    market = deploy_market(provider)
    portions = make_portions(num_portions=3, seed=seed, size=48)
    market.commit(portions, BOUNTY, sender=provider)
    chain.mine(1)
    market.reveal_first(portions, sender=provider)
    return market, portions


def finish(market, portions, provider, keeper, chain):
    advance(chain, HOUR)
    market.end_participation(sender=provider)
    market.reveal_rest(portions, sender=provider)
    market.keep(sender=keeper)
    assert market.phase == "finished"
    first = int(market.contract.first_portion()[1])
    rest = [p for i, p in enumerate(portions) if i != first]
    return [list(s) for p in rest for s in p.samples], [y for p in rest for y in p.labels]


def add(market, sample, label, account) -> bool:
    """add_data if the live model disagrees with the label (else it is refused)."""
    if market.contract.predict(sample) == label:
        return False
    market.add_data(sample, label, sender=account)
    return True


def inexact_pairs(market, accounts, count: int, rng: random.Random) -> int:
    """The review's attack: a sample with the wrong label from one account,
    then the sample plus one feature voting for the right label, with the
    right label, from another. Returns how many contributions were made."""
    made = 0
    for _ in range(count):
        for _ in range(200):
            x = random_sample(rng, rng.randint(1, 5))
            right = truth(x)
            votes = [f for f in range(NUM_FEATURES) if f not in x and (f % 2 == 0) == (right == 1)]
            undo = sorted(x + [rng.choice(votes)])
            if market.contract.predict(x) == right and add(market, x, 1 - right, accounts[0]):
                made += 1 + add(market, undo, right, accounts[1])
                break
    return made


def losses_of(contributions, samples, labels):
    return replay_losses(initial_model(), [(x.data, x.label) for x in contributions], samples, labels)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_inexact_harm_undo_pairs_appended__attacker_earns_nothing(accounts, provider, chain, seed):
    """Honest contributors train the model; then one attacker with two
    accounts appends 12 inexact harm/undo pairs of ordinary samples. The
    attacker gets back less than it staked unless its pairs lowered the
    final test error (then at most R units per error removed), and the
    honest contributors' balances are at least what they are without the
    pairs unless the pairs raised it."""
    market, portions = open_large_market(provider, chain, seed)
    honest, attacker = [accounts[1], accounts[2], accounts[3]], [accounts[5], accounts[6]]
    contribute(market, honest, 10, seed=seed)
    made = inexact_pairs(market, attacker, 12, random.Random(seed))
    assert made >= 12
    samples, labels = finish(market, portions, provider, accounts[4], chain)
    c = market.contract

    contributions = market.contributions()
    honest_losses, all_losses = (
        losses_of(contributions[:10], samples, labels),
        losses_of(contributions, samples, labels),
    )
    alone = reward_balances(honest_losses, len(samples), ROUNDS).balances
    better = honest_losses[-1] - all_losses[-1]
    owed = sum(c.owed(a) for a in attacker)
    assert owed <= made * STAKE + ROUNDS * max(0, better) * STAKE // len(samples)
    if better <= 0:
        assert owed < made * STAKE
    on_chain = [c.contribution(k)[5] for k in range(10)]
    if better >= 0:
        assert all(now >= before for now, before in zip(on_chain, alone))


def test_best_appended_attack_found_by_a_search__does_not_pay(accounts, provider, chain):
    """Knowing the test set (more than a real attacker does), a search picks
    the appended attack of ordinary samples that earns most while leaving
    the final model no better; performed on chain, it earns nothing."""
    market, portions = open_large_market(provider, chain, 4)
    honest, attacker = [accounts[1], accounts[2], accounts[3]], [accounts[5], accounts[6]]
    contribute(market, honest, 10, seed=4)
    first = int(market.contract.first_portion()[1])
    rest = [p for i, p in enumerate(portions) if i != first]
    world = World(
        [list(s) for p in rest for s in p.samples],
        [y for p in rest for y in p.labels],
        [("honest", tuple(x.data), x.label) for x in market.contributions()],
    )
    # An attack, not nothing: six accepted contributions or more.
    value, attack = search(world, attacker_gain(False, at_least=6), restarts=2, steps=150, seed=4)
    assert -1e9 < value <= 0
    made = sum(add(market, list(x), y, attacker[k % 2]) for k, (_, x, y) in enumerate(attack))
    assert made >= 6
    samples, labels = finish(market, portions, provider, accounts[4], chain)
    contributions = market.contributions()
    assert losses_of(contributions, samples, labels)[-1] >= losses_of(contributions[:10], samples, labels)[-1]
    assert sum(market.contract.owed(a) for a in attacker) < made * STAKE


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slot_hoarding__capped_per_account_and_never_pays(accounts, provider, chain, seed):
    """After the honest data, one account fills every slot it may with
    ordinary samples, each with the label the live model does not predict
    (the cheapest way in: no knowledge of the rule needed). The 65th is
    refused and an honest contributor would still get in; the hoarder is paid
    only for the errors its contributions removed from the final model, so
    it ends with less than it staked when they removed none, whatever the
    draw."""
    market, portions = open_large_market(provider, chain, seed)
    honest, hoarder = [accounts[1], accounts[2]], accounts[7]
    contribute(market, honest, 8, seed=seed)
    rng = random.Random(seed)
    while int(market.contract.contributions_of(hoarder)) < ACCOUNT_LIMIT:
        x = random_sample(rng)
        add(market, x, 1 - int(market.contract.predict(x)), hoarder)
    x = next(s for s in (random_sample(rng) for _ in range(10_000)) if market.contract.predict(s) != truth(s))
    with ape.reverts("prediction_market: account contribution limit reached"):
        market.contract.add_data(x, truth(x), sender=hoarder, value=STAKE)
    # Accepted (asked of the node without sending, so that the hoarder's
    # slots stay the last contributions and their effect is theirs alone).
    market.contract.add_data.call(x, truth(x), sender=accounts[3], value=STAKE)
    samples, labels = finish(market, portions, provider, accounts[4], chain)
    contributions = market.contributions()
    better = losses_of(contributions[:8], samples, labels)[-1] - losses_of(contributions, samples, labels)[-1]
    owed = int(market.contract.owed(hoarder))
    assert owed <= ACCOUNT_LIMIT * STAKE + ROUNDS * max(0, better) * STAKE // len(samples)
    if better <= 0:
        assert owed < ACCOUNT_LIMIT * STAKE
