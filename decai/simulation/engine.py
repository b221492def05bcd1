"""The collaborative-training experiment, run on the real contracts.

A model trained off chain on a small part of a data set is deployed behind
an incentive mechanism on a local chain. Agents (`decai.simulation.agents`) then act
on their own clocks: honest ones add correctly labelled samples,
adversaries add wrongly labelled ones, free riders only ask for
predictions; contributors claim refunds and take deposits when the
mechanism allows. Every action is a real transaction signed by the agent's
own account and mined at the simulated time (the next block's timestamp is
set before each one), so the chain's clock moves with the simulation.
After `duration_s` nobody adds data any more and (with `settle`) the
agents go on claiming until nothing is left, as the original experiment
ran until every deposit was claimed. The model's accuracy on a hidden
test split is measured on chain at intervals.

    config = SimulationConfig(duration_s=28 * DAY, seed=1)
    result = run_experiment(config)                    # on the connected chain
    write_outputs(result, Path("results/simulation"))  # decai.simulation.report

Money is followed per agent from the transactions themselves (deposits,
refunds, takes, and gas from the receipts), so the balances are known
even if the chain goes away; at the end each tracked balance is checked
against the account's real balance. Balances are reported **net of gas**
(an agent's balance is its account's ether); gas is also reported
separately.

Backends: `ChainBackend` (the deployed trainer; its transactions go through
the SDK and Ape, `transport="sdk"`, or as raw signed transactions over
JSON-RPC, `transport="rpc"`, the default: the same calls, ten times
faster, tested to give the same run to the wei) and `ReferenceBackend`
(the Python reference of the contracts: same rules and arithmetic, no
gas, for exploring parameters in seconds; tested to take the same
decisions).
"""

from __future__ import annotations

import contextlib
import heapq
import random
import signal
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Sequence

from decai.errors import DecaiError
from decai.units import DAY, HOUR
from decai.simulation.agents import (
    FREE_RIDER,
    REFUND,
    SWEEP,
    UNIT,
    Agent,
    AgentSpec,
    ContributionView,
    default_agents,
    make_agents,
)
from decai.core.contributions import Contribution
from decai.core.mechanisms import BADGES, DepositLedger, DepositParameters, PointsLedger, PointsParameters
from decai.simulation.data import DEFAULT_DATASET, Prepared, load_dataset, prepare

#: Gas limit sent with every simulated transaction, so that no estimate is
#: needed (an addition of 128 features to a perceptron stays far below). A
#: node wants this limit times the fee in the sender's account up front.
TX_GAS_LIMIT = 1_000_000
#: Samples checked on chain against the reference model at each evaluation
#: of a model that has no batch prediction.
SPOT_CHECKS = 16


@dataclass
class SimulationConfig:
    """Everything that defines one run (money in wei, times in seconds)."""

    dataset: str = DEFAULT_DATASET
    label_column: str = "label"
    text_column: str | None = None
    model_type: str = "sparse_perceptron"
    mechanism: str = "deposit"
    agents: list[AgentSpec] = field(default_factory=default_agents)
    #: Time during which agents add data: at the default cadences, four
    #: weeks use the Rotten Tomatoes pool about once (the original ran until
    #: its data ran out).
    duration_s: int = 28 * DAY
    seed: int = 1
    test_fraction: float = 0.2
    max_test: int | None = 1000
    initial_fraction: float = 0.08
    vocabulary_size: int = 1000
    #: The on-chain step of the model's updates, relative to its off-chain training's.
    learning_rate: float = 0.25
    refund_wait_s: int = DAY
    owner_claim_wait_s: int = 9 * DAY
    any_address_claim_wait_s: int = 9 * DAY
    #: 0.3 units: a deposit costs 45 units after 10 quiet minutes, 76 after 4.
    cost_weight: int = 3 * UNIT // 10
    eval_interval_s: int = 6 * HOUR
    record_interval_s: int = HOUR
    #: After `duration_s`, nobody adds data; claims go on until nothing is
    #: left to claim (every contribution past the any-address wait).
    settle: bool = True
    #: Check each claim before sending it, so that no doomed transaction is sent.
    precheck: bool = True
    #: How transactions reach the chain: "rpc" (raw signed transactions over
    #: JSON-RPC, fast) or "sdk" (decai.chain.trainer.Trainer through Ape, as scripts do).
    transport: str = "rpc"

    def mechanism_parameters(self) -> DepositParameters | PointsParameters:
        if self.mechanism == "points":
            return PointsParameters(refund_wait_s=self.refund_wait_s)
        if self.mechanism != "deposit":
            raise DecaiError(f"unknown mechanism {self.mechanism!r}: deposit or points")
        return DepositParameters(
            refund_wait_s=self.refund_wait_s,
            owner_claim_wait_s=self.owner_claim_wait_s,
            any_address_claim_wait_s=self.any_address_claim_wait_s,
            cost_weight=self.cost_weight,
        )

    def check(self) -> None:
        if self.duration_s <= 0:
            raise DecaiError("the simulated duration must be positive")
        if self.eval_interval_s <= 0 or self.record_interval_s <= 0:
            raise DecaiError("evaluation and record intervals must be positive")
        if not any(spec.contributes for spec in self.agents):
            raise DecaiError("the simulation needs at least one agent that adds data")
        make_agents(self.agents, self.seed)  # distinct names
        self.mechanism_parameters()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["agents"] = [spec.to_dict() for spec in self.agents]
        return data


