import pytest

from decai.core.fixed_point import ONE, from_fixed, pack_int64, tdiv, to_fixed, unpack_int64


@pytest.mark.parametrize(
    "value, fixed",
    [
        (0.1, 100_000_000),
        (1, ONE),
        (-2.5, -2_500_000_000),
        (1e-9, 1),
        (4e-10, 0),
        (5e-10, 1),
        (-5e-10, -1),
        ("0.3333333335", 333_333_334),
    ],
)
def test_to_fixed__rounds_to_nearest_ties_away_from_zero(value, fixed):
    assert to_fixed(value) == fixed


def test_from_fixed():
    assert from_fixed(1_500_000_000) == 1.5


@pytest.mark.parametrize("a, b, q", [(7, 2, 3), (-7, 2, -3), (7, -2, -3), (-7, -2, 3), (0, 5, 0), (-1, ONE, 0)])
def test_tdiv__truncates_towards_zero(a, b, q):
    assert tdiv(a, b) == q


def test_pack_unpack_round_trip():
    values = [0, 1, -1, 2**63 - 1, -(2**63), 123456789, -987654321]
    words = pack_int64(values)
    assert len(words) == 2
    assert words[0] & (2**64 - 1) == 0
    assert (words[0] >> 64) & (2**64 - 1) == 1
    assert (words[0] >> 128) & (2**64 - 1) == 2**64 - 1
    assert unpack_int64(words, len(values)) == values


def test_pack__out_of_range__names_the_value():
    with pytest.raises(ValueError, match="value 9223372036854775808 at position 1 does not fit int64"):
        pack_int64([0, 2**63])
