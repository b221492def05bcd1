"""What every part of the dashboard's service uses: addresses checked and
checksummed, amounts in wei and ether, and which decai contract an address
holds (`known_contract`, the check before an address is added or recorded).
"""

from __future__ import annotations

from decai.errors import DecaiError
from decai.units import format_ether


def checksum(address: str) -> str:
    """`address` checksummed; DecaiError unless it is an Ethereum address."""
    from eth_utils import is_address, to_checksum_address

    if not isinstance(address, str) or not is_address(address):
        raise DecaiError(f"{address!r} is not an Ethereum address")
    return to_checksum_address(address)


def ether(wei: int) -> dict[str, str]:
    return {"wei": str(int(wei)), "eth": format_ether(int(wei))}


def _embedded_runtime(deployment: bytes, code: bytes) -> bytes | None:
    """The runtime code a Vyper creation code carries: it runs from where
    `code` starts inside it to just before the trailing CBOR metadata (whose
    length, those two bytes included, is the creation code's last two bytes)."""
    metadata = int.from_bytes(deployment[-2:], "big") if len(deployment) > 2 else 0
    start = deployment.find(code[:64]) if len(code) >= 64 else -1
    if start <= 0 or metadata >= len(deployment) - start:
        return None
    return deployment[start : len(deployment) - metadata]


def known_contract(address: str) -> str | None:
    """The name of the decai deployable whose code is at `address`, or None.

    A deployed Vyper contract's code is the runtime its creation code
    carries, followed by its immutables; it must start with the whole
    runtime of one of the compiled contracts shipped in decai/artifacts
    (this checkout's compiled contracts)."""
    from pathlib import Path

    from ape import chain

    from decai.chain.artifacts import container
    from decai.chain.contracts import MECHANISM_CONTRACT_PARTS

    code = bytes(chain.provider.get_code(address) or b"")
    if not code:
        return None
    for path in sorted((Path(__file__).resolve().parents[1] / "artifacts").glob("*.json")):
        if not any(path.stem.startswith(part) for part in MECHANISM_CONTRACT_PARTS.values()):
            continue
        deployment = container(path.stem).contract_type.deployment_bytecode
        creation = bytes.fromhex((deployment.bytecode if deployment else "").removeprefix("0x"))
        runtime = _embedded_runtime(creation, code)
        if runtime and len(runtime) > 256 and code.startswith(runtime):
            return path.stem
    return None
