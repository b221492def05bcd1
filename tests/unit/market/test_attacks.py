"""The market's attacks, performed on chain with ordinary samples: none pays.

- the exact harm/undo sandwich (cancelled pair);
- inexact harm/undo pairs appended after the honest data;
- inexact harm/undo pairs interleaved: the harms before the honest data,
  the undos after;
- the appended attack a search over attack sequences finds best, on the
  revealed test set;
- slot hoarding: one account (or six) fills slots with ordinary samples,
  each with the label the live model does not predict; an honest
  contributor still gets in after the 512 slots that once were all.
"""

from __future__ import annotations

import random

from decai.market.reward import leave_out_gains, replay_losses, reward_balances
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

ROUNDS = BOUNTY // STAKE


def test_harm_undo_sandwich__pair_cancelled_victim_unharmed(
    open_market, contributors, provider, portions, stranger, chain
):
    """The attacker adds a sample with the wrong label, waits for honest
    contributions, then adds the same sample with the right label. The pair
    is cancelled: the honest contributions are paid exactly as without it,
    and the attacker loses one unit (stake / M) per half."""
    c = open_market.contract
    attacker, honest = stranger, contributors
    harm = [1, 3, 5, 7, 9, 11, 13, 15, 17]  # odd features: the rule says 0
    c.add_data(harm, 1, sender=attacker, value=STAKE)
    contribute(open_market, honest, 5, seed=21)
    assert c.predict(harm) == 1
    c.add_data(harm, 0, sender=attacker, value=STAKE)
    assert c.contribution(0)[3] and c.contribution(6)[3]  # cancelled
    advance(chain, HOUR)
    open_market.end_participation(sender=provider)
    open_market.reveal_rest(portions, sender=provider)
    open_market.keep(sender=stranger)
    assert open_market.phase == "finished"

    first = int(c.first_portion()[1])
    rest = [p for i, p in enumerate(portions) if i != first]
    samples, labels = [s for p in rest for s in p.samples], [y for p in rest for y in p.labels]
    honest_only = [(x.data, x.label) for x in open_market.contributions()[1:6]]
    authors = [x.author for x in open_market.contributions()[1:6]]
    losses = replay_losses(initial_model(), honest_only, samples, labels)
    gains = leave_out_gains(initial_model(), honest_only, authors, samples, labels)
    without = reward_balances(losses, len(samples), ROUNDS, authors, gains)
    for k in range(5):
        assert c.contribution(k + 1)[6] >= without.balances[k]
    m = len(samples)
    assert tuple(c.account(attacker)) == (True, 0)
    assert c.owed(attacker) == 2 * ((m - 1) * STAKE // m) < 2 * STAKE


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


def harm(market, account, rng: random.Random) -> list[int] | None:
    """An ordinary sample with the wrong label (one the model would accept)."""
    for _ in range(200):
        x = random_sample(rng, rng.randint(1, 5))
        if add(market, x, 1 - truth(x), account):
            return x
    return None


def undo(market, account, x: list[int], rng: random.Random) -> bool:
    """x plus one feature voting for its right label, with the right label:
    it reverses most of the harm without being the exact pair."""
    right = truth(x)
    votes = [f for f in range(NUM_FEATURES) if f not in x and (f % 2 == 0) == (right == 1)]
    return add(market, sorted(x + [rng.choice(votes)]), right, account)


def assert_earns_nothing(market, attacker, made: int, samples, labels, honest_count: int):
    """The attacker's account is paid for at most R units per error its
    updates still remove from the final model; when the attack leaves the
    final model no better than the honest data alone, it gets back less than
    it staked."""
    c = market.contract
    measured, gain = c.account(attacker)
    assert measured
    owed = int(c.owed(attacker))
    assert owed <= made * STAKE + ROUNDS * max(0, gain) * STAKE // len(samples)
    contributions = market.contributions()
    honest = [(x.data, x.label) for x in contributions if x.author != attacker.address]
    everything = [(x.data, x.label) for x in contributions]
    alone = replay_losses(initial_model(), honest, samples, labels)[-1]
    final = replay_losses(initial_model(), everything, samples, labels)[-1]
    if final >= alone:
        assert owed < made * STAKE
    if gain <= 0:
        assert owed < made * STAKE
    return owed, gain, final - alone


def test_inexact_pairs_appended__attacker_earns_nothing(accounts, provider, chain):
    """Honest contributors train the model; then one attacker appends 12
    inexact harm/undo pairs of ordinary samples (the review's attack, 3 of
    the first portions it may draw)."""
    for seed in (1, 2, 3):
        snapshot = chain.snapshot()
        try:
            market, portions = open_large_market(provider, chain, seed)
            attacker, rng = accounts[5], random.Random(seed)
            contribute(market, [accounts[1], accounts[2], accounts[3]], 10, seed=seed)
            made = 0
            for _ in range(12):
                x = harm(market, attacker, rng)
                made += (x is not None) + (x is not None and undo(market, attacker, x, rng))
            assert made >= 12
            samples, labels = finish(market, portions, provider, accounts[4], chain)
            _, gain, worse = assert_earns_nothing(market, attacker, made, samples, labels, 10)
            # Appended, its updates are exactly what separates h_T from the
            # honest model: G_a is the improvement it brought, no more.
            assert gain == -worse
        finally:
            chain.restore(snapshot)


def test_inexact_pairs_interleaved__attacker_earns_nothing(accounts, provider, chain):
    """The interleaved form: the attacker harms before the honest data and
    undoes after it, so that its undos score against a model the honest
    contributions moved (12 pairs, 3 draws)."""
    for seed in (1, 2, 3):
        snapshot = chain.snapshot()
        try:
            market, portions = open_large_market(provider, chain, seed)
            attacker, rng = accounts[5], random.Random(seed)
            harms = [x for x in (harm(market, attacker, rng) for _ in range(12)) if x is not None]
            contribute(market, [accounts[1], accounts[2], accounts[3]], 10, seed=seed)
            made = len(harms) + sum(undo(market, attacker, x, rng) for x in harms)
            assert made >= 12
            samples, labels = finish(market, portions, provider, accounts[4], chain)
            assert_earns_nothing(market, attacker, made, samples, labels, 10)
        finally:
            chain.restore(snapshot)


def test_best_appended_attack_found_by_a_search__does_not_pay(accounts, provider, chain):
    """Knowing the test set (more than a real attacker does), a search picks
    the appended attack of ordinary samples from one account that earns
    most while carrying no improvement of its own and leaving the final
    model no better; performed on chain, it earns nothing."""
    market, portions = open_large_market(provider, chain, 4)
    honest, attacker = [accounts[1], accounts[2], accounts[3]], accounts[5]
    contribute(market, honest, 10, seed=4)
    first = int(market.contract.first_portion()[1])
    rest = [p for i, p in enumerate(portions) if i != first]
    world = World(
        [list(s) for p in rest for s in p.samples],
        [y for p in rest for y in p.labels],
        [(f"honest{k % 3}", tuple(x.data), x.label) for k, x in enumerate(market.contributions())],
    )
    value, attack = search(world, attacker_gain(False, at_least=6), restarts=2, steps=150, seed=4)
    assert -1e9 < value <= 0
    made = sum(add(market, list(x), y, attacker) for _, _, x, y in attack)
    assert made >= 6
    samples, labels = finish(market, portions, provider, accounts[4], chain)
    owed, gain, worse = assert_earns_nothing(market, attacker, made, samples, labels, 10)
    assert gain == -worse and owed < made * STAKE


def test_slot_hoarding__never_pays_whatever_the_draw(accounts, provider, chain):
    """After the honest data, one account fills 96 slots with ordinary
    samples, each with the label the live model does not predict (the
    cheapest way in: no knowledge of the rule needed). Whatever the draw of
    the first portion, it gets back less than it staked unless its updates
    leave the final model better (then at most R units per error they still
    remove); it is never paid for slots alone."""
    for seed in (1, 2, 3):
        snapshot = chain.snapshot()
        try:
            market, portions = open_large_market(provider, chain, seed)
            hoarder, rng = accounts[7], random.Random(seed)
            contribute(market, [accounts[1], accounts[2]], 8, seed=seed)
            made = 0
            while made < 96:
                x = random_sample(rng)
                made += add(market, x, 1 - int(market.contract.predict(x)), hoarder)
            samples, labels = finish(market, portions, provider, accounts[4], chain)
            owed, gain, _ = assert_earns_nothing(market, hoarder, made, samples, labels, 8)
            # Each of its slots costs at least one unit unless its updates
            # still remove errors from the final model.
            if gain <= 0:
                assert owed <= made * (STAKE - STAKE // len(samples))
        finally:
            chain.restore(snapshot)


def test_slot_hoarding__old_limit_filled_by_sybils__honest_contributor_still_gets_in(accounts, provider, chain):
    """Lock-out. Six addresses of one party buy 512 slots (everything the
    market once had) with ordinary samples, each labelled against the live
    model. An honest contributor still gets in afterwards; the party gets
    back less than it staked, at least one unit per slot; and what it would
    take to buy every slot is measured from the gas it paid per slot."""
    from decai.market.client import MAX_CONTRIBUTIONS

    market, portions = open_large_market(provider, chain, 4)
    c = market.contract
    sybils, rng = [accounts[k] for k in (3, 5, 6, 7, 8, 9)], random.Random(4)
    contribute(market, [accounts[1], accounts[2]], 6, seed=4)
    # Plain node sends (the dev accounts are unlocked), each labelled
    # against the live model after the previous one was mined: the same
    # transactions as through Ape, without its per-receipt tracing.
    web3 = chain.provider.web3
    gas, made = [], 0
    while made < 512:
        x = random_sample(rng)
        label = 1 - int(c.predict(x))
        data = "0x" + bytes(c.add_data.encode_input(x, label)).hex()
        sender = sybils[made % len(sybils)].address
        tx_hash = web3.eth.send_transaction(
            {"from": sender, "to": c.address, "data": data, "value": STAKE, "gas": 3_000_000}
        )
        receipt = web3.eth.wait_for_transaction_receipt(tx_hash)
        assert receipt["status"] == 1
        gas.append(int(receipt["gasUsed"]))
        made += 1
    assert c.num_contributions() == 6 + 512 < MAX_CONTRIBUTIONS
    honest = contribute(market, [accounts[2]], 1, seed=5)
    assert honest[0].author == accounts[2].address and c.num_contributions() == 6 + 512 + 1
    samples, _ = finish(market, portions, provider, accounts[4], chain)
    m = len(samples)
    paid = sum(int(c.owed(s)) for s in sybils)
    gains = [int(c.account(s)[1]) for s in sybils]
    # The party as a whole: at most R units per error its accounts' updates
    # still remove from h_T, and back less than staked at least one unit per
    # slot when they remove none.
    assert paid <= made * STAKE + ROUNDS * sum(max(0, g) for g in gains) * STAKE // m
    if sum(max(0, g) for g in gains) == 0:
        assert paid <= made * (STAKE - STAKE // m)
    assert paid < made * STAKE
    # Buying every slot: at least one unit and one model update's gas each.
    per_slot = min(gas)
    assert per_slot > 50_000
    assert MAX_CONTRIBUTIONS * per_slot > 200_000_000
    assert MAX_CONTRIBUTIONS * (STAKE // 256) >= 16 * STAKE
