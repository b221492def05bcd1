"""Deployment records: which trainer is which, per network.

`ape run deploy` writes one entry per deployment to
`deployments/<ecosystem>_<network>.json` (the folder can be moved with the
environment variable DECAI_DEPLOYMENTS): name -> address, chain id, the
block (number and hash) and transaction it was deployed in, the deployer,
the mechanism parameters, the model's type, name and hash, the encoder and
its parameters, the hash of the runtime code, the gas of every deployment
transaction and the confirmations waited for. The other scripts and the
console find a trainer by that name.

A record is only used if the chain it describes is still there: same chain
id, the recorded block still has the recorded hash, and the address still
holds the recorded code. A local anvil that was restarted (where the same
address may well hold a *different* contract) fails the block-hash check,
so its records are reported as stale instead of silently used.

On a fork (`<network>-fork`), the records of the forked network apply too:
a trainer deployed on Sepolia is found by its name on `sepolia-fork`, as
long as it was deployed before the fork's block.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from decai.errors import DecaiError
from decai.units import to_hex

FORK_SUFFIX = "-fork"


def records_dir() -> Path:
    """The records folder: $DECAI_DEPLOYMENTS, or `deployments` in the working directory."""
    return Path(os.environ.get("DECAI_DEPLOYMENTS", "deployments"))


def model_hash(model_dict: dict[str, Any]) -> str:
    """sha256 of the model file's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(model_dict, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def code_hash(code: bytes) -> str:
    """keccak256 of a contract's runtime code, as `EXTCODEHASH` gives it."""
    from eth_utils import keccak

    return "0x" + keccak(bytes(code)).hex()


def records_path(ecosystem: str, network: str) -> Path:
    return records_dir() / f"{ecosystem}_{network.replace('-', '_')}.json"


def load_records(ecosystem: str, network: str) -> dict[str, dict[str, Any]]:
    path = records_path(ecosystem, network)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DecaiError(f"deployment records {path} are not valid JSON: {error}") from None


def _write(path: Path, records: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)


def save_record(ecosystem: str, network: str, name: str, record: dict[str, Any]) -> Path:
    """Add or replace `name`; written atomically (temporary file, then rename)."""
    path = records_path(ecosystem, network)
    records = load_records(ecosystem, network)
    records[name] = record
    _write(path, records)
    return path


def remove_records(ecosystem: str, network: str, names: list[str]) -> Path:
    path = records_path(ecosystem, network)
    records = load_records(ecosystem, network)
    for name in names:
        records.pop(name, None)
    _write(path, records)
    return path


# -- writing a record for a new deployment ------------------------------------


def deployment_record(deployment, model, parameters, sender, provider, confirmations: int) -> dict[str, Any]:
    """The record of a deployment that `deploy_trainer` just made."""
    import decai

    address = deployment.contract.address
    block = provider.get_block(deployment.block_number)
    return {
        "address": address,
        "contract": deployment.contract_name,
        "chain_id": provider.chain_id,
        "block": deployment.block_number,
        "block_hash": to_hex(block.hash),
        "deployed_at": int(block.timestamp),
        "transaction": deployment.transaction_hash,
        "deployer": sender.address,
        "confirmations": confirmations,
        "mechanism": parameters.to_dict(),
        "model_type": model.type,
        "model_name": model.name,
        "model_hash": model_hash(model.to_dict()),
        "encoder": model.encoder,
        "encoder_params": model.encoder_params,
        "code_hash": code_hash(provider.get_code(address)),
        "gas": dict(deployment.transactions),
        "decai_version": decai.__version__,
    }


# -- finding a trainer by name, refusing stale records --------------------------


@dataclass(frozen=True)
class Found:
    """A record looked up by name, and where it was found."""

    name: str
    record: dict[str, Any]
    ecosystem: str
    network: str  # the network whose records hold it (the forked one, on a fork)
    problem: str | None  # why it is stale, or None if the chain still holds it

    @property
    def address(self) -> str:
        return self.record["address"]

    @property
    def stale(self) -> bool:
        return self.problem is not None

    @property
    def half_done(self) -> bool:
        """A deployment that stopped half way (never pruned: `ape run deploy --resume` finishes it)."""
        return bool(self.record.get("status"))


def record_networks(ecosystem: str, network: str) -> list[str]:
    """The networks whose records apply on `network`: itself, then the forked one."""
    names = [network]
    if network.endswith(FORK_SUFFIX):
        names.append(network[: -len(FORK_SUFFIX)])
    return names


