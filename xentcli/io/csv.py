"""CSV/TSV (maybe compressed) or stdin: cut into blocks where records end, the blocks parsed by
pyarrow in parallel. A quoted value may hold delimiters, doubled quotes and newlines: a stream is
cut after a newline outside quotes (blocks.record_end); a local file's spans are cut at any
newline, and a span that ends inside a quoted value hands the rest of the file to a stream
(docs/inputs.md)."""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, NamedTuple, cast

import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli.errors import InputError
from xentcli.io import storage
from xentcli.io.blocks import OpenQuote, Span, file_blocks, read_ahead, record_end
from xentcli.io.csv_convert import conversions, digit_labels, one_digit
from xentcli.io.csv_header import (
    SEPARATOR_NAMES,
    check_delimiter,
    decimal_of,
    looks_like_data,
    names_of,
    separated_otherwise,
)
from xentcli.io.csv_locate import NOT_UTF8_TEXT, explain_csv_message, locate_csv_error
from xentcli.io.prefetch import ordered_map
from xentcli.io.text import (
    BOM,
    STDIN,
    Found,
    check_read_whole,
    compression_of,
    guarded,
    header_line,
    local_size,
    open_text,
    split_header,
)

BLOCK_BYTES = 4 << 20  # larger blocks parse faster; memory stays flat at this size
WORKERS = min(4, (os.cpu_count() or 1) + 1)  # one more than cores: parsing never waits on compute
LABEL_TEXT = pa.dictionary(pa.int32(), pa.string())  # labels are mapped via the dictionary
PARSE_COLUMN_BUDGET = 8192  # columns parsed at once across the threads: ~64 MiB of converters
GROUPED_FROM = 4 * PARSE_COLUMN_BUDGET  # columns: past this many, parsed a group at a time
SAMPLE_BYTES = 64 << 10  # of the first block: enough to guess whether labels are integers
CR_AS_LF = bytes.maketrans(b"\r", b"\n")


