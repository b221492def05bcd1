"""A search for the market attacker's best strategy, on the reference of the
reward computation (no chain).

The world is the market tests' (tests/helpers/market.py): 24 features, a
test set of M ordinary samples labelled by the rule, honest contributors
adding ordinary samples with the rule's label (those the live model already
predicts are refused, as on chain), R = 100 units per error. The attacker
adds up to `budget` contributions of ordinary samples (1 to 6 features) with
any label, appended after the honest ones or, interleaved, at any position
between them (it adds whenever it likes), from one account or from as many
as `accounts`.

The search is a hill climb with restarts over attack sequences (add, remove,
re-draw or edit one contribution, flip its label, move it, change its
account), started from inexact harm/undo pairs (the attack the review
reported) and from random attacks. Objectives, in stakes:
- `attacker_gain`: what the attacker's accounts earn together beyond their
  stakes, counted only for attacks that carry no improvement of their own
  (the attacker's updates alone leave h_0 no better) and leave the final
  model no better than the honest data alone;
- `honest_loss`: what the honest contributors lose to an appended attack
  that leaves the final model no worse.

`python -m tests.helpers.market_search` prints the figures docs/MARKET.md
quotes; tests/unit/market/test_attacks.py runs a smaller search and performs
its best attack on chain.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from decai.market.reward import leave_out_gains, replay_losses, reward_balances
from tests.helpers.market import NUM_FEATURES, initial_model, truth

ROUNDS = 100
INFEASIBLE = -1e9
Contribution = tuple[str, tuple[int, ...], int]  # author, sample, label
Attack = list[tuple[int, int, tuple[int, ...], int]]  # (position among the honest, account, sample, label)


@dataclass(frozen=True)
class World:
    tests: list[list[int]]
    labels: list[int]
    honest: list[Contribution]


def _random_sample(rng: random.Random) -> tuple[int, ...]:
    return tuple(sorted(rng.sample(range(NUM_FEATURES), rng.randint(1, 6))))


def make_world(seed: int, m: int = 48, honest: int = 30, accounts: int = 3) -> World:
    """M test samples and `honest` accepted honest contributions from
    `accounts` accounts."""
    rng = random.Random(seed)
    tests = [list(_random_sample(rng)) for _ in range(m)]
    model, made = initial_model(), []
    while len(made) < honest:
        x = _random_sample(rng)
        if model.predict(list(x)) != truth(x):
            model.update(list(x), truth(x))
            made.append((f"honest{len(made) % accounts}", x, truth(x)))
    return World(tests, [truth(t) for t in tests], made)


@dataclass(frozen=True)
class Outcome:
    gain: dict[str, float]  # per author, stakes received beyond the stakes paid
    final_errors: int
    accepted: int  # the attacker's accepted contributions
    initial_errors: int
    attacker_alone: int  # test errors of h_0 plus only the attacker's accepted updates


def evaluate(world: World, sequence: Sequence[Contribution], capped: bool = True) -> Outcome:
    """Run the market on the reference (refused samples dropped); `capped`
    False: the rule without the account caps, for comparison."""
    model, accepted = initial_model(), []
    for author, x, label in sequence:
        if model.predict(list(x)) != label:
            model.update(list(x), label)
            accepted.append((author, x, label))
    pairs = [(x, y) for _, x, y in accepted]
    authors = [a for a, _, _ in accepted]
    losses = replay_losses(initial_model(), pairs, world.tests, world.labels)
    m = len(world.tests)
    if capped:
        gains = leave_out_gains(initial_model(), pairs, authors, world.tests, world.labels)
        balances = reward_balances(losses, m, ROUNDS, authors, gains).balances
    else:
        balances = reward_balances(losses, m, ROUNDS).balances
    gain: dict[str, float] = {}
    for author, balance in zip(authors, balances):
        gain[author] = gain.get(author, 0.0) + (balance - m) / m
    own = [(x, y) for a, x, y in accepted if a.startswith("attacker")]
    alone = replay_losses(initial_model(), own, world.tests, world.labels)[-1] if own else losses[0]
    return Outcome(gain, losses[-1], len(own), losses[0], alone)


def place(world: World, attack: Attack, interleaved: bool) -> list[Contribution]:
    """The honest contributions with the attacker's inserted (or appended)."""
    honest = list(world.honest)
    ordered = sorted(attack, key=lambda a: a[0]) if interleaved else attack
    out: list[Contribution] = []
    k = 0
    for i, h in enumerate(honest + [None]):
        while k < len(ordered) and (not interleaved and h is None or interleaved and ordered[k][0] <= i):
            out.append((f"attacker{ordered[k][1]}", ordered[k][2], ordered[k][3]))
            k += 1
        if h is not None:
            out.append(h)
    return out


