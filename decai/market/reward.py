"""The reward computation of the prediction market, in plain Python: the
reference the contract's arithmetic is checked against.

- `cancelled_pairs` marks the exact undo pairs the contract cancels at
  `add_data` (same sample, opposite labels, the second undoing the first);
- `replay_losses` gives E_0..E_T of the sequence without the cancelled pairs
  (what the contract's replay computes);
- `reward_balances` scores every contribution once by its own marginal
  effect and shares the pool in proportion to the positive scores;
- `settle` / `settle_forfeit` turn balances into wei per account.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = balance * stake // M (rounded down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from decai.errors import DecaiError


def error_count(model, samples: Sequence[Sequence[int]], labels: Sequence[int]) -> int:
    """Test samples the model gets wrong (the loss E)."""
    return sum(1 for sample, label in zip(samples, labels) if model.predict(list(sample)) != label)


def cancelled_pairs(contributions: Sequence[tuple[Sequence[int], int]]) -> list[bool]:
    """Which contributions the contract cancels: a contribution of sample x
    with label l cancels the latest earlier, uncancelled contribution of x
    with label 1 - l (their perceptron updates sum to zero). Every accepted
    contribution updates the model (add_data refuses the others)."""
    open_: dict[tuple[tuple[int, ...], int], int] = {}
    cancelled = [False] * len(contributions)
    for index, (data, label) in enumerate(contributions):
        key, opposite = (tuple(data), label), (tuple(data), 1 - label)
        earlier = open_.pop(opposite, None)
        if earlier is not None:
            cancelled[earlier] = cancelled[index] = True
        else:
            open_[key] = index
    return cancelled


def replay_losses(
    initial_model, contributions: Sequence[tuple[Sequence[int], int]], test_samples, test_labels
) -> list[int]:
    """E_0..E_T as the contract's replay computes them: h_0, then each
    contribution's update (+-learning_rate on its features) in order, except
    the cancelled pairs', counting test errors after each. `contributions`
    are accepted ones: each changed the live model when it was added."""
    model = initial_model.copy()
    cancelled = cancelled_pairs(contributions)
    losses = [error_count(model, test_samples, test_labels)]
    for (data, label), skip in zip(contributions, cancelled):
        if not skip:
            step = model.learning_rate if label == 1 else -model.learning_rate
            for feature in data:
                model.weights[feature] += step
        losses.append(error_count(model, test_samples, test_labels))
    return losses


def live_contributions(
    initial_model, candidates: Sequence[tuple[Sequence[int], int]]
) -> list[tuple[Sequence[int], int]]:
    """The candidates add_data would accept, in order: those the live model
    does not already predict (each then trains it)."""
    model, accepted = initial_model.copy(), []
    for data, label in candidates:
        if model.predict(list(data)) != label:
            model.update(list(data), label)
            accepted.append((data, label))
    return accepted


@dataclass(frozen=True)
class RewardResult:
    """Final balances (units of stake / M) and the scores they come from."""

    balances: tuple[int, ...]
    scores: tuple[int, ...]
    pool: int
    positive: int


def scores(losses: Sequence[int]) -> list[int]:
    """Each contribution's own marginal effect: E_{t-1} - E_t."""
    return [before - after for before, after in zip(losses, losses[1:])]


def reward_balances(losses: Sequence[int], num_test_samples: int, rounds: int) -> RewardResult:
    """The market's reward rule (what the contract computes).

    `losses` = E_0..E_T of the sequence without cancelled pairs. Score
    s_t = E_{t-1} - E_t. s_t < 0 forfeits the stake (M units to the pool);
    s_t = 0 pays a fee of one unit to the pool and keeps M - 1; positive
    scores keep their stake and share the pool, rounds * max(0, E_0 - E_T)
    plus the forfeited units, in proportion: M + floor(pool * s_t / S+).
    """
    m = num_test_samples
    s = scores(losses)
    positive = sum(x for x in s if x > 0)
    pool = sum(m if x < 0 else 1 for x in s if x <= 0) + rounds * max(0, losses[0] - losses[-1])
    balances = tuple(m + pool * x // positive if x > 0 else (m - 1 if x == 0 else 0) for x in s)
    return RewardResult(balances, tuple(s), pool, positive)


@dataclass(frozen=True)
class Settlement:
    """Who is owed what once the market is over, in wei."""

    payouts: tuple[int, ...]  # per contribution, in order
    owed: dict[str, int]  # per account, provider included
    provider_payout: int
    balances: tuple[int, ...] = ()  # units of stake / M (empty if forfeited)
    losses: tuple[int, ...] = ()
    burned: int = 0  # wei owed to nobody (a forfeited bounty)

    @property
    def total(self) -> int:
        return sum(self.payouts) + self.provider_payout


def _owed(authors: Sequence[str], payouts: Sequence[int], provider: str, provider_payout: int) -> dict[str, int]:
    owed: dict[str, int] = {}
    for author, payout in zip(authors, payouts):
        owed[author] = owed.get(author, 0) + payout
    owed[provider] = owed.get(provider, 0) + provider_payout
    return {account: amount for account, amount in owed.items() if amount}


def settle(
    authors: Sequence[str], losses: Sequence[int], num_test_samples: int, stake: int, bounty: int, provider: str
) -> Settlement:
    """Balances -> wei: floor(balance * stake / M) each; the provider gets the rest of bounty + stakes.

    `losses` are those of `replay_losses` (cancelled pairs skipped)."""
    if len(authors) != len(losses) - 1:
        raise DecaiError("one author per contribution")
    result = reward_balances(losses, num_test_samples, bounty // stake)
    payouts = tuple(b * stake // num_test_samples for b in result.balances)
    provider_payout = bounty + stake * len(authors) - sum(payouts)
    return Settlement(
        payouts, _owed(authors, payouts, provider, provider_payout), provider_payout, result.balances, tuple(losses)
    )


def settle_forfeit(authors: Sequence[str], stake: int, bounty: int, provider: str) -> Settlement:
    """The provider did not reveal in time: each contribution gets its stake
    back and the bounty is burned (owed to nobody), so that not revealing
    costs the provider the whole bounty however many addresses they control."""
    payouts = tuple(stake for _ in authors)
    return Settlement(payouts, _owed(authors, payouts, provider, 0), 0, burned=bounty)
