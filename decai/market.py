"""The prediction market (DESIGN 4c) off chain.

Three parts, used by the scripts, the tests and the benchmark alike:

1. Encoding, exactly as contracts/lib/mechanisms/sparse_market.vy and
   prediction_market.vy do it: a test-set `Portion` and its hash, the split
   of a test set into portions, and the hash chain over contributed samples.
2. The reference of the reward computation: `replay_losses` re-trains h_0
   one contribution at a time (the contract derives the same numbers
   without re-training), `reward_balances` runs the rounds with the same
   jumps as the contract, `reward_balances_by_round` plays them one at a
   time (the paper's loop), and `settle` turns balances into wei.
3. Clients: `MarketParameters` for deployment, and `Market`, which wraps a
   deployed market for the provider (commit, draw, reveal), contributors
   (add data, withdraw), keepers (`keep`) and `status`.

Units: a loss is an error count E on the evaluated test set of M samples (the
loss as a rate is E / M); balances are in units of stake / M, so one stake is
M units; wei = balance * stake // M (rounded down).
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from decai import DecaiError
from decai.models.base import MAX_SAMPLE_LENGTH

# Bounds: contracts/lib/mechanisms/prediction_market.vy and sparse_market.vy.
MIN_PORTIONS = 2
MAX_PORTIONS = 16
MAX_TEST_SAMPLES = 256
MAX_TEST_INDICES = 4096
MAX_PORTION_INDICES = 2048
MAX_PORTION_SAMPLES = MAX_TEST_SAMPLES
MAX_CONTRIBUTIONS = 512
MAX_ROUNDS = 2**64
MAX_STAKE = 2**128
MAX_PROCESS_STEPS = 4096
MAX_REPLAY_SAMPLES = 256
MAX_REPLAY_FEATURES = 4096

PHASES = ("setup", "committed", "participation", "reveal", "processing", "finished", "cancelled")
STAGES = ("none", "score", "replay", "rounds", "forfeit")
ZERO_HASH = b"\x00" * 32

#: Gas cap a keeper aims its `process` calls at (the issue's bound is 10M).
DEFAULT_PROCESS_GAS = 8_000_000


class Rejected(DecaiError):
    """A market transaction reverted; the message carries the reason."""


# --------------------------------------------------------------- encoding --

@dataclass(frozen=True)
class Portion:
    """A portion of the hidden test set: samples, labels and a secret salt.

    Samples are sparse (strictly increasing feature indices). On chain a
    portion travels flat and packed: all indices one sample after another as
    uint32 eight to a word (`pack_uint32`), the number of indices of each
    sample, the labels, and the salt.
    """

    samples: tuple[tuple[int, ...], ...]
    labels: tuple[int, ...]
    salt: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", tuple(tuple(int(f) for f in s) for s in self.samples))
        object.__setattr__(self, "labels", tuple(int(label) for label in self.labels))
        if len(self.salt) != 32:
            raise DecaiError("a portion's salt must be 32 bytes")
        if len(self.samples) != len(self.labels):
            raise DecaiError("a portion needs one label per sample")

    @property
    def indices(self) -> list[int]:
        return [feature for sample in self.samples for feature in sample]

    @property
    def lengths(self) -> list[int]:
        return [len(sample) for sample in self.samples]

    def args(self) -> tuple[list[int], list[int], list[int], bytes]:
        """The (words, lengths, labels, salt) a reveal transaction takes."""
        return pack_uint32(self.indices), self.lengths, list(self.labels), self.salt

    def hash(self) -> bytes:
        """keccak256(abi_encode(words: uint256[], lengths: uint256[], labels: uint64[], salt: bytes32))."""
        return portion_hash(*self.args())

    def check(self, num_features: int | None = None) -> None:
        """Raise DecaiError if the contract would reject this portion."""
        if not self.samples:
            raise DecaiError("a portion needs at least one sample")
        if len(self.samples) > MAX_PORTION_SAMPLES:
            raise DecaiError(f"a portion holds at most {MAX_PORTION_SAMPLES} samples, got {len(self.samples)}")
        if len(self.indices) > MAX_PORTION_INDICES:
            raise DecaiError(f"a portion holds at most {MAX_PORTION_INDICES} feature indices, got {len(self.indices)}")
        for position, (sample, label) in enumerate(zip(self.samples, self.labels)):
            check_sparse_sample(sample, num_features, what=f"test sample {position}")
            if label not in (0, 1):
                raise DecaiError(f"test sample {position} has label {label}; labels are 0 or 1")

    def to_dict(self) -> dict[str, Any]:
        return {"samples": [list(s) for s in self.samples], "labels": list(self.labels), "salt": "0x" + self.salt.hex()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Portion":
        return cls(tuple(tuple(s) for s in data["samples"]), tuple(data["labels"]), bytes.fromhex(data["salt"].removeprefix("0x")))


def portion_hash(words: Sequence[int], lengths: Sequence[int], labels: Sequence[int], salt: bytes) -> bytes:
    """The hash a provider commits to, as contracts/lib/mechanisms/sparse_market.vy computes
    it; `words` are the portion's feature indices packed by `pack_uint32`."""
    return keccak(encode(["uint256[]", "uint256[]", "uint64[]", "bytes32"], [list(words), list(lengths), list(labels), salt]))


