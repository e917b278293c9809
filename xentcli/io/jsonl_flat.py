"""Flat JSON lines — every line `{"k1":v1,...,"kn":vn}` (or `json.dumps`' default `{"k1": v1,
"k2": v2}`, as the first line is) with the first line's keys in its order, numbers, booleans,
text without escapes or null for values — read as CSV: `:` and `}`
become `,` (one `bytes.translate` per block) and pyarrow's CSV reader parses the blocks on the
parse threads, about twice as fast as its JSON reader (benchmarks/README.md). Every line is
checked: it has exactly the fields `{"k1"`, v1, `"k2"`, v2, …, `"kn"`, vn and an empty one
(quoting off, so a key is compared with its quotes, and text holding `,`, `:` or `}` changes the
count), and every value parses in the type the first 4 MiB gave its column — text is a quoted
string with no other quote or backslash in it, valid UTF-8. A block that is not such lines raises
NotFlat: the caller reads the file with pyarrow's JSON reader instead (docs/inputs.md)."""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli.io.arrow_numpy import null_mask
from xentcli.io.blocks import Block, file_blocks, read_ahead
from xentcli.io.csv import BLOCK_BYTES, WORKERS
from xentcli.io.csv_convert import DIGITS, digit_labels
from xentcli.io.prefetch import ordered_map

# `\r` too: a CRLF line then ends in one more (empty) field, and a lone CR, which CSV would take
# for a line end and JSON lines do not, changes a line's count of fields
SEPARATORS = bytes.maketrans(b":}\r", b",,,")
KEY_TYPE = pa.binary()  # parsed faster than text or a dictionary; checked on its buffers
NUMBERS = (pa.int64(), pa.float64())  # types the JSON reader infers that CSV parses alike
OTHERS = (pa.bool_(), pa.string())  # the same, with true/false only, and text checked here
QUOTE, BACKSLASH, SPACE, NULL = ord('"'), ord("\\"), ord(" "), b"null"


class NotFlat(Exception):
    """A block that is not flat lines of the expected fields."""


@dataclass(frozen=True)
class FlatLayout:
    """The fields of a flat line, what each key field must read, and the values' types."""

    names: list[str]  # CSV column names: a key field, its value, …, the empty last field
    expected: dict[str, bytes]  # key field (and the last field) → its text on every line
    types: dict[str, pa.DataType]  # every column → the type it is parsed as
    wanted: list[str]
    texts: tuple[str, ...]  # text columns: parsed as binary with their quotes, then checked
    lead: int  # spaces before each value: 1 in `json.dumps`' default `{"k": v, "k2": v2}`
    digits: tuple[str, ...] = ()  # integer columns of one digit each in the sample (labels)

    def convert(self, digits: bool = False) -> pacsv.ConvertOptions:
        """How a block is parsed; with `digits`, the one-digit columns as bytes (made integers
        by csv_convert.digit_labels, a third of the cost of pyarrow's integer parse)."""
        types = self.types | dict.fromkeys(self.digits if digits else (), DIGITS)
        return pacsv.ConvertOptions(  # numbers are read with spaces trimmed, literals are not
            column_types=types,
            include_columns=self.names,
            null_values=["null", " " * self.lead + "null"],
            true_values=["true", " " * self.lead + "true"],
            false_values=["false", " " * self.lead + "false"],
        )


