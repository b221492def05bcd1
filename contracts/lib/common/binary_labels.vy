# pragma version 0.4.3
"""
@title Class names of a binary classifier
@notice Label 0 and label 1 and what they mean, fixed at deployment.
@dev Kept in immutables: cheaper to deploy than storage, free to read.
"""


# --------------------------------------------------------------- imports --

from . import constants


# ------------------------------------------------------------ immutables --

# @dev Names of label 0 and label 1.
_CLASS_0: immutable(String[constants.MAX_CLASS_NAME_LENGTH])
_CLASS_1: immutable(String[constants.MAX_CLASS_NAME_LENGTH])


# ----------------------------------------------------------- constructor --

@deploy
def __init__(names: DynArray[String[constants.MAX_CLASS_NAME_LENGTH], 2]):
    assert len(names) == 2, "binary_labels: exactly two class names"
    assert len(names[0]) > 0 and len(names[1]) > 0, "binary_labels: empty class name"
    _CLASS_0 = names[0]
    _CLASS_1 = names[1]


# -------------------------------------------------------------- external --

@external
@view
def classes(label: uint256) -> String[constants.MAX_CLASS_NAME_LENGTH]:
    """
    @notice The name of a class.
    @param label 0 or 1.
    @return Its name.
    """
    assert label < 2, "binary_labels: unknown label"
    if label == 0:
        return _CLASS_0
    return _CLASS_1


@external
@pure
def num_classes() -> uint256:
    """
    @notice How many classes the model knows: always 2.
    @return 2
    """
    return 2
