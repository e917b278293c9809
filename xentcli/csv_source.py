"""CSV/TSV (maybe compressed) or stdin: cut at line ends, the blocks parsed by pyarrow in parallel.

Rows are cut at newlines, the assumption pyarrow's own reader makes by default
(ParseOptions.newlines_in_values=False): a quoted value may hold delimiters, not newlines.
"""

from __future__ import annotations

import io
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli import storage
from xentcli.csv_locate import locate_csv_error
from xentcli.errors import InputError
from xentcli.text_input import STDIN, Found, compression_of, guarded, open_text, split_header

BLOCK_BYTES = 4 << 20  # measured: 4 MiB blocks parse faster than 1 MiB, memory stays flat
WORKERS = min(4, (os.cpu_count() or 1) + 1)  # one more than cores: parsing never waits on compute
LABEL_TEXT = pa.dictionary(pa.int32(), pa.string())  # labels are mapped via the dictionary
T = TypeVar("T")
R = TypeVar("R")


class CsvSource:
    """A CSV/TSV file (optionally compressed) or stdin ('-'); read once, front to back."""

    def __init__(self, path: str, delimiter: str = ",") -> None:
        self.path = path
        self.name = "<stdin>" if path == STDIN else path
        self.delimiter = delimiter
        self.format = "tsv" if delimiter == "\t" else "csv"
        self.num_rows: int | None = None  # counting would mean reading the file
        self._stream = open_text(path, self.name)
        plain = path != STDIN and compression_of(path) is None
        self._bytes_total = storage.size(path) if plain else 0
        header, self._rest = split_header(self._stream, self.name)
        self._bytes_read = len(header) + len(self._rest)  # read from the stream already
        try:
            table = pacsv.read_csv(io.BytesIO(header), parse_options=self._parse_options())
        except pa.ArrowException as exc:
            raise InputError(f"cannot parse the header line ({exc})", file=self.name) from None
        self.column_names = list(table.column_names)

    def consumed(self, rows: int) -> float | None:
        """Bytes read of the file's size (an uncompressed file; stdin and compressed: unknown)."""
        return self._bytes_read / self._bytes_total if self._bytes_total else None

    def column_types(self) -> dict[str, str]:
        """Column → the type pyarrow infers from the rows already read (the first block)."""
        body = self._rest[: self._rest.rfind(b"\n") + 1]
        if not body.strip():
            return dict.fromkeys(self.column_names, "null")
        try:
            table = pacsv.read_csv(
                io.BytesIO(body),
                read_options=pacsv.ReadOptions(column_names=self.column_names),
                parse_options=self._parse_options(),
            )
        except pa.ArrowException:  # a bad row in the sample: eval will name it
            return dict.fromkeys(self.column_names, "unknown")
        return {f.name: _kind(table.column(f.name)) for f in table.schema}

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Batches of the named columns: numeric ones as float64, labels as dictionary text."""
        types = {c: pa.float64() for c in numeric} | {c: LABEL_TEXT for c in labels}
        types |= {c: pa.string() for c in keys}
        convert = pacsv.ConvertOptions(
            column_types=types, include_columns=list(types), strings_can_be_null=True
        )

        def parse(block: pa.Buffer) -> pa.Table:
            read = pacsv.ReadOptions(
                column_names=self.column_names, use_threads=False, block_size=block.size + 1
            )
            return pacsv.read_csv(
                pa.BufferReader(block),
                read_options=read,
                parse_options=self._parse_options(),
                convert_options=convert,
            )

        depth = WORKERS + 1  # measured: 2 × WORKERS in flight is no faster, ~10 MiB more memory
        tables = ordered_map(parse, self._blocks(depth + 2), WORKERS, depth)
        batches = (b for table in tables for b in table.to_batches(max_chunksize=chunk_rows))
        yield from guarded(batches, self._stream, self.name, self._locator(numeric))

    def _blocks(self, ring: int) -> Iterator[pa.Buffer]:
        """Zero-copy blocks that end at a line end (the last may not), read into `ring` reused
        buffers: a block's buffer is refilled only after `ring - 1` later blocks were handed out,
        and fresh 4 MiB allocations would pay page faults on every block (measured: 0.6 s/GB)."""
        buffers = [bytearray(BLOCK_BYTES + (64 << 10)) for _ in range(ring)]
        carry = self._rest
        for turn in itertools.count():
            buffer = buffers[turn % ring]
            if len(buffer) < len(carry) + BLOCK_BYTES:  # a line longer than a block
                buffer = buffers[turn % ring] = bytearray(len(carry) + BLOCK_BYTES)
            buffer[: len(carry)] = carry
            got = _read_into(self._stream, memoryview(buffer)[len(carry) :])
            self._bytes_read += got
            end = len(carry) + got
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

    def _parse_options(self) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(delimiter=self.delimiter)

    def _locator(self, numeric: list[str]) -> Callable[[], Found | None] | None:
        """How to find the row of a parse error: re-read the file (not possible for stdin)."""
        if self.path == STDIN:
            return None
        return lambda: locate_csv_error(
            self.path, compression_of(self.path), self.delimiter, self.column_names, numeric
        )


def _kind(column: pa.ChunkedArray) -> str:
    """The inferred type, or `json-array` for text whose values are all [..] (list layout)."""
    import pyarrow.compute as pc  # 28 ms of start-up: only when needed

    if not pa.types.is_string(column.type):
        return str(column.type)
    values = column.drop_null()
    if len(values) and pc.all(pc.match_substring_regex(values, r"^\s*\[.*\]\s*$")).as_py():
        return "json-array"
    return "string"


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int, depth: int) -> Iterator[R]:
    """fn over items on a thread pool, results in input order, at most `depth` in flight."""
    pool = ThreadPoolExecutor(max_workers=workers)
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= depth:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _read_into(stream: Any, view: memoryview) -> int:
    """Fill `view` from the stream as far as it goes; 0 only at the end of the stream."""
    filled = 0
    while filled < len(view):
        got = stream.readinto(view[filled:])
        if not got:
            break
        filled += got
    return filled