def flat_layout(
    keys: list[str],
    sampled: pa.Schema | None,
    numeric: list[str],
    wanted: list[str],
    crlf: bool = False,
    spaced: bool = False,
    digits: Sequence[str] = (),
) -> FlatLayout | None:
    """The layout of lines with these keys, or None where the sample shows they are not flat
    lines (lists, objects, dates, fields the first line leaves out, text where numbers are);
    `digits`, the integer fields that are one digit each in the sample."""
    if sampled is None or list(sampled.names) != keys or not set(wanted) <= set(keys):
        return None
    if not all(f.type in NUMBERS + OTHERS for f in sampled):
        return None
    if not all(sampled.field(c).type in NUMBERS for c in numeric):
        return None
    names: list[str] = []
    expected: dict[str, bytes] = {}
    types: dict[str, pa.DataType] = {}
    for i, key in enumerate(keys):
        field = f"\0key{i}"
        names += [field, key]
        before = "{" if i == 0 else " " if spaced else ""
        expected[field] = (before + json.dumps(key, ensure_ascii=False)).encode()
        types[field] = KEY_TYPE
        types[key] = pa.float64() if key in numeric else sampled.field(key).type
    texts = tuple(c for c, t in types.items() if t == pa.string())
    types |= dict.fromkeys(texts, pa.binary())
    for end in ("\0end", "\0cr") if crlf else ("\0end",):  # after `}`, and after a CR
        names.append(end)
        expected[end] = b""
        types[end] = KEY_TYPE
    ones = tuple(c for c in digits if types.get(c) == pa.int64() and c in wanted)
    return FlatLayout(names, expected, types, wanted, texts, 1 if spaced else 0, ones)


def file_spans(path: str, size: int) -> Iterator[tuple[int, Block]]:
    """A local file's blocks, read and translated by the parse threads, each with the bytes of
    the file up to its end."""
    spans = file_blocks(path, 0, size, BLOCK_BYTES, SEPARATORS)
    stops = (min(size, (i + 1) * BLOCK_BYTES) for i in itertools.count())
    return zip(stops, spans, strict=False)


def stream_spans(stream: Any) -> Iterator[tuple[int, Block]]:
    """A stream's blocks (a compressed file, inflated), read ahead on a thread of their own and
    translated by the parse threads; how far is not known (0)."""
    in_use = (WORKERS + 1) + 2  # parsed in flight, handed out, being read
    with contextlib.closing(read_ahead(stream, b"", BLOCK_BYTES, in_use)) as ahead:
        for block in ahead:  # closed with this generator: its thread stops first
            yield 0, functools.partial(_translated, block)


def _translated(block: pa.Buffer) -> pa.Buffer:
    return pa.py_buffer(memoryview(block).tobytes().translate(SEPARATORS))


def read_flat(
    spans: Iterator[tuple[int, Block]], layout: FlatLayout
) -> Generator[tuple[pa.Table, int], None, None]:
    """The wanted columns, a table per block in order, each with its span's progress; NotFlat
    at the first block that does not hold flat lines of the layout."""
    tiers = [layout.convert(digits=True), layout.convert()] if layout.digits else [layout.convert()]
    first = [0]  # a block of other labels sends it and every later one to the next tier
    parse_options = pacsv.ParseOptions(quote_char=False)

    def parse(span: tuple[int, Block]) -> tuple[pa.Table | None, int]:
        stop, read = span
        block = read()
        if block is None:
            return None, stop
        options = pacsv.ReadOptions(
            column_names=layout.names, use_threads=False, block_size=block.size + 1
        )
        for at in range(first[0], len(tiers)):
            try:
                table = pacsv.read_csv(
                    pa.BufferReader(block),
                    read_options=options,
                    parse_options=parse_options,
                    convert_options=tiers[at],
                )
            except (pa.ArrowInvalid, UnicodeDecodeError):  # the latter: pyarrow's, of bad bytes
                raise NotFlat from None
            if at == len(tiers) - 1:
                break
            try:
                table = digit_labels(table, layout.digits, layout.lead, empty_is_null=False)
                break
            except pa.ArrowInvalid:
                first[0] = max(first[0], at + 1)
        if not all(_only(table.column(f), text) for f, text in layout.expected.items()):
            raise NotFlat
        if not all(_finite(table.column(c)) for c, t in layout.types.items() if t == pa.float64()):
            raise NotFlat  # NaN, Infinity or 1e400: as the JSON reader reads (or refuses) them
        for name in layout.texts:
            column = pa.chunked_array(
                [_unquoted(c, layout.lead) for c in table.column(name).chunks], pa.string()
            )
            table = table.set_column(table.schema.get_field_index(name), name, column)
        return table.select(layout.wanted), stop

    for table, stop in ordered_map(parse, spans, WORKERS, WORKERS + 1):
        if table is not None:
            yield table, stop


