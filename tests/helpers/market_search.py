"""A search for the prediction market attacker's best strategy, on the
reference of the reward computation (no chain).

The world is the market tests' (tests/helpers/market.py): 24 features, a
test set of M ordinary samples labelled by the rule, honest contributors
adding ordinary samples with the rule's label (those the live model already
predicts are refused, as on chain), R = 100 units per error removed. The
attacker adds up to `budget` contributions of ordinary samples (1 to 6
features) with any label, appended after the honest ones or, in the
"interleaved" mode, at any position between them (it needs no front-running:
it adds whenever it likes). It may spread them over any number of accounts;
the reference pays per contribution, so the attacker's result is the sum.

The search is a hill climb with restarts over attack sequences (add,
remove, re-draw or edit one contribution, flip its label, move it), started
from random attacks and from inexact harm/undo pairs, the attack the review
reported. Objectives, in stakes:
- `gain`: what the attacker's contributions earn beyond their stakes, when
  they leave the final model no better than without them (E_T with the
  attack >= E_T without);
- `honest_loss`: what the honest contributors lose to an appended attack
  that leaves the final model no worse (E_T with <= E_T without).

`python -m tests.helpers.market_search` prints the best values found for the
seeds docs/MARKET.md quotes, under the rule now and the rule before
(`proportional_pool_rule`); tests/unit/market/test_attacks.py runs a
smaller search and performs its best attack on chain.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from decai.market.reward import replay_losses, reward_balances
from tests.helpers.market import NUM_FEATURES, initial_model, truth

ROUNDS = 100
Contribution = tuple[str, tuple[int, ...], int]  # author, sample, label


@dataclass(frozen=True)
class World:
    tests: list[list[int]]
    labels: list[int]
    honest: list[Contribution]


def make_world(seed: int, m: int = 48, honest: int = 30) -> World:
    rng = random.Random(seed)

    def sample() -> tuple[int, ...]:
        return tuple(sorted(rng.sample(range(NUM_FEATURES), rng.randint(1, 6))))

    tests = [list(sample()) for _ in range(m)]
    model, made = initial_model(), []
    while len(made) < honest:
        x = sample()
        if model.predict(list(x)) != truth(x):
            model.update(list(x), truth(x))
            made.append(("honest", x, truth(x)))
    return World(tests, [truth(t) for t in tests], made)


@dataclass(frozen=True)
class Outcome:
    gain: dict[str, float]  # per author, stakes beyond the stakes paid
    final_errors: int
    attacker_alone: int  # test errors of h_0 plus only the attacker's accepted updates
    initial_errors: int
    attacker_accepted: int


def evaluate(world: World, sequence: Sequence[Contribution], rule=reward_balances) -> Outcome:
    """Run the market on the reference: refused samples are dropped."""
    model, accepted = initial_model(), []
    for author, x, label in sequence:
        if model.predict(list(x)) != label:
            model.update(list(x), label)
            accepted.append((author, x, label))
    losses = replay_losses(initial_model(), [(x, y) for _, x, y in accepted], world.tests, world.labels)
    m = len(world.tests)
    balances = rule(losses, m, ROUNDS).balances
    gain: dict[str, float] = {}
    for (author, _, _), balance in zip(accepted, balances):
        gain[author] = gain.get(author, 0.0) + (balance - m) / m
    own = [(x, y) for author, x, y in accepted if author == "attacker"]
    alone = replay_losses(initial_model(), own, world.tests, world.labels)[-1] if own else losses[0]
    return Outcome(gain, losses[-1], alone, losses[0], len(own))


Attack = list[tuple[int, tuple[int, ...], int]]  # (position among the honest, sample, label)


def _place(world: World, attack: Attack, interleaved: bool) -> list[Contribution]:
    honest = list(world.honest)
    if not interleaved:
        return honest + [("attacker", x, y) for _, x, y in attack]
    out: list[Contribution] = []
    ordered = sorted(attack, key=lambda a: a[0])
    k = 0
    for i, h in enumerate(honest + [None]):
        while k < len(ordered) and ordered[k][0] <= i:
            out.append(("attacker", ordered[k][1], ordered[k][2]))
            k += 1
        if h is not None:
            out.append(h)
    return out


def _random_sample(rng: random.Random) -> tuple[int, ...]:
    return tuple(sorted(rng.sample(range(NUM_FEATURES), rng.randint(1, 6))))


def _pairs(rng: random.Random, count: int, positions: int) -> Attack:
    """Inexact harm/undo pairs: x with the wrong label, then x plus one
    feature that votes for the right label, with the right label."""
    attack: Attack = []
    for _ in range(count):
        x = _random_sample(rng)
        right = truth(x)
        extra = [f for f in range(NUM_FEATURES) if f not in x and (f % 2 == 0) == (right == 1)]
        undo = tuple(sorted(x + (rng.choice(extra),))) if extra else x
        where = rng.randint(0, positions)
        attack += [(where, x, 1 - right), (where, undo, right)]
    return attack


def _mutate(rng: random.Random, attack: Attack, budget: int, positions: int) -> Attack:
    out = list(attack)
    move = rng.randrange(6)
    if move == 0 and len(out) < budget or not out:
        out.insert(rng.randint(0, len(out)), (rng.randint(0, positions), _random_sample(rng), rng.randint(0, 1)))
    elif move == 1:
        out.pop(rng.randrange(len(out)))
    else:
        k = rng.randrange(len(out))
        where, x, y = out[k]
        if move == 2:
            y = 1 - y
        elif move == 3:
            where = rng.randint(0, positions)
        elif move == 4:
            f = rng.randrange(NUM_FEATURES)
            edited = tuple(sorted(set(x) ^ {f}))
            x = edited if edited and len(edited) <= 6 else x
        else:
            x = _random_sample(rng)
        out[k] = (where, x, y)
    return out


def search(
    world: World,
    objective: Callable[[World, Attack], float],
    *,
    budget: int = 24,
    interleaved: bool = False,
    restarts: int = 4,
    steps: int = 300,
    seed: int = 0,
) -> tuple[float, Attack]:
    """Hill climb with restarts; returns the best objective value and attack."""
    rng = random.Random(seed)
    positions = len(world.honest) if interleaved else 0
    best_value, best = float("-inf"), []
    for restart in range(restarts):
        if restart % 2 == 0:
            current = _pairs(rng, rng.randint(1, budget // 2), positions)
        else:
            current = [(rng.randint(0, positions), _random_sample(rng), rng.randint(0, 1)) for _ in range(budget // 2)]
        value = objective(world, current)
        for _ in range(steps):
            candidate = _mutate(rng, current, budget, positions)
            candidate_value = objective(world, candidate)
            if candidate_value >= value:
                current, value = candidate, candidate_value
        if value > best_value:
            best_value, best = value, current
    return best_value, best


INFEASIBLE = -1e9


@dataclass(frozen=True)
class _Balances:
    balances: tuple[int, ...]


def proportional_pool_rule(losses: Sequence[int], m: int, rounds: int) -> _Balances:
    """The market's rule before the first-come rule, for comparison: one
    pool (R units per error of E_0 - E_T plus everything forfeited) shared
    in proportion to the positive scores (without its exact-undo
    cancellation, which an inexact undo never met)."""
    s = [before - after for before, after in zip(losses, losses[1:])]
    positive = sum(x for x in s if x > 0)
    pool = sum(m if x < 0 else 1 for x in s if x <= 0) + rounds * max(0, losses[0] - losses[-1])
    return _Balances(tuple(m + pool * x // positive if x > 0 else (m - 1 if x == 0 else 0) for x in s))


def attacker_gain(interleaved: bool, rule=reward_balances, at_least: int = 0) -> Callable[[World, Attack], float]:
    """The attacker's gain when its contributions leave h_T no better than
    without them and, on their own, leave h_0 no better: they carry no
    improvement of their own (harm/undo pairs, not good data added early).
    Attacks with fewer than `at_least` accepted contributions do not count."""

    def objective(world: World, attack: Attack) -> float:
        alone = evaluate(world, world.honest, rule)
        outcome = evaluate(world, _place(world, attack, interleaved), rule)
        if outcome.final_errors < alone.final_errors or outcome.attacker_alone < outcome.initial_errors:
            return INFEASIBLE
        if outcome.attacker_accepted < at_least:
            return INFEASIBLE
        return outcome.gain.get("attacker", 0.0)

    return objective


def honest_loss(rule=reward_balances) -> Callable[[World, Attack], float]:
    """What an appended attack that leaves h_T no worse takes from the honest."""

    def objective(world: World, attack: Attack) -> float:
        alone = evaluate(world, world.honest, rule)
        outcome = evaluate(world, _place(world, attack, False), rule)
        if outcome.final_errors > alone.final_errors:
            return INFEASIBLE
        return alone.gain["honest"] - outcome.gain.get("honest", 0.0)

    return objective


def main() -> None:  # pragma: no cover - prints the figures docs/MARKET.md quotes
    for seed in (1, 2, 3):
        world = make_world(seed)
        for name, rule in (("before", proportional_pool_rule), ("now", reward_balances)):
            alone = evaluate(world, world.honest, rule)
            found = [
                search(world, objective, seed=seed, restarts=3, steps=250)[0]
                for objective in (attacker_gain(False, rule), honest_loss(rule), attacker_gain(True, rule))
            ]
            print(
                f"seed {seed} {name}: honest alone {alone.gain['honest']:+.2f}, appended gain {found[0]:+.2f}, "
                f"honest loss {found[1]:.2f}, interleaved gain {found[2]:+.2f}"
            )


if __name__ == "__main__":
    main()