def _pairs(rng: random.Random, count: int, positions: int, accounts: int) -> Attack:
    """Inexact harm/undo pairs: x with the wrong label, then x plus one
    feature voting for the right label, with the right label (the undo after
    the harm, or far later when interleaved)."""
    attack: Attack = []
    for _ in range(count):
        x = _random_sample(rng)
        right = truth(x)
        votes = [f for f in range(NUM_FEATURES) if f not in x and (f % 2 == 0) == (right == 1)]
        undo = tuple(sorted(x + (rng.choice(votes),))) if votes else x
        harm_at = rng.randint(0, positions)
        attack += [
            (harm_at, rng.randrange(accounts), x, 1 - right),
            (rng.randint(harm_at, positions), rng.randrange(accounts), undo, right),
        ]
    return attack


def _mutate(rng: random.Random, attack: Attack, budget: int, positions: int, accounts: int) -> Attack:
    out = list(attack)
    move = rng.randrange(7)
    if move == 0 and len(out) < budget or not out:
        new = (rng.randint(0, positions), rng.randrange(accounts), _random_sample(rng), rng.randint(0, 1))
        out.insert(rng.randint(0, len(out)), new)
        return out
    if move == 1:
        out.pop(rng.randrange(len(out)))
        return out
    k = rng.randrange(len(out))
    where, who, x, y = out[k]
    if move == 2:
        y = 1 - y
    elif move == 3:
        where = rng.randint(0, positions)
    elif move == 4:
        edited = tuple(sorted(set(x) ^ {rng.randrange(NUM_FEATURES)}))
        x = edited if edited and len(edited) <= 6 else x
    elif move == 5:
        who = rng.randrange(accounts)
    else:
        x = _random_sample(rng)
    out[k] = (where, who, x, y)
    return out


def search(
    world: World,
    objective: Callable[[World, Attack], float],
    *,
    budget: int = 24,
    interleaved: bool = False,
    accounts: int = 1,
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
            current = _pairs(rng, rng.randint(1, budget // 2), positions, accounts)
        else:
            current = [
                (rng.randint(0, positions), rng.randrange(accounts), _random_sample(rng), rng.randint(0, 1))
                for _ in range(budget // 2)
            ]
        value = objective(world, current)
        for _ in range(steps):
            candidate = _mutate(rng, current, budget, positions, accounts)
            candidate_value = objective(world, candidate)
            if candidate_value >= value:
                current, value = candidate, candidate_value
        if value > best_value:
            best_value, best = value, current
    return best_value, best


def attacker_gain(interleaved: bool, capped: bool = True, at_least: int = 0) -> Callable[[World, Attack], float]:
    """The attacker's accounts' gain together, for attacks that carry no
    improvement of their own (h_0 with only the attacker's accepted updates
    is no better than h_0: harm/undo pairs and noise, not good data) and
    leave h_T no better than the honest data alone; attacks with fewer than
    `at_least` accepted contributions do not count."""

    cache: dict[int, Outcome] = {}

    def objective(world: World, attack: Attack) -> float:
        if id(world) not in cache:
            cache[id(world)] = evaluate(world, world.honest, capped)
        alone = cache[id(world)]
        outcome = evaluate(world, place(world, attack, interleaved), capped)
        if outcome.final_errors < alone.final_errors or outcome.accepted < at_least:
            return INFEASIBLE
        if outcome.attacker_alone < outcome.initial_errors:
            return INFEASIBLE
        return sum(g for a, g in outcome.gain.items() if a.startswith("attacker"))

    return objective


def honest_loss(capped: bool = True) -> Callable[[World, Attack], float]:
    """What an appended attack that leaves h_T no worse takes from the honest."""

    cache: dict[int, Outcome] = {}

    def objective(world: World, attack: Attack) -> float:
        if id(world) not in cache:
            cache[id(world)] = evaluate(world, world.honest, capped)
        alone = cache[id(world)]
        outcome = evaluate(world, place(world, attack, False), capped)
        if outcome.final_errors > alone.final_errors:
            return INFEASIBLE
        honest = [a for a in alone.gain]
        return sum(alone.gain[a] for a in honest) - sum(outcome.gain.get(a, 0.0) for a in honest)

    return objective


def main() -> None:  # pragma: no cover - prints the figures docs/MARKET.md quotes
    for seed in (1, 2, 3):
        world = make_world(seed)
        for name, capped in (("before", False), ("now", True)):
            honest = sum(evaluate(world, world.honest, capped).gain.values())
            found = [
                search(world, objective, seed=seed, restarts=2, steps=200, interleaved=inter, accounts=accounts)[0]
                for objective, inter, accounts in (
                    (attacker_gain(False, capped), False, 1),
                    (attacker_gain(True, capped), True, 1),
                    (honest_loss(capped), False, 1),
                    (attacker_gain(False, capped), False, 2),
                    (attacker_gain(True, capped), True, 2),
                )
            ]
            print(
                f"seed {seed} {name}: honest alone {honest:+.2f}; one account: appended {found[0]:+.2f}, "
                f"interleaved {found[1]:+.2f}, honest loss to appended {found[2]:.2f}; "
                f"two accounts: appended {found[3]:+.2f}, interleaved {found[4]:+.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