def stale_reason(record: dict[str, Any], provider) -> str | None:
    """Why `record` does not describe the connected chain, or None if it does."""
    if record.get("status"):
        return (
            f"its deployment stopped half way ({record['status']}): "
            "finish it with `ape run deploy --resume` and the same --name and --model"
        )
    chain_id = provider.chain_id
    if record.get("chain_id") is not None and int(record["chain_id"]) != chain_id:
        return f"it was deployed on chain id {record['chain_id']}, this chain has id {chain_id}"
    block_number = record.get("block")
    if block_number is not None:
        head = provider.get_block("latest").number
        if block_number > head:
            return (
                f"it was deployed in block {block_number} but this chain is only at block {head} "
                "(the chain was restarted?)"
            )
        if record.get("block_hash"):
            actual = to_hex(provider.get_block(block_number).hash)
            if actual != record["block_hash"].lower():
                return _reorganised(record, block_number, provider)
    code = provider.get_code(record["address"])
    if not code:
        return f"there is no contract at {record['address']}"
    if record.get("code_hash") and code_hash(code) != record["code_hash"].lower():
        return f"the code at {record['address']} is not the code that was deployed"
    return None


def _reorganised(record: dict[str, Any], block_number: int, provider) -> str:
    """Why a record whose block has another hash now is stale: what the reorg did."""
    transaction = record.get("transaction")
    receipt = None
    if transaction:
        try:
            receipt = provider.make_request("eth_getTransactionReceipt", [transaction])
        except Exception:  # noqa: BLE001 - a node that cannot say: the general reason below
            receipt = None
    if transaction and receipt is None:
        return (
            f"block {block_number} of this chain is not the block it was deployed in and its transaction "
            f"{transaction} is not in this chain: a reorg removed it, or the chain was restarted"
        )
    if receipt is not None and int(receipt["blockNumber"], 16) != block_number:
        return (
            f"a reorg moved its deployment from block {block_number} to block {int(receipt['blockNumber'], 16)}: "
            "deploy record out of date, check it with `ape run verify`"
        )
    return (
        f"block {block_number} of this chain is not the block it was deployed in "
        "(the chain was restarted or reorganised)"
    )


def find_record(name: str, provider) -> Found:
    """The record called `name` for the connected network, checked against the chain."""
    ecosystem, network = provider.network.ecosystem.name, provider.network.name
    searched = record_networks(ecosystem, network)
    for source in searched:
        records = load_records(ecosystem, source)
        if name in records:
            return Found(name, records[name], ecosystem, source, stale_reason(records[name], provider))
    known = sorted({n for source in searched for n in load_records(ecosystem, source)})
    where = " or ".join(f"{ecosystem}:{source}" for source in searched)
    raise DecaiError(f"no trainer named {name!r} on {where} (recorded: {', '.join(known) or 'none'})")


def list_records(provider) -> list[Found]:
    """Every record that applies on the connected network, each with its status."""
    ecosystem, network = provider.network.ecosystem.name, provider.network.name
    found: dict[str, Found] = {}
    for source in record_networks(ecosystem, network):
        for name, record in load_records(ecosystem, source).items():
            if name not in found:
                found[name] = Found(name, record, ecosystem, source, stale_reason(record, provider))
    return [found[name] for name in sorted(found)]


def record_for_address(address: str, provider) -> Found | None:
    """A fresh record of the trainer at `address`, if there is one."""
    ecosystem, network = provider.network.ecosystem.name, provider.network.name
    for source in record_networks(ecosystem, network):
        for name, record in sorted(load_records(ecosystem, source).items()):
            if record["address"].lower() == address.lower() and stale_reason(record, provider) is None:
                return Found(name, record, ecosystem, source, None)
    return None


def resolve_trainer(reference: str, provider) -> tuple[str, dict[str, Any] | None]:
    """An address (given, or of a recorded deployment) and its record, if any.

    A recorded name whose chain is gone raises DecaiError saying why.
    """
    if reference.startswith("0x"):
        from eth_utils import is_address

        if not is_address(reference):
            raise DecaiError(f"{reference} is not an address (0x and 40 hex digits)")
        entry = record_for_address(reference, provider)
        return reference, entry.record if entry else None
    entry = find_record(reference, provider)
    if entry.stale:
        raise DecaiError(
            f"the record of {reference!r} ({entry.ecosystem}:{entry.network}) is stale: {entry.problem}; "
            f"deploy again, or remove it with `ape run records --prune`"
        )
    return entry.address, entry.record
