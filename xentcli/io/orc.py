"""One ORC file (Hive's and Spark's columnar format), read a stripe at a time with only the
needed columns, by pyarrow's ORC reader (docs/inputs.md)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow as pa

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


class OrcSource(StoredSchema):
    """An ORC file; its row count comes from the footer."""

    format = "orc"

    def __init__(self, path: str) -> None:
        self.name = path
        try:
            import pyarrow.orc as orc  # only for an ORC input

            self._file = orc.ORCFile(storage.open_random(path))
            self.schema = self._file.schema
            self.num_rows: int | None = self._file.nrows
        except BAD_FILE as exc:
            raise InputError(f"not a readable ORC file ({exc})", file=path) from None
        self.column_names = column_names(self.schema, path)

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Batches of the named columns, a stripe at a time, at most chunk_rows long."""
        wanted = numeric + labels + list(keys)
        stored = records.stored_columns(wanted, self.schema)
        rows = 0
        try:
            for stripe in range(self._file.nstripes):
                read = self._file.read_stripe(stripe, columns=stored)
                batch = without_views(records.select(read, wanted, self.name, rows))
                check_text(batch, self.name, rows)
                for start in range(0, batch.num_rows, chunk_rows):
                    yield batch.slice(start, chunk_rows)
                rows += batch.num_rows
        except BAD_FILE as exc:
            not_the_file(exc, self.name)
            raise InputError(
                f"corrupt or truncated ORC data after row {rows} ({exc})", file=self.name
            ) from None
