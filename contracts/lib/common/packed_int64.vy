# pragma version 0.4.3
"""
@title Packed signed 64-bit values
@notice Pure helpers for arrays of int64 stored four to a storage word.
        Value `i` lives in word `i // 4`, bits 64 * (i % 4) upward, in two's
        complement, so an untouched word reads as four zeros. Packing cuts
        the cold reads of a prediction and the slots written at deployment
        by four compared with one value per slot.
"""


# ------------------------------------------------------------- constants --

# @dev Values per word, and the width and mask of one lane.
PER_WORD: constant(uint256) = 4
_LANE_BITS: constant(uint256) = 64
_LANE_MASK: constant(uint256) = 2**64 - 1


# -------------------------------------------------------------- internal --

@internal
@pure
def _get(word: uint256, lane: uint256) -> int256:
    """
    @dev Value in lane `lane` (0..3) of `word`, sign-extended: the lane is
         shifted to the top of the word and back down arithmetically.
    """
    return convert(convert(word << (192 - lane * _LANE_BITS), bytes32), int256) >> 192


@internal
@pure
def _set(word: uint256, lane: uint256, number: int256) -> uint256:
    """
    @dev `word` with lane `lane` (0..3) replaced by `number`. The caller has
         checked that `number` fits int64; the mask keeps its low 64 bits,
         which are its two's complement.
    """
    offset: uint256 = lane * _LANE_BITS
    raw: uint256 = convert(convert(number, bytes32), uint256) & _LANE_MASK
    return (word & ~(_LANE_MASK << offset)) | (raw << offset)


@internal
@pure
def _fits(number: int256) -> bool:
    """
    @dev Whether `number` fits int64, i.e. can be stored in a lane.
    """
    return number >= convert(min_value(int64), int256) and number <= convert(max_value(int64), int256)
