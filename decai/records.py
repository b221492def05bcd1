"""Deployment records: which trainer is which, per network.

`ape run deploy` writes one entry per deployment to
`deployments/<ecosystem>_<network>.json` (name -> address, block, chain id,
contract, mechanism parameters, model hash), so the other scripts and the
console can find a trainer by name. Local chains are thrown away when anvil
stops; a record whose address no longer holds code is reported as stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from decai import DecaiError

RECORDS_DIR = Path(os.environ.get("DECAI_DEPLOYMENTS", "deployments"))


def model_hash(model_dict: dict[str, Any]) -> str:
    canonical = json.dumps(model_dict, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _path(ecosystem: str, network: str) -> Path:
    return RECORDS_DIR / f"{ecosystem}_{network.replace('-', '_')}.json"


def load_records(ecosystem: str, network: str) -> dict[str, dict[str, Any]]:
    path = _path(ecosystem, network)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DecaiError(f"deployment records {path} are not valid JSON: {error}") from None


def save_record(ecosystem: str, network: str, name: str, record: dict[str, Any]) -> Path:
    """Add or replace `name`; written atomically (temporary file, then rename)."""
    path = _path(ecosystem, network)
    records = load_records(ecosystem, network)
    records[name] = record
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def resolve_trainer(reference: str, ecosystem: str, network: str) -> str:
    """An address, or the name of a recorded deployment on this network."""
    if reference.startswith("0x"):
        if len(reference) != 42:
            raise DecaiError(f"{reference} is not an address")
        return reference
    records = load_records(ecosystem, network)
    if reference not in records:
        known = ", ".join(sorted(records)) or "none"
        raise DecaiError(f"no trainer named {reference!r} on {ecosystem}:{network} (recorded: {known})")
    return records[reference]["address"]