class Recut(NamedTuple):
    """A span that ends inside a quoted value: the file is read on from `start` as a stream."""

    start: int


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
        header, self._rest = split_header(self._stream, self.name, delimiter.encode())
        self._size = local_size(path)
        self._stream_size: int | None = None  # a local file read as a stream: its size
        if header.endswith(b"\r") and not self._rest.startswith(b"\n"):
            # lines end in a lone CR (Excel's "CSV (Macintosh)"): read as a stream, CR as LF,
            # so blocks are cut at line ends as in any other file (docs/inputs.md)
            self._stream = cast(BinaryIO, _CrAsLf(self._stream))
            self._rest = self._rest.translate(CR_AS_LF)
            self._size, self._stream_size = None, self._size
        self._header_bytes = len(header)
        self._bytes_read = len(header)  # then counted as blocks are handed to the parser
        self.decimal = "."  # a semicolon-separated file's may be the comma
        self.note: str | None = None
        try:
            line = header_line(header)
            self.column_names = names_of(line, self.delimiter)
            other = separated_otherwise(line, self.column_names, self.delimiter, self._rest)
            if other is not None:
                self._read_separated(header, other)
            check_delimiter(self.column_names, self.delimiter, self.name)
        except csv.Error as exc:  # a NUL byte, a name longer than csv's field limit
            raise InputError(f"cannot parse the header line ({exc})", file=self.name) from None
        except UnicodeDecodeError:
            raise InputError(_not_utf8(header), file=self.name) from None

        self._header = header
        self.has_header = True
        self.first_line: str | None = None  # integers read as a row beside headerless predictions
        if looks_like_data(self.column_names):
            self.read_first_line_as_a_row("its first line is numbers")

    def _read_separated(self, header: bytes, delimiter: str) -> None:
        """A file separated otherwise than its name says (separated_otherwise): read so, with
        a note; separated by `;`, with decimal commas where its first rows have them."""
        self.delimiter = delimiter
        self.format = "tsv" if delimiter == "\t" else "csv"
        self.column_names = names_of(header_line(header), delimiter)
        said = f"{self.name} is separated by {SEPARATOR_NAMES[delimiter]}"
        if delimiter == ";":
            self.decimal = decimal_of(self._rest[:SAMPLE_BYTES])
            point = "decimal commas" if self.decimal == "," else "decimal points"
            said += f", with {point} (a spreadsheet's CSV in many locales)"
        self.note = f"{said}: read so"

    def read_first_line_as_a_row(self, why: str) -> None:
        """Take the file as having no header line (docs/inputs.md): its first line is a row, and
        its columns are named 0..K-1 as pandas' header=None names them; a note says `why`."""
        count = len(self.column_names)
        self.column_names = [str(i) for i in range(count)]
        named = "its column named 0" if count == 1 else f"its columns named 0..{count - 1}"
        said = (
            f"{self.name} has no header line ({why}): every line is read as a row, {named} as "
            "pandas' header=None names them"
        )
        self.note = said if self.note is None else f"{self.note}; {said}"
        line = header_line(self._header)
        skip = len(self._header) - len(line)  # blank lines before it
        skip += len(BOM) if line.startswith(BOM) else 0
        self._rest = self._header[skip:] + self._rest
        self._header_bytes = self._bytes_read = skip
        self.has_header = False

    def consumed(self, rows: int) -> float | None:
        """Bytes read of the file's size (an uncompressed file; stdin and compressed: unknown)."""
        return self._bytes_read / self._bytes_total if self._bytes_total else None

    def column_types(self) -> dict[str, str]:
        """Column → the type pyarrow infers from the rows already read (the first block)."""
        body = self._rest[: record_end(self._rest, len(self._rest))]
        if not body.strip():
            return dict.fromkeys(self.column_names, "null")
        names = self.column_names
        groups = [names]  # by position: a name given twice is the layout's error to report
        if len(names) > GROUPED_FROM and len(set(names)) == len(names):
            groups = [
                names[at : at + PARSE_COLUMN_BUDGET]
                for at in range(0, len(names), PARSE_COLUMN_BUDGET)
            ]
        kinds: dict[str, str] = {}
        for group in groups:
            convert = pacsv.ConvertOptions(
                include_columns=group if len(groups) > 1 else [], decimal_point=self.decimal
            )
            try:
                table = pacsv.read_csv(
                    io.BytesIO(body),
                    read_options=self._whole(body),
                    parse_options=self._parse_options(),
                    convert_options=convert,
                )
            except pa.ArrowException:  # a bad row in the sample: eval will name it
                return dict.fromkeys(names, "unknown")
            kinds |= {name: _kind(table.column(i)) for i, name in enumerate(table.column_names)}
        return kinds

    def values_per_row(self, column: str) -> int | None:
        """A column of arrays as text (`[0.1, 0.9]`, or numpy's `[0.1 0.9]`): the numbers in its
        first value among the rows already read (what sizes chunks by values, and tells a list
        of two probabilities — a binary problem — before any row is scored)."""
        if column not in self.column_names:
            return None
        table = self._sample(
            pacsv.ConvertOptions(include_columns=[column], column_types={column: pa.string()})
        )
        if table is None:
            return None
        values = table.column(0).drop_null()
        first = str(values[0]).strip() if len(values) else ""
        if not (first.startswith("[") and first.endswith("]")):
            return None
        return len(first[1:-1].replace(",", " ").split()) or None

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Batches of the named columns: numeric ones as float64, labels as int64 where the first
        rows are integers and as dictionary text otherwise (block by block), keys as text."""
        types = {c: pa.float64() for c in numeric} | {c: LABEL_TEXT for c in labels}
        types |= {c: pa.string() for c in keys}
        integers, digits = self._integer_columns(labels)
        tiers = [column_groups(tier) for tier in conversions(types, integers, self.decimal, digits)]
        first = [0]  # the first tier still tried: a block that fails one skips it for good

        def parse(block: pa.Buffer | Span) -> pa.Table | Recut | None:
            if isinstance(block, Span):  # a span of the file, read here, on the parse thread
                buffer = block()
                if block.quotes % 2:  # it ends inside a quoted value: no record ends there
                    return Recut(block.start)
                if buffer is None:
                    return None
                block = buffer
            for at in range(first[0], len(tiers) - 1):
                try:
                    return self._parse(block, tiers[at], digits)
                except pa.ArrowInvalid:
                    first[0] = max(first[0], at + 1)
            return self._parse(block, tiers[-1], digits)  # its errors are the input's

        # more blocks in flight are no faster and hold more memory; a stream's next block is
        # read ahead already (read_ahead), so one fewer is parsed ahead of it
        workers = parse_threads(len(types))
        depth = workers + 1 if self._size is not None else workers

        def tables() -> Iterator[pa.Table | None]:
            results = ordered_map(parse, self._blocks(depth + 2), workers, depth)
            with contextlib.closing(results):
                for result in results:
                    if isinstance(result, Recut):  # read on as a stream, cut where records end
                        results.close()  # its parse threads stop first
                        recut = self._stream_from(result.start, depth + 2)
                        yield from ordered_map(parse, recut, workers, depth)
                        return
                    yield result

        batches = (
            b
            for table in tables()
            if table is not None
            for b in table.to_batches(max_chunksize=chunk_rows)
        )
        explain = functools.partial(explain_csv_message, header=self.column_names)
        yield from guarded(batches, self._stream, self.name, self._locator(numeric), explain)

    def _parse(
        self, block: pa.Buffer, groups: list[pacsv.ConvertOptions], digits: Sequence[str] = ()
    ) -> pa.Table:
        """A block as a table of the columns the `groups` include (column_groups), parsed a
        group at a time; the `digits` columns, where parsed as bytes, made integers."""
        read = pacsv.ReadOptions(
            column_names=self.column_names, use_threads=False, block_size=block.size + 1
        )
        parts = [
            pacsv.read_csv(
                pa.BufferReader(block),
                read_options=read,
                parse_options=self._parse_options(),
                convert_options=group,
            )
            for group in groups
        ]
        if len(parts) == 1:
            return digit_labels(parts[0], digits)
        columns = [column for part in parts for column in part.columns]
        table = pa.Table.from_arrays(columns, names=[n for p in parts for n in p.column_names])
        return digit_labels(table, digits)

    def _integer_columns(self, labels: list[str]) -> tuple[list[str], list[str]]:
        """The label columns whose values in the first rows are all integers (or empty), and
        those of them that are all one digit, none missing (csv_convert.conversions)."""
        if not labels:
            return [], []
        convert = pacsv.ConvertOptions(include_columns=labels, decimal_point=self.decimal)
        table = self._sample(convert)
        if table is None:
            return [], []
        integers = [f.name for f in table.schema if pa.types.is_integer(f.type)]
        digits = [name for name in integers if one_digit(table.column(name))]
        return integers, digits

    def _sample(self, convert: pacsv.ConvertOptions) -> pa.Table | None:
        """The whole records of the first SAMPLE_BYTES read so, or None when there are none or
        one is bad (the parse of its block will name it)."""
        sample = self._rest[:SAMPLE_BYTES]
        body = sample[: record_end(sample, len(sample))]
        if not body.strip():
            return None
        try:
            return pacsv.read_csv(
                io.BytesIO(body),
                read_options=self._whole(body),
                parse_options=self._parse_options(),
                convert_options=convert,
            )
        except pa.ArrowException:
            return None

    def _blocks(self, ring: int) -> Iterator[pa.Buffer | Span]:
        """The rest of the input in blocks that end at record ends, counted as read: a local file
        as spans each parse thread reads itself (file_blocks), a stream as read buffers. Read,
        never memory-mapped: a file cut shorter while it is read is then an error here, where a
        mapped one would kill the process with SIGBUS (docs/reliability.md)."""
        if self._size is not None:  # the rows read with the header, then the file's spans
            # whole records (none, when a quoted value outlasts what was read: then the first
            # span ends inside it, and the rest is read as a stream)
            cut = record_end(self._rest, len(self._rest))
            if cut:
                self._bytes_read += cut
                yield pa.py_buffer(self._rest[:cut])
            start = self._header_bytes + cut
            for span in file_blocks(self.path, start, self._size, BLOCK_BYTES):
                self._bytes_read = min(self._size, self._bytes_read + BLOCK_BYTES)
                yield span
            return
        ahead = read_ahead(self._stream, self._rest, BLOCK_BYTES, ring, self._quoted())
        with contextlib.closing(ahead), self._closed_quotes():
            for block in ahead:  # closed with this generator: its thread stops first
                self._bytes_read += block.size
                yield block
        check_read_whole(self._bytes_read, self._stream_size, self.name)

    def _stream_from(self, start: int, ring: int) -> Iterator[pa.Buffer]:
        """A local file from byte `start` (a record's start) to its end, read as a stream and
        cut where records end: a quoted value holds a newline where a span was cut, so spans
        cut at any line end cannot be used past it (docs/inputs.md)."""
        assert self._size is not None
        with open(self.path, "rb") as stream:
            stream.seek(start)
            self._bytes_read = start
            bounded = _Until(stream, self._size)  # its size when opened, as the spans read
            ahead = read_ahead(bounded, b"", BLOCK_BYTES, ring, self._quoted())
            with contextlib.closing(ahead), self._closed_quotes():
                for block in ahead:
                    self._bytes_read += block.size
                    yield block
            if stream.tell() < self._size:
                raise InputError(
                    f"the file is shorter than when it was opened (byte {stream.tell()} of "
                    f"{self._size}): it changed while it was read",
                    file=self.name,
                )

    def _quoted(self) -> bytes:
        """The delimiter, for blocks cut where records end (blocks.read_blocks)."""
        return self.delimiter.encode()

    @contextlib.contextmanager
    def _closed_quotes(self) -> Iterator[None]:
        """A quoted value the file ends inside (pyarrow would read the rest into it, rows lost
        silently; pandas: "EOF inside string") as an error naming the file."""
        try:
            yield
        except OpenQuote as exc:
            raise InputError(str(exc), file=self.name) from None

    def _whole(self, body: bytes) -> pacsv.ReadOptions:
        """Read a sample as one block: pyarrow's own blocks are cut at any newline, also one
        inside a quoted value (a column of numpy arrays as pandas writes them)."""
        return pacsv.ReadOptions(
            column_names=self.column_names, use_threads=False, block_size=len(body) + 1
        )

    def _parse_options(self) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(delimiter=self.delimiter)

    def _locator(self, numeric: list[str]) -> Callable[[], Found | None] | None:
        """How to find the row of a parse error: re-read the file (not possible for stdin, nor
        for a named pipe: opening it again would wait for a writer that never comes)."""
        if self.path == STDIN or not (storage.is_url(self.path) or os.path.isfile(self.path)):
            return None
        return lambda: locate_csv_error(
            self.path,
            compression_of(self.path),
            self.delimiter,
            self.column_names,
            numeric,
            self.has_header,
            self.decimal,
        )


class _CrAsLf(io.RawIOBase):
    """A stream whose carriage returns read as line feeds."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data.translate(CR_AS_LF)
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


class _Until(io.RawIOBase):
    """A file read up to byte `stop`: what is appended while it is read is not read."""

    def __init__(self, stream: io.BufferedReader, stop: int) -> None:
        self._stream = stream
        self._left = stop - stream.tell()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self._stream.readinto(memoryview(buffer)[: max(0, self._left)])
        self._left -= got
        return got


def _not_utf8(header: bytes) -> str:
    """What is said of a header line that is not UTF-8: UTF-16 (Excel's "Unicode Text") by its
    byte-order mark and the NULs of its ASCII; a CSV in a Windows code page; or no text."""
    if header.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" in header:
        return (
            "the file is UTF-16 text (Excel's Unicode Text): save it as UTF-8 (Excel: CSV "
            "UTF-8; or iconv -f utf-16 -t utf-8)"
        )
    controls = header.translate(None, b"\t\r\n").translate(None, bytes(range(32, 256)))
    try:
        header.decode("cp1252")
    except UnicodeDecodeError:
        controls = b"?"
    if controls:  # binary bytes: no text file in any code page
        return (
            "the header line is not UTF-8 text; is this a CSV file? (pass --input-format for "
            "another format)"
        )
    return f"the header line is {NOT_UTF8_TEXT}"


def column_groups(convert: pacsv.ConvertOptions) -> list[pacsv.ConvertOptions]:
    """`convert` as it is, or past GROUPED_FROM columns as options of PARSE_COLUMN_BUDGET
    included columns each: pyarrow's converters (~8 KiB a column) are then held for one group
    of a block at a time, not for every column, at the price of tokenizing each block once per
    group (benchmarks/README.md)."""
    names = list(convert.include_columns)
    if len(names) <= GROUPED_FROM:
        return [convert]
    groups = []
    types = convert.column_types  # a dict built anew on each access
    for start in range(0, len(names), PARSE_COLUMN_BUDGET):
        group = names[start : start + PARSE_COLUMN_BUDGET]
        options = pacsv.ConvertOptions(
            column_types={n: types[n] for n in group if n in types},
            include_columns=group,
            null_values=convert.null_values,
            strings_can_be_null=convert.strings_can_be_null,
            decimal_point=convert.decimal_point,
        )
        groups.append(options)
    return groups


def parse_threads(columns: int) -> int:
    """Blocks parsed at once: WORKERS, fewer for thousands of columns. pyarrow's CSV reader
    holds about 8 KiB per column for each block it parses (its converters), whatever the
    block's size: at 20,000 columns 170 MiB a block (benchmarks/README.md)."""
    return max(1, min(WORKERS, PARSE_COLUMN_BUDGET // max(columns, 1)))


def _kind(column: pa.ChunkedArray) -> str:
    """The inferred type, or `json-array` for text whose values are all [..] (list layout)."""
    if not pa.types.is_string(column.type):
        return str(column.type)
    import pyarrow.compute as pc  # slow to import: only for text columns

    values = column.drop_null()
    if len(values) and pc.all(pc.match_substring_regex(values, r"(?s)^\s*\[.*\]\s*$")).as_py():
        return "json-array"
    return "string"
