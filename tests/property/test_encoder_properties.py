"""Every vector the unit encoders produce passes the contracts' norm check;
the column-mean encoder's samples are what a sparse model accepts."""

from hypothesis import given
from hypothesis import strategies as st

from decai.core.fixed_point import ONE
from decai.data.encoders import ColumnMeanEncoder, StandardUnitEncoder, encoder_from_spec, unit_fixed


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=128).filter(lambda v: any(v)))
def test_unit_vectors_pass_the_norm_check(values):
    sample = unit_fixed(values)
    assert len(sample) == len(values)
    assert abs(sum(x * x for x in sample) - ONE * ONE) <= 100 * ONE


@given(
    st.lists(
        st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=3, max_size=3),
        min_size=2,
        max_size=20,
    )
)
def test_standard_unit_encoder_output_is_normalised(rows):
    encoder = StandardUnitEncoder.fit(rows)
    for row in rows:
        try:
            sample = encoder.encode(row)
        except Exception as error:
            assert str(error) == "cannot normalise an all-zero sample"  # a row equal to the means
            continue
        assert abs(sum(x * x for x in sample) - ONE * ONE) <= 100 * ONE


@given(
    st.lists(
        st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=4, max_size=4),
        min_size=1,
        max_size=20,
    )
)
def test_column_mean_encoder__the_columns_above_their_mean_as_a_sparse_sample(rows):
    encoder = ColumnMeanEncoder.fit(rows)
    again = encoder_from_spec(encoder.spec, encoder.params())
    for row in rows:
        sample = encoder.encode(row)
        assert sample == [j for j in range(4) if row[j] > encoder.means[j]]
        assert sample == sorted(set(sample))  # strictly increasing indices, as the contracts require
        assert again.encode(row) == sample
