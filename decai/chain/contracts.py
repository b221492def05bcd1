"""Which deployable contract holds which model behind which mechanism."""

from __future__ import annotations

from decai.errors import DecaiError
from decai.models.base import model_class

MECHANISM_CONTRACT_PARTS = {
    "deposit": "Deposit",
    "points": "Points",
    "market": "PredictionMarket",
}


def contract_name(mechanism: str, model_type: str) -> str:
    """Name of the deployable for `mechanism` and `model_type`."""
    try:
        return MECHANISM_CONTRACT_PARTS[mechanism] + model_class(model_type).contract_part
    except (KeyError, DecaiError):
        raise DecaiError(f"no trainer contract for mechanism {mechanism!r} with model {model_type!r}") from None


def contract_container(mechanism: str, model_type: str):
    """The Ape contract container of that deployable, from the compiled
    contracts shipped in the package (decai.chain.artifacts): it works from
    any working directory, not only this checkout."""
    from decai.chain.artifacts import container

    return container(contract_name(mechanism, model_type))


def contract_at(container, address: str, txn_hash: str | None = None):
    """`container`'s contract at `address`, as the connected chain holds it.

    Ape caches a contract type per address and per network *name*: two
    anvils of `ethereum:local` (a test's second node, a chain restarted
    fresh) share entries, and `container.at` merges the type asked for into
    a cached one, keeping the cached name and methods. After a market was
    deployed at 0x5FbDB... on one anvil, a trainer deployed at the same
    address on the other would call the market's methods. decai knows the
    type (it just deployed the contract, or read its kind from the chain),
    so the cache entry is replaced (Ape's `instance_at(replace=True)`),
    never merged. decai's contracts are not
    proxies: no proxy detection (its look-ups are cached by address too)."""
    from ape import chain

    return chain.contracts.instance_at(
        address,
        contract_type=container.contract_type,
        txn_hash=txn_hash,
        fetch_from_explorer=False,
        detect_proxy=False,
        replace=True,
    )
