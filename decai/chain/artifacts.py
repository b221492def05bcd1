"""The compiled contracts that ship inside the decai package.

`Trainer.at`, `deploy_trainer` and `verify` need each deployable's ABI and
bytecode. Reading them from `ape.project` would tie the SDK to this checkout
as the working directory, so every deployable contract (a `.vy` file directly
under `contracts/`, not a library or a test helper) is also stored as an
ethpm-types ContractType JSON in `decai/artifacts/<Name>.json`, which a
`pip install` carries along (package data in pyproject.toml).

    python -m decai.chain.artifacts        # after `ape compile --force`; `make compile` runs it

writes them from Ape's compile output (`.build/__local__.json`). Only what a
user of a deployed contract needs is kept: ABI, creation and runtime code,
the NatSpec docs and method identifiers. The AST, source map and PC map
(used by Ape to point at source lines, which are not shipped) are left out.
`tests/unit/offchain/test_artifacts.py` fails when the shipped files differ
from the compile output.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

from decai.errors import DecaiError

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"
COMPILE_OUTPUT = Path(".build") / "__local__.json"
#: The ContractType fields written to the package.
KEPT_FIELDS = (
    "contractName",
    "sourceId",
    "abi",
    "deploymentBytecode",
    "runtimeBytecode",
    "methodIdentifiers",
    "devdoc",
    "userdoc",
)


def is_deployable(source_id: str | None) -> bool:
    """A contract of its own: `contracts/<Name>.vy`, not under lib/, interfaces/ or test/."""
    parts = Path(source_id or "").parts
    return len(parts) == 2 and parts[0] == "contracts" and parts[1].endswith(".vy")


def compiled_deployables(manifest_path: Path = COMPILE_OUTPUT) -> dict[str, dict[str, Any]]:
    """name -> ContractType JSON (all fields) of every deployable in Ape's compile output."""
    if not manifest_path.exists():
        raise DecaiError(f"no compile output at {manifest_path}: run `ape compile --force` first")
    try:
        types = json.loads(manifest_path.read_text()).get("contractTypes") or {}
    except json.JSONDecodeError as error:
        raise DecaiError(f"{manifest_path} is not valid JSON: {error}") from None
    return {name: data for name, data in sorted(types.items()) if is_deployable(data.get("sourceId"))}


def shipped_names(folder: Path = ARTIFACTS_DIR) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.json"))


def write_artifacts(manifest_path: Path = COMPILE_OUTPUT, folder: Path = ARTIFACTS_DIR) -> list[str]:
    """Write one JSON per deployable into `folder`, remove those of contracts
    that no longer exist; the names written."""
    from ethpm_types import ContractType

    deployables = compiled_deployables(manifest_path)
    if not deployables:
        raise DecaiError(f"{manifest_path} holds no deployable contract")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in deployables.items():
        kept = {field: data[field] for field in KEPT_FIELDS if field in data}
        ContractType.model_validate(kept)  # refuse to ship something Ape cannot read
        (folder / f"{name}.json").write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n")
    for name in set(shipped_names(folder)) - set(deployables):
        (folder / f"{name}.json").unlink()
    return list(deployables)


@functools.cache
def contract_type(name: str):
    """The shipped ContractType of deployable `name`."""
    from ethpm_types import ContractType

    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        raise DecaiError(f"the decai package ships no compiled contract {name!r} (looked in {ARTIFACTS_DIR})")
    return ContractType.model_validate_json(path.read_text())


def container(name: str):
    """An Ape ContractContainer of the shipped deployable `name` (deploy with it, or `.at(address)`)."""
    from ape.contracts import ContractContainer

    return ContractContainer(contract_type(name))


def main(argv: list[str]) -> int:
    manifest = Path(argv[0]) if argv else COMPILE_OUTPUT
    try:
        names = write_artifacts(manifest)
    except DecaiError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {len(names)} contract(s) to {ARTIFACTS_DIR}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
