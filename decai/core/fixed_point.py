"""Fixed-point numbers as the contracts use them.

A real value v is stored as the integer round(v * 10**9). Conversions round
to the nearest integer, ties away from zero, computed on the decimal text of
the float so that 0.1 becomes exactly 100_000_000. The integer helpers mirror
the EVM: `tdiv` truncates towards zero like Vyper's `//` on signed integers.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

ONE = 10**9
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def to_fixed(value: float | int | str) -> int:
    """Real number -> fixed point, rounding to nearest (ties away from zero)."""
    scaled = Decimal(str(value)) * ONE
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fixed(value: int) -> float:
    """Fixed point -> real number."""
    return value / ONE


def tdiv(numerator: int, denominator: int) -> int:
    """Integer division truncating towards zero (the EVM's SDIV)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def pack_int64(values: Iterable[int], per_word: int = 4) -> list[int]:
    """Pack int64 values four to a 256-bit word, value i in lane i % 4.

    Lanes hold the two's complement of each value, as contracts/lib/
    common/packed_int64.vy reads them. Raises ValueError for a value outside int64.
    """
    words: list[int] = []
    for position, value in enumerate(values):
        if not fits_int64(value):
            raise ValueError(f"value {value} at position {position} does not fit int64")
        lane = position % per_word
        if lane == 0:
            words.append(0)
        words[-1] |= (value & (2**64 - 1)) << (64 * lane)
    return words


def unpack_int64(words: Iterable[int], count: int, per_word: int = 4) -> list[int]:
    """Inverse of `pack_int64`: the first `count` values of `words`."""
    values: list[int] = []
    for word in words:
        for lane in range(per_word):
            if len(values) == count:
                return values
            raw = (word >> (64 * lane)) & (2**64 - 1)
            values.append(raw - 2**64 if raw >= 2**63 else raw)
    if len(values) < count:
        raise ValueError(f"expected {count} values, the words hold {len(values)}")
    return values


def pack_lanes(values: Iterable[int], bits: int, *, signed: bool = False) -> list[int]:
    """Pack integers `bits` wide into 256-bit words, value i in lane i % (256 // bits).

    Lane k of a word occupies bits k * bits upward; signed values are stored
    in two's complement. Raises ValueError for a value that does not fit.
    """
    per_word = 256 // bits
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    mask = 2**bits - 1
    words: list[int] = []
    for position, value in enumerate(values):
        if not low <= value <= high:
            raise ValueError(f"value {value} at position {position} does not fit {'int' if signed else 'uint'}{bits}")
        if position % per_word == 0:
            words.append(0)
        words[-1] |= (value & mask) << (bits * (position % per_word))
    return words


def unpack_lanes(words: Iterable[int], count: int, bits: int, *, signed: bool = False) -> list[int]:
    """Inverse of `pack_lanes`: the first `count` values of `words`."""
    per_word = 256 // bits
    mask = 2**bits - 1
    values: list[int] = []
    for word in words:
        for lane in range(per_word):
            if len(values) == count:
                return values
            raw = (word >> (bits * lane)) & mask
            values.append(raw - 2**bits if signed and raw >> (bits - 1) else raw)
    if len(values) < count:
        raise ValueError(f"expected {count} values, the words hold {len(values)}")
    return values
