"""Reference models: the contracts' arithmetic, bit for bit, in Python.

Each class predicts and updates exactly as its Vyper module does (same
fixed point, same rounding), so that predictions off chain equal predictions
on chain and a simulated training run ends with the same parameters.
"""

from decai.models.averaged_perceptron import AveragedPerceptron
from decai.models.base import Model, load_model, model_from_dict
from decai.models.naive_bayes import NaiveBayes
from decai.models.nearest_centroid import NearestCentroid, SparseNearestCentroid
from decai.models.perceptron import DensePerceptron, SparsePerceptron

__all__ = [
    "Model",
    "SparsePerceptron",
    "AveragedPerceptron",
    "DensePerceptron",
    "NaiveBayes",
    "NearestCentroid",
    "SparseNearestCentroid",
    "load_model",
    "model_from_dict",
]
