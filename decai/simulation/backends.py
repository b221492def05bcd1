"""Where the simulation's actions go: the `Backend` contract and its two
implementations.

`ChainBackend` is a deployed trainer with one funded account per agent
(its transactions go through `decai.simulation.transports`);
`ReferenceBackend` is the Python reference of the contracts (same rules
and arithmetic, no gas), for exploring parameters in seconds; a test
checks that both take the same decisions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from decai.core.contributions import Contribution
from decai.core.mechanisms import (
    BADGES,
    AccountStats,
    DepositLedger,
    PointsLedger,
    PointsParameters,
    take_forgets,
)
from decai.errors import DecaiError
from decai.simulation.agents import REFUND
from decai.simulation.config import SPOT_CHECKS, TX_GAS_LIMIT, SimulationConfig
from decai.simulation.data import Prepared
from decai.simulation.transports import TRANSPORTS


@contextlib.contextmanager
def one_second_per_block(chain) -> Iterator[None]:
    """Blocks mined inside are one second apart, whatever the wall clock does.

    A node mines a block with no timestamp set at its wall-clock time. The
    deployment's blocks are such blocks: the run's start (the last one's
    timestamp) would move with how long the deployment took, and for a
    deployment in several transactions, so would the gap between the
    trainer's price clock (set by the first) and the start, on which every
    deposit depends. Anvil's block timestamp interval, set for the
    deployment and removed after it, ties them to the chain's last block
    instead, so a run repeats, timestamps included. Nodes without it mine
    as before."""
    from ape.exceptions import ApeException

    try:
        chain.provider.make_request("anvil_setBlockTimestampInterval", [1])
    except (ApeException, NotImplementedError, ValueError):
        yield
        return
    try:
        yield
    finally:
        chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


class Backend(Protocol):
    """What the engine needs from a backend. Agents are named; money in
    wei, times in seconds since the epoch."""

    name: str
    #: Agent name -> its account's address.
    addresses: dict[str, str]
    #: What a node wants in an account before it accepts a transaction.
    upfront_gas_cost: int

    def describe(self) -> dict[str, Any]:
        """The deployed trainer (address, kind, deployment gas, transport); {} without a chain."""

    def parity(self) -> dict[str, Any]:
        """How predictions were made, and whether they match the chain's."""

    def start_time(self) -> int:
        """The clock when the run starts."""

    def last_update_time(self) -> int:
        """When the model last changed (what the next deposit depends on)."""

    def points_stats(self, name: str) -> dict[str, Any]:
        """Points mechanism: an agent's points, reports against it and badges."""

    def balance(self, name: str) -> int:
        """An agent's balance as the backend holds it."""

    def add(self, name: str, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        """Add a sample at time `now`; (the recorded contribution, gas fee)."""

    def problem(self, kind: str, name: str, contribution: Contribution, now: int) -> str | None:
        """Why a claim would fail at `now`, or None when it would pass (or is not checked)."""

    def claim(self, kind: str, name: str, contribution: Contribution, now: int) -> tuple[int, int, int]:
        """Send a refund or report; (wei received, wei burned, gas fee)."""

    def would_learn(self, sample, label: int) -> bool:
        """Whether the model, after learning (sample, label), would predict
        `label` for it: the check a careful contributor runs on a local copy
        of the public model before paying a deposit."""

    def predict(self, sample) -> int:
        """The deployed model's prediction for one sample."""

    def predict_many(self, samples: Sequence) -> list[int]:
        """Predictions for many samples."""

    def accuracy(self, samples: Sequence, labels: Sequence[int]) -> float:
        """The model's accuracy on (samples, labels)."""


class ChainBackend:
    """A deployed trainer and one funded account per agent.

    A *shadow* copy of the reference model is trained with every accepted
    addition exactly as the contract is (bit-exact by the project's parity
    tests), as a real agent would keep one from the public parameters; it
    answers the contributors' checks before they add, and at the end its
    parameters are compared with the chain's. Predictions come from the
    chain, a batch per call, for models with `predict_batch`; the others
    (one call per sample would cost minutes over a run) predict with the
    shadow, and every evaluation checks a few of its predictions on chain.
    Every claim is still checked on chain before it is sent.
    """

    name = "chain"

    def __init__(
        self,
        trainer,
        accounts_by_name: dict[str, Any],
        chain,
        model,
        transport: str = "rpc",
        precheck: bool = True,
        gas_price: int = 0,
    ):
        if transport not in TRANSPORTS:
            raise DecaiError(f"unknown transport {transport!r}: {' or '.join(TRANSPORTS)}")
        self.trainer = trainer
        self.accounts = accounts_by_name
        self.chain = chain
        self.precheck = precheck
        self.transport = TRANSPORTS[transport](trainer, chain, gas_price)
        self.addresses = {name: account.address for name, account in accounts_by_name.items()}
        self.batch = hasattr(trainer.contract, "predict_batch")
        # Trained like the contract; predicts when the contract has no batch
        # call, and answers the contributors' checks either way.
        self.shadow = model.copy()
        self.claimed: set = set()  # keys of contributions claimed at least once
        self.deployment_gas: int | None = None
        # What a node wants in the account before it accepts a transaction.
        self.upfront_gas_cost = TX_GAS_LIMIT * self.transport.max_fee

    def describe(self) -> dict[str, Any]:
        return {
            "address": self.trainer.address,
            "kind": self.trainer.kind,
            "deployment_gas": self.deployment_gas,
            "transport": self.transport.name,
        }

    @classmethod
    def deploy(cls, prepared: Prepared, config: SimulationConfig, test_accounts, chain) -> ChainBackend:
        """Deploy the initial model from the first test account and give
        every agent its own funded account (generating more if needed)."""
        from decai.chain.deploy import deploy_trainer
        from decai.chain.trainer import Trainer

        if not chain.provider.network.is_dev:
            raise DecaiError("the simulation sets account balances and moves the clock: run it on a local network")
        while len(test_accounts) < 1 + len(config.agents):
            test_accounts.generate_test_account()
        owner = test_accounts[0]
        with one_second_per_block(chain):
            deployment = deploy_trainer(prepared.model, config.mechanism_parameters(), owner, progress=False)
        trainer = Trainer(deployment.contract)
        trainer.encoder_params = prepared.model.encoder_params
        accounts = {spec.name: test_accounts[i + 1] for i, spec in enumerate(config.agents)}
        for spec in config.agents:
            accounts[spec.name].balance = spec.start_balance
        backend = cls(
            trainer,
            accounts,
            chain,
            prepared.model,
            transport=config.transport,
            precheck=config.precheck,
            gas_price=config.gas_price,
        )
        backend.deployment_gas = deployment.total_gas
        return backend

    def start_time(self) -> int:
        return int(self.chain.blocks.head.timestamp)

    def last_update_time(self) -> int:
        if self.trainer.mechanism != "deposit":
            return 0  # points: adding is free, the time does not set a price
        return int(self.trainer.contract.last_update_time())

    def points_stats(self, name: str) -> dict[str, Any]:
        """Points mechanism: the trainer's record of an agent."""
        stats = self.trainer.contract.stats(self.addresses[name])
        return {
            "points": int(stats.points),
            "reported": int(stats.reported),
            "badges": self.trainer.badges(self.addresses[name]),
        }

    def balance(self, name: str) -> int:
        return int(self.chain.provider.web3.eth.get_balance(self.addresses[name]))

    def add(self, name: str, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        contribution, fee = self.transport.add(self.accounts[name], sample, label, value, now)
        self.shadow.update(list(sample), label)
        return contribution, fee

    def problem(self, kind: str, name: str, contribution: Contribution, now: int) -> str | None:
        if not self.precheck:
            return None
        return self.transport.problem(kind, self.accounts[name], contribution, now)

    def claim(self, kind: str, name: str, contribution: Contribution, now: int) -> tuple[int, int, int]:
        first = contribution.key not in self.claimed
        paid, burned, fee = self.transport.claim(kind, self.accounts[name], contribution, now)
        self.claimed.add(contribution.key)
        if take_forgets(self.shadow.forgets_taken, first, burned):
            self.shadow.forget(list(contribution.data), contribution.label)
        return paid, burned, fee

    def would_learn(self, sample, label: int) -> bool:
        return _would_learn(self.shadow, sample, label)

    def predict(self, sample) -> int:
        return self.transport.predict(sample)

    def predict_many(self, samples: Sequence) -> list[int]:
        if not samples:
            return []
        if self.batch:
            return self.transport.predict_batch(samples)
        return [self.shadow.predict(list(s)) for s in samples]

    def accuracy(self, samples: Sequence, labels: Sequence[int]) -> float:
        """Accuracy of the deployed model on (samples, labels)."""
        predictions = self.predict_many(samples)
        if not self.batch:
            step = max(1, len(samples) // SPOT_CHECKS)
            for i in list(range(0, len(samples), step))[:SPOT_CHECKS]:
                if self.transport.predict(samples[i]) != predictions[i]:
                    raise DecaiError(f"the chain and its shadow model disagree on test sample {i}: parity broken")
        return sum(p == y for p, y in zip(predictions, labels)) / max(1, len(labels))

    def parity(self) -> dict[str, Any]:
        """How predictions were made, and (shadow) whether the shadow's
        parameters equal the chain's at the end."""

        def parameters(model) -> dict:
            # The encoder's parameters travel off chain: compare everything else.
            return {k: v for k, v in model.to_dict().items() if k != "encoder_params"}

        how = "on chain (predict_batch)" if self.batch else "shadow reference model, spot-checked on chain"
        return {
            "predictions": how,
            "shadow_equals_chain": parameters(self.trainer.reference_model()) == parameters(self.shadow),
        }


class ReferenceBackend:
    """The same experiment against the Python reference of the contracts
    (`decai.models`, `decai.core.mechanisms.DepositLedger`): no chain, no gas."""

    name = "reference"
    deployment_gas = 0
    upfront_gas_cost = 0

    def __init__(self, prepared: Prepared, config: SimulationConfig, start_time: int = 1_700_000_000):
        from eth_utils import keccak, to_checksum_address

        self.model = prepared.model.copy()
        self.parameters = config.mechanism_parameters()
        self._start = start_time
        if isinstance(self.parameters, PointsParameters):
            self.ledger = PointsLedger(self.parameters, prepared.num_classes)
        else:
            self.ledger = DepositLedger(self.parameters, owner="owner", deployed_at=start_time)
        self.addresses = {
            spec.name: to_checksum_address(keccak(text=f"decai simulation agent {spec.name}")[-20:])
            for spec in config.agents
        }
        self.names = {address: name for name, address in self.addresses.items()}
        self.balances = {spec.name: spec.start_balance for spec in config.agents}

    def describe(self) -> dict[str, Any]:
        return {}

    def parity(self) -> dict[str, Any]:
        return {"predictions": "Python reference (no chain)"}

    def start_time(self) -> int:
        return self._start

    def last_update_time(self) -> int:
        return getattr(self.ledger, "last_update_time", 0)

    def points_stats(self, name: str) -> dict[str, Any]:
        stats = self.ledger.stats.get(name) or AccountStats()  # the ledger's public record; none yet: all zero
        return {
            "points": stats.points,
            "reported": stats.reported,
            "badges": [b for i, b in enumerate(BADGES) if stats.badges >> i & 1],
        }

    def balance(self, name: str) -> int:
        return self.balances[name]

    def add(self, name: str, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        self.model.check_training_sample(sample, label)
        contribution = Contribution(tuple(sample), label, now, self.addresses[name], 0)
        if isinstance(self.ledger, PointsLedger):
            self.ledger.add(contribution.key, name, label, now, value)
            deposit = 0
        else:
            deposit = self.ledger.add(contribution.key, name, now, value)
        self.model.update(list(sample), label)
        self.balances[name] -= deposit
        return Contribution(tuple(sample), label, now, self.addresses[name], deposit), 0

    def problem(self, kind: str, name: str, contribution: Contribution, now: int) -> str | None:
        """The chain's pre-check, where it can differ from the agent's
        decision: a forgotten sample can change the model between the
        decision and the agent's next claim in the same round."""
        if isinstance(self.ledger, PointsLedger) or not self.model.forgets_taken:
            return None  # the ledger raises with the contract's reason instead
        agrees = self.model.predict(list(contribution.data)) == contribution.label
        return self.ledger.problem(contribution.key, name, now, agrees, refund=kind == REFUND)

    def claim(self, kind: str, name: str, contribution: Contribution, now: int) -> tuple[int, int, int]:
        agrees = self.model.predict(list(contribution.data)) == contribution.label
        burned_before = getattr(self.ledger, "burned", 0)
        if kind == REFUND:
            amount = self.ledger.refund(contribution.key, now, agrees)
        else:
            first = isinstance(self.ledger, DepositLedger) and self.ledger.untaken(contribution.key)
            amount = self.ledger.report(contribution.key, name, now, agrees)
            if take_forgets(self.model.forgets_taken, first, getattr(self.ledger, "burned", 0) - burned_before):
                self.model.forget(list(contribution.data), contribution.label)
        amount = amount or 0  # points: nothing is paid
        self.balances[name] += amount
        return amount, getattr(self.ledger, "burned", 0) - burned_before, 0

    def would_learn(self, sample, label: int) -> bool:
        return _would_learn(self.model, sample, label)

    def predict(self, sample) -> int:
        return self.model.predict(list(sample))

    def predict_many(self, samples: Sequence) -> list[int]:
        return [self.model.predict(list(s)) for s in samples]

    def accuracy(self, samples: Sequence, labels: Sequence[int]) -> float:
        return sum(self.model.predict(list(s)) == y for s, y in zip(samples, labels)) / max(1, len(labels))


def _would_learn(model, sample, label: int) -> bool:
    trial = model.copy()
    trial.update(list(sample), label)
    return trial.predict(list(sample)) == label
