"""What every reader offers: the Source protocol, and the shared part of the sources that store
their schema and row count."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import pyarrow as pa

from xentcli.errors import InputError, SchemaError, resource_error
from xentcli.io import records

# what pyarrow raises for a file that is not what it claims (bad bytes, a cut, names that are
# not UTF-8): each an input error naming the file, never an internal one
BAD_FILE = (pa.ArrowException, OSError, EOFError, UnicodeDecodeError)


def not_the_file(exc: BaseException, name: str) -> None:
    """Raise the machine's limit that `exc` is — out of memory (pyarrow's ArrowMemoryError is a
    BAD_FILE) or threads — rather than let a reader blame the file for it."""
    if (limit := resource_error(exc, name)) is not None:
        raise limit from None


TEXT = (pa.string(), pa.large_string())


def check_text(batch: pa.RecordBatch, file: str, rows_before: int, why: str = "") -> None:
    """Text from a reader that does not check it (pyarrow's JSON and Parquet readers) must be
    UTF-8: else an InputError naming the first row and column that is not, and `why` it may
    be, before any stage decodes it (labels, --by keys, kept columns)."""
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        kind = column.type
        if pa.types.is_dictionary(kind) and kind.value_type in TEXT:
            try:
                column.dictionary.validate(full=True)
                continue
            except pa.ArrowInvalid:
                column = column.cast(kind.value_type)
        elif kind not in TEXT:
            continue
        try:
            column.validate(full=True)
        except pa.ArrowInvalid:
            row = rows_before + _first_not_utf8(column) + 1
            said = f"text that is not UTF-8{why}"
            raise InputError(said, file=file, row=row, column=name) from None


def _first_not_utf8(column: pa.Array) -> int:
    """The first row of a text column whose bytes are not UTF-8 (error path only)."""
    for row, value in enumerate(column.cast(pa.binary()).to_pylist()):
        try:
            if value is not None:
                value.decode("utf-8")
        except UnicodeDecodeError:
            return row
    return 0


def without_views(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text and bytes held as views (polars' Arrow IPC files write string_view) as plain
    string and binary columns, which every stage reads; other batches as they are."""
    views = {pa.string_view(): pa.string(), pa.binary_view(): pa.binary()}
    if not any(f.type in views for f in batch.schema):
        return batch
    return batch.cast(pa.schema([f.with_type(views.get(f.type, f.type)) for f in batch.schema]))


def mixed_types(values: Sequence[Any], file: str, column: str, fix: str = "") -> InputError | None:
    """The error for a column of Python values that mixes types (`[1, "1", 0]`: Arrow holds one
    type per column), naming the first value whose type differs from the first's; None if one
    type (nulls and NaN aside)."""
    present = [
        (i, v)
        for i, v in enumerate(values)
        if v is not None and not (isinstance(v, float) and math.isnan(v))
    ]
    if not present:
        return None
    first = type(present[0][1]).__name__
    at, value = next(((i, v) for i, v in present if type(v).__name__ != first), (None, None))
    if at is None:
        return None
    return InputError(
        f"{value!r} is {type(value).__name__} among {first} values; give the column one type{fix}",
        file=file,
        row=at + 1,
        column=column,
    )


def check_distinct(names: list[str], file: str | None) -> None:
    """Columns repeated by name are an error naming the first (a table, a header)."""
    counts = Counter(names)
    repeated = [n for n, count in counts.items() if count > 1]
    if repeated:
        raise SchemaError(
            f"column {repeated[0]!r} appears {counts[repeated[0]]} times; give the columns "
            "distinct names",
            file=file,
        )


class Source(Protocol):
    """A table read in batches; only the columns asked for are read."""

    name: str  # how the source is named in reports and errors (stdin's copy: <stdin>)

    @property
    def format(self) -> str:
        """csv, tsv, parquet, arrow or jsonl."""

    @property
    def column_names(self) -> list[str]:
        """All column names, in file order."""

    @property
    def num_rows(self) -> int | None:
        """The row count when the format stores it (Parquet, Arrow), else None."""

    def column_types(self) -> dict[str, str]:
        """Column → type: as stored, or as pyarrow infers it from the first rows (text formats)."""

    def consumed(self, rows: int) -> float | None:
        """The fraction of the input read after `rows` rows, when it can be known."""

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Yield batches of exactly these columns, in the file's row order: `numeric` as numbers,
        `labels` as the format stores them (CSV: integers or dictionary text), `keys` as text."""


class StoredSchema:
    """What a source with a stored schema and row count (Arrow, Parquet) answers alike."""

    schema: pa.Schema
    num_rows: int | None

    def consumed(self, rows: int) -> float | None:
        """The fraction of the rows read: the row count is stored."""
        return rows / self.num_rows if self.num_rows else None

    def column_types(self) -> dict[str, str]:
        """Column → stored type (a record's fields as columns of their own, io/records.py)."""
        return records.flat_types(self.schema)

    def class_names(self, column: str) -> tuple[str, ...] | None:
        """The names of an integer label column's classes, where the file keeps them: a
        Hugging Face dataset's ClassLabel feature, in the schema's `huggingface` metadata."""
        return class_label_names(self.schema, column)


def class_label_names(schema: pa.Schema, column: str) -> tuple[str, ...] | None:
    """A Hugging Face ClassLabel's names for a column, from the schema's metadata; None when
    there are none (or the metadata is not what `datasets` writes)."""
    import json

    try:
        meta = json.loads((schema.metadata or {}).get(b"huggingface", b"{}"))
        feature = meta["info"]["features"][column]
        names = feature["names"] if feature.get("_type") == "ClassLabel" else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return None
    return tuple(names) if len(set(names)) == len(names) else None


def column_names(schema: pa.Schema, name: str) -> list[str]:
    """A stored schema's column names, a record's fields as columns of their own
    (io/records.py); names that are not UTF-8 are an input error."""
    try:
        return records.flat_names(schema)
    except UnicodeDecodeError:
        raise InputError("a column name is not UTF-8 text (a corrupt file?)", file=name) from None
