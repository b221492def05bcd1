"""Issue 11: the attacks, performed on chain, no longer pay."""

from decai.market.reward import replay_losses, reward_balances
from tests.helpers.market import BOUNTY, HOUR, STAKE, advance, contribute, initial_model


def test_harm_undo_sandwich__pair_cancelled_victim_unharmed(
    open_market, contributors, provider, portions, stranger, chain
):
    """Item 1: the attacker adds a sample with the wrong label, waits for
    honest contributions, then adds the same sample with the right label.
    The pair is cancelled: the honest contributions are paid exactly as
    without it, and the attacker loses one unit (stake / M) per half."""
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
    contributions = open_market.contributions()
    honest_only = [(x.data, x.label) for x in contributions[1:6]]
    losses = replay_losses(initial_model(), honest_only, samples, labels)
    without = reward_balances(losses, len(samples), BOUNTY // STAKE)
    for k in range(5):
        assert c.contribution(k + 1)[6] >= without.balances[k]
    m = len(samples)
    assert c.owed(attacker) == 2 * ((m - 1) * STAKE // m) < 2 * STAKE
