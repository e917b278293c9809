"""Flat JSON lines — every line `{"k1":v1,...,"kn":vn}` with the first line's keys in its order,
numbers, booleans, text without escapes or null for values, no spaces — read as CSV: `:` and `}`
become `,` (one `bytes.translate` per block) and pyarrow's CSV reader parses the blocks on the
parse threads, about twice as fast as its JSON reader (benchmarks/README.md). Every line is
checked: it has exactly the fields `{"k1"`, v1, `"k2"`, v2, …, `"kn"`, vn and an empty one
(quoting off, so a key is compared with its quotes, and text holding `,`, `:` or `}` changes the
count), and every value parses in the type the first 4 MiB gave its column — text is a quoted
string with no other quote or backslash in it, valid UTF-8. A block that is not such lines raises
NotFlat: the caller reads the file with pyarrow's JSON reader instead (docs/inputs.md)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli.io.arrow_numpy import null_mask
from xentcli.io.blocks import Block, file_blocks
from xentcli.io.csv import BLOCK_BYTES, WORKERS, ordered_map

# `\r` too: a CRLF line then ends in one more (empty) field, and a lone CR, which CSV would take
# for a line end and JSON lines do not, changes a line's count of fields
SEPARATORS = bytes.maketrans(b":}\r", b",,,")
KEY_TYPE = pa.binary()  # parsed faster than text or a dictionary; checked on its buffers
NUMBERS = (pa.int64(), pa.float64())  # types the JSON reader infers that CSV parses alike
OTHERS = (pa.bool_(), pa.string())  # the same, with true/false only, and text checked here
QUOTE, BACKSLASH = ord('"'), ord("\\")


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

    def convert(self) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=self.types,
            include_columns=self.names,
            null_values=["null"],
            true_values=["true"],
            false_values=["false"],
            strings_can_be_null=True,
        )


def flat_layout(
    keys: list[str],
    sampled: pa.Schema | None,
    numeric: list[str],
    wanted: list[str],
    crlf: bool = False,
) -> FlatLayout | None:
    """The layout of lines with these keys, or None where the sample shows they are not flat
    lines (lists, objects, dates, fields the first line leaves out, text where numbers are)."""
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
        expected[field] = (("{" if i == 0 else "") + json.dumps(key, ensure_ascii=False)).encode()
        types[field] = KEY_TYPE
        types[key] = pa.float64() if key in numeric else sampled.field(key).type
    texts = tuple(c for c, t in types.items() if t == pa.string())
    types |= dict.fromkeys(texts, pa.binary())
    for end in ("\0end", "\0cr") if crlf else ("\0end",):  # after `}`, and after a CR
        names.append(end)
        expected[end] = b""
        types[end] = KEY_TYPE
    return FlatLayout(names, expected, types, wanted, texts)


def read_flat(path: str, size: int, layout: FlatLayout) -> Iterator[tuple[pa.Table, int]]:
    """The wanted columns of a local file, a table per block in order, each with the bytes of
    the file read up to its end; NotFlat at the first block that does not hold flat lines of
    the layout."""
    convert = layout.convert()
    parse_options = pacsv.ParseOptions(quote_char=False)

    def parse(span: tuple[int, Block]) -> tuple[pa.Table | None, int]:
        stop, read = span
        block = read()
        if block is None:
            return None, stop
        options = pacsv.ReadOptions(
            column_names=layout.names, use_threads=False, block_size=block.size + 1
        )
        try:
            table = pacsv.read_csv(
                pa.BufferReader(block),
                read_options=options,
                parse_options=parse_options,
                convert_options=convert,
            )
        except (pa.ArrowInvalid, UnicodeDecodeError):  # the latter: pyarrow's message, of bad bytes
            raise NotFlat from None
        if not all(_only(table.column(f), text) for f, text in layout.expected.items()):
            raise NotFlat
        if not all(_finite(table.column(c)) for c, t in layout.types.items() if t == pa.float64()):
            raise NotFlat  # NaN, Infinity or 1e400: as the JSON reader reads (or refuses) them
        for name in layout.texts:
            column = pa.chunked_array(
                [_unquoted(c) for c in table.column(name).chunks], pa.string()
            )
            table = table.set_column(table.schema.get_field_index(name), name, column)
        return table.select(layout.wanted), stop

    spans = file_blocks(path, 0, size, BLOCK_BYTES, SEPARATORS)
    stops = (min(size, (i + 1) * BLOCK_BYTES) for i in itertools.count())
    for table, stop in ordered_map(parse, zip(stops, spans, strict=False), WORKERS, WORKERS + 1):
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


def _unquoted(chunk: pa.Array) -> pa.Array:
    """A binary column of quoted JSON strings as their text: NotFlat unless every value is `"…"`
    with no quote or backslash inside (no escapes to decode) and the text is UTF-8."""
    if chunk.offset:
        raise NotFlat  # not made by the CSV reader
    rows = len(chunk)
    validity, offsets_buffer, data = chunk.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int32, rows + 1)
    size = int(offsets[-1] - offsets[0])
    raw = np.frombuffer(data, np.uint8, size, offsets[0]) if size else np.zeros(0, np.uint8)
    present = ~null_mask(chunk)
    lengths = np.diff(offsets)
    if (lengths[present] < 2).any() or lengths[~present].any():
        raise NotFlat
    starts = offsets[:-1][present] - offsets[0]
    quotes = raw == QUOTE
    if np.count_nonzero(quotes) != 2 * starts.size or (raw == BACKSLASH).any():
        raise NotFlat
    if not (quotes[starts].all() and quotes[starts + lengths[present] - 1].all()):
        raise NotFlat
    dropped = np.zeros(rows + 1, np.int32)  # two quotes per value before each offset
    np.cumsum(present, out=dropped[1:])
    starts_after = (offsets - offsets[0] - 2 * dropped).astype(np.int32)
    text = pa.StringArray.from_buffers(
        rows, pa.py_buffer(starts_after), pa.py_buffer(raw[~quotes]), validity
    )
    try:
        text.validate(full=True)
    except (pa.ArrowInvalid, UnicodeDecodeError):  # not UTF-8 (the message may hold the bytes)
        raise NotFlat from None
    return text
