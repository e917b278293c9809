"""--rows-out FILE: every used row's number, loss, label, predicted class, confidence, correct
flag and weight, plus the kept columns, streamed to Parquet or CSV with pyarrow's writers as each
chunk is scored (constant memory), into a temporary file renamed into place only once the report
is made (docs/reports.md#rows)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import UsageError
from xentcli.io.atomic import AtomicFile
from xentcli.metrics.breakdown import Scored
from xentcli.metrics.rows import row_columns
from xentcli.metrics.worst import ORDER
from xentcli.tasks import Task

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def rows_format(path: str) -> str:
    """parquet or csv, by the file's suffix; any other is a usage error."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in FORMATS:
        raise UsageError(
            f"--rows-out {path}: name a .parquet or .csv file (the suffix picks the format)"
        )
    return FORMATS[suffix]


@dataclass(frozen=True)
class RowsFile:
    """The rows_out section: where the per-row file went, its format and its rows."""

    path: str
    format: str
    rows: int

    def to_json(self) -> dict[str, Any]:
        """The section as the JSON report holds it."""
        return {"path": self.path, "format": self.format, "rows": self.rows}


class RowsOut:
    """The per-row file being written; commit() once the report is made, else discard()."""

    def __init__(
        self, path: str, task: Task, logits: bool, threshold: float, keep: tuple[str, ...]
    ) -> None:
        self.format = rows_format(path)
        self.task, self.logits, self.threshold, self.keep = task, logits, threshold, keep
        self.file = AtomicFile(path, "--rows-out")
        self.writer: Any = None
        self.rows = 0

    def write(self, scored: Scored) -> None:
        """Append one scored chunk's used rows."""
        columns = row_columns(scored, self.task, self.logits, self.threshold)
        classes = scored.chunk.classes
        arrays: dict[str, pa.Array] = {}
        for name in ORDER:
            if name not in columns:
                continue
            values = columns[name]
            if name in ("label", "predicted") and self.task != Task.REGRESSION:
                arrays[name] = _named(values, classes)
            else:
                arrays[name] = pa.array(values)
        for name in self.keep:
            arrays[name if name not in arrays else f"{name}_input"] = scored.column(name)
        batch = pa.RecordBatch.from_pydict(arrays)
        try:
            if self.writer is None:
                self.writer = self._open(batch.schema)
            self.writer.write_batch(batch)
        except OSError as exc:
            raise self.file.failed(exc) from None
        self.rows += batch.num_rows

    def _open(self, schema: pa.Schema) -> Any:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetWriter(self.file.path, schema)
        import pyarrow.csv as pcsv

        return pcsv.CSVWriter(self.file.path, schema)

    def commit(self) -> None:
        """Close the writer and put the file in place."""
        try:
            if self.writer is not None:
                self.writer.close()
        except OSError as exc:
            raise self.file.failed(exc) from None
        self.file.commit()

    def section(self) -> RowsFile:
        """What the report says of the file."""
        return RowsFile(self.file.output, self.format, self.rows)

    def discard(self) -> None:
        """Remove the unfinished file."""
        if self.writer is not None:
            with contextlib.suppress(OSError):
                self.writer.close()
        self.file.discard()


def _named(codes: np.ndarray, classes: tuple[str, ...] | None) -> pa.Array:
    """Class codes as their names (binary without names: the codes 0 and 1)."""
    if classes is None:
        return pa.array(codes)
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, pa.int32()), pa.array(classes, pa.string())
    ).cast(pa.string())
