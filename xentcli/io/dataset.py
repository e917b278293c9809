"""Many files as one dataset: a directory (hive `key=value` folders allowed) or a glob."""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError, XentError, listed
from xentcli.io import storage
from xentcli.io.arrow_numpy import arrow_array, text_array

HIDDEN = ("_", ".")  # _SUCCESS, _metadata, .crc and the like are not data


class DatasetSource:
    """Files read one after another in sorted path order, with partition values as columns.

    Only the first file is held open from the start (it gives the columns); every other file is
    opened when its turn comes and let go after, so memory and open files stay flat whatever the
    number of files.
    """

    def __init__(self, name: str, paths: list[str], base: str, open_file: Callable[[str], Any]):
        self.name = name
        self.paths = paths
        self._open = open_file
        self._first: Any = open_file(paths[0])
        self.format = self._first.format
        self.partitions = [_partition_values(path, base) for path in paths]
        self.partition_types = _partition_types(self.partitions)
        first = list(self._first.column_names)
        self.column_names = first + [k for k in self.partition_types if k not in first]
        self.num_rows: int | None = None  # stored by binary formats only: then every file's footer
        if self._first.num_rows is not None:
            self.num_rows = sum(part.num_rows for part in self.parts())
        self._starts: list[tuple[int, str]] = []  # (rows before it, its name) per file read

    def parts(self) -> Iterator[Any]:
        """Each file's source in path order, opened as it is reached."""
        for index, path in enumerate(self.paths):
            yield self._first if index == 0 else self._open(path)

    def consumed(self, rows: int) -> float | None:
        """The fraction of the rows read: the row count is stored."""
        return rows / self.num_rows if self.num_rows else None

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row, from the first file (what sizes chunks by values)."""
        known = getattr(self._first, "values_per_row", None)
        return known(column) if known is not None and column in self._first.column_names else None

    def class_names(self, column: str) -> tuple[str, ...] | None:
        """The first file's names of a label column's classes, if it keeps them."""
        names = getattr(self._first, "class_names", None)
        return names(column) if names is not None else None

    def column_types(self) -> dict[str, str]:
        """The first file's column types, and the partition columns'."""
        first = self._first.column_types()
        return first | {k: str(v) for k, v in self.partition_types.items() if k not in first}

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """Every file's batches in turn; partition columns filled in from the path."""
        self._starts = []
        rows = 0
        for part, values in zip(self.parts(), self.partitions, strict=True):
            self._starts.append((rows, part.name))
            for batch in with_partitions(
                part, values, self.partition_types, numeric, labels, chunk_rows, keys
            ):
                rows += batch.num_rows
                yield batch

    def placed(self, error: XentError) -> XentError:
        """An error at the dataset's row r, named at the file that holds it and its row there."""
        if error.file == self.name and error.row is not None:
            for start, name in reversed(self._starts):
                if error.row > start:
                    error.file, error.row = name, error.row - start
                    break
        return error


def with_partitions(
    part: Any,
    values: dict[str, str],
    types: dict[str, pa.DataType],
    numeric: list[str],
    labels: list[str],
    chunk_rows: int,
    keys: Sequence[str] = (),
    **read: Any,
) -> Iterator[pa.RecordBatch]:
    """One file's batches, the partition columns its path gives filled in (`read`: more
    arguments for part.batches, such as Parquet row_groups)."""
    wanted = numeric + labels + list(keys)
    from_path = [c for c in wanted if c in values and c not in part.column_names]
    own = [c for c in wanted if c not in from_path]
    missing = [c for c in own if c not in part.column_names]
    if missing:  # the first file gave the columns; a later one must hold those used
        raise InputError(
            f"no column {', '.join(map(repr, missing))} here, though the dataset's first file "
            f"has it; columns are: {listed(part.column_names, 'columns')}",
            file=part.name,
        )
    own_numeric = [c for c in numeric if c in own]
    own_labels = [c for c in labels if c in own]
    own_keys = [c for c in keys if c in own]
    for batch in part.batches(own_numeric, own_labels, chunk_rows, own_keys, **read):
        columns = {c: batch.column(c) for c in own}
        for c in from_path:
            columns[c] = _constant(values[c], types[c], batch.num_rows)
        yield pa.RecordBatch.from_arrays([columns[c] for c in wanted], names=wanted)


def dataset_paths(target: str) -> tuple[list[str], str]:
    """The files of a directory (recursively) or a glob, sorted, and the folder they hang from."""
    if storage.is_url(target):
        return storage.list_remote(target)
    if os.path.isdir(target):
        paths = []
        for folder, dirs, names in os.walk(target):
            dirs[:] = [d for d in dirs if not d.startswith(HIDDEN)]
            paths += [
                os.path.join(folder, n)
                for n in names
                if not n.startswith(HIDDEN) and n not in storage.METADATA
            ]
        paths.sort()
        if not paths:
            raise InputError("the directory holds no data files", file=target)
        return paths, target
    paths, seen = [], set()
    for p in sorted(glob.glob(target, recursive=True)):  # '**' follows links: a loop repeats
        real = os.path.realpath(p)
        if os.path.isfile(p) and real not in seen:
            seen.add(real)
            paths.append(p)
    if not paths:
        raise InputError("the pattern matches no file", file=target)
    return paths, os.path.commonpath([os.path.dirname(p) or "." for p in paths])


def _partition_values(path: str, base: str) -> dict[str, str]:
    """{key: value} from the `key=value` folders between base and the file."""
    folders = os.path.relpath(os.path.dirname(path), base).split(os.sep)
    return dict(f.split("=", 1) for f in folders if "=" in f)


def _partition_types(partitions: list[dict[str, str]]) -> dict[str, pa.DataType]:
    """Each partition key: int64 if every value is an integer, float64 if a number, else text."""
    keys = {k: None for values in partitions for k in values}
    types = {}
    for key in keys:
        texts = [values.get(key) for values in partitions]
        if None in texts:
            raise InputError(f"partition key {key!r} is missing from some folders")
        types[key] = _infer(texts)  # type: ignore[arg-type]
    return types


def _infer(texts: list[str]) -> pa.DataType:
    for kind, parse in ((pa.int64(), int), (pa.float64(), float)):
        try:
            for text in texts:
                parse(text)
        except ValueError:
            continue
        return kind
    return pa.string()


def _constant(text: str, kind: pa.DataType, n: int) -> pa.Array:
    if pa.types.is_integer(kind):
        return arrow_array(np.full(n, int(text), np.int64))
    if pa.types.is_floating(kind):
        return arrow_array(np.full(n, float(text)))
    return pa.DictionaryArray.from_arrays(arrow_array(np.zeros(n, np.int32)), text_array([text]))
