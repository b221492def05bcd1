"""Units of time and ether, in one place: constants, parsing and display."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from decai.errors import DecaiError

MINUTE = 60
HOUR = 3600
DAY = 86_400
WEEK = 604_800
GWEI = 10**9
ETHER = 10**18

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw]?)\s*$")
_DURATION_UNITS = {"": 1, "s": 1, "m": MINUTE, "h": HOUR, "d": DAY, "w": WEEK}
#: The longest duration decai takes (a wait, a clock move): 100 years of
#: 365 days. Beyond it a chain's timestamps leave the calendar's range.
MAX_DURATION = 100 * 365 * DAY
#: The most wei an amount may be (a uint256).
MAX_WEI = 2**256 - 1


def parse_duration(text: str) -> int:
    """'90', '90s', '15m', '2h', '1d', '2w' -> seconds (at most `MAX_DURATION`)."""
    match = _DURATION.match(str(text))
    if not match:
        raise DecaiError(f"bad duration {text!r}: use seconds or a number with s, m, h, d or w")
    seconds = int(match.group(1)) * _DURATION_UNITS[match.group(2)]
    if seconds > MAX_DURATION:
        raise DecaiError(f"bad duration {text!r}: at most 100 years ({MAX_DURATION} s)")
    return seconds


def human_duration(seconds: int) -> str:
    """The two largest units, e.g. '1d 2h', '23h', '5m 3s', '0s'."""
    seconds = max(0, int(seconds))
    units = (("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", 1))
    for position, (unit, size) in enumerate(units):
        if seconds >= size or unit == "s":
            text = f"{seconds // size}{unit}"
            if position + 1 < len(units):
                next_unit, next_size = units[position + 1]
                rest = (seconds % size) // next_size
                if rest:
                    text += f" {rest}{next_unit}"
            return text
    return "0s"  # pragma: no cover


def parse_wei(text: str) -> int:
    """'1000', '1e15', '0.01ether', '2gwei' -> wei."""
    value = str(text).strip().lower().replace("_", "")
    for unit, factor in (("ether", ETHER), ("gwei", GWEI), ("wei", 1)):
        if value.endswith(unit):
            value, scale = value[: -len(unit)].strip(), factor
            break
    else:
        scale = 1
    try:
        amount = Decimal(value) * scale
    except InvalidOperation:
        raise DecaiError(f"bad amount {text!r}: use wei, or a number with gwei or ether") from None
    if not amount.is_finite() or amount < 0 or amount != amount.to_integral_value():
        raise DecaiError(f"bad amount {text!r}: must be a whole, non-negative number of wei")
    if amount > MAX_WEI:
        raise DecaiError(f"bad amount {text!r}: more than a uint256 holds")
    return int(amount)


def format_ether(wei: int, digits: int = 6, unit: bool = True, sign: bool = False) -> str:
    """Wei as ether for reading: 112500000000000000 -> '0.1125 ETH'
    (`digits` significant digits; `sign` always shows + or -)."""
    text = f"{int(wei) / ETHER:{'+' if sign else ''}.{digits}g}"
    return f"{text} ETH" if unit else text


def format_gwei(wei: int) -> str:
    return f"{int(wei) / GWEI:.4g}"


def to_hex(value) -> str | None:
    """Bytes (or an already hex string) as lower-case 0x-hex; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.lower()
    return "0x" + bytes(value).hex()
