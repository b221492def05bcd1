# pragma version 0.4.3
"""
@title decai shared constants
@notice Bounds and scales every decai contract agrees on.
"""


# ------------------------------------------------------------- constants --

# @dev Fixed-point scale: the real number 1.0 is stored as 10**9.
ONE: constant(int256) = 10**9

# @dev Most values one sample may carry: dense models take at most this many
#      dimensions, sparse models at most this many present features. Vyper
#      copies calldata arrays into memory at their full bound, so this bound
#      is paid for (as memory expansion) by every call and every internal
#      call that passes the sample on. Measured: 256 instead of 128 adds about
#      1,500 gas to a refund and 3,000 to an add. 128 covers short texts
#      (tweets, reviews of a few paragraphs against a vocabulary of
#      thousands of words) and images up to 11x11.
MAX_SAMPLE_LENGTH: constant(uint256) = 128

# @dev Most 256-bit storage words one initialisation call may write.
MAX_INIT_WORDS: constant(uint256) = 1024

# @dev Longest model name, description and encoder specification.
MAX_NAME_LENGTH: constant(uint256) = 64
MAX_DESCRIPTION_LENGTH: constant(uint256) = 160
MAX_ENCODER_LENGTH: constant(uint256) = 128
MAX_CLASS_NAME_LENGTH: constant(uint256) = 32
