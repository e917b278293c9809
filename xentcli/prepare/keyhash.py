"""64-bit hashes of text keys, vectorized over an Arrow string array's buffers: one numpy step per
character position, never a Python loop per row.

Used to look keys up in a sorted index with searchsorted; a hit is always confirmed by comparing
the text itself, so a collision can cost speed but never a wrong pairing.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_MULTIPLIER = np.uint64(0x100000001B3)  # FNV's 64-bit prime
_LENGTH_MIX = np.uint64(0x9E3779B97F4A7C15)


def text_hashes(text: pa.Array) -> np.ndarray:
    """h = h·P + byte over each string's bytes (mod 2^64), seeded by its length; null as ''."""
    n = len(text)
    offsets = np.frombuffer(text.buffers()[1], np.int32, n + 1, text.offset * 4)
    lengths = np.diff(offsets)
    hashes = lengths.astype(np.uint64) * _LENGTH_MIX
    if n == 0 or offsets[-1] == offsets[0]:
        return hashes
    data = np.frombuffer(text.buffers()[2], np.uint8)
    starts = offsets[:-1]
    shortest = int(lengths.min())
    rows = np.arange(n)
    with np.errstate(over="ignore"):
        for position in range(int(lengths.max())):
            if position < shortest:  # every string is still going: no gather needed
                hashes *= _MULTIPLIER
                hashes += data[starts + position]
                continue
            rows = rows[lengths[rows] > position]
            hashes[rows] = hashes[rows] * _MULTIPLIER + data[starts[rows] + position]
    return hashes