def prepare_experiment(config: SimulationConfig) -> Prepared:
    config.check()
    dataset = load_dataset(config.dataset, label_column=config.label_column, text_column=config.text_column)
    return prepare(
        dataset,
        config.model_type,
        seed=config.seed,
        test_fraction=config.test_fraction,
        initial_fraction=config.initial_fraction,
        max_test=config.max_test,
        vocabulary_size=config.vocabulary_size,
        learning_rate=config.learning_rate,
    )


# -- backends: where the transactions go ------------------------------------------------


class SdkTransport:
    """Transactions and calls through the SDK (`decai.chain.trainer.Trainer`) and Ape,
    as a script or the console sends them; claims are checked first with
    the SDK's `refund_problem` / `report_problem`."""

    name = "sdk"

    def __init__(self, trainer, chain):
        self.trainer = trainer
        self.chain = chain

    def add(self, account, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        self.chain.pending_timestamp = now
        contribution = self.trainer.add_data(sample, label, sender=account, value=value, gas=TX_GAS_LIMIT)
        return contribution, int(self.trainer.last_receipt.total_fees_paid)

    def problem(self, kind: str, account, contribution: Contribution, now: int) -> str | None:
        if kind == REFUND:
            return self.trainer.refund_problem(contribution, now)
        return self.trainer.report_problem(contribution, account.address, now)

    def claim(self, kind: str, account, contribution: Contribution, now: int) -> tuple[int, int]:
        self.chain.pending_timestamp = now
        method = self.trainer.refund if kind == REFUND else self.trainer.report
        amount = method(contribution, sender=account, gas=TX_GAS_LIMIT)
        return amount, int(self.trainer.last_receipt.total_fees_paid)

    def predict(self, sample) -> int:
        return self.trainer.predict(sample)

    def predict_batch(self, samples: Sequence) -> list[int]:
        return self.trainer.predict_many(samples)


class RpcTransport:
    """The same contract functions, sent as raw transactions signed with
    each agent's own key, and read with plain `eth_call`s, straight over
    the node's JSON-RPC.

    Ape spends 100-250 ms on each transaction it sends (gas and fee
    look-ups, code checks, a trace for debug logs) and tens of
    milliseconds on each call; a full experiment sends thousands of
    transactions, so this transport encodes with eth_abi, keeps one HTTP
    connection open and gets each receipt with the transaction
    (`eth_sendRawTransactionSync`, where the node has it): under 10 ms per
    transaction. The fee fields are Ape's (its priority fee, on the chain's
    base fee), so the gas paid is the same as through the SDK; a test runs
    both transports and compares every balance to the wei. A claim is
    checked first by running the exact transaction as an `eth_call` on the
    pending block, whose timestamp is the one the transaction will get:
    the contract itself says whether, and why not.
    """

    name = "rpc"

    def __init__(self, trainer, chain):
        abi = [item.model_dump(by_alias=True, mode="json", exclude_none=True) for item in trainer.contract.contract_type.abi]
        self.client = _JsonRpcClient(chain.provider.web3.provider.endpoint_uri)
        self._sync_send = True  # eth_sendRawTransactionSync: the receipt in one round trip
        self.address = trainer.address
        self.functions = {item["name"]: _AbiFunction(item) for item in abi if item.get("type") == "function"}
        self.events = {item["name"]: _AbiEvent(item) for item in abi if item.get("type") == "event"}
        self.chain_id = int(chain.provider.chain_id)
        self.priority_fee = int(chain.provider.priority_fee)
        self.max_fee = 2 * int(chain.provider.base_fee) + self.priority_fee
        self.nonces: dict[str, int] = {}

    def _rpc(self, method: str, params: list):
        return self.client.request(method, params)

    def _set_time(self, now: int) -> None:
        self._rpc("evm_setNextBlockTimestamp", [int(now)])

    def _call(self, name: str, *args, sender: str | None = None, block: str = "latest"):
        function = self.functions[name]
        call = {"to": self.address, "data": function.encode(args)}
        if sender is not None:
            call["from"] = sender
        return function.decode(bytes.fromhex(self._rpc("eth_call", [call, block])[2:]))

    def _send(self, account, data: str, value: int, now: int) -> tuple[dict, int]:
        from eth_account import Account

        address = account.address
        if address not in self.nonces:
            self.nonces[address] = int(self._rpc("eth_getTransactionCount", [address, "pending"]), 16)
        transaction = {
            "type": 2,
            "to": self.address,
            "data": data,
            "nonce": self.nonces[address],
            "gas": TX_GAS_LIMIT,
            "maxFeePerGas": self.max_fee,
            "maxPriorityFeePerGas": self.priority_fee,
            "chainId": self.chain_id,
            "value": value,
        }
        signed = Account.sign_transaction(transaction, account.private_key)
        raw = "0x" + bytes(signed.raw_transaction).hex()
        self._set_time(now)
        receipt = None
        if self._sync_send:
            try:
                receipt = self._rpc("eth_sendRawTransactionSync", [raw])
            except _RpcError as error:
                if error.code != -32601:  # anything but "method not found"
                    raise
                self._sync_send = False
                self._set_time(now)
        if receipt is None:
            transaction_hash = self._rpc("eth_sendRawTransaction", [raw])
            for _ in range(3000):  # anvil mines at once; wait a little if it has not
                receipt = self._rpc("eth_getTransactionReceipt", [transaction_hash])
                if receipt is not None:
                    break
                time.sleep(0.01)
            if receipt is None:
                raise DecaiError(f"transaction {transaction_hash} was not mined")
        self.nonces[address] += 1
        transaction_hash = receipt["transactionHash"]
        if int(receipt["status"], 16) != 1:
            raise DecaiError(f"transaction {transaction_hash} reverted")
        return receipt, int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)

    def _event(self, receipt: dict, name: str) -> dict | None:
        event = self.events[name]
        for log in receipt["logs"]:
            if log["address"].lower() == self.address.lower() and log["topics"] and log["topics"][0] == event.topic:
                return event.decode(log)
        return None

    @staticmethod
    def _claim_arguments(kind: str, contribution: Contribution) -> tuple[str, tuple]:
        data = list(contribution.data)
        if kind == REFUND:
            return "refund", (data, contribution.label, contribution.added_time)
        return "report", (data, contribution.label, contribution.added_time, contribution.author)

    def add(self, account, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        receipt, fee = self._send(account, self.functions["add_data"].encode((list(sample), label)), value, now)
        args = self._event(receipt, "AddData")
        contribution = Contribution(
            data=tuple(args["data"]),
            label=int(args["label"]),
            added_time=int(args["added_time"]),
            author=args["sender"],
            deposit=int(args["deposit"]),
            block_number=int(receipt["blockNumber"], 16),
            transaction_hash=receipt["transactionHash"],
        )
        return contribution, fee

    def problem(self, kind: str, account, contribution: Contribution, now: int) -> str | None:
        self._set_time(now)
        name, args = self._claim_arguments(kind, contribution)
        try:
            self._call(name, *args, sender=account.address, block="pending")
        except _RpcError as error:
            return error.reason
        return None

    def claim(self, kind: str, account, contribution: Contribution, now: int) -> tuple[int, int]:
        name, args = self._claim_arguments(kind, contribution)
        receipt, fee = self._send(account, self.functions[name].encode(args), 0, now)
        event_name = "Refund" if kind == REFUND else "Report"
        event = self._event(receipt, event_name) if event_name in self.events else None  # points: no ether moves
        return (int(event["amount"]) if event else 0), fee

    def predict(self, sample) -> int:
        return int(self._call("predict", list(sample)))

    def predict_batch(self, samples: Sequence, batch: int = 100) -> list[int]:
        out: list[int] = []
        for start in range(0, len(samples), batch):
            out.extend(int(p) for p in self._call("predict_batch", [list(s) for s in samples[start:start + batch]]))
        return out


class _RpcError(Exception):
    def __init__(self, error: dict):
        super().__init__(error.get("message", "error"))
        self.code = error.get("code")
        message = str(error.get("message", ""))
        self.reason = message.removeprefix("execution reverted: ").removeprefix("execution reverted") or "reverted"


class _JsonRpcClient:
    """JSON-RPC over one kept-alive HTTP connection (http.client): a
    request costs about a quarter of a millisecond instead of the 1.5 ms
    that requests and web3 add on top."""

    def __init__(self, url: str):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme != "http":
            raise DecaiError(f"the rpc transport needs a plain http node URL, got {url}")
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path or "/"
        self.connection = None
        self.next_id = 0

    def request(self, method: str, params: list):
        import http.client
        import json

        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
                response = json.loads(self.connection.getresponse().read())
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        if response.get("error"):
            raise _RpcError(response["error"])
        return response["result"]


class _AbiFunction:
    """Encode a call to one ABI function and decode its result with eth_abi."""

    def __init__(self, item: dict):
        from eth_utils import function_signature_to_4byte_selector

        self.inputs = [_abi_type(i) for i in item.get("inputs", [])]
        self.outputs = [_abi_type(o) for o in item.get("outputs", [])]
        self.selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(self.inputs)})")

    def encode(self, args: Sequence) -> str:
        from eth_abi import encode

        return "0x" + (self.selector + encode(self.inputs, list(args))).hex()

    def decode(self, data: bytes):
        from eth_abi import decode

        values = decode(self.outputs, data)
        return values[0] if len(values) == 1 else values