def check_sparse_sample(sample: Sequence[int], num_features: int | None = None, what: str = "sample") -> None:
    if len(sample) > MAX_SAMPLE_LENGTH:
        raise DecaiError(f"{what} has {len(sample)} features; at most {MAX_SAMPLE_LENGTH} are allowed")
    previous = -1
    for feature in sample:
        if feature <= previous:
            raise DecaiError(f"{what}: feature indices must be non-negative and strictly increasing")
        previous = feature
    if num_features is not None and sample and sample[-1] >= num_features:
        raise DecaiError(f"{what}: feature index {sample[-1]} is out of range (the model has {num_features} features)")


def split_test_set(
    samples: Sequence[Sequence[int]],
    labels: Sequence[int],
    num_portions: int,
    *,
    num_features: int | None = None,
    salts: Sequence[bytes] | None = None,
) -> list[Portion]:
    """Split a test set into `num_portions` contiguous portions of near-equal size.

    Each portion gets a fresh random 32-byte salt (or the given `salts`).
    Shuffle the test set first if its order means anything. Raises
    DecaiError if the contract could not accept the result: whichever
    portion is drawn first, the others must fit the evaluated test set.
    """
    if not MIN_PORTIONS <= num_portions <= MAX_PORTIONS:
        raise DecaiError(f"a test set is split into {MIN_PORTIONS} to {MAX_PORTIONS} portions, not {num_portions}")
    if len(samples) != len(labels):
        raise DecaiError(f"{len(samples)} test samples but {len(labels)} labels")
    if len(samples) < num_portions:
        raise DecaiError(f"{len(samples)} test samples cannot fill {num_portions} portions")
    if salts is not None and len(salts) != num_portions:
        raise DecaiError(f"{num_portions} portions need {num_portions} salts")
    portions = []
    for i in range(num_portions):
        start, end = i * len(samples) // num_portions, (i + 1) * len(samples) // num_portions
        salt = salts[i] if salts is not None else os.urandom(32)
        portion = Portion(tuple(tuple(s) for s in samples[start:end]), tuple(labels[start:end]), salt)
        portion.check(num_features)
        portions.append(portion)
    check_portions_fit(portions)
    return portions


def check_portions_fit(portions: Sequence[Portion]) -> None:
    """Whichever portion is drawn first, the rest must fit the contract's test set."""
    total_samples = sum(len(p.samples) for p in portions)
    total_indices = sum(len(p.indices) for p in portions)
    smallest_samples = min(len(p.samples) for p in portions)
    smallest_indices = min(len(p.indices) for p in portions)
    if total_samples - smallest_samples > MAX_TEST_SAMPLES:
        raise DecaiError(f"the evaluated test set may have at most {MAX_TEST_SAMPLES} samples; this split can leave {total_samples - smallest_samples}")
    if total_indices - smallest_indices > MAX_TEST_INDICES:
        raise DecaiError(f"the evaluated test set may have at most {MAX_TEST_INDICES} feature indices; this split can leave {total_indices - smallest_indices}")


