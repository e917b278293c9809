"""A text input cut into blocks that end at a line end (the last one may not): a stream read into
a ring of reused buffers; a local file read by whoever parses each block (os.pread of its own
span, so reading runs on every parse thread). Nothing is memory-mapped: a file cut shorter while
mapped would kill the process with SIGBUS, where a read that comes up short is an error here
(docs/reliability.md)."""

from __future__ import annotations

import contextlib
import os
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io.prefetch import prefetch

SLACK = 64 << 10  # room past a block's nominal size, so a block's last line fits without a regrow
READ_AHEAD = 1  # blocks of a stream read ahead of the parse threads
QUOTE = b'"'
LONGEST_QUOTED = 64 << 20  # a quoted CSV value longer than this is an error
QUOTED: dict[bytes, re.Pattern[bytes]] = {}  # ends_quoted's pattern per delimiter


Block = Callable[[], pa.Buffer | None]  # a block to read: its lines, or None if it has none


def file_blocks(
    path: str, start: int, end: int, size: int, table: bytes | None = None
) -> Iterator[Span]:
    """The lines of a local file from byte `start` (a line start) to `end` (its size when
    opened), as blocks to be read by their callers: block i holds the lines that start within
    [start + i·size, start + (i+1)·size), found by reading one byte before its span and past its
    end to the next line end; with a `table`, their bytes translated by it (bytes.translate).
    A read that comes up short means the file was cut: an error."""
    for begin in range(start, end, size):
        yield Span(path, start, begin, min(end, begin + size), end, table)


def record_end(data: bytes | bytearray, end: int) -> int:
    """Where the last whole CSV record of data[:end] ends, data starting at a record: after its
    last newline outside double quotes (a quoted value may hold newlines; each quote toggles,
    and `""` inside a value toggles twice); 0 when there is none."""
    cut = data.rfind(b"\n", 0, end) + 1
    if cut == 0 or data.find(QUOTE, 0, cut) < 0:
        return cut
    odd = quotes(data, 0, cut) % 2
    while odd and cut:
        earlier = data.rfind(b"\n", 0, cut - 1) + 1
        odd ^= data.count(QUOTE, earlier, cut) % 2
        cut = earlier
    return cut


class OpenQuote(Exception):
    """CSV text that ends inside a quoted value (io/csv names the file)."""


def ends_quoted(data: bytes | bytearray, delimiter: bytes) -> bool:
    """Whether CSV text ends inside a quoted value: a quote opens one only at a field's start,
    as pyarrow and pandas read it (`5" screen` is text), and `""` inside is a quote."""
    pattern = QUOTED.get(delimiter)
    if pattern is None:
        start = rb"(?:(?<=[" + re.escape(delimiter) + rb"\n\r])|\A)"
        pattern = QUOTED[delimiter] = re.compile(start + rb'"[^"]*(?:""[^"]*)*("?)')
    last = deque(pattern.finditer(data), maxlen=1)  # the last quoted value
    return bool(last) and not last[0].group(1) and last[0].end() == len(data)


def quotes(data: bytes | bytearray, start: int, stop: int) -> int:
    """The double quotes in data[start:stop] (numpy: a third of bytes.count's time)."""
    if data.find(QUOTE, start, stop) < 0:
        return 0
    return int(np.count_nonzero(np.frombuffer(data, np.uint8, stop - start, start) == QUOTE[0]))


class Span:
    """A block of a local file, read (os.pread of its own span) by whoever calls it: its lines,
    or None if it has none. After the call, `start` is the file offset of its first line and
    `quotes` the double quotes in it (io/csv: an odd count ends the block inside a quoted
    value, so the block was cut where no record ends)."""

    def __init__(
        self, path: str, first: int, begin: int, stop: int, end: int, table: bytes | None
    ) -> None:
        self._where = (path, first, begin, stop, end)
        self._table = table
        self.start = begin
        self.quotes = 0

    def __call__(self) -> pa.Buffer | None:
        path, first, begin, stop, end = self._where
        table = self._table
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
        self.start = base + lead
        if lead >= cut or (cut - lead < 4096 and not region[lead:cut].strip()):
            return None
        if table is not None:  # after the line ends were found: the table may map newlines
            region = region.translate(table)
        else:
            self.quotes = quotes(region, lead, cut)
        return pa.py_buffer(memoryview(region)[lead:cut])


def read_blocks(
    stream: Any, first: bytes, size: int, ring: int, quoted: bytes | None = None
) -> Iterator[pa.Buffer]:
    """Blocks of the stream, `first` (bytes read from it already) in front, read into `ring`
    reused buffers: a block's buffer is refilled only after `ring - 1` later blocks were handed
    out, and fresh allocations would pay page faults on every block. `quoted` (CSV: its
    delimiter): cut where a record ends (record_end), not inside a quoted value that holds a
    newline; text that ends inside one raises OpenQuote."""
    buffers = [bytearray(size + SLACK) for _ in range(ring)]
    carry = first
    slot = 0  # moves on only when a block is handed out: a read that finds no line end refills
    while True:  # the same buffer, so a buffer in use is never refilled
        buffer = buffers[slot]
        if len(buffer) < len(carry) + size:  # a line longer than a block
            buffer = buffers[slot] = bytearray(len(carry) + size)
        buffer[: len(carry)] = carry
        end = len(carry) + _read_into(stream, memoryview(buffer)[len(carry) :])
        if end == len(carry):
            break
        cut = record_end(buffer, end) if quoted else 0
        if cut == 0 and (not quoted or end > LONGEST_QUOTED):
            # a stray quote in an unquoted value (`5" screen`) is literal to the parser, and
            # makes every later newline look quoted: past this length, any line end will do
            cut = buffer.rfind(b"\n", 0, end) + 1
            if quoted and cut and ends_quoted(bytes(buffer[:cut]), quoted):
                raise OpenQuote("a quoted value is longer than 64 MiB, or never closed")
        if cut == 0:
            carry = bytes(buffer[:end])
            continue
        carry = bytes(buffer[cut:end])
        yield pa.py_buffer(memoryview(buffer)[:cut])
        slot = (slot + 1) % ring
    if carry.strip():
        if quoted and quotes(carry, 0, len(carry)) % 2 and ends_quoted(carry, quoted):
            raise OpenQuote("the file ends inside a quoted value (cut short, or a quote missing)")
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


def read_ahead(
    stream: Any, first: bytes, size: int, ring: int, quoted: bytes | None = None
) -> Generator[pa.Buffer, None, None]:
    """read_blocks on a thread of its own, READ_AHEAD blocks ahead (a gzip file is inflated
    there, not between the main thread's scoring); `ring` counts the blocks in use by the
    caller, and the ring grows by those read ahead. Closing it stops and joins the thread."""
    blocks = read_blocks(stream, first, size, ring + READ_AHEAD + 1, quoted)
    with contextlib.closing(prefetch(blocks, READ_AHEAD)) as ahead:
        yield from ahead
