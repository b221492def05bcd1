# pragma version 0.4.3
"""
@title Naive Bayes scores
@notice The last stage of a naive Bayes prediction: turns a class's
        product N_c * prod (n_cf + a) (from naive_bayes.vy) into a number
        that ranks its score N_c * prod (n_cf + a) / w_c ** L against the
        other classes', w_c = T_c * 10**9 + a * V.
@dev Floating point with 128-bit mantissas; every product is bounded as
     stated, so no operation can overflow:
       - W = w_c ** L by squaring and multiplying: w_c is shifted exactly to
         a mantissa in [2**127, 2**128), and every product of two such
         mantissas (in [2**254, 2**256)) drops its low 127 or 128 bits to
         come back to [2**127, 2**128) (relative error below 2**-126 each
         time; the error of w**(2**k) grows as (2**k - 1) * 2**-126, so W is
         within L * 2**-126 of exact).
       - score = P / W: P is shifted to [2**255, 2**256) and divided by W's
         mantissa, the quotient shifted by at most one bit to [2**127,
         2**128) (relative error below 2**-127 each).
     Precision bound: for L <= MAX_SAMPLE_LENGTH (128) entries the computed
     score is within a factor 1 +- (1.25 * L + 1) * 2**-126 < 1 +- 2**-118
     of the exact rational score, so the prediction is the exact arg max
     unless the two best exact scores are within a factor 1 + 2**-117 of
     each other (float64 log-probabilities, as scikit-learn uses, are about
     2**-50 coarse). Equal computed scores go to the lower label.
     decai.models.NaiveBayes repeats these steps bit for bit.
     Holds one immutable, a * V (the smoothing part of every denominator);
     naive_bayes.vy sets it at deployment.
"""


# ------------------------------------------------------------- constants --

# @dev Fixed-point one: counts and the smoothing are in 10**9 units.
ONE: constant(uint256) = 10**9


# ------------------------------------------------------------ immutables --

# @dev smoothing * num_features, the smoothing part of every denominator.
_SMOOTHING_MASS: immutable(uint256)


# ----------------------------------------------------------- constructor --

@deploy
def __init__(smoothing_mass: uint256):
    _SMOOTHING_MASS = smoothing_mass


# -------------------------------------------------------------- internal --

@internal
@view
def _finish(product: uint256, dropped: uint256, total: uint256, length: uint256, label: uint256) -> uint256:
    """
    @dev The score product * 2**dropped / w**length, w = T_c * 10**9 + a * V,
         of class `label`, as a number that ranks scores: bits 136 and up
         hold the exponent plus 2**32, bits 8..135 the mantissa (in
         [2**127, 2**128)), bits 0..7 hold 255 - label, so that of two equal
         scores the lower label ranks higher. w**length is computed by
         squaring and multiplying floating-point numbers with 128-bit
         mantissas.
    """
    # T_c < 2**64 and a * V <= 10**18 * 2**20: w is below 2**95, and at
    # least 1 (a > 0), so the shift below is 33 to 127.
    denominator: uint256 = unsafe_add(unsafe_mul(total, ONE), _SMOOTHING_MASS)
    denominator_shift: uint256 = unsafe_sub(128, self._bit_length(denominator))
    # power = 1 and base = w as mantissa * 2**exponent, mantissas in
    # [2**127, 2**128); exponents stay within 2**16 of zero.
    power: uint256 = 2**127
    power_exponent: int256 = -127
    base: uint256 = denominator << denominator_shift
    base_exponent: int256 = -convert(denominator_shift, int256)
    remaining: uint256 = length
    for _: uint256 in range(8):
        if remaining == 0:
            break
        if remaining & 1 == 1:
            # Mantissas in [2**127, 2**128): the product is in [2**254,
            # 2**256); dropping 127 bits, or 128 if bit 255 is set, brings
            # it back to [2**127, 2**128).
            power = unsafe_mul(power, base)
            power_drop: uint256 = unsafe_add(power >> 255, 127)
            power >>= power_drop
            power_exponent = unsafe_add(unsafe_add(power_exponent, base_exponent), convert(convert(power_drop, bytes32), int256))
        remaining >>= 1
        if remaining != 0:
            base = unsafe_mul(base, base)
            base_drop: uint256 = unsafe_add(base >> 255, 127)
            base >>= base_drop
            base_exponent = unsafe_add(unsafe_add(base_exponent, base_exponent), convert(convert(base_drop, bytes32), int256))
    # product is in [1, 2**192): shifted to [2**255, 2**256), its quotient by
    # power (in [2**127, 2**128)) lies in (2**127, 2**129).
    product_shift: uint256 = unsafe_sub(256, self._bit_length(product))
    mantissa: uint256 = unsafe_div(product << product_shift, power)
    high: uint256 = mantissa >> 128
    # score = mantissa * 2**exponent; every term of the exponent is within
    # 2**16 of zero, so with 2**32 added it is positive and fits its bits.
    exponent: int256 = unsafe_sub(unsafe_sub(unsafe_add(convert(dropped, int256), convert(high, int256)), convert(product_shift, int256)), power_exponent)
    ranked: uint256 = convert(convert(unsafe_add(exponent, 2**32), bytes32), uint256) << 136
    # label < 64: 255 - label fits the low 8 bits.
    return ranked | ((mantissa >> high) << 8) | unsafe_sub(255, label)


@internal
@pure
def _bit_length(x: uint256) -> uint256:
    """
    @dev Number of bits of `x` (0 for 0), by a branch-free binary search.
    """
    value: uint256 = x
    length: uint256 = convert(value >= 2**128, uint256) << 7
    value >>= length
    step: uint256 = convert(value >= 2**64, uint256) << 6
    value >>= step
    length |= step
    step = convert(value >= 2**32, uint256) << 5
    value >>= step
    length |= step
    step = convert(value >= 2**16, uint256) << 4
    value >>= step
    length |= step
    step = convert(value >= 2**8, uint256) << 3
    value >>= step
    length |= step
    step = convert(value >= 2**4, uint256) << 2
    value >>= step
    length |= step
    step = convert(value >= 2**2, uint256) << 1
    value >>= step
    length |= step
    step = convert(value >= 2, uint256)
    # `length | step` is the position of the top bit; a non-zero value has
    # one bit more (value >> step is then 1).
    return (length | step) + (value >> step)