class _AbiEvent:
    """Decode one event's logs with eth_abi."""

    def __init__(self, item: dict):
        from eth_utils import event_signature_to_log_topic

        inputs = item.get("inputs", [])
        self.indexed = [(i["name"], _abi_type(i)) for i in inputs if i.get("indexed")]
        self.data = [(i["name"], _abi_type(i)) for i in inputs if not i.get("indexed")]
        signature = f"{item['name']}({','.join(_abi_type(i) for i in inputs)})"
        self.topic = "0x" + event_signature_to_log_topic(signature).hex()

    def decode(self, log: dict) -> dict:
        from eth_abi import decode
        from eth_utils import to_checksum_address

        values = dict(zip([n for n, _ in self.data], decode([t for _, t in self.data], bytes.fromhex(log["data"][2:]))))
        for (name, kind), topic in zip(self.indexed, log["topics"][1:]):
            value = decode([kind], bytes.fromhex(topic[2:]))[0]
            values[name] = to_checksum_address(value) if kind == "address" else value
        return values


def _abi_type(item: dict) -> str:
    kind = item["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + kind[len("tuple"):]
    return kind


TRANSPORTS = {"rpc": RpcTransport, "sdk": SdkTransport}


class ChainBackend:
    """A deployed trainer and one funded account per agent.

    The model's predictions come from the chain: a batch per call for
    models with `predict_batch`. For the others (one call per sample would
    cost minutes over a run) a *shadow* copy of the reference model is
    trained with every accepted addition exactly as the contract is
    (bit-exact by the project's parity tests) and predicts off chain, as a
    real agent would with the public parameters; every evaluation checks a
    few of its predictions on chain, every claim is still checked on chain
    before it is sent, and at the end the shadow's parameters are compared
    with the chain's.
    """

    name = "chain"

    def __init__(self, trainer, accounts_by_name: dict[str, Any], chain, model, transport: str = "rpc", precheck: bool = True):
        if transport not in TRANSPORTS:
            raise DecaiError(f"unknown transport {transport!r}: {' or '.join(TRANSPORTS)}")
        self.trainer = trainer
        self.accounts = accounts_by_name
        self.chain = chain
        self.precheck = precheck
        self.transport = TRANSPORTS[transport](trainer, chain)
        self.addresses = {name: account.address for name, account in accounts_by_name.items()}
        self.batch = hasattr(trainer.contract, "predict_batch")
        self.shadow = None if self.batch else model.copy()
        self.deployment_gas: int | None = None
        # What a node wants in the account before it accepts a transaction.
        self.upfront_gas_cost = TX_GAS_LIMIT * (2 * int(chain.provider.base_fee) + int(chain.provider.priority_fee))

    @classmethod
    def deploy(cls, prepared: Prepared, config: SimulationConfig, test_accounts, chain) -> "ChainBackend":
        """Deploy the initial model from the first test account and give
        every agent its own funded account (generating more if needed)."""
        from decai.chain.deploy import deploy_trainer
        from decai.chain.trainer import Trainer

        if not chain.provider.network.is_dev:
            raise DecaiError("the simulation sets account balances and moves the clock: run it on a local network")
        while len(test_accounts) < 1 + len(config.agents):
            test_accounts.generate_test_account()
        owner = test_accounts[0]
        deployment = deploy_trainer(prepared.model, config.mechanism_parameters(), owner, progress=False)
        trainer = Trainer(deployment.contract)
        trainer.encoder_params = prepared.model.encoder_params
        accounts = {spec.name: test_accounts[i + 1] for i, spec in enumerate(config.agents)}
        for spec in config.agents:
            accounts[spec.name].balance = spec.start_balance
        backend = cls(trainer, accounts, chain, prepared.model, transport=config.transport, precheck=config.precheck)
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
        return {"points": int(stats.points), "reported": int(stats.reported), "badges": self.trainer.badges(self.addresses[name])}

    def balance(self, name: str) -> int:
        return int(self.chain.provider.web3.eth.get_balance(self.addresses[name]))

    def add(self, name: str, sample, label: int, value: int, now: int) -> tuple[Contribution, int]:
        contribution, fee = self.transport.add(self.accounts[name], sample, label, value, now)
        if self.shadow is not None:
            self.shadow.update(list(sample), label)
        return contribution, fee

    def problem(self, kind: str, name: str, contribution: Contribution, now: int) -> str | None:
        if not self.precheck:
            return None
        return self.transport.problem(kind, self.accounts[name], contribution, now)

    def claim(self, kind: str, name: str, contribution: Contribution, now: int) -> tuple[int, int]:
        return self.transport.claim(kind, self.accounts[name], contribution, now)

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
        if self.shadow is None:
            return {"predictions": "on chain (predict_batch)"}
        def parameters(model) -> dict:
            # The encoder's parameters travel off chain: compare everything else.
            return {k: v for k, v in model.to_dict().items() if k != "encoder_params"}

        return {
            "predictions": "shadow reference model, spot-checked on chain",
            "shadow_equals_chain": parameters(self.trainer.reference_model()) == parameters(self.shadow),
        }


class ReferenceBackend:
    """The same experiment against the Python reference of the contracts
    (`decai.models`, `decai.core.mechanisms.DepositLedger`): no chain, no gas."""

    name = "reference"
    deployment_gas = 0
    upfront_gas_cost = 0

    def parity(self) -> dict[str, Any]:
        return {"predictions": "Python reference (no chain)"}

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
            spec.name: to_checksum_address(keccak(text=f"decai simulation agent {spec.name}")[-20:]) for spec in config.agents
        }
        self.names = {address: name for name, address in self.addresses.items()}
        self.balances = {spec.name: spec.start_balance for spec in config.agents}

    def start_time(self) -> int:
        return self._start

    def last_update_time(self) -> int:
        return getattr(self.ledger, "last_update_time", 0)

    def points_stats(self, name: str) -> dict[str, Any]:
        stats = self.ledger._stats(name)
        return {"points": stats.points, "reported": stats.reported, "badges": [b for i, b in enumerate(BADGES) if stats.badges >> i & 1]}

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
        return None  # the ledger raises with the contract's reason instead

    def claim(self, kind: str, name: str, contribution: Contribution, now: int) -> tuple[int, int]:
        agrees = self.model.predict(list(contribution.data)) == contribution.label
        if kind == REFUND:
            amount = self.ledger.refund(contribution.key, now, agrees)
        else:
            amount = self.ledger.report(contribution.key, name, now, agrees)
        amount = amount or 0  # points: nothing is paid
        self.balances[name] += amount
        return amount, 0

    def predict(self, sample) -> int:
        return self.model.predict(list(sample))

    def predict_many(self, samples: Sequence) -> list[int]:
        return [self.model.predict(list(s)) for s in samples]

    def accuracy(self, samples: Sequence, labels: Sequence[int]) -> float:
        return sum(self.model.predict(list(s)) == y for s, y in zip(samples, labels)) / max(1, len(labels))


