"""Deploy a model behind a mechanism, in as many transactions as it takes.

A trainer's constructor takes the first packed parameter words; what does
not fit in the deployment transaction goes through `init_parameters` in chunks
sized to the gas budget of a transaction (by default the lesser of EIP-7825's
per-transaction cap and 90% of the latest block's gas limit); then `finish_setup` closes the setup for good. Small
models deploy in a single transaction.

`plan_deployment` decides and estimates all of this without sending
anything (what `ape run deploy` shows before a live deployment, and its
`--dry-run`); `deploy_trainer` carries a plan out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from decai.chain.contracts import contract_at, contract_container, contract_name
from decai.chain.node import TX_GAS_CAP
from decai.chain.progress import progress_bar
from decai.core.mechanisms import DepositParameters, PointsParameters
from decai.errors import DecaiError, node_refusal
from decai.models.base import Model
from decai.units import to_hex

MAX_INIT_WORDS = 1024  # contracts/lib/common/constants.vy
# EIP-3860: a creation transaction's code, constructor arguments included,
# may be at most this long.
MAX_INITCODE_BYTES = 49_152
# Gas per packed word written to a fresh slot: 22,100 for the SSTORE, up to
# 512 for its calldata, the rest for the loop. Deliberately on the high side.
WORD_GAS = 23_000
# Gas of an init_parameters transaction besides its words.
CHUNK_OVERHEAD_GAS = 60_000
BLOCK_SHARE = 0.9


@dataclass
class Deployment:
    """A deployed trainer and the gas each deployment transaction used."""

    contract: Any
    contract_name: str
    transactions: list[tuple[str, int]] = field(default_factory=list)
    block_number: int | None = None
    transaction_hash: str | None = None

    @property
    def total_gas(self) -> int:
        return sum(gas for _, gas in self.transactions)


def plan_chunks(total_words: int, constructor_words: int, words_per_chunk: int) -> list[tuple[int, int]]:
    """(start, end) word ranges for the init transactions after the constructor."""
    if words_per_chunk <= 0:
        raise DecaiError("the gas budget per transaction is too small to write any parameter")
    return [
        (start, min(start + words_per_chunk, total_words))
        for start in range(constructor_words, total_words, words_per_chunk)
    ]


def _constructor_args(
    model: Model, mechanism: DepositParameters | PointsParameters, words: list[int], finish: bool
) -> list[Any]:
    return [
        model.name,
        model.description,
        model.encoder,
        model.classes,
        *model.constructor_args(words),
        *mechanism.constructor_args(),
        finish,
    ]


#: Upper bound on the gas of `finish_setup` (measured: 27,997).
FINISH_SETUP_GAS = 50_000


@dataclass(frozen=True)
class PlannedTransaction:
    """One transaction of a deployment, with its gas.

    `exact` is True when the node estimated it (eth_estimateGas); the
    `init_parameters` and `finish_setup` calls of a contract that does not
    exist yet cannot be estimated that way, so their gas is the planner's
    upper bound (WORD_GAS per word plus CHUNK_OVERHEAD_GAS).
    """

    name: str
    gas: int
    exact: bool


@dataclass
class DeploymentPlan:
    """What `deploy_trainer` will send, decided before sending anything."""

    contract_name: str
    container: Any = field(repr=False)
    words: list[int] = field(repr=False)
    in_constructor: int
    chunks: list[tuple[int, int]]
    budget: int
    transactions: list[PlannedTransaction]

    @property
    def finish_now(self) -> bool:
        return self.in_constructor == len(self.words)

    @property
    def total_gas(self) -> int:
        return sum(tx.gas for tx in self.transactions)

    @property
    def exact(self) -> bool:
        return all(tx.exact for tx in self.transactions)


def transaction_gas_budget(block_gas_limit: int) -> int:
    """The most gas one deployment transaction asks for by default.

    No JSON-RPC method reports EIP-7825's per-transaction cap (`eth_config`
    lists forks and precompiles, not it; calls and estimates above it pass),
    so it is assumed on every network: Ethereum mainnet and its testnets and
    Base refuse more since the Fusaka upgrade, every anvil decai starts does
    too, and elsewhere it costs only a few more chunk transactions."""
    return min(TX_GAS_CAP, int(block_gas_limit * BLOCK_SHARE))


def plan_deployment(
    model: Model, mechanism: DepositParameters | PointsParameters, sender, *, max_gas_per_tx: int | None = None
) -> DeploymentPlan:
    """Plan (and estimate) every transaction of a deployment; sends nothing.

    The constructor takes as many parameter words as fit in `max_gas_per_tx`
    (default: `transaction_gas_budget` of the latest block) and is estimated by the
    node; the rest goes in `init_parameters` chunks, then `finish_setup`.
    """
    from ape import chain

    from decai.chain.retry import connected_resilient

    connected_resilient()  # the plan's reads are the first requests a fresh connection may make
    container = contract_container(mechanism.mechanism, model.type)
    name = contract_name(mechanism.mechanism, model.type)
    words = model.storage_words()
    budget = max_gas_per_tx or transaction_gas_budget(int(chain.blocks.head.gas_limit))

    empty_deploy = _deploy_transaction(container, model, mechanism, [], False, sender)
    base_gas = _estimate(empty_deploy, name)
    if base_gas > budget:
        raise DecaiError(
            f"deploying {name} needs about {base_gas:,} gas, more than the {budget:,} allowed per transaction"
        )
    # Each word in the constructor adds 32 bytes to the creation code.
    room_in_initcode = (MAX_INITCODE_BYTES - len(empty_deploy.data)) // 32
    in_constructor = max(0, min(len(words), MAX_INIT_WORDS, (budget - base_gas) // WORD_GAS, room_in_initcode))
    finish_now = in_constructor == len(words)
    per_chunk = min(MAX_INIT_WORDS, (budget - CHUNK_OVERHEAD_GAS) // WORD_GAS)
    chunks = plan_chunks(len(words), in_constructor, per_chunk)

    deploy_gas = _estimate(
        _deploy_transaction(container, model, mechanism, words[:in_constructor], finish_now, sender), name
    )
    transactions = [PlannedTransaction("deploy", deploy_gas, True)]
    transactions += [
        PlannedTransaction(f"init_parameters[{start}:{end}]", CHUNK_OVERHEAD_GAS + WORD_GAS * (end - start), False)
        for start, end in chunks
    ]
    if not finish_now:
        transactions.append(PlannedTransaction("finish_setup", FINISH_SETUP_GAS, False))
    return DeploymentPlan(name, container, words, in_constructor, chunks, budget, transactions)


def _deploy_transaction(container, model, mechanism, words, finish, sender):
    return container.constructor.serialize_transaction(
        *_constructor_args(model, mechanism, words, finish), sender=sender
    )


def _estimate(transaction, name: str) -> int:
    from ape import chain
    from ape.exceptions import ApeException

    try:
        return int(chain.provider.estimate_gas_cost(transaction))
    except ApeException as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
        refusal = node_refusal(reason)
        if refusal is not None:
            raise DecaiError(f"cannot deploy {name}: {refusal}") from None
        raise DecaiError(f"the node cannot estimate the deployment of {name}: {reason}") from None


def deploy_trainer(
    model: Model,
    mechanism: DepositParameters | PointsParameters,
    sender,
    *,
    max_gas_per_tx: int | None = None,
    progress: bool = True,
    confirmations: int | None = None,
    plan: DeploymentPlan | None = None,
    on_stage: Callable[[str, dict], None] | None = None,
) -> Deployment:
    """Deploy `model` behind `mechanism` from `sender`, chunking as needed.

    `max_gas_per_tx` caps each transaction (default: the per-transaction
    gas cap or 90% of the block gas limit, whichever is less); `plan`
    reuses a plan from `plan_deployment` (what the user confirmed). Every
    transaction is sent once through `decai.chain.transact` and waits for `confirmations` blocks (default: the network's
    `required_confirmations`). `on_stage(stage, facts)` hears of the
    deployment before it can exist ("signed": address, transaction, nonce,
    raw) and once the contract is there ("created"), so a caller can record
    it; a deploy that stops half way is then finished by `resume_trainer`.
    Shows a progress bar over the parameter words unless `progress` is
    False. Returns the handed-over trainer and the gas of every step.
    """
    plan = plan or plan_deployment(model, mechanism, sender, max_gas_per_tx=max_gas_per_tx)
    bar = progress_bar(progress, "words")
    with bar:
        task = bar.add_task(f"deploying {plan.contract_name}", total=max(1, len(plan.words)))
        deployment = _create(plan, model, mechanism, sender, confirmations, on_stage)
        bar.update(task, completed=plan.in_constructor)
        _finish(deployment, plan, plan.chunks, sender, confirmations, lambda end: bar.update(task, completed=end))
        bar.update(task, completed=max(1, len(plan.words)))
    return deployment


def _create(plan: DeploymentPlan, model, mechanism, sender, confirmations, on_stage) -> Deployment:
    """The deployment transaction itself, sent once."""
    from decai.chain.transact import deploy

    def signed(tx, address: str) -> None:
        if on_stage is not None:
            on_stage("signed", {"address": address, "transaction": tx.hash, "nonce": tx.nonce, "raw": to_hex(tx.raw)})

    args = _constructor_args(model, mechanism, plan.words[: plan.in_constructor], plan.finish_now)
    contract, receipt = deploy(
        f"deploy {plan.contract_name}",
        plan.container,
        *args,
        sender=sender,
        required_confirmations=confirmations,
        on_signed=signed,
    )
    deployment = Deployment(
        contract, plan.contract_name, [("deploy", receipt.gas_used)], receipt.block_number, to_hex(receipt.txn_hash)
    )
    if on_stage is not None:
        on_stage("created", {"deployment": deployment})
    return deployment


def _finish(deployment: Deployment, plan: DeploymentPlan, ranges, sender, confirmations, advance) -> None:
    """Send the `init_parameters` of `ranges`, then `finish_setup` if the setup is open."""
    from decai.chain.transact import transact

    contract, words = deployment.contract, plan.words
    extra = {"required_confirmations": confirmations} if confirmations is not None else {}
    for start, end in ranges:
        tx = transact(
            f"init_parameters[{start}:{end}]", contract.init_parameters, start, words[start:end], sender=sender, **extra
        )
        deployment.transactions.append((f"init_parameters[{start}:{end}]", tx.gas_used))
        advance(end)
    if not contract.setup_finished():
        tx = transact("finish_setup", contract.finish_setup, sender=sender, **extra)
        deployment.transactions.append(("finish_setup", tx.gas_used))


# -- finishing a deployment that stopped half way -------------------------------


def missing_ranges(contract, words: list[int], ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Those of the word `ranges` whose words the contract does not hold yet."""
    return [
        (start, end)
        for start, end in ranges
        if [int(word) for word in contract.parameter_words(start, end - start)] != words[start:end]
    ]


