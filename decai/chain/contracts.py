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
