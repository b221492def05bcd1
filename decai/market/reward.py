"""The reward computation of the prediction market, in plain Python: the
reference the contract's arithmetic is checked against.

- `replay_errors` gives, for h_0..h_T, the set of test samples each model
  gets wrong (what the contract's replay computes); `replay_losses` their
  sizes E_0..E_T;
- `first_fixes` credits each contribution with the test samples it was the
  first to fix and that the final model still gets right;
- `reward_balances` keeps or burns each stake by the contribution's own
  effect and pays the credited improvement first come, first served, never
  more than the final model's improvement over h_0;
- `settle` / `settle_forfeit` turn balances into wei per account.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = balance * stake // M (rounded down). Sets of test samples are
bitmasks: bit j is test sample j.
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


def first_fixes(wrong: Sequence[int]) -> list[int]:
    """Per contribution t, how many test samples it fixed first and the final
    model still gets right: samples h_0 gets wrong, h_T gets right, that
    h_{t-1} got wrong, h_t gets right, and no earlier contribution had fixed.
    Each such sample is credited to exactly one contribution, so the credits
    sum to the samples h_0 gets wrong and h_T right."""
    unfixed = wrong[0] & ~wrong[-1]
    credits = []
    for before, after in zip(wrong, wrong[1:]):
        fixed = before & ~after & unfixed
        credits.append(bin(fixed).count("1"))
        unfixed &= ~fixed
    return credits


@dataclass(frozen=True)
class RewardResult:
    """Final balances (units of stake / M) and what they come from."""

    balances: tuple[int, ...]
    scores: tuple[int, ...]  # E_{t-1} - E_t
    credits: tuple[int, ...]  # first fixes still right in h_T
    paid: tuple[int, ...]  # errors removed that are paid, per contribution
    improvement: int  # max(0, E_0 - E_T)


def scores(losses: Sequence[int]) -> list[int]:
    """Each contribution's own marginal effect: E_{t-1} - E_t."""
    return [before - after for before, after in zip(losses, losses[1:])]


def reward_balances(wrong: Sequence[int], num_test_samples: int, rounds: int) -> RewardResult:
    """The market's reward rule (what the contract computes).

    `wrong` = the test samples h_0..h_T get wrong (`replay_errors`). A
    contribution with s_t = E_{t-1} - E_t > 0 keeps its stake (M units), one
    with s_t = 0 keeps M - 1 (a fee of one unit), one with s_t < 0 forfeits
    it (0 units); the fee and the stake are burned. The stake depends only
    on the sequence up to t. Its credit (`first_fixes`: the test samples it
    fixed first that h_T still gets right) is paid `rounds` units per
    sample, first come, first served, until the final improvement
    max(0, E_0 - E_T) is used up.
    """
    m = num_test_samples
    losses = [bin(w).count("1") for w in wrong]
    s = scores(losses)
    credits = first_fixes(wrong)
    left = improvement = max(0, losses[0] - losses[-1])
    balances, paid = [], []
    for score, credit in zip(s, credits):
        share = min(credit, left)
        left -= share
        paid.append(share)
        balances.append((m if score > 0 else m - 1 if score == 0 else 0) + rounds * share)
    return RewardResult(tuple(balances), tuple(s), tuple(credits), tuple(paid), improvement)


@dataclass(frozen=True)
class Settlement:
    """Who is owed what once the market is over, in wei."""

    payouts: tuple[int, ...]  # per contribution, in order
    owed: dict[str, int]  # per account, provider included
    provider_payout: int
    balances: tuple[int, ...] = ()  # units of stake / M (empty if forfeited)
    losses: tuple[int, ...] = ()
    burned: int = 0  # wei owed to nobody: forfeited stakes, or a forfeited bounty

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
    authors: Sequence[str], wrong: Sequence[int], num_test_samples: int, stake: int, bounty: int, provider: str
) -> Settlement:
    """Balances -> wei: the kept stake floor(k * stake / M) (k = M, M - 1 or
    0 units) plus the reward floor(R * share * stake / M); what a
    contribution forfeits of its stake (all of it, or the fee) is burned;
    the provider gets the rest of bounty + stakes.

    `wrong` are the masks of `replay_errors`."""
    if len(authors) != len(wrong) - 1:
        raise DecaiError("one author per contribution")
    rounds, m = bounty // stake, num_test_samples
    result = reward_balances(wrong, m, rounds)
    # The kept stake and the reward are rounded down apart; what the stake
    # loses (all of it, or the fee) is burned.
    kept = [(b - rounds * p) * stake // m for b, p in zip(result.balances, result.paid)]
    payouts = tuple(k + rounds * p * stake // m for k, p in zip(kept, result.paid))
    burned = sum(stake - k for k in kept)
    provider_payout = bounty + stake * len(authors) - sum(payouts) - burned
    losses = tuple(bin(w).count("1") for w in wrong)
    return Settlement(
        payouts, _owed(authors, payouts, provider, provider_payout), provider_payout, result.balances, losses, burned
    )


def settle_forfeit(authors: Sequence[str], stake: int, bounty: int, provider: str) -> Settlement:
    """The provider did not reveal in time: each contribution gets its stake
    back and the bounty is burned (owed to nobody), so that not revealing
    costs the provider the whole bounty however many addresses they control."""
    payouts = tuple(stake for _ in authors)
    return Settlement(payouts, _owed(authors, payouts, provider, 0), 0, burned=bounty)
