"""JSON lines (.jsonl, .ndjson, maybe compressed, or stdin), read by pyarrow's streaming reader;
a file (not stdin) of flat lines is read as CSV instead (jsonl_flat.py), faster."""

from __future__ import annotations

import collections
import contextlib
import io
import json
import math
import os
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.json as pajson

from xentcli.errors import InputError
from xentcli.io import records, storage
from xentcli.io.csv_convert import one_digit
from xentcli.io.jsonl_flat import (
    FlatLayout,
    NotFlat,
    file_spans,
    flat_layout,
    read_flat,
    stream_spans,
)
from xentcli.io.source import check_distinct, check_text
from xentcli.io.text import (
    STDIN,
    Found,
    check_read_whole,
    guarded,
    local_size,
    open_text,
    split_header,
)

# JSON is UTF-8 text: other bytes are most often a file written in a Windows code page
NOT_UTF8_JSON = " (a Windows-1252 or Latin-1 file?): save it as UTF-8 (iconv -f cp1252 -t utf-8)"
BLOCK_BYTES = 1 << 20  # pyarrow's reader's block, at least: larger ones hold more memory
MAX_BLOCK = 1 << 30  # a line longer than a quarter of this is an error


class JsonlSource:
    """One JSON object per line; the first object's keys are the column names."""

    format = "jsonl"

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = "<stdin>" if path == STDIN else path
        # stdin or a pipe: read once — opening a named pipe again would wait for a writer
        self._once = path == STDIN or not (storage.is_url(path) or os.path.isfile(path))
        self.num_rows: int | None = None
        self._size = local_size(path)
        self._stream = open_text(path, self.name)
        first, rest = split_header(self._stream, self.name)
        self._head = first + rest
        try:
            record = json.loads(first)
        except ValueError as exc:
            raise InputError(f"not a JSON object ({exc})", file=self.name, row=1) from None
        if not isinstance(record, dict):
            raise InputError("not a JSON object", file=self.name, row=1)
        self._first_keys = list(record)
        self._reading: _Prefixed | None = None  # the stream pyarrow's JSON reader reads
        self._flat_read = 0  # bytes of the file parsed as flat lines
        self._digits: list[str] = []  # integer fields of one digit each in the sample
        self._sampled = self._sampled_schema()
        # the keys of every line read with the first (up to 4 MiB), in order of appearance: a
        # field that the first line leaves out is still a column
        # (a record's fields as columns of their own, io/records.py)
        sampled = records.flat_names(self._sampled) if self._sampled is not None else []
        check_distinct(sampled, self.name)  # `probs.cat` beside a record probs with a field cat
        self.column_names = list(dict.fromkeys([*records.flat_keys(record), *sampled]))

    def _sampled_schema(self) -> pa.Schema | None:
        """The fields of the complete lines read so far, as pyarrow's reader infers them."""
        sample = self._head[: self._head.rfind(b"\n") + 1]
        try:
            if not sample:
                return None
            table = pajson.read_json(io.BytesIO(sample))
            schema = table.schema
            list(schema.names)  # names that are not UTF-8 fail here, not later
            self._digits = [f.name for f in schema if one_digit(table.column(f.name))]
            return schema
        except (pa.ArrowException, UnicodeDecodeError):  # a bad line: eval will name it
            return None

    def consumed(self, rows: int) -> float | None:
        """Bytes read of a local uncompressed file's size (what pyarrow's JSON reader was
        handed, or the flat lines' blocks parsed); stdin and compressed files: unknown."""
        if not self._size:
            return None
        read = self._reading.total if self._reading is not None else self._flat_read
        return min(1.0, read / self._size)

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row, from its first list in the lines already read (what
        sizes chunks by values, and tells a list of two probabilities before any row)."""
        sample = self._head[: self._head.rfind(b"\n") + 1]
        sampled = self._sampled
        if sampled is None or column not in sampled.names:
            return None
        if not _numeric_list(sampled.field(column).type):
            return None
        typed = pa.schema([pa.field(column, pa.list_(pa.float64()))])
        try:
            table = pajson.read_json(
                io.BytesIO(sample), parse_options=pajson.ParseOptions(explicit_schema=typed)
            )
        except pa.ArrowException:  # a bad line: eval will name it
            return None
        lists = table.column(column).drop_null()
        return (len(lists[0].values) or None) if len(lists) else None

    def column_types(self) -> dict[str, str]:
        """Column → the type pyarrow infers from the rows already read (the first block)."""
        if self._sampled is None:  # a bad line: eval will name it
            return dict.fromkeys(self.column_names, "unknown")
        return records.flat_types(self._sampled)

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The named columns: numeric ones as float64, labels as pyarrow infers them."""
        wanted = numeric + labels + list(keys)
        # a key (--by, --keep-col) null throughout the first rows is read as text: pyarrow's
        # reader would take it as null and refuse the first value that is not (docs/inputs.md)
        sampled = self.column_types()
        top = self._sampled.names if self._sampled is not None else []
        unknown = [pa.field(c, pa.string()) for c in keys if sampled.get(c) == "null" and c in top]
        # lists of numbers typed up front: inferred, a list whose first value is null loses that
        # value (pyarrow 26 builds an invalid array: offsets past its values)
        lists = [
            pa.field(c, pa.list_(pa.float64()))
            for c in wanted
            if c in top and self._sampled is not None and _numeric_list(self._sampled.field(c).type)
        ]
        parse = pajson.ParseOptions(
            explicit_schema=pa.schema(
                records.explicit_fields(numeric, self._sampled) + unknown + lists
            ),
            unexpected_field_behavior="infer",
        )
        flat = None
        if not self._once:  # stdin or a pipe could not be read again if it is not flat
            first = self._head.split(b"\n", 1)[0]
            crlf = first.endswith(b"\r")
            spaced = bool(self._first_keys) and first.startswith(
                ("{" + json.dumps(self._first_keys[0], ensure_ascii=False) + ": ").encode()
            )
            flat = flat_layout(
                self._first_keys, self._sampled, numeric, wanted, crlf, spaced, self._digits
            )
        batches = self._selected(parse, wanted, chunk_rows, flat)
        yield from guarded(
            batches, self._stream, self.name, self._locator(numeric), explain_json_message
        )

    def _selected(
        self,
        parse: pajson.ParseOptions,
        wanted: list[str],
        chunk_rows: int,
        flat: FlatLayout | None,
    ) -> Iterator[pa.RecordBatch]:
        """The wanted fields in slices; the reader opens here, so its errors are guarded too.
        Flat lines are read as CSV until a block is not flat. pyarrow's JSON reader takes whole
        lines a block at a time: the block starts at twice the longest line read so far, and a
        longer line later makes a file be read again with blocks 4× larger, from the row after
        the last one handed out (stdin cannot be); so does a block that is not flat."""
        stream = _Prefixed(self._head, self._stream)
        block, done = _block_bytes(self._head), 0  # rows handed out
        with contextlib.ExitStack() as reopened:
            if flat is not None:
                try:
                    if self._size is not None:
                        spans = file_spans(self.path, self._size)
                    else:  # compressed or remote: read again from the start, as a stream
                        spans = stream_spans(
                            reopened.enter_context(open_text(self.path, self.name))
                        )
                    # closed before the stream is: a stream's reading thread stops first
                    with contextlib.closing(read_flat(spans, flat)) as tables:
                        for table, read in tables:
                            self._flat_read = read
                            for batch in table.to_batches(max_chunksize=chunk_rows):
                                done += batch.num_rows
                                yield batch
                    return
                except NotFlat:
                    stream = _Prefixed(b"", reopened.enter_context(open_text(self.path, self.name)))
            self._reading = stream
            while True:
                try:
                    for batch in self._read(stream, parse, block, wanted, done):
                        done += batch.num_rows
                        for start in range(0, batch.num_rows, chunk_rows):
                            yield batch.slice(start, chunk_rows)
                    break
                except pa.ArrowInvalid as exc:
                    if "straddl" not in str(exc):
                        raise
                    if self._once or block >= MAX_BLOCK:
                        raise InputError(
                            f"a line after row {done} is longer than the {block >> 20} MiB read "
                            "at once"
                            + (
                                "; pass the file by name, not on stdin or a pipe"
                                if block < MAX_BLOCK
                                else ""
                            ),
                            file=self.name,
                        ) from None
                block *= 4
                stream = _Prefixed(b"", reopened.enter_context(open_text(self.path, self.name)))
                self._reading = stream
        check_read_whole(stream.total, self._size, self.name)

    def _read(
        self, stream: Any, parse: pajson.ParseOptions, block: int, wanted: list[str], skip: int
    ) -> Iterator[pa.RecordBatch]:
        """The wanted fields of every row after the first `skip`, batch by batch."""
        reader = pajson.open_json(
            stream, read_options=pajson.ReadOptions(block_size=block), parse_options=parse
        )
        rows = 0
        for batch in reader:
            try:
                names = batch.schema.names
            except UnicodeDecodeError:
                raise InputError(
                    f"a field name in rows {rows + 1}..{rows + batch.num_rows} is not UTF-8 text",
                    file=self.name,
                ) from None
            present = {*names, *records.flat_names(batch.schema)}
            absent = [c for c in wanted if c not in present]
            if absent:
                raise InputError(
                    f"no field {', '.join(map(repr, absent))} in rows {rows + 1}.."
                    f"{rows + batch.num_rows}",
                    file=self.name,
                )
            if rows + batch.num_rows > skip:
                try:  # the reader's own arrays: a list it infers wrongly has offsets past its
                    selected = records.select(batch, wanted, self.name, rows)
                    selected.validate()  # values, read out of bounds later (a crash)
                except pa.ArrowInvalid:
                    raise InputError(
                        f"pyarrow's JSON reader could not read the lists in rows {rows + 1}.."
                        f"{rows + batch.num_rows} (a list whose first value is null?): write a "
                        "number there, or the file as Parquet",
                        file=self.name,
                    ) from None
                check_text(selected, self.name, rows, NOT_UTF8_JSON)
                yield selected.slice(max(0, skip - rows))
            rows += batch.num_rows

    def _locator(self, numeric: list[str]) -> Callable[[], Found | None] | None:
        """How to find the line of a parse error: re-read the file (not possible for stdin or a
        pipe)."""
        if self._once:
            return None
        return lambda: locate_json_error(open_text(self.path, self.name), numeric)


