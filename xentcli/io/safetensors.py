"""Hugging Face's `.safetensors` files: a JSON header naming each tensor's dtype, shape and byte
range, then the tensors' bytes, row-major and little-endian; each tensor read a block of rows
at a time from its range (docs/inputs.md)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from xentcli.errors import InputError
from xentcli.io import storage
from xentcli.io.numpy_files import StoredArray, bfloat16

DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "BF16": "<u2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "U16": "<u2",
    "U32": "<u4",
    "U64": "<u8",
    "BOOL": "?",
}
MAX_HEADER = 100 << 20  # the format's own limit on the header's size


def tensors(path: str) -> list[StoredArray]:
    """The file's tensors by name, each on a stream of its own at its first byte."""
    size = storage.size(path)
    header, start = _header(path, size)
    arrays = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            kind, shape, (begin, end) = entry["dtype"], tuple(entry["shape"]), entry["data_offsets"]
            numbers = (*shape, begin, end)
            valid = all(type(n) is int and n >= 0 for n in numbers) and begin <= end
            valid = valid and isinstance(kind, str)
        except (KeyError, TypeError, ValueError):
            valid = False
        if not valid or start + end > size:
            raise InputError(f"the tensor {name!r} is not described as safetensors are", file=path)
        if kind not in DTYPES:
            raise InputError(
                f"the tensor {name!r} holds {kind} values: save numbers or booleans", file=path
            )
        stream = storage.open_stream(path, None)
        stream.seek(start + begin)
        decode = (bfloat16, np.float32) if kind == "BF16" else None
        array = StoredArray(stream, path, name, shape, np.dtype(DTYPES[kind]), end - begin, decode)
        arrays.append(array)
    if not arrays:
        raise InputError("the file holds no tensor", file=path)
    return arrays


def _header(path: str, size: int) -> tuple[dict[str, Any], int]:
    """The JSON header, and where the tensors' bytes start."""
    with storage.open_stream(path, None) as stream:
        length = int.from_bytes(stream.read(8), "little")
        if size < 8 or length > min(MAX_HEADER, size - 8):
            raise InputError("not a safetensors file (no header)", file=path)
        try:
            header = json.loads(stream.read(length))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"not a safetensors file ({exc})", file=path) from None
    if not isinstance(header, dict):
        raise InputError("not a safetensors file (its header is not an object)", file=path)
    return header, 8 + length
