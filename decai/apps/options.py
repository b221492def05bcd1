"""The scripts' option types: each flag's value is checked while the command
line is parsed, so that a bad one ends the command with one line naming the
flag (`error: bad value for '--advance': ...`) before it touches a chain, a
file or a record. tests/property/test_user_input_fuzz.py feeds them
generated bad values."""

from __future__ import annotations

import click

from decai.errors import DecaiError
from decai.units import parse_duration, parse_wei


class DurationType(click.ParamType):
    """A duration option (`1d`, `90m`, seconds) read as seconds while the
    command line is parsed, so a bad one stops the command before it acts."""

    name = "duration"

    def __init__(self, minimum: int = 0):
        self.minimum = minimum

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            seconds = parse_duration(value)
        except DecaiError as error:
            self.fail(str(error), param, ctx)
        if seconds < self.minimum:
            self.fail(f"{value!r}: must be at least {self.minimum} s", param, ctx)
        return seconds


class AmountType(click.ParamType):
    """An amount option (wei, or a number with gwei or ether) read as wei."""

    name = "amount"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_wei(value)
        except DecaiError as error:
            self.fail(str(error), param, ctx)


class FractionType(click.ParamType):
    """A share strictly between 0 and 1 (NaN refused), checked while parsing."""

    name = "fraction"

    def convert(self, value, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not 0 < number < 1:  # False for NaN too
            self.fail(f"{value!r} is not between 0 and 1", param, ctx)
        return number


FRACTION = FractionType()


class UIntType(click.ParamType):
    """An integer option checked against its ABI type (uint<bits>) while
    parsing, so that no encoder error reaches the user."""

    name = "integer"

    def __init__(self, bits: int = 256, minimum: int = 0):
        self.bits, self.minimum = bits, minimum

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, bool):
            self.fail(f"{value!r} is not a whole number", param, ctx)
        try:
            number = value if isinstance(value, int) else int(str(value).strip(), 10)
        except ValueError:
            self.fail(f"{value!r} is not a whole number", param, ctx)
        if not self.minimum <= number <= 2**self.bits - 1:
            self.fail(f"{number} is out of range: {self.minimum} to 2**{self.bits} - 1 (uint{self.bits})", param, ctx)
        return number


def uint(bits: int = 256, minimum: int = 0) -> UIntType:
    """An integer option of ABI type uint<bits>, at least `minimum`."""
    return UIntType(bits, minimum)


class AddressType(click.ParamType):
    """A 0x address (checksummed) checked while parsing: neither Ape's
    alias lookup nor ENS is tried on it."""

    name = "address"

    def convert(self, value, param, ctx) -> str:
        from eth_utils import is_address, to_checksum_address

        text = str(value).strip()
        if not is_address(text):
            self.fail(f"{text!r} is not an address (0x and 40 hex digits)", param, ctx)
        return to_checksum_address(text)


ADDRESS = AddressType()
