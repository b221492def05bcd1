"""Deployments that survive a crash: recorded before they exist, resumed from the chain.

`ape run deploy` writes the deployment record in three stages:

1. `"status": "deploying"`: the creation transaction is signed; the record
   holds the address the contract will have (from the deployer and the
   nonce), the transaction's hash, nonce and signed bytes. Written before the
   first broadcast, so a crash from here on leaves a record behind.
2. `"status": "setting up"`: the contract exists (block, block hash, code
   hash as in any record); some `init_parameters` chunks may be missing.
3. the full record, without `status`: the setup is finished.

`resume_deployment` picks up a record at stage 1 or 2 from the chain's own
state: a creation transaction that is not mined yet is waited for (its same
signed bytes broadcast again if the node lost them), the parameter words the
contract already holds are read back, and only the missing chunks and
`finish_setup` are sent. A record whose creation can never be mined (its
nonce went to another transaction and there is no code at the address) says
so: a fresh deploy is then safe.
"""

from __future__ import annotations

from typing import Any

from decai.chain.deploy import Deployment, resume_trainer
from decai.chain.records import deployment_record, model_hash, save_record
from decai.errors import DecaiError


class NeverCreated(DecaiError):
    """A recorded creation transaction that can never be mined: nothing to resume."""


DEPLOYING = "deploying"
SETTING_UP = "setting up"


def mechanism_from_record(record: dict[str, Any]):
    """The mechanism parameters a record was deployed with."""
    from decai.core.mechanisms import DepositParameters, PointsParameters

    fields = dict(record["mechanism"])
    kind = fields.pop("mechanism", "deposit")
    return PointsParameters(**fields) if kind == "points" else DepositParameters(**fields)


class StageRecorder:
    """The `on_stage` hook of `deploy_trainer` that writes the record at each stage."""

    def __init__(self, name: str, model, parameters, sender, provider, confirmations: int):
        self.name, self.model, self.parameters = name, model, parameters
        self.sender, self.provider, self.confirmations = sender, provider, confirmations
        self.network = provider.network

    def save(self, record: dict[str, Any]):
        return save_record(self.network.ecosystem.name, self.network.name, self.name, record)

    def __call__(self, stage: str, facts: dict[str, Any]) -> None:
        if stage == "signed":
            self.save(
                {
                    "status": DEPLOYING,
                    "address": facts["address"],
                    "transaction": facts["transaction"],
                    "nonce": facts["nonce"],
                    "raw_transaction": facts["raw"],
                    "chain_id": self.provider.chain_id,
                    "deployer": self.sender.address,
                    "mechanism": self.parameters.to_dict(),
                    "model_type": self.model.type,
                    "model_name": self.model.name,
                    "model_hash": model_hash(self.model.to_dict()),
                }
            )
        elif stage == "created":
            self.save({**self.full(facts["deployment"]), "status": SETTING_UP})

    def full(self, deployment: Deployment) -> dict[str, Any]:
        return deployment_record(
            deployment, self.model, self.parameters, self.sender, self.provider, self.confirmations
        )


def resumable(record: dict[str, Any] | None) -> bool:
    return bool(record) and record.get("status") in (DEPLOYING, SETTING_UP)


def _created(record: dict[str, Any], confirmations: int | None) -> tuple[int, str]:
    """Block number and transaction hash of a stage-1 record's creation, waiting for it if needed."""
    from ape import chain

    from decai.chain.transact import Signed, settle

    signed = Signed(
        "deploy",
        bytes.fromhex(record["raw_transaction"].removeprefix("0x")),
        record["transaction"],
        record["deployer"],
        int(record["nonce"]),
    )
    try:
        receipt = settle(signed, confirmations)
    except DecaiError as error:
        if not chain.provider.get_code(record["address"]):
            raise NeverCreated(
                f"the recorded deployment at {record['address']} never happened ({error}); "
                "deploy again without --resume"
            ) from None
        raise
    return receipt.block_number, record["transaction"]


def resume_deployment(
    name: str,
    record: dict[str, Any],
    model,
    sender,
    provider,
    confirmations: int | None,
    waits: int,
    *,
    max_gas_per_tx: int | None = None,
    progress: bool = True,
) -> tuple[Deployment, dict[str, Any], Any]:
    """Finish the half-done deployment `record` (named `name`); returns the
    deployment (the transactions sent now), its full record, and where it was saved."""
    if record.get("model_hash") != model_hash(model.to_dict()):
        raise DecaiError(
            f"the half-done deployment '{name}' is of another model ({record.get('model_name')}, "
            f"{record.get('model_hash')}): pass that model's file with --model"
        )
    if str(record.get("deployer", "")).lower() != sender.address.lower():
        raise DecaiError(f"the half-done deployment '{name}' was sent by {record.get('deployer')}: use that --account")
    if int(record.get("chain_id", provider.chain_id)) != provider.chain_id:
        raise DecaiError(f"the half-done deployment '{name}' is on chain id {record['chain_id']}, not this chain")
    parameters = mechanism_from_record(record)
    if record["status"] == DEPLOYING:
        block_number, transaction = _created(record, confirmations)
    else:
        block_number, transaction = record["block"], record["transaction"]
    deployment = resume_trainer(
        model,
        parameters,
        sender,
        record["address"],
        max_gas_per_tx=max_gas_per_tx,
        confirmations=confirmations,
        progress=progress,
    )
    deployment.block_number, deployment.transaction_hash = block_number, transaction
    recorder = StageRecorder(name, model, parameters, sender, provider, waits)
    full = recorder.full(deployment)
    full["gas"] = {**record.get("gas", {}), **full["gas"]}
    return deployment, full, recorder.save(full)
