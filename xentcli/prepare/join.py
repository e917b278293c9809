"""--labels FILE --on KEY: labels joined to predictions by key, the labels side held in memory."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError, SchemaError, listed
from xentcli.io.arrow_numpy import arrow_array, int_values, null_mask, text_array
from xentcli.io.source import Source
from xentcli.prepare.keyhash import text_hashes


class LabelIndex:
    """The labels file's key, label and weight columns, with each key's row."""

    def __init__(self, source: Source, key: str, label_columns: list[str], numeric: list[str]):
        import pyarrow.compute as pc  # slow to import: only when needed

        if key not in source.column_names:
            raise SchemaError(
                f"no key column {key!r}; columns are: {listed(source.column_names, 'columns')}",
                file=source.name,
            )
        self.name = source.name
        self.key = key
        labels = [c for c in label_columns if c != key]
        table = pa.Table.from_batches(list(source.batches(numeric, labels, 1 << 20, [key])))
        self.keys = _as_text(table.column(key).combine_chunks())
        if self.keys.null_count:
            at = int(np.flatnonzero(null_mask(self.keys))[0])
            raise InputError("an empty key", file=source.name, row=at + 1, column=key)
        self.table = table.drop_columns([key]) if key not in label_columns else table
        hashes = text_hashes(self.keys)
        self.order = np.argsort(hashes, kind="stable")
        self.sorted_hashes = hashes[self.order]
        # Equal hashes: a key twice, or (rarely) two keys sharing a hash. Then check exactly, and
        # if the keys are distinct, look every chunk up the slow, exact way (self.collide).
        self.collide = bool(np.any(self.sorted_hashes[1:] == self.sorted_hashes[:-1]))
        if self.collide and pc.count_distinct(self.keys).as_py() != len(self.keys):
            counts = pc.value_counts(self.keys)
            twice = counts.field("values").filter(pc.greater(counts.field("counts"), 1))[0]
            raise InputError(f"key {twice.as_py()!r} appears twice", file=source.name, column=key)
        self.used = np.zeros(len(self.keys), bool)
        self.used_count = 0

    def lookup(
        self, keys: pa.Array, file: str, offset: int, skip_missing: bool
    ) -> tuple[pa.RecordBatch, np.ndarray | None]:
        """The label rows for these prediction keys, and the mask of keys with no label."""
        found = self._find(_as_text(keys))
        absent = null_mask(found) | null_mask(keys)
        if absent.any() and not skip_missing:
            at = int(np.flatnonzero(absent)[0])
            raise InputError(
                f"key {keys[at].as_py()!r} has no label in {self.name}"
                + (self._as_float(keys[at].as_py()) or "; pass --missing skip to drop such rows"),
                file=file,
                row=offset + at + 1,
                column=self.key,
            )
        positions = np.flatnonzero(~absent)
        rows = int_values(found)[positions]
        earlier = self.used[rows]
        if earlier.any():
            raise self._twice(keys, int(positions[np.argmax(earlier)]), file, offset)
        self.used[rows] = True
        count = int(np.count_nonzero(self.used))
        if count != self.used_count + len(rows):  # a key twice within this chunk
            _, first = np.unique(rows, return_index=True)
            again = np.setdiff1d(np.arange(len(rows)), first)[0]
            raise self._twice(keys, int(positions[again]), file, offset)
        self.used_count = count
        taken = self.table.take(found)
        labels = pa.RecordBatch.from_arrays(
            [column.combine_chunks() for column in taken.columns] + [found.cast(pa.int64())],
            names=[*taken.column_names, LABEL_ROW],
        )
        return labels, (absent if absent.any() else None)

    def _as_float(self, key: object) -> str | None:
        """How the labels write a key the predictions write as an integer, when as a float
        (1 as 1.0: pandas writes an id column so once it held a NaN), or the other way."""
        text = str(key)
        other = text[:-2] if text.endswith(".0") else f"{text}.0"
        if key is None or not other.lstrip("-").replace(".", "", 1).isdigit():
            return None
        if self._find(text_array([other])).is_null()[0].as_py():
            return None
        return (
            f", which writes it as {other!r}: the keys are compared as written; write both "
            "files' ids as integers (pandas: .astype('Int64'))"
        )

    def _find(self, text: pa.Array) -> pa.Array:
        """Each key's label row (null where none): sorted-hash lookup, confirmed on the text."""
        import pyarrow.compute as pc  # slow to import: only when needed

        if self.collide:
            return pc.index_in(text, value_set=self.keys)
        hashes = text_hashes(text)
        needles = np.argsort(hashes)  # sorted needles: searchsorted walks the index in order
        at = np.empty(len(hashes), np.int64)
        at[needles] = np.searchsorted(self.sorted_hashes, hashes[needles])
        np.minimum(at, len(self.order) - 1, out=at)
        hit = self.sorted_hashes[at] == hashes
        rows = arrow_array(self.order[at], mask=~hit)
        confirmed = pc.equal(text, self.keys.take(rows))
        if not pc.all(pc.or_kleene(confirmed, pc.invert(arrow_array(hit)))).as_py():
            return pc.index_in(text, value_set=self.keys)  # a collision with an absent key
        return rows

    def _twice(self, keys: pa.Array, at: int, file: str, offset: int) -> InputError:
        return InputError(
            f"key {keys[at].as_py()!r} appears twice among the predictions",
            file=file,
            row=offset + at + 1,
            column=self.key,
        )


LABEL_ROW = "__xentcli_label_row__"  # each joined row's position in the labels file


def joined(
    preds: Iterator[pa.RecordBatch], index: LabelIndex, file: str, skip_missing: bool
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch, np.ndarray | None]]:
    """(predictions, their labels, rows with no label) per prediction batch."""
    offset = 0
    for batch in preds:
        labels, absent = index.lookup(batch.column(index.key), file, offset, skip_missing)
        yield batch, labels, absent
        offset += batch.num_rows


def _as_text(keys: pa.Array) -> pa.Array:
    """Keys compared as text, so an integer key in Parquet meets the same key read from CSV."""
    if pa.types.is_dictionary(keys.type):
        keys = keys.cast(keys.type.value_type)
    return keys if pa.types.is_string(keys.type) else keys.cast(pa.string())
