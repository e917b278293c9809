"""Arrow ↔ numpy from buffers (io/arrow_numpy) against pyarrow's own conversions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from xentcli.io.arrow_numpy import (
    arrow_array,
    bool_values,
    filler,
    float_values,
    int_values,
    text_array,
)


@pytest.mark.parametrize(
    "dtype",
    ["int8", "int32", "int64", "uint16", "float16", "float32", "float64", ">i4", ">f8", "bool"],
)
def test_arrow_array_equals_pyarrows_conversion(dtype: str) -> None:
    rng = np.random.default_rng(0)
    values = (rng.random(37) * 100).astype(dtype)
    native = values.astype(values.dtype.newbyteorder("="))  # pa.array takes no swapped bytes
    mask = rng.random(37) < 0.3
    assert arrow_array(values).equals(pa.array(native))
    assert arrow_array(values, mask).equals(pa.array(native, mask=mask))
    assert arrow_array(values[::3]).equals(pa.array(native[::3]))


def test_text_array_equals_pyarrows_conversion() -> None:
    texts = ["cat", "", "é", "a,b", "日本"]
    assert text_array(texts).equals(pa.array(texts, pa.string()))
    assert text_array([]).equals(pa.array([], pa.string()))


@pytest.mark.parametrize("offset", range(10))
def test_bool_values_of_slices_with_nulls(offset: int) -> None:
    rng = np.random.default_rng(offset)
    array = pa.array(rng.random(40) < 0.5, mask=rng.random(40) < 0.3)
    for length in (0, 1, 7, 8, 9, 40 - offset):
        part = array.slice(offset, length)
        for null in (False, True):
            expected = [null if v is None else v for v in part.to_pylist()]
            assert bool_values(part, null).tolist() == expected


def test_fillers_and_the_values_with_nulls_filled() -> None:
    assert filler(pa.int32(), -1).as_py() == -1
    assert filler(pa.bool_(), True).as_py() is True
    assert np.isnan(filler(pa.float64(), np.nan).as_py())
    assert int_values(pa.array([3, None, 5], pa.int16())).tolist() == [3, 0, 5]
    floats = float_values(pa.array([1, None, 2], pa.int64()))
    assert floats[0] == 1 and np.isnan(floats[1]) and floats[2] == 2
