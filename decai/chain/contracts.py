"""Which deployable contract holds which model behind which mechanism."""

from __future__ import annotations

from decai.errors import DecaiError

MODEL_CONTRACT_PARTS = {
    "sparse_perceptron": "SparsePerceptron",
    "dense_perceptron": "DensePerceptron",
    "naive_bayes": "NaiveBayes",
    "nearest_centroid": "NearestCentroid",
    "sparse_nearest_centroid": "SparseNearestCentroid",
}
MECHANISM_CONTRACT_PARTS = {
    "deposit": "Deposit",
    "points": "Points",
    "market": "PredictionMarket",
}


def contract_name(mechanism: str, model_type: str) -> str:
    """Name of the deployable for `mechanism` and `model_type`."""
    try:
        return MECHANISM_CONTRACT_PARTS[mechanism] + MODEL_CONTRACT_PARTS[model_type]
    except KeyError:
        raise DecaiError(f"no trainer contract for mechanism {mechanism!r} with model {model_type!r}") from None


def contract_container(mechanism: str, model_type: str):
    """The Ape contract container of that deployable, from the compiled
    contracts shipped in the package (decai.chain.artifacts): it works from
    any working directory, not only this checkout."""
    from decai.chain.artifacts import container

    return container(contract_name(mechanism, model_type))
