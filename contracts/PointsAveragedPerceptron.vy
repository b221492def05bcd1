# pragma version 0.4.3
# pragma experimental-codegen
# pragma optimize codesize
"""
@title Averaged sparse perceptron trained for points and badges
@notice A binary classifier over sparse binary features that anyone may
        query and train for free. Contributions the model still agrees with
        after the wait earn their authors points; badges mark milestones
        (see lib/mechanisms/points.vy).
@dev Deployment as for DepositSparsePerceptron: constructor words, then
     `init_parameters` chunks, then `finish_setup` (or `finish` = True).
"""


# ------------------------------------------------------------ interfaces --

from .interfaces import ITrainer

implements: ITrainer


# --------------------------------------------------------------- imports --

from .lib.common import binary_labels as labels
from .lib.common import constants
from .lib.common import data_handler
from .lib.common import metadata
from .lib.common import ownership
from .lib.mechanisms import points
from .lib.models import averaged_perceptron as model


# ----------------------------------------------------------- initializes --

initializes: ownership
initializes: metadata
initializes: labels
initializes: data_handler
initializes: points[data_handler := data_handler]
initializes: model[ownership := ownership]


# --------------------------------------------------------------- exports --

exports: (
    # ownership and the setup phase
    ownership.owner,
    ownership.transfer_ownership,
    ownership.setup_finished,
    ownership.finish_setup,
    # what the model is
    metadata.name,
    metadata.description,
    metadata.encoder,
    labels.classes,
    labels.num_classes,
    # the model
    model.predict,
    model.predict_batch,
    model.num_features,
    model.intercept,
    model.learning_rate,
    model.initial_count,
    model.count,
    model.update_sum,
    model.weight,
    model.parameter_words,
    model.init_parameters,
    # contributions and the incentive mechanism
    data_handler.claimable,
    data_handler.contribution,
    data_handler.has_claimed,
    points.next_deposit,
    points.refund_wait_s,
    points.good_contributions,
    points.total_good_contributions,
    points.stats,
    points.badges,
    points.has_badge,
    points.badge_name,
)


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    name: String[constants.MAX_NAME_LENGTH],
    description: String[constants.MAX_DESCRIPTION_LENGTH],
    encoder: String[constants.MAX_ENCODER_LENGTH],
    class_names: DynArray[String[constants.MAX_CLASS_NAME_LENGTH], 2],
    num_features: uint256,
    intercept: int256,
    learning_rate: int256,
    initial_count: uint256,
    weight_words: DynArray[uint256, constants.MAX_INIT_WORDS],
    refund_wait_s: uint256,
    finish: bool,
):
    """
    @param name Short model name.
    @param description What the model predicts.
    @param encoder Encoder specification (see decai.encoders).
    @param class_names Names of label 0 and label 1.
    @param num_features Number of features (sparse indices below this).
    @param intercept Fixed point, 10**9 = 1.0.
    @param learning_rate Fixed point, 10**9 = 1.0; must be positive.
    @param initial_count How many samples the given weights count as in the average (positive).
    @param weight_words The first packed words (weight and update sum per feature; may be empty).
    @param refund_wait_s Seconds before a contribution can be settled.
    @param finish True to close the setup at once (all weights given here).
    """
    ownership.__init__()
    metadata.__init__(name, description, encoder)
    labels.__init__(class_names)
    points.__init__(refund_wait_s)
    model.__init__(num_features, intercept, learning_rate, initial_count, weight_words)
    if finish:
        ownership._finish_setup()


# -------------------------------------------------------------- external --

@external
@pure
def trainer_kind() -> String[64]:
    """
    @notice "<mechanism>/<model type>", so that clients know which ABI fits.
    @return The kind of this trainer.
    """
    return "points/averaged_perceptron"


@external
@payable
@nonreentrant
def add_data(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @notice Train the model with one labelled sample (free; send no ether).
    @param data Strictly increasing indices of the present features.
    @param label 0 or 1.
    """
    ownership._check_setup_finished()
    data_handler._record(data, label, 0)
    points._add(label, 2)
    model._update(data, label)


@external
@nonreentrant
def refund(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64, added_time: uint256):
    """
    @notice Claim a point for your contribution once the wait is over, if the
            model now agrees with your label.
    @param data The sample as you added it.
    @param label Its label.
    @param added_time The timestamp of your `AddData` event.
    """
    key: bytes32 = data_handler._key(data, label, added_time, msg.sender)
    points._refund(key, added_time, model._predict(data) == label)


@external
@nonreentrant
def report(
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH],
    label: uint64,
    added_time: uint256,
    original_author: address,
):
    """
    @notice Mark someone else's contribution as bad once the wait is over, if
            the model now disagrees with its label (you need a point).
    @param data The sample as it was added.
    @param label Its label.
    @param added_time The timestamp of its `AddData` event.
    @param original_author The account that added it.
    """
    key: bytes32 = data_handler._key(data, label, added_time, original_author)
    points._report(key, added_time, original_author, model._predict(data) == label)
