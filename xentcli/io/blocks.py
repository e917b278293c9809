"""A text file cut into zero-copy blocks that end at a line end (the last one may not).

A local uncompressed file is memory-mapped a block at a time: no copy at all. A stream (stdin,
compressed or remote files) is read into a ring of reused buffers.
"""

from __future__ import annotations

import itertools
import mmap
import os
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

SLACK = 64 << 10  # room past a block's nominal size, so a block's last line fits without a regrow


def mapped_blocks(path: str, start: int, size: int) -> Iterator[pa.Buffer]:
    """Blocks of about `size` bytes of the file from byte `start`, each its own read-only map
    (unmapped once the block is no longer referenced). A file that shrinks while it is read
    fails with an OSError here; one cut shorter after it was mapped would crash the process,
    as with any memory-mapping reader."""
    fd = os.open(path, os.O_RDONLY)
    try:
        end = os.fstat(fd).st_size
        pos = start
        while pos < end:
            base = pos - pos % mmap.ALLOCATIONGRANULARITY
            want = pos - base + size + SLACK
            while True:
                length = min(end - base, want)
                block = _mapped(fd, length, base)
                cut = block.rfind(b"\n", pos - base, length) + 1
                if base + length == end:  # the last block: its last line may have no line end
                    cut = length if block[max(cut, pos - base) :].strip() else cut
                    break
                if cut:
                    break
                want *= 2  # a line longer than the block
            if cut > pos - base:
                yield pa.py_buffer(memoryview(block)[pos - base : cut])
            pos = end if base + length == end else base + cut
    finally:
        os.close(fd)


def _mapped(fd: int, length: int, offset: int) -> mmap.mmap:
    try:
        return mmap.mmap(fd, length, offset=offset, access=mmap.ACCESS_READ)
    except ValueError as exc:  # the file is shorter than when it was measured
        raise OSError(f"the file changed while it was read ({exc})") from None


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
