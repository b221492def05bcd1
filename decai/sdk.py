"""The public API of decai for scripts and other projects.

    from ape import networks
    from decai.sdk import Trainer

    with networks.parse_network_choice("ethereum:local:foundry"):
        trainer = Trainer.find("bc")      # by recorded name, or an address

It works from any working directory or Ape project: the compiled contracts
ship inside the package (decai/artifacts, see decai.chain.artifacts), so
nothing is read from the current Ape project. Everything here is also
importable from its own module; this module only gathers what a user of a
deployed trainer or market needs.
"""

from decai.chain.deploy import deploy_trainer
from decai.chain.trainer import ClaimStatus, Trainer
from decai.core.contributions import Contribution
from decai.core.mechanisms import DepositParameters, PointsParameters
from decai.errors import DecaiError, NodeUnavailable, Rejected
from decai.models import load_model
from decai.units import format_ether, human_duration

__all__ = [
    "ClaimStatus",
    "Contribution",
    "DecaiError",
    "DepositParameters",
    "NodeUnavailable",
    "PointsParameters",
    "Rejected",
    "Trainer",
    "deploy_trainer",
    "format_ether",
    "human_duration",
    "load_model",
]