def setup_ranges(plan: DeploymentPlan) -> list[tuple[int, int]]:
    """Every word range of a plan: the constructor's (cut to chunk size), then the chunks."""
    per_chunk = max([end - start for start, end in plan.chunks] or [MAX_INIT_WORDS])
    return plan_chunks(plan.in_constructor, 0, per_chunk) + plan.chunks


def resume_trainer(
    model: Model,
    mechanism: DepositParameters | PointsParameters,
    sender,
    address: str,
    *,
    max_gas_per_tx: int | None = None,
    progress: bool = True,
    confirmations: int | None = None,
) -> Deployment:
    """Finish the setup of the trainer at `address` from the chain's own state.

    Reads which parameter words the contract already holds, sends
    `init_parameters` for the rest only, then `finish_setup`. The contract
    must be this model's and `sender` its owner; a finished setup sends
    nothing."""
    from ape import chain

    plan = plan_deployment(model, mechanism, sender, max_gas_per_tx=max_gas_per_tx)
    if not chain.provider.get_code(address):
        raise DecaiError(f"there is no contract at {address} to resume")
    contract = contract_at(plan.container, address)
    owner = str(contract.owner())
    if owner.lower() != str(sender.address).lower():
        raise DecaiError(f"{address} belongs to {owner}, not to {sender.address}: it cannot be resumed from here")
    deployment = Deployment(contract, plan.contract_name)
    if contract.setup_finished():
        return deployment
    ranges = missing_ranges(contract, plan.words, setup_ranges(plan))
    bar = progress_bar(progress, "words")
    with bar:
        task = bar.add_task(f"resuming {plan.contract_name}", total=max(1, len(ranges)))
        done = iter(range(1, len(ranges) + 1))
        _finish(deployment, plan, ranges, sender, confirmations, lambda end: bar.update(task, completed=next(done)))
        bar.update(task, completed=max(1, len(ranges)))
    return deployment
