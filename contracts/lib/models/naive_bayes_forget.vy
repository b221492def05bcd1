# pragma version 0.4.3
"""
@title Forgetting for multinomial naive Bayes
@notice Subtracts a sample that naive_bayes.vy counted: the exact inverse of
        its `_update`. The deposit trainer calls it at the first take of a
        contribution while the model rejects it, so that data the mechanism
        has judged bad no longer shapes the model.
@dev Only for a sample counted and not forgotten since: the sample's key
     (data, label, time, author) was recorded when it was counted, and the
     mechanism forgets a contribution at most once. Every count subtracted
     is therefore one that sample added, so no 32-bit lane borrows from its
     neighbour and the indices were checked when the sample was counted.
     A separate module so that `_update`, which every addition runs, stays
     as it was.
"""


# --------------------------------------------------------------- imports --

from ..common import constants
from . import naive_bayes as nb


# ------------------------------------------------------------------ uses --

uses: nb


# -------------------------------------------------------------- internal --

@internal
def _forget(data: DynArray[int64, constants.MAX_SAMPLE_LENGTH], label: uint64):
    """
    @dev N_c -= 1, T_c -= len(data) and one occurrence less of each entry
         of class `label`, in naive_bayes.vy's storage layout.
    """
    class_index: uint256 = convert(label, uint256)
    stride: uint256 = nb._STRIDE
    first_word: uint256 = nb._HEADER_WORDS
    cached_position: uint256 = 0
    cached_word: uint256 = 0
    for index: int64 in data:
        # Indices are in range (checked when the sample was counted): the
        # sums cannot overflow.
        lane: uint256 = unsafe_add(unsafe_mul(convert(index, uint256), stride), class_index)
        position: uint256 = unsafe_add(first_word, lane >> 3)
        if position != cached_position:
            if cached_position != 0:
                nb._words[cached_position] = cached_word
            cached_position = position
            cached_word = nb._words[position]
        cached_word = unsafe_sub(cached_word, 1 << ((lane & 7) << 5))
    nb._words[cached_position] = cached_word

    header_index: uint256 = class_index >> 1
    header: uint256 = nb._words[header_index]
    field_shift: uint256 = nb._FIELD_BITS * (class_index & 1)
    field: uint256 = (header >> field_shift) & nb._FIELD_MASK
    # Checked subtractions: both fields hold at least this sample.
    samples: uint256 = (field & nb._SAMPLES_MASK) - 1
    total: uint256 = (field >> nb._TOTAL_SHIFT) - len(data)
    field = (total << nb._TOTAL_SHIFT) | samples
    nb._words[header_index] = (header & ~(nb._FIELD_MASK << field_shift)) | (field << field_shift)
