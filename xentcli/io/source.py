"""What every reader offers: the Source protocol, and the shared part of the sources that store
their schema and row count."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import pyarrow as pa

# what pyarrow raises for a file that is not what it claims (bad bytes, a cut, names that are
# not UTF-8): each an input error naming the file, never an internal one
BAD_FILE = (pa.ArrowException, OSError, EOFError, UnicodeDecodeError)


class Source(Protocol):
    """A table read in batches; only the columns asked for are read."""

    @property
    def name(self) -> str:
        """How the source is named in reports and errors."""

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
        """Column → stored type."""
        return {f.name: str(f.type) for f in self.schema}


def column_names(schema: pa.Schema, name: str) -> list[str]:
    """A stored schema's column names; names that are not UTF-8 are an input error."""
    from xentcli.errors import InputError

    try:
        return list(schema.names)
    except UnicodeDecodeError:
        raise InputError("a column name is not UTF-8 text (a corrupt file?)", file=name) from None