# -- bookkeeping -------------------------------------------------------------------------


@dataclass
class Entry:
    """A contribution and what is left of it (mirrors the contract's record)."""

    contribution: Contribution
    author: str
    claimable: int
    key: bytes = b""
    refunded: bool = False
    claimed_by: set = field(default_factory=set)
    #: Points mechanism: settled once, by a refund (a point) or a report.
    points: bool = False

    def __post_init__(self) -> None:
        self.key = self.key or self.contribution.key

    @property
    def open(self) -> bool:
        if self.points:
            return not self.refunded and not self.claimed_by
        return self.claimable > 0 or (not self.refunded and self.contribution.deposit == 0)

    def view(self, prediction: int | None = None) -> ContributionView:
        c = self.contribution
        return ContributionView(
            key=self.key,
            author=self.author,
            label=c.label,
            added_time=c.added_time,
            initial_deposit=c.deposit,
            claimable=self.claimable,
            refunded=self.refunded,
            claimed_by=frozenset(self.claimed_by),
            prediction=prediction,
        )


@dataclass
class Book:
    """One agent's account of the run (wei)."""

    spec: AgentSpec
    address: str
    balance: int
    contributions: int = 0
    refunds: int = 0
    takes: int = 0
    own_sweeps: int = 0
    deposited: int = 0
    refunded: int = 0
    taken: int = 0
    recovered: int = 0
    gas: int = 0
    good: int = 0
    #: Own contributions that others reported (points: settled as bad).
    reported: int = 0
    postponed_price: int = 0
    postponed_funds: int = 0
    prechecks_failed: int = 0
    claim_rounds_without_gas: int = 0
    predictions: int = 0
    correct_predictions: int = 0


