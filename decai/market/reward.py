"""The reward computation of the prediction market, in plain Python: the
reference the contract's arithmetic is checked against.

- `replay_losses` gives E_0..E_T, the test errors of h_0..h_T (what the
  contract's replay computes); `replay_errors` the wrong test samples;
- `reward_balances` scores every contribution once by its own marginal
  effect, pays the final model's improvement over h_0 to the positive
  scores first come, first served, and shares what the others forfeit
  among the earlier positive scores;
- `settle` / `settle_forfeit` turn balances into wei per account.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = kept * stake // M + reward * stake // M (rounded down). Sets
of test samples are bitmasks: bit j is test sample j.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from decai.errors import DecaiError


def error_count(model, samples: Sequence[Sequence[int]], labels: Sequence[int]) -> int:
    """Test samples the model gets wrong (the loss E)."""
    return sum(1 for sample, label in zip(samples, labels) if model.predict(list(sample)) != label)


def error_mask(model, samples: Sequence[Sequence[int]], labels: Sequence[int]) -> int:
    """The test samples the model gets wrong, as a bitmask."""
    return sum(1 << j for j, (sample, label) in enumerate(zip(samples, labels)) if model.predict(list(sample)) != label)


def replay_errors(
    initial_model, contributions: Sequence[tuple[Sequence[int], int]], test_samples, test_labels
) -> list[int]:
    """The test samples h_0..h_T get wrong (bitmasks), as the contract's
    replay computes them: h_0, then each contribution's update
    (+-learning_rate on its features) in order. `contributions` are accepted
    ones: each changed the live model when it was added."""
    model = initial_model.copy()
    wrong = [error_mask(model, test_samples, test_labels)]
    for data, label in contributions:
        step = model.learning_rate if label == 1 else -model.learning_rate
        for feature in data:
            model.weights[feature] += step
        wrong.append(error_mask(model, test_samples, test_labels))
    return wrong


def replay_losses(
    initial_model, contributions: Sequence[tuple[Sequence[int], int]], test_samples, test_labels
) -> list[int]:
    """E_0..E_T: how many test samples h_0..h_T get wrong."""
    return [bin(w).count("1") for w in replay_errors(initial_model, contributions, test_samples, test_labels)]


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


SCALE = 2**64  # fixed point of the forfeits shared per unit of positive score


@dataclass(frozen=True)
class RewardResult:
    """Final balances (units of stake / M) and what they come from."""

    balances: tuple[int, ...]
    scores: tuple[int, ...]  # s_t = E_{t-1} - E_t
    kept: tuple[int, ...]  # units of the own stake kept: M, M - 1 or 0
    paid: tuple[int, ...]  # errors removed that are paid for (first come, first served)
    income: tuple[int, ...]  # units of later forfeits received
    improvement: int  # max(0, E_0 - E_T)
    burned: tuple[bool, ...]  # forfeits with no earlier positive score to go to


def scores(losses: Sequence[int]) -> list[int]:
    """Each contribution's own marginal effect: E_{t-1} - E_t."""
    return [before - after for before, after in zip(losses, losses[1:])]


def reward_balances(losses: Sequence[int], num_test_samples: int, rounds: int) -> RewardResult:
    """The market's reward rule (what the contract computes).

    `losses` = E_0..E_T (`replay_losses`), s_t = E_{t-1} - E_t. A
    contribution with s_t > 0 keeps its stake (M units) and is paid
    `rounds` units per error removed, first come, first served, until the
    final improvement max(0, E_0 - E_T) is used up. One with s_t = 0 loses
    one unit, one with s_t < 0 its stake; what they lose goes to the earlier
    contributions with s > 0 in proportion to s (fixed point, SCALE), or is
    burned when there are none.
    """
    m = num_test_samples
    s = scores(losses)
    accrued, positive, before = 0, 0, []
    for score in s:
        before.append(accrued)
        if score > 0:
            positive += score
        elif positive:
            accrued += (m if score < 0 else 1) * SCALE // positive
    left = improvement = max(0, losses[0] - losses[-1])
    balances, kept, paid, income, burned = [], [], [], [], []
    positive = 0
    for score, accrued_before in zip(s, before):
        if score > 0:
            share = min(score, left)
            left -= share
            gained = score * (accrued - accrued_before) // SCALE
            kept.append(m)
            paid.append(share)
            income.append(gained)
            balances.append(m + rounds * share + gained)
            burned.append(False)
            positive += score
        else:
            own = m - 1 if score == 0 else 0
            kept.append(own)
            paid.append(0)
            income.append(0)
            balances.append(own)
            burned.append(positive == 0)
    return RewardResult(tuple(balances), tuple(s), tuple(kept), tuple(paid), tuple(income), improvement, tuple(burned))


@dataclass(frozen=True)
class Settlement:
    """Who is owed what once the market is over, in wei."""

    payouts: tuple[int, ...]  # per contribution, in order
    owed: dict[str, int]  # per account, provider included
    provider_payout: int
    balances: tuple[int, ...] = ()  # units of stake / M (empty if forfeited)
    losses: tuple[int, ...] = ()
    burned: int = 0  # wei owed to nobody: unshared forfeits, or a forfeited bounty

    @property
    def total(self) -> int:
        return sum(self.payouts) + self.provider_payout + self.burned


def _owed(authors: Sequence[str], payouts: Sequence[int], provider: str, provider_payout: int) -> dict[str, int]:
    owed: dict[str, int] = {}
    for author, payout in zip(authors, payouts):
        owed[author] = owed.get(author, 0) + payout
    owed[provider] = owed.get(provider, 0) + provider_payout
    return {account: amount for account, amount in owed.items() if amount}


def settle(
    authors: Sequence[str], losses: Sequence[int], num_test_samples: int, stake: int, bounty: int, provider: str
) -> Settlement:
    """Balances -> wei: floor(kept * stake / M) + floor(reward * stake / M)
    each; a forfeit with no earlier positive score to go to is burned; the
    provider gets the rest of bounty + stakes.

    `losses` are those of `replay_losses`."""
    if len(authors) != len(losses) - 1:
        raise DecaiError("one author per contribution")
    m = num_test_samples
    result = reward_balances(losses, m, bounty // stake)
    payouts = tuple(k * stake // m + (b - k) * stake // m for b, k in zip(result.balances, result.kept))
    burned = sum(stake - k * stake // m for k, lost in zip(result.kept, result.burned) if lost)
    provider_payout = bounty + stake * len(authors) - sum(payouts) - burned
    return Settlement(
        payouts,
        _owed(authors, payouts, provider, provider_payout),
        provider_payout,
        result.balances,
        tuple(losses),
        burned,
    )


def settle_forfeit(authors: Sequence[str], stake: int, bounty: int, provider: str) -> Settlement:
    """The provider did not reveal in time: each contribution gets its stake
    back and the bounty is burned (owed to nobody), so that not revealing
    costs the provider the whole bounty however many addresses they control."""
    payouts = tuple(stake for _ in authors)
    return Settlement(payouts, _owed(authors, payouts, provider, 0), 0, burned=bounty)
