"""The reward computation of the prediction market, in plain Python: the
reference the contract's arithmetic is checked against.

- `cancelled_pairs` marks the exact undo pairs the contract cancels at
  `add_data` (same sample, opposite labels, the second undoing the first);
- `replay_losses` gives E_0..E_T of the sequence without the cancelled pairs
  (what the contract's replay computes);
- `leave_out_gains` gives each account's G_a: the test errors its updates
  still remove from the final model (E of h_T without them, minus E_T);
- `reward_balances` scores every contribution once by its own marginal
  effect, caps each account's positive scores at G_a (an account with
  G_a < 0 forfeits every stake) and shares the pool in proportion, at most
  R units per error;
- `settle` / `settle_forfeit` turn balances into wei per account.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = balance * stake // M (rounded down).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


def leave_out_gains(
    initial_model, contributions: Sequence[tuple[Sequence[int], int]], authors: Sequence[str], test_samples, test_labels
) -> dict[str, int]:
    """G_a for every author, as the contract's leave-out stage computes it:
    E(h_T minus all the author's updates) - E(h_T), where an update is
    +-learning_rate on the sample's features. Cancelled contributions count
    too: an account that cancels someone else's contribution leaves its own
    half in h_T, and leaving the account out takes that half out."""
    final = initial_model.copy()
    own: dict[str, list[tuple[Sequence[int], int]]] = {}
    for (data, label), author in zip(contributions, authors):
        step = final.learning_rate if label == 1 else -final.learning_rate
        for feature in data:
            final.weights[feature] += step
        own.setdefault(author, []).append((data, step))
    final_loss = error_count(final, test_samples, test_labels)
    gains = {}
    for author, updates in own.items():
        model = final.copy()
        for data, step in updates:
            for feature in data:
                model.weights[feature] -= step
        gains[author] = error_count(model, test_samples, test_labels) - final_loss
    return gains


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


def effective_scores(
    losses: Sequence[int], authors: Sequence[str] | None = None, gains: Mapping[str, int] | None = None
) -> list[int | None]:
    """Each contribution's score after its account's cap: None for a
    forfeited stake (s_t < 0, or its account has G_a < 0), else the part of
    a positive s_t its account may still be paid for, first come first
    served (at most G_a errors per account; 0 for s_t = 0). Without
    `authors`, no cap: the plain marginal scores."""
    result: list[int | None] = []
    left = {author: max(0, gain) for author, gain in (gains or {}).items()}
    for index, score in enumerate(scores(losses)):
        author = authors[index] if authors is not None else None
        if score < 0 or (author is not None and gains[author] < 0):
            result.append(None)
        elif score > 0 and author is not None:
            effective = min(score, left[author])
            left[author] -= effective
            result.append(effective)
        else:
            result.append(score)
    return result


def reward_balances(
    losses: Sequence[int],
    num_test_samples: int,
    rounds: int,
    authors: Sequence[str] | None = None,
    gains: Mapping[str, int] | None = None,
) -> RewardResult:
    """The market's reward rule (what the contract computes).

    `losses` = E_0..E_T of the sequence without cancelled pairs; `authors`
    and their `gains` G_a (`leave_out_gains`) cap every account. Score
    s_t = E_{t-1} - E_t, then capped (`effective_scores`): a forfeited stake
    gives M units to the pool; an effective score of 0 pays a fee of one
    unit to the pool and keeps M - 1; a positive one e_t keeps its stake and
    gets M + min(R * e_t, floor(pool * e_t / S+)), S+ the sum of the e_t and
    pool = R * max(0, E_0 - E_T) plus the units of the other two kinds.
    """
    m = num_test_samples
    effective = effective_scores(losses, authors, gains)
    positive = sum(x for x in effective if x)
    pool = sum(m if x is None else 1 for x in effective if not x) + rounds * max(0, losses[0] - losses[-1])
    balances = tuple(
        0 if x is None else (m - 1 if x == 0 else m + min(rounds * x, pool * x // positive)) for x in effective
    )
    return RewardResult(balances, tuple(scores(losses)), pool, positive)


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
    authors: Sequence[str],
    losses: Sequence[int],
    num_test_samples: int,
    stake: int,
    bounty: int,
    provider: str,
    gains: Mapping[str, int] | None = None,
) -> Settlement:
    """Balances -> wei: floor(balance * stake / M) each; the provider gets the rest of bounty + stakes.

    `losses` are those of `replay_losses` (cancelled pairs skipped), `gains`
    those of `leave_out_gains` (None: no account cap, the plain marginal rule)."""
    if len(authors) != len(losses) - 1:
        raise DecaiError("one author per contribution")
    result = reward_balances(losses, num_test_samples, bounty // stake, authors if gains is not None else None, gains)
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