class StopFlag:
    """Set to end a run early; the run finishes its current event and
    still returns (and writes) everything it has."""

    def __init__(self) -> None:
        self.requested = False
        self.reason = ""

    def request(self, reason: str = "stopped") -> None:
        self.requested = True
        self.reason = self.reason or reason


@contextlib.contextmanager
def interrupt_stops(flag: StopFlag) -> Iterator[StopFlag]:
    """While inside, Ctrl-C (SIGINT) sets `flag` instead of killing the
    process (Ape's own handler would exit at once); a second Ctrl-C
    raises KeyboardInterrupt."""
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.request("interrupted (Ctrl-C)")

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class SimulationResult:
    config: dict[str, Any]
    dataset_name: str
    backend: str
    sizes: dict[str, int]
    baseline_accuracy: float
    accuracy_initial: float
    accuracy_final: float
    series: list[dict[str, Any]]
    agents: dict[str, dict[str, Any]]
    transactions: dict[str, int]
    simulated_s: int
    runtime_s: float
    interrupted: bool
    stop_reason: str
    balance_check: dict[str, Any]
    problems: list[str]
    trainer: dict[str, Any]


# -- the engine ----------------------------------------------------------------------------

_ACT, _CLAIM, _RECORD, _EVALUATE, _STOP_ADDING, _END = "act", "claim", "record", "evaluate", "stop-adding", "end"


