"""decai: machine-learning models in Vyper contracts, trained by the crowd.

The package holds everything that runs off chain: fixed-point conversion,
reference models that mirror the contracts bit for bit, training and export,
deployment, the SDK wrapping a deployed trainer, and simulation agents.
"""

__version__ = "0.1.0"


from decai.errors import DecaiError, Rejected

__all__ = ["DecaiError", "Rejected", "__version__"]
