"""Columns of records — a struct column: JSON's `{"probs": {"cat": 0.7, "dog": 0.3}}`, a Parquet
group — read as one column per field, named `probs.cat` as pandas' `json_normalize` names them
(docs/inputs.md). Every other stage sees plain columns."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError

SEP = "."
VECTOR_FIELDS = ["type", "size", "indices", "values"]


def is_vector(kind: pa.DataType) -> bool:
    """Spark ML's vector as Spark writes it (`probability`, `rawPrediction`): a struct of type
    (1 dense, 0 sparse), size, indices and values."""
    if not pa.types.is_struct(kind):
        return False
    names = {kind.field(i).name for i in range(kind.num_fields)}
    return (
        {"type", "values"} <= names <= set(VECTOR_FIELDS)  # JSON leaves size and indices out
        and pa.types.is_list(kind.field("values").type)
    )


def _leaves(
    name: str, kind: pa.DataType, path: tuple[str, ...]
) -> Iterator[tuple[str, tuple[str, ...], pa.DataType]]:
    if is_vector(kind):  # a list column of its dense values
        yield name, (*path, "values"), kind.field("values").type
    elif pa.types.is_struct(kind) and kind.num_fields:
        for i in range(kind.num_fields):
            child = kind.field(i)
            yield from _leaves(f"{name}{SEP}{child.name}", child.type, (*path, child.name))
    else:
        yield name, path, kind


def leaves(schema: pa.Schema) -> list[tuple[str, tuple[str, ...], pa.DataType]]:
    """(column name, path of field names, type) of every column a schema gives: a struct's
    fields in its place, named parent.field (nested ones parent.field.child)."""
    return [leaf for f in schema for leaf in _leaves(f.name, f.type, (f.name,))]


def flat_names(schema: pa.Schema) -> list[str]:
    """The column names, records' fields in their place."""
    return [name for name, _, _ in leaves(schema)]


def flat_types(schema: pa.Schema) -> dict[str, str]:
    """Column → type, records' fields in their place."""
    return {name: str(kind) for name, _, kind in leaves(schema)}


def flat_keys(record: dict) -> list[str]:
    """A JSON object's keys, its objects' keys in their place (as flat_names names them)."""
    keys = []
    for key, value in record.items():
        vector = isinstance(value, dict) and {"type", "values"} <= set(value) <= set(VECTOR_FIELDS)
        if isinstance(value, dict) and value and not vector:
            keys += [f"{key}{SEP}{inner}" for inner in flat_keys(value)]
        else:
            keys.append(key)
    return keys


def field_of(record: dict, column: str) -> object:
    """The value a JSON object holds for a column flat_keys names (None where it has none)."""
    if column in record:
        return record[column]
    for key, value in record.items():
        if isinstance(value, dict) and column.startswith(f"{key}{SEP}"):
            found = field_of(value, column[len(key) + len(SEP) :])
            if found is not None:
                return found
    return None


def path_of(column: str, schema: pa.Schema) -> tuple[str, ...]:
    """The field names that lead to a column (a record's field, or a Spark vector's values)."""
    return next((path for name, path, _ in leaves(schema) if name == column), (column,))


def stored_columns(wanted: list[str], schema: pa.Schema) -> list[str]:
    """The stored columns that hold the wanted ones (a record column once for all its fields)."""
    paths = {name: path for name, path, _ in leaves(schema)}
    return list(dict.fromkeys(paths[name][0] if name in paths else name for name in wanted))


def select(
    batch: pa.RecordBatch,
    wanted: list[str],
    file: str | None = None,
    rows_before: int | None = None,
) -> pa.RecordBatch:
    """The wanted columns of a batch of stored columns; a record's field is null where the
    record is (StructArray.flatten merges the parent's validity; `.field` would not)."""
    plain = {f.name for f in batch.schema if not pa.types.is_struct(f.type)}
    if all(name in plain for name in wanted):
        return batch.select(wanted)
    paths = {name: path for name, path, _ in leaves(batch.schema)}
    arrays = []
    for name in wanted:
        path = paths[name]
        array = batch.column(path[0])
        for field in path[1:]:
            fields = array.flatten()
            if is_vector(array.type):
                kinds = fields[array.type.get_field_index("type")]
                _refuse_sparse(kinds, name, file, rows_before)
            array = fields[array.type.get_field_index(field)]
        arrays.append(array)
    return pa.RecordBatch.from_arrays(arrays, names=wanted)


def _refuse_sparse(kinds: pa.Array, name: str, file: str | None, rows_before: int | None) -> None:
    """A Spark vector stored sparse holds only its nonzero values: not read as K values."""
    sparse = np.flatnonzero(kinds.to_numpy(zero_copy_only=False) == 0)
    if sparse.size:
        raise InputError(
            "a sparse vector (Spark ML): write the vectors dense, with "
            f"pyspark.ml.functions.vector_to_array({name})",
            file=file,
            row=None if rows_before is None else rows_before + int(sparse[0]) + 1,
            column=name,
        )


def explicit_fields(numeric: list[str], schema: pa.Schema | None) -> list[pa.Field]:
    """The fields of a JSON reader's explicit schema that read the numeric columns as float64,
    a record's numeric fields inside its struct type (its other fields are inferred)."""
    paths = {name: path for name, path, _ in leaves(schema)} if schema is not None else {}
    tree: dict[str, dict | None] = {}
    for name in numeric:
        node = tree
        *parents, last = paths.get(name, (name,))
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[last] = None
    return [_field(name, node) for name, node in tree.items()]


def _field(name: str, node: dict | None) -> pa.Field:
    if node is None:
        return pa.field(name, pa.float64())
    return pa.field(name, pa.struct([_field(k, v) for k, v in node.items()]))
