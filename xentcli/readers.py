"""Sources: a file, stdin or an in-memory table, read as a stream of Arrow record batches."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from xentcli.csv_locate import locate_csv_error
from xentcli.errors import InputError, UsageError

CSV_BLOCK_BYTES = 1 << 20  # 1 MiB: as fast as larger blocks, and memory stays flat
LABEL_TEXT = pa.dictionary(
    pa.int32(), pa.string()
)  # CSV labels: mapped per chunk via the dictionary
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet"}
STDIN = "-"


class Source(Protocol):
    """A table read in batches; only the columns asked for are read."""

    @property
    def name(self) -> str:
        """How the source is named in reports and errors."""

    @property
    def format(self) -> str:
        """csv, tsv, parquet or arrow."""

    @property
    def column_names(self) -> list[str]:
        """All column names, in file order."""

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int
    ) -> Iterator[pa.RecordBatch]:
        """Yield batches holding exactly these columns, in the file's row order."""


def open_source(source: Any, input_format: str | None = None) -> Source:
    """Open a path, '-', a pandas DataFrame or a pyarrow Table as a Source."""
    if isinstance(source, pa.Table):
        return TableSource(source, "<Table>")
    if type(source).__module__.startswith("pandas") and type(source).__name__ == "DataFrame":
        return TableSource(pa.Table.from_pandas(source, preserve_index=False), "<DataFrame>")
    if not isinstance(source, (str, os.PathLike)):
        raise UsageError(f"cannot read predictions from a {type(source).__name__}")
    path = os.fspath(source)
    fmt = input_format or detect_format(path)
    if path != STDIN:
        if os.path.isdir(path):
            raise InputError("is a directory; give a file", file=path)
        if not os.path.exists(path):
            raise InputError("no such file", file=path)
    if fmt == "parquet":
        if path == STDIN:
            raise UsageError("Parquet cannot be read from stdin; give a file")
        return ParquetSource(path)
    return CsvSource(path, delimiter="\t" if fmt == "tsv" else ",")


def detect_format(path: str) -> str:
    """The input format named by a path's suffix (compression suffixes looked through)."""
    if path == STDIN:
        return "csv"
    stem, suffix = os.path.splitext(path.lower())
    if suffix in COMPRESSIONS:
        stem, suffix = os.path.splitext(stem)
    if suffix not in SUFFIX_FORMATS:
        raise UsageError(
            f"{path}: cannot tell the format from the name; pass --input-format csv|tsv|parquet"
        )
    return SUFFIX_FORMATS[suffix]


@dataclass
class TableSource:
    """An in-memory Arrow table (also what a pandas DataFrame becomes)."""

    table: pa.Table
    name: str
    format: str = "arrow"

    @property
    def column_names(self) -> list[str]:
        return list(self.table.column_names)

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int
    ) -> Iterator[pa.RecordBatch]:
        yield from self.table.select(numeric + labels).to_batches(max_chunksize=chunk_rows)


class ParquetSource:
    """A Parquet file, read row group by row group with only the needed columns."""

    format = "parquet"

    def __init__(self, path: str) -> None:
        self.name = path
        try:
            self._file = pq.ParquetFile(path, pre_buffer=False)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"not a readable Parquet file ({exc})", file=path) from None
        self.schema = self._file.schema_arrow
        self.column_names = list(self.schema.names)
        self.num_rows = self._file.metadata.num_rows

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int
    ) -> Iterator[pa.RecordBatch]:
        rows = 0
        try:
            for batch in self._file.iter_batches(batch_size=chunk_rows, columns=numeric + labels):
                rows += batch.num_rows
                yield batch
        except (pa.ArrowException, OSError) as exc:
            raise InputError(
                f"corrupt or truncated Parquet data after row {rows} ({exc})", file=self.name
            ) from None


class CsvSource:
    """A CSV/TSV file (optionally compressed) or stdin, parsed block by block by pyarrow."""

    format = "csv"

    def __init__(self, path: str, delimiter: str = ",") -> None:
        self.path = path
        self.name = "<stdin>" if path == STDIN else path
        self.delimiter = delimiter
        self.format = "tsv" if delimiter == "\t" else "csv"
        stream = self._open()
        head = _read_first_line(stream, self.name)
        self._stdin_head = head if path == STDIN else None
        if path == STDIN:
            self._stdin = stream
        else:
            stream.close()
        try:
            first_line = head[: head.find(b"\n") + 1] if b"\n" in head else head
            header = pacsv.read_csv(io.BytesIO(first_line), parse_options=self._parse_options())
        except pa.ArrowException as exc:
            raise InputError(f"cannot parse the header line ({exc})", file=self.name) from None
        self.column_names = list(header.column_names)

    def _parse_options(self) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(delimiter=self.delimiter)

    def _open(self) -> BinaryIO:
        if self.path == STDIN:
            return sys.stdin.buffer
        try:
            return pa.input_stream(self.path, compression=self._compression())  # type: ignore[no-any-return]
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"cannot open ({exc})", file=self.name) from None

    def _compression(self) -> str | None:
        return COMPRESSIONS.get(os.path.splitext(self.path.lower())[1])

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int
    ) -> Iterator[pa.RecordBatch]:
        types = {c: pa.float64() for c in numeric} | {c: LABEL_TEXT for c in labels}
        convert = pacsv.ConvertOptions(
            column_types=types, include_columns=numeric + labels, strings_can_be_null=True
        )
        if self._stdin_head is not None:
            stream: Any = _Prefixed(self._stdin_head, self._stdin)
        else:
            stream = self._open()
        rows = 0
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
                parse_options=self._parse_options(),
                convert_options=convert,
            )
            for batch in reader:
                for start in range(0, batch.num_rows, chunk_rows):
                    yield batch.slice(start, chunk_rows)
                rows += batch.num_rows
        except (pa.ArrowException, OSError, EOFError) as exc:
            raise self._located(exc, rows, numeric) from None

    def _located(self, exc: Exception, rows: int, numeric: list[str]) -> InputError:
        """Turn a pyarrow parse error (which names no row) into one naming row and column."""
        if self.path != STDIN:
            found = locate_csv_error(
                self.path, self._compression(), self.delimiter, self.column_names, numeric
            )
            if found is not None:
                row, column, message = found
                return InputError(message, file=self.name, row=row, column=column)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return InputError(f"cannot parse the data after row {rows}: {text}", file=self.name)


def _read_first_line(stream: BinaryIO, name: str) -> bytes:
    """Read up to the end of the header line (at least one block); empty input is an error."""
    try:
        head = stream.read(CSV_BLOCK_BYTES)
        while head and b"\n" not in head:
            more = stream.read(CSV_BLOCK_BYTES)
            if not more:
                break
            head += more
    except (pa.ArrowException, OSError, EOFError) as exc:
        raise InputError(f"cannot read ({exc})", file=name) from None
    if not head.strip():
        raise InputError("the file is empty", file=name)
    return head


class _Prefixed(io.RawIOBase):
    """Bytes already read from a stream, followed by the rest of that stream."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
