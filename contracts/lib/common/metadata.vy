# pragma version 0.4.3
"""
@title Model description
@notice What a trainer holds and how to encode inputs for it. The encoder
        string names the off-chain encoding (see decai.encoders) so that any
        client turns raw input into exactly the samples the model expects.
"""


# --------------------------------------------------------------- imports --

from . import constants


# ------------------------------------------------------------ immutables --

# @dev Short human-readable model name.
name: public(immutable(String[constants.MAX_NAME_LENGTH]))

# @dev What the model predicts and from what.
description: public(immutable(String[constants.MAX_DESCRIPTION_LENGTH]))

# @dev Encoder specification, e.g. "bow:v1:sha256=<hash of vocabulary>".
encoder: public(immutable(String[constants.MAX_ENCODER_LENGTH]))


# ----------------------------------------------------------- constructor --

@deploy
def __init__(
    _name: String[constants.MAX_NAME_LENGTH],
    _description: String[constants.MAX_DESCRIPTION_LENGTH],
    _encoder: String[constants.MAX_ENCODER_LENGTH],
):
    name = _name
    description = _description
    encoder = _encoder
