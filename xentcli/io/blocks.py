"""A text input cut into blocks that end at a line end (the last one may not): a stream read into
a ring of reused buffers; a local file read by whoever parses each block (os.pread of its own
span, so reading runs on every parse thread). Nothing is memory-mapped: a file cut shorter while
mapped would kill the process with SIGBUS, where a read that comes up short is an error here
(docs/reliability.md)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io.prefetch import prefetch

SLACK = 64 << 10  # room past a block's nominal size, so a block's last line fits without a regrow
READ_AHEAD = 1  # blocks of a stream read ahead of the parse threads


Block = Callable[[], pa.Buffer | None]  # a block to read: its lines, or None if it has none


def file_blocks(
    path: str, start: int, end: int, size: int, table: bytes | None = None
) -> Iterator[Block]:
    """The lines of a local file from byte `start` (a line start) to `end` (its size when
    opened), as blocks to be read by their callers: block i holds the lines that start within
    [start + i·size, start + (i+1)·size), found by reading one byte before its span and past its
    end to the next line end; with a `table`, their bytes translated by it (bytes.translate).
    A read that comes up short means the file was cut: an error."""
    for begin in range(start, end, size):
        yield _span_reader(path, start, begin, min(end, begin + size), end, table)


def _span_reader(
    path: str, first: int, begin: int, stop: int, end: int, table: bytes | None
) -> Block:
    def read() -> pa.Buffer | None:
        base = begin if begin == first else begin - 1  # one byte before: is a line start here?
        want = stop - base + SLACK
        fd = os.open(path, os.O_RDONLY)
        try:
            while True:
                length = min(want, end - base)
                region = os.pread(fd, length, base)  # no zero-filled buffer first
                got = len(region)
                if got < length:
                    raise InputError(
                        f"the file is shorter than when it was opened (byte {base + got} of "
                        f"{end}): it changed while it was read",
                        file=path,
                    )
                lead = 0 if begin == first else region.find(b"\n") + 1
                if begin != first and lead == 0:
                    lead = length  # a line longer than the span: it starts in an earlier block
                cut = length if stop == end else region.find(b"\n", stop - 1 - base) + 1
                if cut or base + length == end:  # found, or the file's last line (no line end)
                    cut = cut or length
                    break
                want *= 2  # a line longer than the slack
        finally:
            os.close(fd)
        if lead >= cut or (cut - lead < 4096 and not region[lead:cut].strip()):
            return None
        if table is not None:  # after the line ends were found: the table may map newlines
            region = region.translate(table)
        return pa.py_buffer(memoryview(region)[lead:cut])

    return read


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


def read_ahead(stream: Any, first: bytes, size: int, ring: int) -> Generator[pa.Buffer, None, None]:
    """read_blocks on a thread of its own, READ_AHEAD blocks ahead (a gzip file is inflated
    there, not between the main thread's scoring); `ring` counts the blocks in use by the
    caller, and the ring grows by those read ahead. Closing it stops and joins the thread."""
    blocks = read_blocks(stream, first, size, ring + READ_AHEAD + 1)
    with contextlib.closing(prefetch(blocks, READ_AHEAD)) as ahead:
        yield from ahead
