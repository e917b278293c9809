"""--rows-out FILE: every used row's number, loss, label, predicted class, confidence, correct
flag and weight, plus the kept columns, streamed to Parquet or CSV with pyarrow's writers as each
chunk is scored (constant memory), into a temporary file renamed into place only once the report
is made (docs/reports.md#rows)."""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import UsageError
from xentcli.io.arrow_numpy import arrow_array, text_array
from xentcli.io.atomic import AtomicFile
from xentcli.metrics.breakdown import Scored
from xentcli.metrics.rows import kept_name, row_columns
from xentcli.metrics.worst import ORDER
from xentcli.tasks import Task

QUEUED = 2  # batches waiting for the writer thread: memory stays a few chunks
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
    """The per-row file being written; commit() once the report is made, else discard().
    Batches are encoded on a writer thread (pyarrow releases the GIL), at most QUEUED waiting,
    so writing overlaps scoring the next chunks."""

    def __init__(self, path: str, task: Task, logits: bool, keep: tuple[str, ...]) -> None:
        self.format = rows_format(path)
        self.task, self.logits, self.keep = task, logits, keep
        self.file = AtomicFile(path, "--rows-out")
        self.rows = 0
        self.queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=QUEUED)
        self.failure: BaseException | None = None
        self.thread: threading.Thread | None = None

    def write(self, scored: Scored) -> None:
        """Append one scored chunk's used rows."""
        columns = row_columns(scored, self.task, self.logits)
        classes = scored.chunk.classes
        arrays: dict[str, pa.Array] = {}
        for name in ORDER:
            if name not in columns:
                continue
            values = columns[name]
            if name in ("label", "predicted") and self.task != Task.REGRESSION:
                arrays[name] = _named(values, classes)
            else:
                arrays[name] = arrow_array(values)
        for name in self.keep:
            shown = kept_name(name)
            arrays[shown if shown not in arrays else f"{shown}_input"] = scored.column(name)
        batch = pa.RecordBatch.from_pydict(arrays)
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._drain, args=(batch.schema,), name="xentcli-rows-out", daemon=True
            )
            self.thread.start()
        self._raise_failure()
        self.queue.put(batch)
        self.rows += batch.num_rows

    def _drain(self, schema: pa.Schema) -> None:
        """The writer thread: open the writer, write every batch until None, close."""
        writer = None
        try:
            writer = self._open(schema)
            while (batch := self.queue.get()) is not None:
                if self.failure is None:
                    writer.write_batch(batch)
        except BaseException as exc:  # raised in the main thread at its next step
            self.failure = exc
            while self.queue.get() is not None:  # let the main thread go on to its error
                pass
        finally:
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()

    def _open(self, schema: pa.Schema) -> Any:
        if self.format == "parquet":
            import pyarrow.parquet as pq

            # dictionaries only for text: trying them on numbers costs 2.5x the write
            # (benchmarks/README.md#rows)
            text = [f.name for f in schema if pa.types.is_string(f.type)]
            return pq.ParquetWriter(self.file.path, schema, use_dictionary=text or False)
        import pyarrow.csv as pcsv

        return pcsv.CSVWriter(self.file.path, schema)

    def _finish(self) -> None:
        """Let the writer thread write what is queued and close the file."""
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None

    def _raise_failure(self) -> None:
        if self.failure is not None:
            failure, self.failure = self.failure, None
            if isinstance(failure, OSError):
                self._finish()
                raise self.file.failed(failure) from None
            raise failure

    def commit(self) -> None:
        """Write what is queued, close the file and put it in place."""
        self._finish()
        self._raise_failure()
        self.file.commit()

    def section(self) -> RowsFile:
        """What the report says of the file."""
        return RowsFile(self.file.output, self.format, self.rows)

    def discard(self) -> None:
        """Stop writing and remove the unfinished file."""
        if self.thread is not None:
            self.failure = self.failure or InterruptedError()  # the thread writes no more
            self._finish()
        self.file.discard()


def _named(codes: np.ndarray, classes: tuple[str, ...] | None) -> pa.Array:
    """Class codes as their names (binary without names: the codes 0 and 1)."""
    if classes is None:
        return arrow_array(codes)
    return pa.DictionaryArray.from_arrays(
        arrow_array(codes.astype(np.int32)), text_array(classes)
    ).cast(pa.string())