def pack_uint32(values: Sequence[int]) -> list[int]:
    """Feature indices packed as uint32, eight to a word (value p in bits 32 * (p % 8) of word p // 8)."""
    words = [0] * ((len(values) + 7) // 8)
    for position, value in enumerate(values):
        if not 0 <= value < 2**32:
            raise DecaiError(f"feature index {value} does not fit 32 bits")
        words[position // 8] |= value << (32 * (position % 8))
    return words


def chain_hash(previous: bytes, data: Sequence[int]) -> bytes:
    """One link of the contribution chain: keccak256(abi_encode(previous: bytes32, data: int64[]))."""
    return keccak(encode(["bytes32", "int64[]"], [previous, list(data)]))


def chain_values(samples: Iterable[Sequence[int]]) -> list[bytes]:
    """chain_0 (zero) .. chain_T for the contributed samples in order."""
    values = [ZERO_HASH]
    for data in samples:
        values.append(chain_hash(values[-1], data))
    return values


# -------------------------------------------------------------- reference --

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
    """The reward rounds of DESIGN 4c, identical rounds applied in one jump.

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


# ----------------------------------------------------------------- deploy --

@dataclass(frozen=True)
class MarketParameters:
    """Constructor parameters of a PredictionMarket* trainer.

    stake: wei per contribution; min_duration_s / min_contributions: when the
    provider may end participation (either suffices); max_duration_s: when
    participation closes and anyone may end it; commit_window_s: time to
    reveal the first portion after committing; reveal_window_s: time to
    reveal the rest after participation ends.
    """

    stake: int = 10**16
    min_duration_s: int = 86_400
    max_duration_s: int = 7 * 86_400
    min_contributions: int = 10
    commit_window_s: int = 86_400
    reveal_window_s: int = 86_400

    mechanism = "market"

    def __post_init__(self) -> None:
        if not 0 < self.stake <= MAX_STAKE:
            raise DecaiError(f"stake must be between 1 and {MAX_STAKE} wei")
        if self.max_duration_s <= 0:
            raise DecaiError("max_duration_s must be positive")
        if not 0 <= self.min_duration_s <= self.max_duration_s:
            raise DecaiError("min_duration_s must lie between 0 and max_duration_s")
        if not 0 <= self.min_contributions <= MAX_CONTRIBUTIONS:
            raise DecaiError(f"min_contributions must lie between 0 and {MAX_CONTRIBUTIONS}")
        if self.commit_window_s <= 0 or self.reveal_window_s <= 0:
            raise DecaiError("commit_window_s and reveal_window_s must be positive")

    def constructor_args(self) -> list[int]:
        return [self.stake, self.min_duration_s, self.max_duration_s, self.min_contributions, self.commit_window_s, self.reveal_window_s]

    def to_dict(self) -> dict[str, Any]:
        return {"mechanism": self.mechanism, **{name: getattr(self, name) for name in (
            "stake", "min_duration_s", "max_duration_s", "min_contributions", "commit_window_s", "reveal_window_s")}}


# ----------------------------------------------------------------- client --

def _reason(error: Exception) -> str:
    message = getattr(error, "revert_message", None) or getattr(error, "message", None) or str(error)
    return str(message).strip() or "reverted without a reason"


def _transact(action: str, fn, *args, **kwargs):
    from ape.exceptions import ContractLogicError

    try:
        return fn(*args, **kwargs)
    except ContractLogicError as error:
        raise Rejected(f"{action} rejected: {_reason(error)}") from None


@dataclass(frozen=True)
class MarketContribution:
    index: int
    author: str
    data: tuple[int, ...]
    label: int
    added_time: int


@dataclass
class MarketStatus:
    """A snapshot of a market, for `ape run market status` and clients."""

    address: str
    phase: str
    stage: str
    now: int
    provider: str
    bounty: int
    stake: int
    num_portions: int
    first_portion: int | None
    next_portion: int
    num_contributions: int
    num_test_samples: int
    deadlines: dict[str, int]
    processing_cursor: int
    rounds_left: int
    initial_loss: int | None
    final_loss: int | None
    forfeited: bool
    total_owed: int
    balance: int
    owed: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"market      {self.address}",
            f"phase       {self.phase}" + (f" (stage {self.stage}, cursor {self.processing_cursor})" if self.phase == "processing" else ""),
            f"provider    {self.provider}",
            f"bounty      {self.bounty} wei   stake {self.stake} wei   rounds {self.bounty // self.stake if self.stake else 0}",
            f"portions    {self.num_portions}" + (f", first revealed: {self.first_portion}" if self.first_portion is not None else "")
            + (f", next to reveal: {self.next_portion}" if self.phase == "reveal" else ""),
            f"contributions {self.num_contributions}   test samples {self.num_test_samples}",
        ]
        for name, when in self.deadlines.items():
            if when:
                delta = when - self.now
                state = f"in {delta} s" if delta > 0 else f"passed {-delta} s ago"
                out.append(f"{name:<22} {when} ({state})")
        if self.initial_loss is not None and self.num_test_samples:
            out.append(f"test errors h_0 {self.initial_loss}/{self.num_test_samples}, h_T {self.final_loss}/{self.num_test_samples}")
        if self.forfeited:
            out.append("the provider did not reveal in time: the bounty was forfeited to the contributors")
        out.append(f"contract balance {self.balance} wei, owed to accounts {self.total_owed} wei")
        for account, amount in self.owed.items():
            out.append(f"owed to {account}: {amount} wei")
        return out


class Market:
    """A deployed PredictionMarket* trainer.

        market = Market.at("0x...")
        market.commit(portions, bounty, sender=provider)   # provider
        market.reveal_first(portions, sender=provider)
        market.add_data([1, 5, 9], 1, sender=contributor)  # contributors
        market.end_participation(sender=provider)
        market.reveal_rest(portions, sender=provider)
        market.keep(sender=anyone)                          # keeper
        market.withdraw(sender=contributor)
    """

    def __init__(self, contract: Any, start_block: int = 0):
        self.contract = contract
        self.start_block = start_block
        self._contributions: list[MarketContribution] = []

    @classmethod
    def at(cls, address: str, start_block: int = 0) -> "Market":
        from decai.sdk import Trainer

        trainer = Trainer.at(address)
        if trainer.mechanism != "market":
            raise DecaiError(f"{address} is a {trainer.kind} trainer, not a prediction market")
        return cls(trainer.contract, start_block)

    @property
    def address(self) -> str:
        return self.contract.address

    @property
    def phase(self) -> str:
        return PHASES[int(self.contract.phase())]

    @property
    def stage(self) -> str:
        return STAGES[int(self.contract.stage())]

    @property
    def stake(self) -> int:
        return int(self.contract.stake())

    # -- provider ---------------------------------------------------------
    def commit(self, portions: Sequence[Portion], bounty: int, *, sender, **tx):
        """Stake `bounty` wei and commit to the portions' hashes (owner only)."""
        if not MIN_PORTIONS <= len(portions) <= MAX_PORTIONS:
            raise DecaiError(f"commit {MIN_PORTIONS} to {MAX_PORTIONS} portions, not {len(portions)}")
        num_features = int(self.contract.num_features())
        for portion in portions:
            portion.check(num_features)
        check_portions_fit(portions)
        if bounty < self.stake:
            raise DecaiError(f"the bounty ({bounty} wei) must be at least one stake ({self.stake} wei)")
        return _transact("commit", self.contract.commit, [p.hash() for p in portions], sender=sender, value=bounty, **tx)

    def first_portion(self, *, sender=None, timeout_s: float = 180, **tx) -> int:
        """Index of the portion to reveal first, drawing it (one transaction) if needed.

        The draw needs the block after the commitment: on a chain that mines
        only on demand (a local node) one empty block is mined, otherwise
        this waits up to `timeout_s` for it.
        """
        drawn, index = self.contract.first_portion()
        if drawn:
            return int(index)
        if sender is None:
            raise DecaiError("the first portion is not drawn yet; pass a sender to draw it")
        # One block beyond: some nodes simulate the draw (gas estimation) in
        # the head block's context rather than the next one's.
        self._wait_for_block(int(self.contract.random_block()) + 1, timeout_s)
        _transact("draw_first_portion", self.contract.draw_first_portion, sender=sender, **tx)
        return int(self.contract.first_portion()[1])

    @staticmethod
    def _wait_for_block(number: int, timeout_s: float) -> None:
        """Return once block `number` is mined (a transaction sent then lands after it)."""
        import time

        from ape import chain

        if chain.blocks.head.number >= number:
            return
        # Development nodes (anvil, a fork) mine on demand; live ones refuse.
        try:
            chain.mine(number - chain.blocks.head.number)
            return
        except Exception:  # noqa: BLE001 - the provider cannot: ask the node itself
            pass
        try:
            while chain.blocks.head.number < number:
                chain.provider.make_request("evm_mine", [])
            return
        except Exception:  # noqa: BLE001 - a live node: wait for the block instead
            pass
        deadline = time.monotonic() + timeout_s
        while chain.blocks.head.number < number:
            if time.monotonic() > deadline:
                raise DecaiError(f"block {number} was not mined within {timeout_s:.0f} s")
            time.sleep(2)

    def reveal_first(self, portions: Sequence[Portion], *, sender, **tx) -> int:
        """Reveal the drawn portion, which opens participation; returns its index."""
        index = self.first_portion(sender=sender, **tx)
        _transact("reveal_first_portion", self.contract.reveal_first_portion, index, *portions[index].args(), sender=sender, **tx)
        return index

    def reveal_rest(self, portions: Sequence[Portion], *, sender, progress: Callable[[int], None] | None = None, **tx) -> list[int]:
        """Reveal the remaining portions in order, one transaction each."""
        revealed = []
        while self.phase == "reveal":
            index = int(self.contract.next_portion())
            _transact("reveal_portion", self.contract.reveal_portion, index, *portions[index].args(), sender=sender, **tx)
            revealed.append(index)
            if progress:
                progress(index)
        return revealed

    def cancel(self, *, sender, **tx):
        return _transact("cancel", self.contract.cancel, sender=sender, **tx)

    def end_participation(self, *, sender, **tx):
        return _transact("end_participation", self.contract.end_participation, sender=sender, **tx)

    # -- contributors -------------------------------------------------------
    def add_data(self, sample: Sequence[int], label: int, *, sender, value: int | None = None, **tx) -> MarketContribution:
        """Contribute one labelled sample with the stake; returns the recorded contribution."""
        sample = [int(x) for x in sample]
        check_sparse_sample(sample, int(self.contract.num_features()))
        if label not in (0, 1):
            raise DecaiError(f"label must be 0 or 1, got {label}")
        if value is None:
            value = self.stake
        receipt = _transact("add_data", self.contract.add_data, sample, label, sender=sender, value=value, **tx)
        event = next(iter(receipt.decode_logs(self.contract.AddData)))
        index = int(self.contract.num_contributions()) - 1
        return MarketContribution(index, event.sender, tuple(event.data), int(event.label), int(event.added_time))

    def withdraw(self, *, sender, **tx) -> int:
        """Withdraw everything owed to `sender`; returns the wei received."""
        owed = int(self.contract.owed(sender))
        if owed == 0:
            raise DecaiError(f"the market owes {sender.address} nothing (phase {self.phase})")
        _transact("withdraw", self.contract.withdraw, sender=sender, **tx)
        return owed

    def contributions(self) -> list[MarketContribution]:
        """Every contribution in order, from the AddData events (cached)."""
        count = int(self.contract.num_contributions())
        if len(self._contributions) < count:
            logs = list(self.contract.AddData.range(self.start_block, None))
            self._contributions = [
                MarketContribution(i, log.event_arguments["sender"], tuple(log.event_arguments["data"]),
                                   int(log.event_arguments["label"]), int(log.event_arguments["added_time"]))
                for i, log in enumerate(logs)
            ]
        if len(self._contributions) != count:
            raise DecaiError(f"found {len(self._contributions)} AddData events for {count} contributions; is start_block right?")
        return self._contributions[:count]

    # -- keeper -----------------------------------------------------------------
    def replay_args(self, max_samples: int = MAX_REPLAY_SAMPLES) -> tuple[list[int], list[int], bytes]:
        """Arguments of one `replay` call: the samples of the (at most
        `max_samples`) contributions just below the replay cursor, flat, with
        their lengths and the chain value before them."""
        cursor = int(self.contract.processing_cursor())
        contributions = self.contributions()
        batch: list[MarketContribution] = []
        features = 0
        for contribution in reversed(contributions[:cursor]):
            if len(batch) == min(max_samples, MAX_REPLAY_SAMPLES) or features + len(contribution.data) > MAX_REPLAY_FEATURES:
                break
            batch.append(contribution)
            features += len(contribution.data)
        batch.reverse()
        chain_before = chain_values(c.data for c in contributions[: cursor - len(batch)])[-1]
        return pack_uint32([f for c in batch for f in c.data]), [len(c.data) for c in batch], chain_before

    def _step_call(self, steps: int):
        """Name, contract function and arguments of the next processing call."""
        if self.phase == "processing" and self.stage == "replay":
            return "replay", self.contract.replay, self.replay_args(steps)
        return "process", self.contract.process, (steps,)

    def process(self, max_steps: int, *, sender, **tx) -> int:
        """One `process` (or, in the replay stage, `replay`) call; returns the steps done."""
        name, function, args = self._step_call(max_steps)
        receipt = _transact(name, function, *args, sender=sender, **tx)
        events = list(receipt.decode_logs(self.contract.Processed))
        return int(events[0].steps) if events else 0

    def keep(
        self,
        *,
        sender,
        max_steps: int = 256,
        gas_cap: int = DEFAULT_PROCESS_GAS,
        on_call: Callable[[str, int, int], None] | None = None,
        **tx,
    ) -> int:
        """Call `process`/`replay` until the market is finished; returns the calls made.

        Each call starts at `max_steps` steps (contributions, for `replay`)
        and halves them while the gas estimate exceeds `gas_cap`.
        `on_call(stage, steps, gas_used)` is told about every call.
        """
        calls = 0
        while self.phase in ("processing", "reveal"):
            if self.phase == "reveal" and int(self.contract.reveal_deadline()) > _now():
                raise DecaiError("the provider may still reveal; nothing to process yet")
            steps = max_steps
            while True:
                name, function, args = self._step_call(steps)
                if steps == 1:
                    break  # the smallest call: nothing to halve
                try:
                    estimate = int(function.estimate_gas_cost(*args, sender=sender))
                except Exception as error:  # a revert during estimation: report its reason
                    raise Rejected(f"{name} rejected: {_reason(error)}") from None
                if estimate <= gas_cap:
                    break
                steps = max(1, steps // 2)
            stage = self.stage if self.phase == "processing" else "forfeit"
            receipt = _transact(name, function, *args, sender=sender, **tx)
            calls += 1
            if on_call:
                on_call(stage, len(args[1]) if name == "replay" else steps, int(receipt.gas_used))
        return calls

    # -- reading back ---------------------------------------------------------------
    def test_set(self) -> tuple[list[list[int]], list[int]]:
        """The evaluated test set as stored on chain (after the reveal)."""
        samples, labels = [], []
        for j in range(int(self.contract.num_test_samples())):
            sample, label = self.contract.test_sample(j)
            samples.append(list(sample))
            labels.append(int(label))
        return samples, labels

    def losses(self) -> list[int]:
        """E_0..E_T once the replay is over."""
        count = int(self.contract.num_contributions())
        return [int(self.contract.initial_loss())] + [int(self.contract.contribution(i)[5]) for i in range(count)]

    def status(self, accounts: Sequence[str] = ()) -> MarketStatus:
        from ape import chain

        c = self.contract
        phase = PHASES[int(c.phase())]
        drawn, first = c.first_portion()
        count = int(c.num_contributions())
        finished = phase == "finished" and not c.forfeited() and count > 0
        return MarketStatus(
            address=c.address,
            phase=phase,
            stage=STAGES[int(c.stage())],
            now=_now(),
            provider=str(c.market_provider()),
            bounty=int(c.bounty()),
            stake=int(c.stake()),
            num_portions=int(c.num_portions()),
            first_portion=int(first) if drawn else None,
            next_portion=int(c.next_portion()),
            num_contributions=count,
            num_test_samples=int(c.num_test_samples()),
            deadlines={
                "commit deadline": int(c.commit_deadline()) if phase == "committed" else 0,
                "participation deadline": int(c.participation_deadline()) if phase == "participation" else 0,
                "reveal deadline": int(c.reveal_deadline()) if phase == "reveal" else 0,
            },
            processing_cursor=int(c.processing_cursor()),
            rounds_left=int(c.rounds_left()),
            initial_loss=int(c.initial_loss()) if finished else None,
            final_loss=int(c.contribution(count - 1)[5]) if finished else None,
            forfeited=bool(c.forfeited()),
            total_owed=int(c.total_owed()),
            balance=int(chain.provider.get_balance(c.address)),
            owed={to_checksum_address(a): int(c.owed(a)) for a in accounts},
        )


def _now() -> int:
    from ape import chain

    return int(chain.blocks.head.timestamp)


# --------------------------------------------------------- provider files --

def save_portions(path: str | Path, portions: Sequence[Portion], **extra: Any) -> None:
    """Write the provider's secret file (portions with their salts)."""
    data = {"format": "decai-market-portions/1", **extra, "portions": [p.to_dict() for p in portions]}
    Path(path).write_text(json.dumps(data, indent=1) + "\n")


def load_portions(path: str | Path) -> list[Portion]:
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise DecaiError(f"portions file {path} does not exist") from None
    except json.JSONDecodeError as error:
        raise DecaiError(f"portions file {path} is not valid JSON: {error}") from None
    if data.get("format") != "decai-market-portions/1":
        raise DecaiError(f"{path} is not a decai portions file")
    try:
        return [Portion.from_dict(p) for p in data["portions"]]
    except (KeyError, TypeError, ValueError) as error:
        raise DecaiError(f"bad portions file {path}: {error}") from None


def random_salts(count: int, seed: int | None = None) -> list[bytes]:
    """Salts for tests and demos (deterministic with a seed); real providers keep os.urandom."""
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]
