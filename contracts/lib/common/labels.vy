# pragma version 0.4.3
"""
@title Labels and their class names
@notice The public list of classes a classifier predicts; label `i` means
        `classes(i)`.
"""


# --------------------------------------------------------------- imports --

from . import constants


# ------------------------------------------------------------- constants --

# @dev Most classes any decai classifier supports.
MAX_CLASSES: constant(uint256) = 64


# --------------------------------------------------------------- storage --

# @dev Class names, indexed by label.
classes: public(DynArray[String[constants.MAX_CLASS_NAME_LENGTH], MAX_CLASSES])


# ---------------------------------------------------------------- events --

event ClassAdded:
    label: uint64
    name: String[constants.MAX_CLASS_NAME_LENGTH]


# ----------------------------------------------------------- constructor --

@deploy
def __init__(names: DynArray[String[constants.MAX_CLASS_NAME_LENGTH], MAX_CLASSES]):
    for name: String[constants.MAX_CLASS_NAME_LENGTH] in names:
        self._add_class(name)


# -------------------------------------------------------------- external --

@external
@view
def num_classes() -> uint256:
    """
    @notice How many classes the model knows.
    @return The number of classes; labels run from 0 to this minus one.
    """
    return len(self.classes)


# -------------------------------------------------------------- internal --

@internal
def _add_class(name: String[constants.MAX_CLASS_NAME_LENGTH]) -> uint64:
    assert len(name) > 0, "labels: empty class name"
    assert len(self.classes) < MAX_CLASSES, "labels: too many classes"
    label: uint64 = convert(len(self.classes), uint64)
    self.classes.append(name)
    log ClassAdded(label=label, name=name)
    return label
