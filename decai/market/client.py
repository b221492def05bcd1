"""The prediction market's client: `MarketParameters` for deployment and
`Market`, which wraps a deployed market for the provider (commit, draw,
reveal), contributors (add data, withdraw), keepers (`keep`) and anyone
reading its `status`.

Every transaction goes through decai.chain.transact: the node is asked with
a call first, so a refusal costs nothing and reads as one line. The test-set
encoding is in decai.market.encoding, the reference of the reward
computation in decai.market.reward, the provider's secrets file in
decai.market.files, the status snapshot in decai.market.status.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from decai.chain.transact import check_call, transact
from decai.errors import DecaiError, Rejected, revert_reason
from decai.market.encoding import (
    MAX_PORTIONS,
    MIN_PORTIONS,
    Portion,
    chain_values,
    check_portions_fit,
    check_sparse_sample,
    pack_uint32,
)
from decai.market.status import PHASES, STAGES, MarketStatus, read_status
from decai.units import to_hex

# Bounds of contracts/lib/mechanisms/prediction_market.vy and sparse_replay.vy
# beyond the test set's (those are in decai.market.encoding).
MAX_CONTRIBUTIONS = 4096
MAX_ROUNDS = 2**64
MAX_STAKE = 2**128
MAX_PROCESS_STEPS = 4096
MAX_REPLAY_SAMPLES = 256
MAX_REPLAY_FEATURES = 4096

#: Gas cap a keeper aims its `process` calls at (every transaction stays under 10M).
DEFAULT_PROCESS_GAS = 8_000_000


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
        return [
            self.stake,
            self.min_duration_s,
            self.max_duration_s,
            self.min_contributions,
            self.commit_window_s,
            self.reveal_window_s,
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mechanism": self.mechanism,
            **{
                name: getattr(self, name)
                for name in (
                    "stake",
                    "min_duration_s",
                    "max_duration_s",
                    "min_contributions",
                    "commit_window_s",
                    "reveal_window_s",
                )
            },
        }


# ----------------------------------------------------------------- client --


@dataclass(frozen=True)
class MarketContribution:
    index: int
    author: str
    data: tuple[int, ...]
    label: int
    added_time: int
    #: Where it was read from, when known; not part of what the contribution is.
    transaction_hash: str | None = field(default=None, compare=False)


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
    def at(cls, address: str, start_block: int = 0) -> Market:
        from decai.chain.trainer import Trainer

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
    def check_commit(self, portions: Sequence[Portion], bounty: int, *, sender, **tx) -> None:
        """Raise DecaiError (Rejected for the contract's refusals) unless
        `commit` would succeed now; sends nothing."""
        if not MIN_PORTIONS <= len(portions) <= MAX_PORTIONS:
            raise DecaiError(f"commit {MIN_PORTIONS} to {MAX_PORTIONS} portions, not {len(portions)}")
        num_features = int(self.contract.num_features())
        for portion in portions:
            portion.check(num_features)
        check_portions_fit(portions)
        if bounty < self.stake:
            raise DecaiError(f"the bounty ({bounty} wei) must be at least one stake ({self.stake} wei)")
        check_call("commit", self.contract.commit, [p.hash() for p in portions], sender=sender, value=bounty, **tx)

    def commit(self, portions: Sequence[Portion], bounty: int, *, sender, **tx):
        """Stake `bounty` wei and commit to the portions' hashes (owner only)."""
        self.check_commit(portions, bounty, sender=sender, **tx)
        return transact(
            "commit",
            self.contract.commit,
            [p.hash() for p in portions],
            precheck=False,
            sender=sender,
            value=bounty,
            **tx,
        )

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
        transact("draw_first_portion", self.contract.draw_first_portion, sender=sender, **tx)
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
        transact(
            "reveal_first_portion",
            self.contract.reveal_first_portion,
            index,
            *portions[index].args(),
            sender=sender,
            **tx,
        )
        return index

    def reveal_rest(
        self, portions: Sequence[Portion], *, sender, progress: Callable[[int], None] | None = None, **tx
    ) -> list[int]:
        """Reveal the remaining portions in order, one transaction each."""
        revealed = []
        while self.phase == "reveal":
            index = int(self.contract.next_portion())
            transact(
                "reveal_portion", self.contract.reveal_portion, index, *portions[index].args(), sender=sender, **tx
            )
            revealed.append(index)
            if progress:
                progress(index)
        return revealed

    def cancel(self, *, sender, **tx):
        return transact("cancel", self.contract.cancel, sender=sender, **tx)

    def end_participation(self, *, sender, **tx):
        return transact("end_participation", self.contract.end_participation, sender=sender, **tx)

    # -- contributors -------------------------------------------------------
    def add_data(
        self, sample: Sequence[int], label: int, *, sender, value: int | None = None, **tx
    ) -> MarketContribution:
        """Contribute one labelled sample with the stake; returns the recorded contribution."""
        sample = [int(x) for x in sample]
        check_sparse_sample(sample, int(self.contract.num_features()))
        if label not in (0, 1):
            raise DecaiError(f"label must be 0 or 1, got {label}")
        if value is None:
            value = self.stake
        receipt = transact("add_data", self.contract.add_data, sample, label, sender=sender, value=value, **tx)
        event = next(iter(receipt.decode_logs(self.contract.AddData)))
        index = int(self.contract.num_contributions()) - 1
        return MarketContribution(index, event.sender, tuple(event.data), int(event.label), int(event.added_time))

    def withdraw(self, *, sender, **tx) -> int:
        """Withdraw everything owed to `sender`; returns the wei received."""
        owed = int(self.contract.owed(sender))
        if owed == 0:
            raise DecaiError(f"the market owes {sender.address} nothing (phase {self.phase})")
        transact("withdraw", self.contract.withdraw, sender=sender, **tx)
        return owed

    def contributions(self) -> list[MarketContribution]:
        """Every contribution in order, from the AddData events (cached).

        The events are read from `start_block` to the chain's head: Ape's
        `range(start, None)` would read `start` as the stop block instead."""
        from ape import chain

        count = int(self.contract.num_contributions())
        if len(self._contributions) < count:
            logs = list(self.contract.AddData.range(self.start_block, chain.blocks.height + 1))
            self._contributions = [
                MarketContribution(
                    i,
                    log.event_arguments["sender"],
                    tuple(log.event_arguments["data"]),
                    int(log.event_arguments["label"]),
                    int(log.event_arguments["added_time"]),
                    to_hex(log.transaction_hash) if log.transaction_hash else None,
                )
                for i, log in enumerate(logs)
            ]
        if len(self._contributions) != count:
            raise DecaiError(
                f"found {len(self._contributions)} AddData events for {count} contributions; is start_block right?"
            )
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
            if (
                len(batch) == min(max_samples, MAX_REPLAY_SAMPLES)
                or features + len(contribution.data) > MAX_REPLAY_FEATURES
            ):
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
        receipt = transact(name, function, *args, sender=sender, **tx)
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
            estimated = False
            while True:
                name, function, args = self._step_call(steps)
                if steps == 1:
                    break  # the smallest call: nothing to halve
                try:
                    estimate = int(function.estimate_gas_cost(*args, sender=sender))
                    estimated = True
                except Exception as error:  # a revert during estimation: report its reason
                    raise Rejected(f"{name} rejected: {revert_reason(error)}") from None
                if estimate <= gas_cap:
                    break
                steps = max(1, steps // 2)
            stage = self.stage if self.phase == "processing" else "forfeit"
            # An estimate that passed already ran the call: no second check.
            receipt = transact(name, function, *args, precheck=not estimated, sender=sender, **tx)
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
        """A snapshot of the market, with what `accounts` are owed."""
        return read_status(self.contract, accounts)


def _now() -> int:
    from ape import chain

    return int(chain.blocks.head.timestamp)