class Simulation:
    """Runs the agents against a backend over simulated time."""

    def __init__(self, config: SimulationConfig, prepared: Prepared, backend, *, progress=None):
        self.config = config
        self.prepared = prepared
        self.backend = backend
        self.parameters = config.mechanism_parameters()
        self.points = isinstance(self.parameters, PointsParameters)
        self.agents = {agent.name: agent for agent in make_agents(config.agents, config.seed)}
        self.books = {
            spec.name: Book(spec, backend.addresses[spec.name], spec.start_balance) for spec in config.agents
        }
        self.progress = progress
        self.entries: dict[bytes, Entry] = {}
        self.open_keys: set[bytes] = set()
        self.series: list[dict[str, Any]] = []
        self.transactions = {"add_data": 0, "refund": 0, "report": 0, "sweep": 0}
        self.problems: list[str] = []
        self._rng = random.Random(f"{config.seed}:engine")
        self._pool_order = list(range(len(prepared.pool[1])))
        self._rng.shuffle(self._pool_order)
        self._pool_next = 0
        self.pool_passes = 1
        self._events: list[tuple[int, int, str, str]] = []
        self._seq = 0

    # -- scheduling -------------------------------------------------------------------
    def _schedule(self, when: int, kind: str, name: str = "") -> None:
        self._seq += 1
        heapq.heappush(self._events, (int(when), self._seq, kind, name))

    def _tx_time(self, when: int) -> int:
        """Each transaction gets its own second, never before the last one."""
        self.last_tx_time = max(int(when), self.last_tx_time + 1)
        return self.last_tx_time

    # -- data --------------------------------------------------------------------------
    def _next_sample(self) -> tuple[list[int], int]:
        if self._pool_next >= len(self._pool_order):
            self._rng.shuffle(self._pool_order)
            self._pool_next = 0
            self.pool_passes += 1
        index = self._pool_order[self._pool_next]
        self._pool_next += 1
        samples, labels = self.prepared.pool
        return samples[index], labels[index]

    # -- the run -------------------------------------------------------------------------
    @property
    def settle_end(self) -> int:
        """When the settlement is over: every contribution is past the
        any-address wait and every agent has had a claim round since."""
        longest_round = max((spec.claim_interval_s for spec in self.config.agents if spec.contributes), default=0)
        last_wait = getattr(self.parameters, "any_address_claim_wait_s", self.parameters.refund_wait_s)  # points: no sweeps
        return self.contributions_end + last_wait + longest_round + 1

    @property
    def planned_end(self) -> int:
        return self.settle_end if self.config.settle else self.contributions_end

    def run(self, stop: StopFlag | None = None) -> SimulationResult:
        """Contributions for `duration_s`, then (with `settle`) claims only,
        until nothing is left to claim; returns the result even when stopped
        early."""
        stop = stop or StopFlag()
        started = time.monotonic()
        backend, config = self.backend, self.config
        test_samples, test_labels = self.prepared.test

        self.t0 = backend.start_time() + 1
        self.contributions_end = self.t0 + config.duration_s
        self.contributing = True
        self.last_tx_time = self.t0 - 1
        self.last_update_time = backend.last_update_time()
        self.accuracy = backend.accuracy(test_samples, test_labels)
        self.accuracy_initial = self.accuracy
        self.now = self.t0
        self._record(self.t0, evaluated=True)

        for name, agent in self.agents.items():
            self._schedule(self.t0 + agent.next_delay(), _ACT, name)
            if agent.spec.contributes:
                # Each agent's claim rounds start at a random phase of its interval.
                phase = agent.rng.randrange(agent.spec.claim_interval_s)
                self._schedule(self.t0 + phase + 1, _CLAIM, name)
        self._schedule(self.t0 + config.record_interval_s, _RECORD)
        self._schedule(self.t0 + config.eval_interval_s, _EVALUATE)
        self._schedule(self.contributions_end, _STOP_ADDING)

        try:
            while self._events and not stop.requested:
                when, _, kind, name = heapq.heappop(self._events)
                self.now = max(when, self.now)
                if kind == _END:
                    break
                try:
                    self._handle(kind, name, when)
                except KeyboardInterrupt:
                    stop.request("interrupted")
                except Exception:
                    if stop.requested:  # the chain may be gone already (Ctrl-C reaches anvil too)
                        break
                    raise
                if not self.contributing and not self.open_keys:
                    break  # settled: nothing left to claim
                self._show_progress()
        except KeyboardInterrupt:
            stop.request("interrupted")
        interrupted = stop.requested
        self.now = min(self.now, self.planned_end)
        try:
            self.accuracy = backend.accuracy(test_samples, test_labels)
            self._record(self.now, evaluated=True)
        except Exception:
            if not interrupted:
                raise
            self._record(self.now, evaluated=False)  # the chain is gone: keep the last measurement
        return self._result(self.now - self.t0, time.monotonic() - started, interrupted, stop.reason, self._check_balances())

    def _handle(self, kind: str, name: str, when: int) -> None:
        if kind == _ACT:
            if not self.contributing:
                return
            agent = self.agents[name]
            if agent.spec.kind == FREE_RIDER:
                self._predict(agent)
                self._schedule(when + agent.next_delay(), _ACT, name)
            else:
                retry = self._act(agent, when)
                self._schedule(retry if retry is not None else when + agent.next_delay(), _ACT, name)
        elif kind == _CLAIM:
            self._claims(self.agents[name], when)
            self._schedule(when + self.agents[name].spec.claim_interval_s, _CLAIM, name)
        elif kind == _RECORD:
            self._record(when, evaluated=False)
            self._schedule(when + self.config.record_interval_s, _RECORD)
        elif kind == _EVALUATE:
            if self.contributing:  # the model does not change while claims settle
                self.accuracy = self.backend.accuracy(*self.prepared.test)
                self._record(when, evaluated=True)
                self._schedule(when + self.config.eval_interval_s, _EVALUATE)
        elif kind == _STOP_ADDING:
            self.contributing = False
            self.accuracy = self.backend.accuracy(*self.prepared.test)
            self._record(when, evaluated=True)
            self._schedule(self.planned_end, _END)

    def _act(self, agent: Agent, when: int) -> int | None:
        """An agent's turn to add data; returns when it retries, if it waits."""
        book = self.books[agent.name]
        now = max(when, self.last_tx_time + 1)
        decision = agent.decide_addition(now, book.balance, self.parameters, self.last_update_time)
        if not decision.add:
            if decision.retry_at is not None:
                book.postponed_price += 1
            else:
                book.postponed_funds += 1
            return decision.retry_at
        sample, true_label = self._next_sample()
        label = agent.label_for(true_label, self.prepared.num_classes)
        now = self._tx_time(now)
        contribution, fee = self.backend.add(agent.name, sample, label, decision.price, now)
        if contribution.deposit != decision.price:
            self.problems.append(f"{agent.name}: deposit {contribution.deposit} differs from the expected {decision.price}")
        self.last_update_time = now
        self.transactions["add_data"] += 1
        book.balance -= contribution.deposit + fee
        book.deposited += contribution.deposit
        book.gas += fee
        book.contributions += 1
        entry = Entry(contribution, agent.name, contribution.deposit, points=self.points)
        self.entries[entry.key] = entry
        if entry.open:
            self.open_keys.add(entry.key)
        return None

    def _claims(self, agent: Agent, when: int) -> None:
        """An agent's claim round: ask the model about what could be
        claimed, decide, check each claim, send it."""
        book = self.books[agent.name]
        if book.balance < self.backend.upfront_gas_cost:
            book.claim_rounds_without_gas += 1
            return
        now = max(when, self.last_tx_time + 1)
        asked, others = [], []
        for key in sorted(self.open_keys, key=lambda k: self.entries[k].contribution.added_time):
            entry = self.entries[key]
            (asked if agent.wants_prediction(entry.view(), now, self.parameters) else others).append(entry)
        predictions = self.backend.predict_many([list(e.contribution.data) for e in asked])
        # Views without a prediction can only be swept (what is left after the any-address wait).
        views = [e.view(p) for e, p in zip(asked, predictions)] + [e.view() for e in others]
        for claim in agent.choose_claims(now, views, self.parameters, book.good):
            entry = self.entries[claim.key]
            now = self._tx_time(now)
            problem = self.backend.problem(claim.kind, agent.name, entry.contribution, now)
            if problem is not None:
                book.prechecks_failed += 1
                continue
            amount, fee = self.backend.claim(claim.kind, agent.name, entry.contribution, now)
            book.balance += amount - fee
            book.gas += fee
            if claim.kind == REFUND:
                entry.refunded = True
                entry.claimable = 0
                book.refunds += 1
                book.refunded += amount
                book.good += 1
                self.transactions["refund"] += 1
            else:
                entry.claimable -= amount
                entry.claimed_by.add(agent.name)
                self.transactions["sweep" if claim.kind == SWEEP else "report"] += 1
                if entry.author == agent.name:
                    book.own_sweeps += 1
                    book.recovered += amount
                else:
                    book.takes += 1
                    book.taken += amount
                    if self.points:
                        self.books[entry.author].reported += 1
            if not entry.open:
                self.open_keys.discard(claim.key)

    def _predict(self, agent: Agent) -> None:
        samples, labels = self.prepared.test
        index = agent.rng.randrange(len(labels))
        book = self.books[agent.name]
        book.predictions += 1
        book.correct_predictions += int(self.backend.predict(samples[index]) == labels[index])

    # -- records and results -----------------------------------------------------------
    def _record(self, when: int, evaluated: bool) -> None:
        row: dict[str, Any] = {
            "time_s": int(when - self.t0),
            "adding": self.contributing and when < self.contributions_end,
            "accuracy": round(self.accuracy, 6) if evaluated else None,
        }
        for name, book in self.books.items():
            row[f"{name}_balance_wei"] = book.balance
            if self.points:
                row[f"{name}_points"] = book.good
        self.series.append(row)

    def _show_progress(self) -> None:
        if self.progress is not None:
            self.progress(self, self.now - self.t0, self.planned_end - self.t0)

    def balance_percent(self, name: str) -> float:
        book = self.books[name]
        return 100.0 * book.balance / book.spec.start_balance if book.spec.start_balance else 100.0

    def _check_balances(self) -> dict[str, Any]:
        """Compare every tracked balance with the account's real balance."""
        try:
            actual = {name: self.backend.balance(name) for name in self.books}
        except Exception as error:  # the chain is gone
            return {"checked": False, "reason": f"could not read balances: {error.__class__.__name__}"}
        mismatches = {
            name: {"tracked": book.balance, "actual": actual[name]}
            for name, book in self.books.items()
            if actual[name] != book.balance
        }
        return {"checked": True, "matches": not mismatches, "mismatches": mismatches}

    def _points_summary(self, name: str, book: Book) -> dict[str, Any]:
        """Points mechanism: points, reports against the agent and badges,
        as the trainer records them (checked against the books)."""
        out: dict[str, Any] = {"points": book.good, "reported_by_others": book.reported}
        try:
            stats = self.backend.points_stats(name)
        except Exception as error:  # the chain is gone
            out["badges"] = None
            out["points_check"] = f"could not read the trainer: {error.__class__.__name__}"
            return out
        out["badges"] = stats["badges"]
        if (stats["points"], stats["reported"]) != (book.good, book.reported):
            self.problems.append(
                f"{name}: the trainer records {stats['points']} points and {stats['reported']} reported, "
                f"the books {book.good} and {book.reported}"
            )
        return out

    def _result(self, simulated: int, runtime: float, interrupted: bool, reason: str, balance_check) -> SimulationResult:
        locked: dict[str, int] = {name: 0 for name in self.books}
        for key in self.open_keys:
            entry = self.entries[key]
            locked[entry.author] += entry.claimable
        agents = {}
        for name, book in self.books.items():
            spec = book.spec
            lost = book.deposited - book.refunded - book.recovered - locked[name]
            agents[name] = {
                "kind": spec.kind,
                "honest": spec.honest,
                "start_balance": spec.start_balance,
                "end_balance": book.balance,
                "balance_change": book.balance - spec.start_balance,
                "balance_change_percent": round(self.balance_percent(name) - 100.0, 3),
                "contributions": book.contributions,
                "refunds": book.refunds,
                "takes": book.takes,
                "own_leftovers_swept": book.own_sweeps,
                "deposited": book.deposited,
                "refunded": book.refunded,
                "taken": book.taken,
                "recovered": book.recovered,
                "lost_to_others": lost,
                "still_locked": locked[name],
                "gas_paid": book.gas,
                "good_contributions": book.good,
                **(self._points_summary(name, book) if self.points else {}),
                "additions_postponed_for_price": book.postponed_price,
                "additions_postponed_for_funds": book.postponed_funds,
                "claims_skipped_by_precheck": book.prechecks_failed,
                "claim_rounds_without_gas": book.claim_rounds_without_gas,
                "predictions": book.predictions,
                "correct_predictions": book.correct_predictions,
                "address": book.address,
            }
        trainer: dict[str, Any] = {}
        if getattr(self.backend, "trainer", None) is not None:
            trainer = {
                "address": self.backend.trainer.address,
                "kind": self.backend.trainer.kind,
                "deployment_gas": getattr(self.backend, "deployment_gas", None),
                "transport": self.backend.transport.name,
            }
        try:
            trainer["parity"] = self.backend.parity()
        except Exception as error:  # the chain is gone
            trainer["parity"] = {"checked": False, "reason": error.__class__.__name__}
        if trainer["parity"].get("shadow_equals_chain") is False:
            self.problems.append("the shadow model's parameters differ from the chain's")
        return SimulationResult(
            config=self.config.to_dict(),
            dataset_name=self.prepared.dataset.name,
            backend=self.backend.name,
            sizes={**self.prepared.sizes(), "pool_passes": self.pool_passes},
            baseline_accuracy=self.prepared.baseline_accuracy,
            accuracy_initial=self.accuracy_initial,
            accuracy_final=self.accuracy,
            series=self.series,
            agents=agents,
            transactions=dict(self.transactions),
            simulated_s=int(simulated),
            runtime_s=round(runtime, 2),
            interrupted=interrupted,
            stop_reason=reason,
            balance_check=balance_check,
            problems=self.problems,
            trainer=trainer,
        )


