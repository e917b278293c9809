"""One Parquet file, read batch by batch with only the needed columns."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence

import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io import records, storage
from xentcli.io.prefetch import prefetch
from xentcli.io.source import (
    BAD_FILE,
    StoredSchema,
    check_text,
    column_names,
    not_the_file,
    without_views,
)

PARQUET_BUFFER_BYTES = 1 << 20


class ParquetSource(StoredSchema):
    """A Parquet file; its row count comes from the footer, for free."""

    format = "parquet"

    def __init__(self, path: str) -> None:
        self.name = path
        remote = self.remote = storage.is_url(path)
        try:
            # Local: buffered column-chunk reads keep peak memory low at no cost in speed, where
            # pre_buffer would double it. Remote: pre_buffer coalesces the reads into few large
            # range requests (benchmarks/README.md#design-measurements).
            import pyarrow.parquet as pq  # ~12 ms to import: only for a Parquet input

            self._file = pq.ParquetFile(
                storage.open_random(path),
                pre_buffer=remote,
                buffer_size=0 if remote else PARQUET_BUFFER_BYTES,
            )
        except BAD_FILE as exc:
            raise InputError(f"not a readable Parquet file ({exc})", file=path) from None
        self.schema = self._file.schema_arrow
        self.column_names = column_names(self.schema, path)
        self.num_rows: int | None = self._file.metadata.num_rows

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row, from the first row group's metadata (no data read):
        what sizes chunks by values (docs/inputs.md)."""
        meta = self._file.metadata
        if not meta.num_row_groups or not meta.row_group(0).num_rows:
            return None
        group = meta.row_group(0)
        path = records.SEP.join(records.path_of(column, self.schema))
        try:
            for i in range(group.num_columns):
                chunk = group.column(i)
                if chunk.path_in_schema.startswith(f"{path}{records.SEP}"):  # its list's values
                    return max(1, round(chunk.num_values / group.num_rows))
        except BAD_FILE:  # corrupt metadata: reading the column will say so, naming the file
            return None
        return None

    def row_group_rows(self) -> list[int]:
        """The row count of each row group, from the footer."""
        meta = self._file.metadata
        return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]

    def batches(
        self,
        numeric: list[str],
        labels: list[str],
        chunk_rows: int,
        keys: Sequence[str] = (),
        row_groups: Sequence[int] | None = None,
    ) -> Iterator[pa.RecordBatch]:
        """Batches of the named columns, at most chunk_rows long (of these row groups only)."""
        wanted = numeric + labels + list(keys)
        missing = [c for c in wanted if c not in self.column_names]
        if missing:
            raise InputError(f"has no column {', '.join(map(repr, missing))}", file=self.name)
        stored = records.stored_columns(wanted, self.schema)
        rows = 0
        try:
            if self.remote:  # pre-buffered: one row group at a time, or all would be held at once
                groups = range(self._file.num_row_groups) if row_groups is None else row_groups
                batches = itertools.chain.from_iterable(
                    self._file.iter_batches(batch_size=chunk_rows, row_groups=[g], columns=stored)
                    for g in groups
                )
            else:  # decoded on the prefetch thread alone: pyarrow's own threads would compete
                # with the scoring for the two cores
                batches = self._file.iter_batches(
                    batch_size=chunk_rows, row_groups=row_groups, columns=stored, use_threads=False
                )
            for stored_batch in prefetch(batches):
                batch = without_views(records.select(stored_batch, wanted, self.name, rows))
                check_text(batch, self.name, rows)
                rows += batch.num_rows
                yield batch
        except pa.ArrowCancelled:  # pyarrow's form of Ctrl-C
            raise KeyboardInterrupt from None
        except BAD_FILE as exc:
            not_the_file(exc, self.name)
            where = f" in row groups {row_groups[0]}-{row_groups[-1]}" if row_groups else ""
            raise InputError(
                f"corrupt or truncated Parquet data{where} after row {rows} ({exc})",
                file=self.name,
            ) from None