def _only(column: pa.ChunkedArray, text: bytes) -> bool:
    """Whether every value of a binary column is `text`: each is as long, and all of them
    together are `text` repeated."""
    if column.null_count:
        return False
    for chunk in column.chunks:
        if not len(chunk):
            continue
        _, offsets_buffer, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, np.int32, len(chunk) + 1, chunk.offset * 4)
        if (np.diff(offsets) != len(text)).any():
            return False
        if not text:  # all empty (the data buffer may be absent)
            continue
        held = data.slice(offsets[0], offsets[-1] - offsets[0])
        if not held.equals(pa.py_buffer(text * len(chunk))):
            return False
    return True


def _finite(column: pa.ChunkedArray) -> bool:
    """Whether every value of a float64 column is finite or null."""
    for chunk in column.chunks:
        values = np.frombuffer(chunk.buffers()[1], np.float64, len(chunk), chunk.offset * 8)
        if not (np.isfinite(values) | null_mask(chunk)).all():
            return False
    return True


def _unquoted(chunk: pa.Array, lead: int) -> pa.Array:
    """A binary column of quoted JSON strings (or `null`), each after `lead` spaces, as their
    text: NotFlat unless every value is that many spaces and `null` or `"…"` with no quote or
    backslash inside (no escapes to decode), the text UTF-8. (`null` is found here: letting the
    CSV reader find it costs every binary column a null check, the keys' too.)"""
    if chunk.offset or chunk.null_count:
        raise NotFlat  # not made by the CSV reader as asked
    rows = len(chunk)
    offsets = np.frombuffer(chunk.buffers()[1], np.int32, rows + 1)
    base, size = int(offsets[0]), int(offsets[-1] - offsets[0])
    raw = np.frombuffer(chunk.buffers()[2], np.uint8, size, base) if size else np.zeros(0, np.uint8)
    starts, lengths = offsets[:-1] - base, np.diff(offsets)
    dropped = raw == QUOTE  # the quotes, the leading spaces, and the letters of each null
    if lead:
        if (lengths < lead).any() or not (raw[starts] == SPACE).all():
            raise NotFlat
        dropped[starts] = True
        starts, lengths = starts + lead, lengths - lead
    null = lengths == len(NULL)
    if null.any():
        at = starts[null]
        null[null] = np.logical_and.reduce([raw[at + i] == byte for i, byte in enumerate(NULL)])
    present = ~null
    first, last = starts[present], starts[present] + lengths[present] - 1
    if (lengths[present] < 2).any() or np.count_nonzero(raw == QUOTE) != 2 * first.size:
        raise NotFlat
    if not ((raw[first] == QUOTE).all() and (raw[last] == QUOTE).all()):
        raise NotFlat
    if (raw == BACKSLASH).any():
        raise NotFlat
    for i in range(len(NULL)):
        dropped[starts[null] + i] = True
    gone = np.zeros(rows + 1, np.int32)  # bytes dropped before each offset
    np.cumsum(lead + np.where(null, len(NULL), 2), out=gone[1:])
    text = pa.StringArray.from_buffers(
        rows,
        pa.py_buffer((offsets - base - gone).astype(np.int32)),
        pa.py_buffer(raw[~dropped]),
        pa.py_buffer(np.packbits(present, bitorder="little")) if null.any() else None,
    )
    try:
        text.validate(full=True)
    except (pa.ArrowInvalid, UnicodeDecodeError):  # not UTF-8 (the message may hold the bytes)
        raise NotFlat from None
    return text
