"""Arrow arrays as numpy views, read straight from the buffers.

pyarrow imports pandas (~0.2 s) the first time it converts a Python or numpy value — in
Array.to_numpy, `np.asarray(array)`, `pa.scalar(0)`, `fill_null(0)` — so these read buffers
and make their fill values from buffers, never from Python values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def float_values(array: pa.Array) -> np.ndarray:
    """float64 values with nulls as NaN; zero-copy when the array is float64 without nulls."""
    if not pa.types.is_float64(array.type):
        # unsafe: an integer beyond 2^53 (an id, a hostile label) becomes its nearest float
        # instead of an error; it is then a label that maps to no class, which is named
        array = array.cast(pa.float64(), safe=False)
    if array.null_count:
        array = array.fill_null(filler(array.type, math.nan))
    return np.frombuffer(array.buffers()[1], np.float64, len(array), array.offset * 8)


def int_values(array: pa.Array) -> np.ndarray:
    """Signed integer values (e.g. dictionary indices), nulls as 0; zero-copy without nulls."""
    if array.null_count:
        array = array.fill_null(filler(array.type, 0))
    dtype = np.dtype(f"int{array.type.bit_width}")
    return np.frombuffer(array.buffers()[1], dtype, len(array), array.offset * dtype.itemsize)


def bool_values(array: pa.Array, null: bool = False) -> np.ndarray:
    """A boolean array's values as numpy bools, nulls as `null`."""
    if array.null_count:
        array = array.fill_null(filler(pa.bool_(), null))
    first, skip = divmod(array.offset, 8)
    bits = np.frombuffer(array.buffers()[1], np.uint8)[first : first + (skip + len(array) + 7) // 8]
    return np.unpackbits(bits, bitorder="little")[skip : skip + len(array)].astype(bool)


def arrow_array(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """A 1-D numeric or boolean numpy array as an Arrow array, null where `mask` is True;
    numbers zero-copy (the buffer keeps the numpy array alive)."""
    values = np.ascontiguousarray(values)
    if values.dtype == bool:
        kind, data = pa.bool_(), np.packbits(values, bitorder="little")
    else:
        values = values.astype(values.dtype.newbyteorder("="), copy=False)
        kind, data = pa.from_numpy_dtype(values.dtype), values
    validity, nulls = None, 0
    if mask is not None and mask.any():
        validity, nulls = np.packbits(~mask, bitorder="little"), int(mask.sum())
    buffers = [None if validity is None else pa.py_buffer(validity), pa.py_buffer(data)]
    return pa.Array.from_buffers(kind, len(values), buffers, null_count=nulls)


def text_array(texts: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow string array, built from buffers."""
    encoded = [text.encode() for text in texts]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def filler(kind: pa.DataType, value: float | bool) -> pa.Scalar:
    """A scalar of a numeric or boolean type, for fill_null and comparisons, built from a
    buffer (pa.scalar(value) would import pandas)."""
    if pa.types.is_boolean(kind):
        data = np.array([1 if value else 0], np.uint8)
    else:
        data = np.array([value], np.dtype(kind.to_pandas_dtype()))
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(data)])[0]


def null_mask(array: pa.Array) -> np.ndarray:
    """True where the array is null."""
    if not array.null_count:
        return np.zeros(len(array), bool)
    flags = array.is_null().cast(pa.uint8())
    return np.frombuffer(flags.buffers()[1], np.uint8, len(flags), flags.offset).astype(bool)