# -- one call for scripts and tests --------------------------------------------------------


@contextlib.contextmanager
def quiet_ape_logs() -> Iterator[None]:
    """Hide Ape's per-transaction INFO lines while the simulation runs."""
    from ape.logging import logger

    previous = logger.level
    logger.set_level("WARNING")
    try:
        yield
    finally:
        logger.set_level(previous)


def run_experiment(
    config: SimulationConfig,
    *,
    backend: str = "chain",
    accounts=None,
    chain=None,
    progress=None,
    stop: StopFlag | None = None,
    prepared: Prepared | None = None,
) -> SimulationResult:
    """Prepare the data, deploy (or build the reference), run the agents.

    `progress(simulation, elapsed_s, total_s)` is called after each event;
    `stop` ends the run early (see `interrupt_stops` for Ctrl-C).
    """
    prepared = prepared or prepare_experiment(config)
    if backend == "chain":
        if accounts is None or chain is None:
            import ape

            accounts = accounts if accounts is not None else ape.accounts.test_accounts
            chain = chain if chain is not None else ape.chain
        with quiet_ape_logs():
            target = ChainBackend.deploy(prepared, config, accounts, chain)
            return Simulation(config, prepared, target, progress=progress).run(stop)
    if backend == "reference":
        return Simulation(config, prepared, ReferenceBackend(prepared, config), progress=progress).run(stop)
    raise DecaiError(f"unknown backend {backend!r}: chain or reference")
