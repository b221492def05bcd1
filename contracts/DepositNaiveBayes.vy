# pragma version 0.4.3
# pragma experimental-codegen
# pragma optimize gas
"""
@title Multinomial naive Bayes trained through deposits
@notice A multi-class text-style classifier over feature counts that anyone
        may query for free and anyone may train, one labelled sample at a
        time, by leaving a deposit (see lib/mechanisms/deposit.vy for the refund and
        take rules, lib/models/naive_bayes.vy for the model and its exact fixed
        point).
@dev Deployment: the constructor takes as many parameter words as fit in its
     transaction; further words go through `init_parameters`; then the owner
     calls `finish_setup` (or passes `finish` = True to the constructor) and
     the model is open for training. During setup the owner may add classes
     with `add_class`, up to the class capacity; afterwards no owner call
     touches the model.
"""


# ------------------------------------------------------------ interfaces --

from .interfaces import ITrainer

implements: ITrainer


# --------------------------------------------------------------- imports --

from .lib.common import constants
from .lib.common import data_handler
from .lib.common import labels
from .lib.common import metadata
from .lib.common import ownership
from .lib.mechanisms import deposit
from .lib.models import naive_bayes as model
from .lib.models import naive_bayes_forget as forgetting


# ----------------------------------------------------------- initializes --

initializes: ownership
initializes: metadata
initializes: labels
initializes: data_handler
initializes: deposit[data_handler := data_handler, ownership := ownership]
initializes: model[ownership := ownership, labels := labels]
initializes: forgetting[nb := model]


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
    model.class_capacity,
    model.smoothing,
    model.class_info,
    model.feature_count,
    model.parameter_words,
    model.parameter_word_count,
    model.init_parameters,
    model.add_class,
    # contributions and the incentive mechanism
    data_handler.claimable,
    data_handler.contribution,
    data_handler.has_claimed,
    deposit.next_deposit,
    deposit.refund_wait_s,
    deposit.owner_claim_wait_s,
    deposit.any_address_claim_wait_s,
    deposit.cost_weight,
    deposit.last_update_time,
    deposit.good_contributions,
    deposit.total_good_contributions,
)


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    name: String[constants.MAX_NAME_LENGTH],
    description: String[constants.MAX_DESCRIPTION_LENGTH],
    encoder: String[constants.MAX_ENCODER_LENGTH],
    class_names: DynArray[String[constants.MAX_CLASS_NAME_LENGTH], labels.MAX_CLASSES],
    num_features: uint256,
    class_capacity: uint256,
    smoothing: uint256,
    words: DynArray[uint256, constants.MAX_INIT_WORDS],
    refund_wait_s: uint256,
    owner_claim_wait_s: uint256,
    any_address_claim_wait_s: uint256,
    cost_weight: uint256,
    finish: bool,
):
    """
    @param name Short model name.
    @param description What the model predicts.
    @param encoder Encoder specification (see decai.encoders).
    @param class_names Names of labels 0, 1, ... (at least one).
    @param num_features Number of features (indices below this).
    @param class_capacity Most classes the model will ever hold.
    @param smoothing Fixed point, 10**9 = 1.0 = Laplace smoothing.
    @param words The first parameter words (may be empty).
    @param refund_wait_s Seconds before a refund or report.
    @param owner_claim_wait_s Seconds before the owner may take the rest.
    @param any_address_claim_wait_s Seconds before anyone may take the rest.
    @param cost_weight Wei; scales the deposit (0 = no deposit).
    @param finish True to close the setup at once (all words given here).
    """
    ownership.__init__()
    metadata.__init__(name, description, encoder)
    labels.__init__(class_names)
    deposit.__init__(refund_wait_s, owner_claim_wait_s, any_address_claim_wait_s, cost_weight)
    model.__init__(num_features, class_capacity, smoothing, words)
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
    return "deposit/naive_bayes"


@external
@payable
@nonreentrant
def add_data(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @notice Train the model with one labelled sample, leaving a deposit.
    @dev Attach at least `next_deposit()`; the excess is sent back at once.
    @param data Feature indices, non-decreasing; repeats count.
    @param label One of the model's labels.
    """
    ownership._check_setup_finished()
    deposit_wei: uint256 = deposit._take_deposit()
    data_handler._record(data, label, deposit_wei)
    model._update(data, label)
    deposit._send(msg.sender, msg.value - deposit_wei)


@external
@nonreentrant
def refund(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64, added_time: uint256):
    """
    @notice Reclaim the deposit of your own contribution once the refund wait
            is over, if the model now agrees with your label.
    @param data The sample as you added it.
    @param label Its label.
    @param added_time The timestamp of your `AddData` event.
    """
    key: bytes32 = data_handler._key(data, label, added_time, msg.sender)
    amount: uint256 = deposit._refund(key, added_time, model._predict(data) == label)
    deposit._send(msg.sender, amount)


@external
@nonreentrant
def report(
    data: DynArray[int64, constants.MAX_SAMPLE_LENGTH],
    label: uint64,
    added_time: uint256,
    original_author: address,
):
    """
    @notice Take a share of someone else's deposit that the model now
            disagrees with (or, after the claim waits, all that is left).
            The first take of a sample the model rejects also removes the
            sample from the model: its counts are subtracted.
    @param data The sample as it was added.
    @param label Its label.
    @param added_time The timestamp of its `AddData` event.
    @param original_author The account that added it.
    """
    key: bytes32 = data_handler._key(data, label, added_time, original_author)
    agrees: bool = model._predict(data) == label
    forget: bool = not agrees and data_handler._untaken(key)
    amount: uint256 = deposit._report(key, added_time, original_author, agrees)
    if forget:
        forgetting._forget(data, label)
    deposit._send(msg.sender, amount)
