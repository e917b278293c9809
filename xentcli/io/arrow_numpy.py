"""Arrow arrays as numpy views, read straight from the buffers.

pyarrow's Array.to_numpy imports pandas on first use, slow at start-up; these do not.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa


def float_values(array: pa.Array) -> np.ndarray:
    """float64 values with nulls as NaN; zero-copy when the array is float64 without nulls."""
    if not pa.types.is_float64(array.type):
        # unsafe: an integer beyond 2^53 (an id, a hostile label) becomes its nearest float
        # instead of an error; it is then a label that maps to no class, which is named
        array = array.cast(pa.float64(), safe=False)
    if array.null_count:
        array = array.fill_null(math.nan)
    return np.frombuffer(array.buffers()[1], np.float64, len(array), array.offset * 8)


def int_values(array: pa.Array) -> np.ndarray:
    """Signed integer values (e.g. dictionary indices), nulls as 0; zero-copy without nulls."""
    if array.null_count:
        array = array.fill_null(0)
    dtype = np.dtype(f"int{array.type.bit_width}")
    return np.frombuffer(array.buffers()[1], dtype, len(array), array.offset * dtype.itemsize)


def null_mask(array: pa.Array) -> np.ndarray:
    """True where the array is null."""
    if not array.null_count:
        return np.zeros(len(array), bool)
    flags = array.is_null().cast(pa.uint8())
    return np.frombuffer(flags.buffers()[1], np.uint8, len(flags), flags.offset).astype(bool)
