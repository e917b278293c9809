"""Arrow IPC files (.arrow, .feather v2, .ipc), read (never memory-mapped: a file cut shorter
while mapped would kill the process with SIGBUS), and in-memory tables."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.ipc as ipc

from xentcli.errors import InputError
from xentcli.io import records, storage
from xentcli.io.source import (
    BAD_FILE,
    StoredSchema,
    check_text,
    column_names,
    not_the_file,
    without_views,
)

AS_BYTES = {pa.string(): pa.binary(), pa.large_string(): pa.large_binary()}


class TableSource(StoredSchema):
    """An in-memory Arrow table (also what a pandas DataFrame becomes)."""

    def __init__(
        self, table: pa.Table, name: str, fmt: str = "arrow", note: str | None = None
    ) -> None:
        self.format = fmt  # "json": a JSON document read whole (io/json_document.py)
        self.note = note  # how the table was made, where the report should say so
        self.table = table
        self.schema = table.schema
        self.name = name
        self.column_names = column_names(self.schema, name)
        self.num_rows: int | None = table.num_rows

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row (what sizes chunks by values, docs/inputs.md)."""
        if column not in self.table.column_names:  # a record's field
            return None
        data = self.table.column(column)
        return _per_row(data.chunks[0]) if data.num_chunks else None

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Zero-copy slices of the named columns."""
        wanted = numeric + labels + list(keys)
        stored = self.table.select(records.stored_columns(wanted, self.schema))
        for batch in stored.to_batches(max_chunksize=chunk_rows):
            yield without_views(records.select(batch, wanted, self.name))


class ArrowFileSource(StoredSchema):
    """An Arrow IPC file or stream on disk, read a batch at a time."""

    format = "arrow"

    def __init__(self, path: str) -> None:
        self.path = path  # where it is read from; `name`, how messages name it, may differ
        self.name = path
        try:
            self._reader: ipc.RecordBatchFileReader | None = ipc.open_file(_open(path))
            self.schema = self._reader.schema
            self.num_rows: int | None = self._reader.count_rows()  # from the batches' headers
        except pa.ArrowInvalid:
            self._reader = None  # not the file format: maybe the stream format
            try:
                with ipc.open_stream(_open(path)) as stream:
                    self.schema = stream.schema
            except BAD_FILE as exc:
                raise InputError(_unreadable(path, exc), file=path) from None
            self.num_rows = None
        except BAD_FILE as exc:
            raise InputError(_unreadable(path, exc), file=path) from None
        self.column_names = column_names(self.schema, path)

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row, from the file's first batch (docs/inputs.md); a
        stream's first batch is read from the file opened once more."""
        if self._reader is not None and not self._reader.num_record_batches:
            return None
        try:
            if self._reader is not None:
                first = self._reader.get_batch(0)
            else:
                with ipc.open_stream(_open(self.path)) as stream:
                    first = stream.read_next_batch()
            data = records.select(first, [column]).column(0)
            data.validate(full=True)  # untrusted offsets would be read out of bounds (a crash)
            return _per_row(data)
        except (*BAD_FILE, KeyError, StopIteration):  # reading the batches will name it
            return None

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The named columns, batch by batch."""
        wanted = numeric + labels + list(keys)
        try:
            if self._reader is not None:
                stored = (self._reader.get_batch(i) for i in range(self._reader.num_record_batches))
            else:
                stored = iter(ipc.open_stream(_open(self.path)))
            rows = 0
            for batch in stored:
                selected = records.select(batch, wanted, self.name)
                # a file is untrusted input: a bad offset in its buffers would be read out of
                # bounds (a crash), so every batch is validated before any value is read
                selected = without_views(_validated(selected, self.name, rows))
                for start in range(0, selected.num_rows, chunk_rows):
                    yield selected.slice(start, chunk_rows)
                rows += selected.num_rows
        except BAD_FILE as exc:
            not_the_file(exc, self.name)
            raise InputError(f"corrupt or truncated Arrow data ({exc})", file=self.name) from None


def _validated(batch: pa.RecordBatch, name: str, rows_before: int) -> pa.RecordBatch:
    """The batch, every buffer validated. Where the only fault is text that is not UTF-8 —
    sound once its text is taken as bytes — the error names its row and column, as for
    Parquet (source.check_text), instead of calling the file corrupt; where no row holds such
    text, it is in a dictionary's unused entries (a file's dictionary serves every batch), and
    those columns are read as the plain text of their rows."""
    try:
        batch.validate(full=True)
        return batch
    except pa.ArrowInvalid:
        try:
            for column in batch.columns:
                _text_as_bytes(column).validate(full=True)
        except pa.ArrowInvalid:
            raise  # offsets or sizes out of bounds: a corrupt file
        check_text(batch, name, rows_before)  # raises at the first row that is not UTF-8
    columns = [
        column.cast(column.type.value_type) if _text_dictionary(column) else column
        for column in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _text_dictionary(column: pa.Array) -> bool:
    return pa.types.is_dictionary(column.type) and column.type.value_type in AS_BYTES


def _text_as_bytes(column: pa.Array) -> pa.Array:
    """A text column (or a dictionary of text) viewed as bytes, which any bytes are."""
    kind = column.type
    if kind in AS_BYTES:
        return column.view(AS_BYTES[kind])
    if _text_dictionary(column):
        dictionary = column.dictionary.view(AS_BYTES[kind.value_type])
        return pa.DictionaryArray.from_arrays(column.indices, dictionary)  # indices in bounds
    return column


def _per_row(array: pa.Array) -> int | None:
    """The mean length of a list array's rows (its fixed size, or from its offsets)."""
    kind = array.type
    if pa.types.is_fixed_size_list(kind):
        return int(kind.list_size)
    if not (pa.types.is_list(kind) or pa.types.is_large_list(kind)) or not len(array):
        return None
    return max(1, round(len(array.flatten()) / len(array)))


def _open(path: str) -> pa.NativeFile:
    """A local file, or a remote file opened for random access."""
    return storage.open_random(path) if storage.is_url(path) else pa.OSFile(path)


def _unreadable(path: str, exc: BaseException) -> str:
    """Why an Arrow IPC file cannot be read; Feather version 1 (its own format, deprecated by
    pyarrow) named with the way out."""
    try:
        with _open(path) as head:
            magic = head.read(4)
    except BAD_FILE:
        magic = b""
    if magic == b"FEA1":
        return (
            "a Feather version 1 file (deprecated; not Arrow IPC): rewrite it with "
            "pyarrow.feather.write_feather(table, path) (version 2) or pandas' to_parquet"
        )
    return f"not a readable Arrow IPC file ({exc})"
