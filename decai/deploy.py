"""Deploy a model behind a mechanism, in as many transactions as it takes.

A trainer's constructor takes the first packed parameter words; what does
not fit in the deployment transaction goes through `init_parameters` in chunks
sized to the gas budget of a transaction (by default 90% of the latest
block's gas limit); then `finish_setup` closes the setup for good. Small
models deploy in a single transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from decai import DecaiError
from decai.contracts import contract_container, contract_name
from decai.mechanisms import DepositParameters, PointsParameters
from decai.models.base import Model

MAX_INIT_WORDS = 1024  # contracts/lib/constants.vy
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


def _constructor_args(model: Model, mechanism: DepositParameters | PointsParameters, words: list[int], finish: bool) -> list[Any]:
    return [
        model.name,
        model.description,
        model.encoder,
        model.classes,
        *model.constructor_args(words),
        *mechanism.constructor_args(),
        finish,
    ]


def deploy_trainer(
    model: Model,
    mechanism: DepositParameters | PointsParameters,
    sender,
    *,
    max_gas_per_tx: int | None = None,
    progress: bool = True,
    confirmations: int | None = None,
) -> Deployment:
    """Deploy `model` behind `mechanism` from `sender`, chunking as needed.

    `max_gas_per_tx` caps each transaction (default: 90% of the block gas
    limit). Shows a progress bar over the parameter words unless `progress`
    is False. Returns the handed-over trainer and the gas of every step.
    """
    from ape import chain

    container = contract_container(mechanism.mechanism, model.type)
    name = contract_name(mechanism.mechanism, model.type)
    words = model.storage_words()
    budget = max_gas_per_tx or int(chain.blocks.head.gas_limit * BLOCK_SHARE)

    empty_deploy = container.constructor.serialize_transaction(*_constructor_args(model, mechanism, [], False), sender=sender)
    base_gas = chain.provider.estimate_gas_cost(empty_deploy)
    if base_gas > budget:
        raise DecaiError(f"deploying {name} needs about {base_gas:,} gas, more than the {budget:,} allowed per transaction")
    # Each word in the constructor adds 32 bytes to the creation code.
    room_in_initcode = (MAX_INITCODE_BYTES - len(empty_deploy.data)) // 32
    in_constructor = max(0, min(len(words), MAX_INIT_WORDS, (budget - base_gas) // WORD_GAS, room_in_initcode))
    finish_now = in_constructor == len(words)
    per_chunk = min(MAX_INIT_WORDS, (budget - CHUNK_OVERHEAD_GAS) // WORD_GAS)
    chunks = plan_chunks(len(words), in_constructor, per_chunk)

    extra = {"required_confirmations": confirmations} if confirmations is not None else {}
    bar = _progress(progress, f"deploying {name}", len(words))
    with bar:
        task = bar.add_task(f"deploying {name}", total=max(1, len(words)))
        contract = sender.deploy(container, *_constructor_args(model, mechanism, words[:in_constructor], finish_now), **extra)
        receipt = contract.creation_metadata.receipt
        deployment = Deployment(contract, name, [("deploy", receipt.gas_used)], receipt.block_number)
        bar.update(task, completed=in_constructor)
        for start, end in chunks:
            tx = contract.init_parameters(start, words[start:end], sender=sender, **extra)
            deployment.transactions.append((f"init_parameters[{start}:{end}]", tx.gas_used))
            bar.update(task, completed=end)
        if not finish_now:
            tx = contract.finish_setup(sender=sender, **extra)
            deployment.transactions.append(("finish_setup", tx.gas_used))
        bar.update(task, completed=max(1, len(words)))
    return deployment


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, *args, **kwargs):
        return 0

    def update(self, *args, **kwargs):
        pass


def _progress(enabled: bool, description: str, total: int):
    if not enabled:
        return _NoProgress()
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("words"),
        TimeElapsedColumn(),
    )
