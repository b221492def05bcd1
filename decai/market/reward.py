"""The reward computation of the prediction market, in plain Python: the
reference the contract's arithmetic is checked against.

- `replay_losses` re-trains h_0 one contribution at a time and counts test
  errors after each (the contract gets the same numbers without
  re-training);
- `reward_balances` plays the rounds in the same jumps as the contract,
  `reward_balances_by_round` one round at a time (the paper's loop);
- `settle` / `settle_forfeit` turn balances into wei per account.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = balance * stake // M (rounded down).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from decai.errors import DecaiError


def error_count(model, samples: Sequence[Sequence[int]], labels: Sequence[int]) -> int:
    """Test samples the model gets wrong (the loss E)."""
    return sum(1 for sample, label in zip(samples, labels) if model.predict(list(sample)) != label)


def replay_losses(initial_model, contributions: Sequence[tuple[Sequence[int], int]], test_samples, test_labels) -> list[int]:
    """E_0..E_T: train a copy of h_0 one contribution at a time, counting test errors after each."""
    model = initial_model.copy()
    losses = [error_count(model, test_samples, test_labels)]
    for data, label in contributions:
        model.update(list(data), label)
        losses.append(error_count(model, test_samples, test_labels))
    return losses


@dataclass(frozen=True)
class RewardResult:
    """Final balances (units of stake / M) of the reward rounds."""

    balances: tuple[int, ...]
    dropped: tuple[bool, ...]
    rounds_played: int
    jumps: int


def _scores(losses: Sequence[int], members: Sequence[int]) -> list[int]:
    """Score of each member: E of the previous member (E_0 for the first) minus
    E after it; the last member is measured against E_T."""
    final = len(losses) - 1
    scores, previous = [], losses[0]
    for position, index in enumerate(members):
        end = losses[final] if position == len(members) - 1 else losses[index + 1]
        scores.append(previous - end)
        previous = losses[index + 1]
    return scores


def reward_balances(losses: Sequence[int], num_test_samples: int, rounds: int) -> RewardResult:
    """The market's reward rounds, identical rounds applied in one jump.

    `losses` = E_0..E_T. Every contribution starts with M units (one stake);
    a jump applies the rounds until the next member falls below M, or all
    remaining ones if nobody has a negative score. Members below M after a
    jump are dropped, except after the last jump (their balance is final
    anyway). The contract computes exactly this.
    """
    m, count = num_test_samples, len(losses) - 1
    balances, dropped = [m] * count, [False] * count
    members, left, played, jumps = list(range(count)), rounds, 0, 0
    while members and left > 0:
        scores = _scores(losses, members)
        negative = [(balances[i] - m) // -s + 1 for i, s in zip(members, scores) if s < 0]
        jump = min([left, *negative])
        for i, s in zip(members, scores):
            balances[i] += jump * s
        left, played, jumps = left - jump, played + jump, jumps + 1
        if left == 0:
            break
        for i in members:
            dropped[i] = balances[i] < m
        members = [i for i in members if not dropped[i]]
    return RewardResult(tuple(balances), tuple(dropped), played, jumps)


def reward_balances_by_round(losses: Sequence[int], num_test_samples: int, rounds: int) -> RewardResult:
    """The same rounds played one at a time (the paper's loop); for tests."""
    m, count = num_test_samples, len(losses) - 1
    balances, dropped = [m] * count, [False] * count
    members, played = list(range(count)), 0
    for round_number in range(rounds):
        if not members:
            break
        for i, s in zip(members, _scores(losses, members)):
            balances[i] += s
        played += 1
        if round_number == rounds - 1:
            break
        for i in members:
            dropped[i] = balances[i] < m
        members = [i for i in members if not dropped[i]]
    return RewardResult(tuple(balances), tuple(dropped), played, played)


@dataclass(frozen=True)
class Settlement:
    """Who is owed what once the market is over, in wei."""

    payouts: tuple[int, ...]           # per contribution, in order
    owed: dict[str, int]               # per account, provider included
    provider_payout: int
    balances: tuple[int, ...] = ()     # units of stake / M (empty if forfeited)
    losses: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        return sum(self.payouts) + self.provider_payout


def _owed(authors: Sequence[str], payouts: Sequence[int], provider: str, provider_payout: int) -> dict[str, int]:
    owed: dict[str, int] = {}
    for author, payout in zip(authors, payouts):
        owed[author] = owed.get(author, 0) + payout
    owed[provider] = owed.get(provider, 0) + provider_payout
    return {account: amount for account, amount in owed.items() if amount}


def settle(authors: Sequence[str], losses: Sequence[int], num_test_samples: int, stake: int, bounty: int, provider: str) -> Settlement:
    """Balances -> wei: floor(balance * stake / M) each; the provider gets the rest of bounty + stakes."""
    if len(authors) != len(losses) - 1:
        raise DecaiError("one author per contribution")
    result = reward_balances(losses, num_test_samples, bounty // stake)
    payouts = tuple(b * stake // num_test_samples for b in result.balances)
    provider_payout = bounty + stake * len(authors) - sum(payouts)
    return Settlement(payouts, _owed(authors, payouts, provider, provider_payout), provider_payout, result.balances, tuple(losses))


def settle_forfeit(authors: Sequence[str], stake: int, bounty: int, provider: str) -> Settlement:
    """The provider did not reveal in time: each contribution gets its stake and bounty // T."""
    share = bounty // len(authors)
    payouts = tuple(stake + share for _ in authors)
    provider_payout = bounty - share * len(authors)
    return Settlement(payouts, _owed(authors, payouts, provider, provider_payout), provider_payout)
