"""A label column of lists — one-hot or soft targets per row, as Keras' `y_true` is saved: a
Parquet or Arrow list, or JSON arrays in CSV — read as K target columns `y_true.0` … `y_true.K-1`,
as if the file had them (docs/inputs.md). The evaluation meets the list first (prepare/labels.py
raises ListLabels) and is run again over this view of the same input. Lists one value long
(Keras' y_true of shape (n, 1)) are the label itself, `y_true.0`.

A prediction column of lists one value long, or two probabilities long (prepare/chunk.py raises
ShortLists), is read so too, as the prediction columns `proba.0` (`proba.1`) of a binary problem,
the list column itself left out of the view."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from xentcli.io.arrow_numpy import arrow_array
from xentcli.io.source import Source
from xentcli.prepare.values import list_rows


def target_names(column: str, width: int) -> list[str]:
    """The K target columns a list column of `width` values reads as."""
    return [f"{column}.{k}" for k in range(width)]


class ListTargets:
    """`inner`, whose list column `column` also reads as `width` float columns `column.k`."""

    def __init__(self, inner: Source, column: str, width: int, predictions: bool = False) -> None:
        self.inner, self.column, self.width = inner, column, width
        self.predictions = predictions  # read as prediction columns, the list column hidden
        self.targets = target_names(column, width)
        self.position = {name: k for k, name in enumerate(self.targets)}  # row of list_rows'
        self.name = inner.name

    @property
    def format(self) -> str:
        return self.inner.format

    @property
    def column_names(self) -> list[str]:
        names = self.inner.column_names
        if self.predictions:
            names = [n for n in names if n != self.column]
        return [*names, *self.targets]

    @property
    def num_rows(self) -> int | None:
        return self.inner.num_rows

    def column_types(self) -> dict[str, str]:
        types = self.inner.column_types()
        if self.predictions:  # a new dict: the inner source's may be kept
            types = {n: t for n, t in types.items() if n != self.column}
        return types | dict.fromkeys(self.targets, "double")

    @property
    def note(self) -> str:
        """How the input was read: the inner source's note, and the lists as targets."""
        if self.predictions:
            said = f"{self.column!r} holds lists of {self.width} value" + (
                f"s: read as the two columns {self.targets[0]}, {self.targets[1]}"
                if self.width > 1
                else f": read as the column {self.targets[0]}"
            )
        elif self.width == 1:  # Keras' y_true of shape (n, 1)
            label = self.targets[0]
            said = f"{self.column!r} holds lists of 1 value: read as the label column {label}"
        else:
            said = (
                f"{self.column!r} holds lists of {self.width} values: read as target columns "
                f"{self.targets[0]} … {self.targets[-1]} (one-hot or soft labels)"
            )
        inner = getattr(self.inner, "note", None)
        return f"{inner}; {said}" if inner else said

    def consumed(self, rows: int) -> float | None:
        return self.inner.consumed(rows)

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The inner source's batches, the list column's values appended as the columns
        asked for, as numbers or as the label (float64; a null list is a row of NaN, a list of
        another length an error naming its row)."""
        asked = [c for c in (*numeric, *labels) if c in self.position]
        rest = [c for c in numeric if c not in self.position]
        rest_labels = [c for c in labels if c not in self.position]
        if not asked:
            yield from self.inner.batches(numeric, labels, chunk_rows, keys)
            return
        kept = self.column in (*rest, *rest_labels, *keys)
        extra = [] if kept else [self.column]
        rows = 0
        for batch in self.inner.batches(rest, rest_labels, chunk_rows, [*keys, *extra]):
            values, _ = list_rows(
                batch.column(self.column), self.width, self.name, self.column, rows
            )
            columns = {n: arrow_array(values[self.position[n]]) for n in asked}
            names = [n for n in batch.schema.names if kept or n != self.column]
            arrays = [batch.column(n) for n in names] + list(columns.values())
            rows += batch.num_rows
            yield pa.RecordBatch.from_arrays(arrays, names=[*names, *columns])

    def __getattr__(self, name: str) -> Any:  # the inner source's other abilities
        return getattr(self.inner, name)
