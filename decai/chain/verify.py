"""Check that a deployed trainer is what its record and model file say.

What was deployed is public: the creation transaction carries the contract's
creation code followed by its constructor arguments, and the trainer's
parameters are readable through its views. `verify_deployment` compares

1. the record with the chain (chain id, block hash, code hash: not stale);
2. the creation transaction's code with the compiled contract shipped in
   the decai package (same source, same compiler settings) and its
   receipt's new address with the recorded one;
3. the constructor arguments with the model file (name, description,
   encoder, classes, shape, fixed-point parameters, the weight words that
   went into the constructor) and with the recorded mechanism's parameters,
   read as the mechanism the contract actually has (deposit or points);
4. the model's parameters as deployed (read at the block before the first
   contribution, which needs an archive node when that block is old) and
   now (a trained model has moved on: that is reported, not a failure);
5. the mechanism's parameters (immutables) with the record, and that the
   setup is closed.

Without a model file, the record's model hash stands in for it: the
parameters read back from the chain must hash to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decai.chain.deploy import _constructor_args
from decai.chain.records import model_hash, stale_reason
from decai.core.mechanisms import DepositParameters, PointsParameters
from decai.errors import DecaiError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def __str__(self) -> str:
        return f"{'ok    ' if self.ok else 'FAILED'} {self.name}: {self.detail}"


class _AtBlock:
    """A contract whose calls all read the state at one block."""

    def __init__(self, contract, block: int):
        self._contract = contract
        self._block = block

    def __getattr__(self, name):
        method = getattr(self._contract, name)
        return lambda *args: method(*args, block_id=self._block)


#: The parameters of each mechanism `deploy_trainer` deploys.
MECHANISM_PARAMETERS = {"deposit": DepositParameters, "points": PointsParameters}


def _recorded_parameters(mechanism: str, record: dict[str, Any]):
    """The record's mechanism parameters, as the deployed `mechanism`'s
    parameter class (its constructor arguments); raises DecaiError when the
    record names another mechanism or its values do not fit."""
    recorded = dict(record.get("mechanism") or {})
    named = recorded.pop("mechanism", mechanism)
    if named != mechanism:
        raise DecaiError(f"the record says {named}, the contract is a {mechanism} trainer")
    if mechanism not in MECHANISM_PARAMETERS:
        raise DecaiError(f"cannot verify the constructor of a {mechanism} trainer")
    try:
        return MECHANISM_PARAMETERS[mechanism](**recorded)
    except TypeError as error:
        raise DecaiError(f"the record's {mechanism} parameters do not fit: {error}") from None


def _normal(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def _model_at(trainer, block: int | None, encoder_params):
    from decai.models.base import model_class

    contract = trainer.contract if block is None else _AtBlock(trainer.contract, block)
    metadata = dict(
        name=contract.name(),
        description=contract.description(),
        encoder=contract.encoder(),
        classes=[contract.classes(i) for i in range(contract.num_classes())],
    )
    model = model_class(trainer.model_type).from_chain(contract, metadata)
    model.encoder_params = encoder_params
    return model


def verify_deployment(trainer, record: dict[str, Any], model=None) -> list[Check]:
    """Every check above, in order; `model` is the model file's model, if given."""
    from ape import chain

    provider = chain.provider
    checks: list[Check] = []
    problem = stale_reason(record, provider)
    checks.append(
        Check(
            "record",
            problem is None,
            problem
            or f"chain {record['chain_id']}, block {record['block']} {record['block_hash'][:12]}…, code hash matches",
        )
    )
    if problem:
        return checks

    expected_hash = record["model_hash"]
    if model is not None:
        file_hash = model_hash(model.to_dict())
        checks.append(
            Check(
                "model file",
                file_hash == expected_hash,
                f"{file_hash} {'=' if file_hash == expected_hash else '!='} recorded {expected_hash}",
            )
        )

    # -- the creation transaction -------------------------------------------------
    from decai.chain.contracts import contract_container

    container = contract_container(trainer.mechanism, trainer.model_type).contract_type
    compiled = bytes.fromhex(container.deployment_bytecode.bytecode.removeprefix("0x"))
    transaction = provider.web3.eth.get_transaction(record["transaction"])
    creation = bytes(transaction["input"])
    receipt = provider.web3.eth.get_transaction_receipt(record["transaction"])
    created = receipt.get("contractAddress")
    checks.append(
        Check(
            "creation transaction",
            bool(created) and created.lower() == trainer.address.lower() and receipt["blockNumber"] == record["block"],
            f"{record['transaction'][:12]}… in block {receipt['blockNumber']} created {created}",
        )
    )
    same_code = creation.startswith(compiled)
    checks.append(
        Check(
            "creation code",
            same_code,
            f"the same as the shipped compiled {container.name}"
            if same_code
            else f"differs from the shipped compiled {container.name} (other source or compiler settings)",
        )
    )
    if same_code:
        checks.extend(
            _constructor_checks(container.constructor, trainer.mechanism, record, model, creation[len(compiled) :])
        )

    # -- parameters as deployed and now ----------------------------------------------
    encoder_params = record.get("encoder_params")
    contributions = trainer.contributions(start_block=record["block"])
    before_training = contributions[0].block_number - 1 if contributions else None
    try:
        deployed_model = _model_at(trainer, before_training, encoder_params)
        deployed_hash = model_hash(deployed_model.to_dict())
        where = (
            f"at block {before_training}, before the first contribution"
            if before_training is not None
            else "now (no contribution yet)"
        )
        target = model_hash(model.to_dict()) if model is not None else expected_hash
        checks.append(Check("parameters as deployed", deployed_hash == target, f"{where}: {deployed_hash}"))
    except Exception as error:  # a pruned node cannot answer for old blocks
        checks.append(
            Check(
                "parameters as deployed",
                False,
                f"cannot read the state at block {before_training} ({error.__class__.__name__}): needs an archive node",
            )
        )
    if contributions:
        current = model_hash(_model_at(trainer, None, encoder_params).to_dict())
        checks.append(
            Check("parameters now", True, f"trained by {len(contributions)} contribution(s) since: {current}")
        )

    # -- mechanism and setup -------------------------------------------------------------
    recorded = dict(record["mechanism"])
    named = recorded.pop("mechanism", trainer.mechanism)
    try:
        on_chain = {name: int(getattr(trainer.contract, name)()) for name in recorded}
        same = named == trainer.mechanism and on_chain == recorded
        detail = f"{trainer.mechanism}: " + ", ".join(f"{name}={value}" for name, value in on_chain.items())
        if named != trainer.mechanism:
            detail += f" (the record says {named})"
    except AttributeError as error:  # the record names a parameter this mechanism does not have
        same, detail = False, f"the record does not fit a {trainer.mechanism} trainer ({error})"
    checks.append(Check("mechanism", same, detail))
    finished = bool(trainer.contract.setup_finished())
    checks.append(
        Check(
            "setup",
            finished,
            "closed: the parameters can only change by training"
            if finished
            else "still open: the owner can still write parameters",
        )
    )
    return checks


