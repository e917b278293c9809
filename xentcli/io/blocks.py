"""A text input cut into blocks that end at a line end (the last one may not), read into a ring
of reused buffers. Nothing is memory-mapped: a file cut shorter while mapped would kill the process
with SIGBUS, where a read simply ends (docs/reliability.md)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

SLACK = 64 << 10  # room past a block's nominal size, so a block's last line fits without a regrow


def read_blocks(stream: Any, first: bytes, size: int, ring: int) -> Iterator[pa.Buffer]:
    """Blocks of the stream, `first` (bytes read from it already) in front, read into `ring`
    reused buffers: a block's buffer is refilled only after `ring - 1` later blocks were handed
    out, and fresh allocations would pay page faults on every block."""
    buffers = [bytearray(size + SLACK) for _ in range(ring)]
    carry = first
    for turn in itertools.count():
        buffer = buffers[turn % ring]
        if len(buffer) < len(carry) + size:  # a line longer than a block
            buffer = buffers[turn % ring] = bytearray(len(carry) + size)
        buffer[: len(carry)] = carry
        end = len(carry) + _read_into(stream, memoryview(buffer)[len(carry) :])
        if end == len(carry):
            break
        cut = buffer.rfind(b"\n", 0, end) + 1
        if cut == 0:
            carry = bytes(buffer[:end])
            continue
        carry = bytes(buffer[cut:end])
        yield pa.py_buffer(memoryview(buffer)[:cut])
    if carry.strip():
        yield pa.py_buffer(carry)


def _read_into(stream: Any, view: memoryview) -> int:
    """Fill `view` from the stream as far as it goes; 0 only at the end of the stream."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled:])
        if not got:
            break
        filled += got
    return filled
