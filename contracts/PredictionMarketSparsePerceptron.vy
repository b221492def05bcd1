# pragma version 0.4.3
# pragma experimental-codegen
# pragma optimize codesize
"""
@title Sparse perceptron trained through a prediction market
@notice A binary classifier over sparse binary features that anyone may
        query for free. A provider stakes a bounty and commits to a hidden
        test set; contributors then train the model, one labelled sample and
        one fixed stake at a time; once the test set is revealed, anyone runs
        the reward computation and everyone withdraws: contributions that
        lowered the test error share the bounty, harmful ones lose their
        stake (see lib/mechanisms/prediction_market.vy and docs/MARKET.md).
@dev Lifecycle: deploy (model weights in the constructor and, for large
     models, `init_parameters`, then `finish_setup` or `finish` = True); the
     owner commits as provider (`commit`, with the bounty); the provider
     reveals the drawn portion (`reveal_first_portion`); contributors call
     `add_data`; `end_participation`; the provider reveals the other
     portions (`reveal_portion`); anyone calls `process` until the phase is
     finished; everyone calls `withdraw`.
"""


# --------------------------------------------------------------- imports --

from .lib.common import binary_labels as labels
from .lib.common import constants
from .lib.common import metadata
from .lib.common import ownership
from .lib.mechanisms import prediction_market as market
from .lib.mechanisms import market_phases as phases
from .lib.mechanisms import market_rewards as rewards
from .lib.mechanisms import sparse_market
from .lib.mechanisms import sparse_replay
from .lib.models import sparse_perceptron as model


# ----------------------------------------------------------- initializes --

initializes: ownership
initializes: metadata
initializes: labels
initializes: model[ownership := ownership]
initializes: market
initializes: phases[market := market]
initializes: rewards[market := market]
initializes: sparse_market[model := model, market := market, phases := phases, rewards := rewards]
initializes: sparse_replay[model := model, market := market, sm := sparse_market, rewards := rewards]


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
    model.weight,
    model.parameter_words,
    model.init_parameters,
    # market parameters
    market.stake,
    market.next_deposit,
    market.min_duration_s,
    market.max_duration_s,
    market.min_contributions,
    market.commit_window_s,
    market.reveal_window_s,
    # market state
    market.phase,
    market.market_provider,
    market.bounty,
    market.num_portions,
    phases.portion_hash,
    market.committed_at,
    phases.commit_deadline,
    market.random_block,
    phases.first_portion,
    phases.opened_at,
    phases.participation_deadline,
    market.num_contributions,
    rewards.account,
    market.contribution,
    market.chain_head,
    market.ended_at,
    phases.reveal_deadline,
    market.next_portion,
    market.num_test_samples,
    market.forfeited,
    # reward computation
    market.stage,
    rewards.processing_cursor,
    market.initial_loss,
    market.rounds_left,
    rewards.current_pass,
    # balances
    market.owed,
    market.total_owed,
    market.credited_to_contributors,
    market.total_withdrawn,
    # the phases' transitions
    phases.draw_first_portion,
    phases.cancel,
    phases.end_participation,
    sparse_market.reveal_first_portion,
    sparse_market.reveal_portion,
    sparse_market.process,
    sparse_replay.replay,
    # the test set
    sparse_market.test_sample,
    sparse_market.num_test_indices,
    sparse_market.replay_loss,
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
    weight_words: DynArray[uint256, constants.MAX_INIT_WORDS],
    stake: uint256,
    min_duration_s: uint256,
    max_duration_s: uint256,
    min_contributions: uint256,
    commit_window_s: uint256,
    reveal_window_s: uint256,
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
    @param weight_words The first packed weight words (may be empty).
    @param stake Wei staked with every contribution.
    @param min_duration_s Seconds of participation before the provider may end it.
    @param max_duration_s Seconds of participation after which anyone may end it.
    @param min_contributions Contributions after which the provider may end early.
    @param commit_window_s Seconds after the commitment to reveal the first portion.
    @param reveal_window_s Seconds after participation to reveal the rest.
    @param finish True to close the setup at once (all weights given here).
    """
    ownership.__init__()
    metadata.__init__(name, description, encoder)
    labels.__init__(class_names)
    model.__init__(num_features, intercept, learning_rate, weight_words)
    market.__init__(stake, min_duration_s, max_duration_s, min_contributions, commit_window_s, reveal_window_s)
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
    return "market/sparse_perceptron"


@external
@payable
def commit(portion_hashes: DynArray[bytes32, market.MAX_PORTIONS]):
    """
    @notice Owner: become the provider, stake the attached value as the
            bounty and commit to the hashes of the test-set portions. The
            model (h_0) must be fully loaded: setup is over.
    @param portion_hashes 2..16 portion hashes (see lib/mechanisms/sparse_market.vy).
    """
    ownership._check_owner()
    ownership._check_setup_finished()
    phases._commit(portion_hashes)


@external
@payable
@nonreentrant
def add_data(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @notice Train the model with one labelled sample, staking `stake()` wei.
    @dev Attach at least the stake; the excess is sent back at once.
    @param data Strictly increasing indices of the present features.
    @param label 0 or 1.
    """
    phases._check_open()
    # A sample the model already predicts would not change it: refused, so
    # that slots cannot be filled for gas alone.
    assert model._predict(data) != label, "prediction_market: the model already predicts this label"
    model._update(data, label)
    kept: uint256 = phases._record(data, label, True)
    self._send(msg.sender, msg.value - kept)


@external
@nonreentrant
def withdraw() -> uint256:
    """
    @notice Withdraw everything the market owes you: contributors once their
            balances are final, the provider after a cancellation or once
            the rewards are computed.
    @return The wei sent.
    """
    amount: uint256 = market._withdraw()
    self._send(msg.sender, amount)
    return amount


# -------------------------------------------------------------- internal --

@internal
def _send(recipient: address, amount: uint256):
    """
    @dev Pay `amount` wei to `recipient`, forwarding all gas so that contract
         wallets work; callers hold the reentrancy lock and have finished
         writing state.
    """
    if amount > 0:
        raw_call(recipient, b"", value=amount)