def _constructor_checks(abi, deployed_mechanism: str, record, model, encoded_args: bytes) -> list[Check]:
    """Compare the decoded constructor arguments with the model file and the
    record's parameters of the mechanism the contract has."""
    from ape import chain

    try:
        actual = list(chain.provider.network.ecosystem.decode_calldata(abi, encoded_args).values())
    except Exception as error:
        return [Check("constructor arguments", False, f"cannot be decoded: {error}")]
    names = [i.name for i in abi.inputs]
    try:
        mechanism = _recorded_parameters(deployed_mechanism, record)
    except DecaiError as error:
        return [Check("constructor arguments", False, str(error))]
    # The packed parameter words are the constructor's one uint256[] input;
    # how many of them it took depends on the gas budget at deployment.
    word_inputs = [position for position, i in enumerate(abi.inputs) if i.canonical_type == "uint256[]"]
    words_given = len(actual[word_inputs[0]]) if len(word_inputs) == 1 else 0
    if model is None:
        # Only what the record knows: the mechanism (the model hash is checked on the parameters).
        mechanism_args = mechanism.constructor_args()
        expected = [None] * (len(actual) - len(mechanism_args) - 1) + mechanism_args + [None]
    else:
        expected = _constructor_args(model, mechanism, model.storage_words()[:words_given], bool(actual[-1]))
    if len(expected) != len(actual):
        return [Check("constructor arguments", False, f"{len(actual)} given, the model file makes {len(expected)}")]
    differences = [
        name for name, want, got in zip(names, expected, actual) if want is not None and _normal(want) != _normal(got)
    ]
    if differences:
        detail = "differ: " + ", ".join(differences)
    elif model is None:
        detail = "the mechanism's match the record (give the model file to compare the model's too)"
    else:
        detail = f"all match the model file and the record ({words_given} parameter word(s) in the constructor)"
    return [Check("constructor arguments", not differences, detail)]


def all_ok(checks: list[Check]) -> bool:
    return all(check.ok for check in checks)


def verify_by_name(reference: str, model=None) -> tuple[Any, list[Check]]:
    """(trainer, checks) for a recorded trainer name or address on the connected network."""
    from ape import chain

    from decai.chain.records import find_record, record_for_address
    from decai.chain.trainer import Trainer

    entry = (
        record_for_address(reference, chain.provider)
        if reference.startswith("0x")
        else find_record(reference, chain.provider)
    )
    if entry is None:
        raise DecaiError(f"no record of {reference} on this network: verification compares the chain with a record")
    if entry.stale:
        return None, [Check("record", False, entry.problem)]
    trainer = Trainer.at(entry.address)
    trainer.record = entry.record
    trainer.encoder_params = entry.record.get("encoder_params")
    return trainer, verify_deployment(trainer, entry.record, model)
