import pytest

from decai.apps.cli import parse_duration, parse_numbers, parse_wei
from decai.core.fixed_point import ONE
from decai.core.mechanisms import DepositParameters
from decai.data.encoders import (
    AboveMeanEncoder,
    ColumnMeanEncoder,
    StandardUnitEncoder,
    UnitEncoder,
    encoder_from_spec,
    unit_fixed,
)
from decai.errors import DecaiError
from decai.units import human_duration


def test_unit_encoder__norm_within_tolerance():
    for values in ([3, 4], [1] * 128, [1e-6, 5, -7, 1e3]):
        sample = unit_fixed(values)
        assert abs(sum(x * x for x in sample) - ONE * ONE) <= 100 * ONE


def test_unit_encoder__all_zero__clear_error():
    with pytest.raises(DecaiError, match="^cannot normalise an all-zero"):
        UnitEncoder().encode([0, 0, 0])


def test_standard_unit_encoder__spec_commits_to_parameters():
    encoder = StandardUnitEncoder([1.0, 2.0], [0.5, 4.0])
    again = encoder_from_spec(encoder.spec, encoder.params())
    assert again.encode([2, 3]) == encoder.encode([2, 3])
    with pytest.raises(DecaiError, match="do not match the trainer's encoder digest"):
        encoder_from_spec(encoder.spec, {"means": [1.0, 2.0], "scales": [0.5, 5.0]})
    with pytest.raises(DecaiError, match="needs its parameters"):
        encoder_from_spec(encoder.spec)


def test_column_mean_encoder__each_column_against_its_own_mean():
    encoder = ColumnMeanEncoder.fit([[100.0, 0.1], [300.0, 0.3]])
    assert encoder.means == [200.0, 0.2]
    assert encoder.encode([250, 0.1]) == [0]
    assert encoder.encode([150, 0.25]) == [1]
    assert encoder.encode([150, 0.1]) == []
    # The row's mean puts the large column above it in both rows.
    assert AboveMeanEncoder(2).encode([250, 0.1]) == AboveMeanEncoder(2).encode([150, 0.25]) == [0]


def test_column_mean_encoder__spec_commits_to_its_means():
    encoder = ColumnMeanEncoder([200.0, 0.2])
    assert encoder.spec.startswith("column-mean:sha256=")
    again = encoder_from_spec(encoder.spec, encoder.params())
    assert again.encode([150, 0.25]) == [1]
    with pytest.raises(DecaiError, match="^encoder parameters do not match the trainer's encoder digest$"):
        encoder_from_spec(encoder.spec, {"means": [200.0, 0.3]})
    with pytest.raises(DecaiError, match=r"^encoder column-mean needs its parameters \(means\) from the model file$"):
        encoder_from_spec(encoder.spec)


def test_column_mean_encoder__bad_input__clear_errors():
    with pytest.raises(DecaiError, match="^expected 2 values, got 3$"):
        ColumnMeanEncoder([0.0, 0.0]).encode([1, 2, 3])
    with pytest.raises(DecaiError, match="^expected real numbers, got 'ab'$"):
        ColumnMeanEncoder([0.0, 0.0]).encode("ab")
    with pytest.raises(DecaiError, match="^129 values are above their column's mean; a sample may have at most 128$"):
        ColumnMeanEncoder([0.0] * 129).encode([1.0] * 129)
    with pytest.raises(DecaiError, match="^every column mean must be a finite number$"):
        ColumnMeanEncoder([0.0, float("nan")])
    with pytest.raises(DecaiError, match="^the column-mean encoder needs at least one column$"):
        ColumnMeanEncoder([])


def test_unknown_encoder():
    with pytest.raises(DecaiError, match="unknown encoder 'morse'"):
        encoder_from_spec("morse")


@pytest.mark.parametrize("text, seconds", [("90", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), (" 2w ", 1_209_600)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "1y", "-5", "1.5d"])
def test_parse_duration__bad(text):
    with pytest.raises(DecaiError, match="^bad duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text, wei", [("1000", 1000), ("1e15", 10**15), ("0.01ether", 10**16), ("2gwei", 2 * 10**9), ("1_000", 1000)]
)
def test_parse_wei(text, wei):
    assert parse_wei(text) == wei


@pytest.mark.parametrize("text", ["lots", "-1", "0.5"])
def test_parse_wei__bad(text):
    with pytest.raises(DecaiError, match="^bad amount"):
        parse_wei(text)


def test_parse_numbers():
    assert parse_numbers(" 1, 2 3,,4 ") == ["1", "2", "3", "4"]
    assert parse_numbers("") == []


def test_deposit_formula():
    parameters = DepositParameters(cost_weight=10**15)
    # cost_weight * 3600 / sqrt(seconds), the root to 9 decimals, rounded up.
    assert parameters.deposit(now=109, last_update_time=100) == 10**15 * 3600 // 3
    assert parameters.deposit(now=112, last_update_time=100) == -(-(10**15) * 3600 * 10**9 // 3_464_101_615)
    assert parameters.deposit(now=100, last_update_time=100) == 10**15 * 3600
    assert DepositParameters(cost_weight=0).deposit(5, 0) == 0


def test_human_duration():
    assert [human_duration(s) for s in (0, 59, 61, 3600, 82_801, 90_000)] == [
        "0s",
        "59s",
        "1m 1s",
        "1h",
        "23h",
        "1d 1h",
    ]