def _block_bytes(head: bytes) -> int:
    """The reader's block: BLOCK_BYTES, or a power of two above twice the longest line read."""
    longest = max(map(len, head.split(b"\n")))
    block = BLOCK_BYTES
    while block < 2 * longest:
        block *= 2
    return block


JSON_ERROR = re.compile(r"JSON parse error: (.*) in row (\d+)$")
FIELD = re.compile(r"Column\(/([^)]*)\)")


def explain_json_message(message: str, rows_before: int) -> Found | None:
    """(1-based row, column, message) from pyarrow's words for a block's error (rows numbered
    from 0 in the block), for input that cannot be read again (stdin)."""
    found = JSON_ERROR.search(message.strip())
    if found is None:
        return None
    what, row = found.group(1).strip(), int(found.group(2))
    field = FIELD.search(what)
    if field is None:
        return rows_before + row + 1, None, f"not valid JSON ({what})"
    column = field.group(1).replace("/", records.SEP)  # a record's field: probs/cat
    if "was specified twice" in what:
        return rows_before + row + 1, column, "the key appears twice in this line"
    return rows_before + row + 1, column, f"a value unlike the rows before it ({what})"


def locate_json_error(stream: BinaryIO, numeric: list[str]) -> Found | None:
    """The first (row, column, message): a line that is not a JSON object, or a field that
    should be a number and is not."""
    row = 0
    try:
        with stream:
            for line in io.TextIOWrapper(stream, encoding="utf-8", errors="replace"):
                if not line.strip():
                    continue
                row += 1
                try:
                    record = json.loads(line, object_pairs_hook=_unique_keys)
                except _KeyTwice as exc:
                    return row, str(exc), "the key appears twice in this line"
                except ValueError as exc:
                    return row, None, f"not valid JSON ({getattr(exc, 'msg', exc)})"
                if not isinstance(record, dict):
                    return row, None, "not a JSON object"
                for column in numeric:
                    value = records.field_of(record, column)
                    if value is not None and isinstance(value, bool | str | list | dict):
                        return row, column, f"{value!r} is not a number"
                    if isinstance(value, float) and math.isinf(value):  # 1e400 is inf here
                        return row, column, "a number too large for a float64"
    except (pa.ArrowException, OSError, EOFError) as exc:
        return None, None, f"cannot decompress or read ({exc})"
    return None


class _KeyTwice(Exception):
    """A JSON object that names a key twice (pyarrow refuses it; json.loads keeps the last)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        counts = collections.Counter(key for key, _ in pairs)
        raise _KeyTwice(next(key for key, count in counts.items() if count > 1))
    return record


class _Prefixed(io.RawIOBase):
    """Bytes already read from a stream, followed by the rest of that stream."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest
        self.total = 0  # bytes handed out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            self.total += n
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        self.total += len(data)
        return len(data)


def _numeric_list(kind: pa.DataType) -> bool:
    """A list (or large list) of numbers, or of nulls only, as pyarrow infers it."""
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)):
        return False
    inner = kind.value_type
    return pa.types.is_integer(inner) or pa.types.is_floating(inner) or pa.types.is_null(inner)
