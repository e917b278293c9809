"""Arrow columns to the numpy arrays the kernels take: floats, stacked classes, list columns."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError, SchemaError, listed
from xentcli.io.arrow_numpy import bool_values, float_values, int_values, null_mask, text_array
from xentcli.prepare.scratch import Scratch

_NUMBER = r"[-+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|-?[Ii]nf(inity)?|NaN|nan"
# an array's text between its brackets: JSON's (commas), or numpy's print of an array (spaces,
# maybe across lines: what pandas' to_csv writes for a column of numpy arrays)
BRACKETS = r"(?s)^\s*\[(.*)\]\s*$"
COMMAS = rf"^\s*(({_NUMBER})\s*(,\s*({_NUMBER})\s*)*)?$"
SPACES = rf"^\s*({_NUMBER})(\s+({_NUMBER}))*\s*$"
# numpy 2's repr of its scalars, what to_csv writes for a column of lists of them
SCALAR_REPR = r"np\.float(?:16|32|64)\(([^()]*)\)"
NUMBERED = re.compile(r"(.*?)(\d+)")  # a class named by a prefix and its id: LABEL_3, 3
# columns: from here class_columns converts them all at once; below, that saves little and
# its fresh array per chunk (not reused scratch) raises peak memory (benchmarks/README.md)
TENSOR_FROM = 256
NUMERIC = (pa.types.is_floating, pa.types.is_integer, pa.types.is_boolean, pa.types.is_decimal)


def floats(column: pa.Array, file: str, name: str) -> np.ndarray:
    """float64 values (nulls as NaN); a non-numeric column is a schema error naming it."""
    if not any(test(column.type) for test in NUMERIC):
        raise SchemaError(f"holds {column.type} values; expected numbers", file=file, column=name)
    return float_values(column)


def stacked(columns: list[np.ndarray], scratch: Scratch, name: str) -> np.ndarray:
    """K columns as one (K, n) array in reused memory."""
    return np.stack(columns, out=scratch.get(name, (len(columns), len(columns[0]))))


def class_columns(
    batch: pa.RecordBatch, names: Sequence[str], file: str, scratch: Scratch, name: str
) -> np.ndarray:
    """K numeric columns of a batch as one (K, n) float64 array (nulls as NaN). Many at once
    through Arrow's to_tensor, one pass in C++ instead of a Python call per column; few, each
    from its buffers into reused memory. Columns to_tensor does not take (bool, decimal, text)
    go one by one, and are named there."""
    if len(names) >= TENSOR_FROM and len(batch):
        try:
            tensor = batch.select(list(names)).to_tensor(null_to_nan=True, row_major=False)
        except (pa.ArrowException, KeyError):
            pass
        else:
            values = np.asarray(tensor).T  # column-major (n, K): a C-contiguous (K, n)
            return values if values.dtype == np.float64 else values.astype(np.float64)
    return stacked([floats(batch.column(c), file, c) for c in names], scratch, name)


def list_rows(
    column: pa.Array, width: int | None, file: str, name: str, offset: int
) -> tuple[np.ndarray, int]:
    """A list column (or JSON-array text) as (K, n) float64 and K; a null list is a row of NaN.

    K is `width`, or the first non-null row's length; a row of another length is an error.
    """
    import pyarrow.compute as pc  # slow to import: only when needed

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        column = pc.split_pattern(_array_text(column, file, name, offset), ",")
    kind = column.type
    if not (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    ):
        raise SchemaError(f"holds {kind} values; expected lists of numbers", file=file, column=name)
    missing = null_mask(column)
    lengths = int_values(pc.list_value_length(column)).astype(np.int64)
    if width is None:
        present = np.flatnonzero(~missing)
        width = int(lengths[present[0]]) if present.size else 0
        if present.size and not width:
            raise InputError(
                "holds an empty list; every row needs one value per class",
                file=file,
                row=offset + int(present[0]) + 1,
                column=name,
            )
    wrong = ~missing & (lengths != width)
    if wrong.any():
        at = int(np.argmax(wrong))
        raise InputError(
            f"holds {lengths[at]} values; every row needs {width}",
            file=file,
            row=offset + at + 1,
            column=name,
        )
    inner = kind.value_type
    text = pa.types.is_string(inner) or pa.types.is_large_string(inner)  # JSON arrays' split
    if not (text or any(test(inner) for test in NUMERIC)):  # lists of lists, of records
        raise SchemaError(
            f"holds lists of {inner} values; expected lists of numbers (one list of class "
            "scores per row)",
            file=file,
            column=name,
        )
    try:
        flat = _numbers(pc.list_flatten(column))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(
            f"holds a value that is not a number ({exc})", file=file, column=name
        ) from None
    if not missing.any():  # one pass: the transpose to (K, n) and the cast to float64 together
        return np.ascontiguousarray(flat.reshape(-1, width).T, dtype=np.float64), width
    rows = np.full((width, len(column)), np.nan)
    if width:  # else every list null (or empty): nothing to place, K not known yet
        rows[:, ~missing] = flat.reshape(-1, width).T
    return rows, width


def label_score_rows(
    column: pa.Array, classes: tuple[str, ...] | None, file: str, name: str, offset: int
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Lists of {label, score} records — a Hugging Face pipeline's output with top_k=None, in
    any order per row — as (K, n) scores by class, and the classes: `classes`, or the labels
    of this first chunk, sorted. Every row scores every class once (docs/inputs.md)."""
    import pyarrow.compute as pc

    label_at, score_at = _label_score_fields(column.type.value_type, file, name)
    n = len(column)
    lengths = int_values(pc.list_value_length(column)).astype(np.int64)
    fields = pc.list_flatten(column).flatten()
    labels, scores = fields[label_at], fields[score_at]
    if not pa.types.is_string(labels.type):
        labels = labels.cast(pa.string())
    if classes is None:
        classes = in_order(pc.unique(labels.drop_null()).to_pylist())
    k = len(classes)
    codes = pc.index_in(labels, value_set=text_array(classes))
    rows = np.repeat(np.arange(n), lengths)
    unknown = np.flatnonzero(null_mask(codes))
    if unknown.size:
        at = int(unknown[0])
        raise InputError(
            f"scores {labels[at].as_py()!r}, which is not a class "
            f"(classes: {listed(classes, 'classes')})",
            file=file,
            row=offset + int(rows[at]) + 1,
            column=name,
        )
    codes_np = int_values(codes.cast(pa.int64()))
    seen = np.bincount(rows * k + codes_np, minlength=n * k).reshape(n, k)
    short = np.flatnonzero(~null_mask(column) & (seen != 1).any(axis=1))
    if short.size:
        at = int(short[0])
        raise InputError(
            f"scores {int(lengths[at])} labels, not each of the {k} classes once "
            f"({listed(classes, 'classes')}): save every class's score (a pipeline's top_k=None)",
            file=file,
            row=offset + at + 1,
            column=name,
        )
    values = np.full((k, n), np.nan)
    values[codes_np, rows] = float_values(scores)
    return values, classes


def in_order(names: list[str]) -> tuple[str, ...]:
    """Class names sorted, those that are one prefix and a number (transformers' LABEL_0,
    LABEL_1, …, LABEL_10; `0`…`10`) by the number: a model's class ids, so that an integer
    label k is the k-th class and LABEL_10 comes after LABEL_9."""
    numbered = [NUMBERED.fullmatch(name) for name in names]
    if names and all(numbered) and len({m.group(1) for m in numbered if m}) == 1:
        ids = [int(m.group(2)) for m in numbered if m]
        return tuple(name for _, name in sorted(zip(ids, names, strict=True)))
    return tuple(sorted(names))


def _label_score_fields(kind: pa.DataType, file: str, name: str) -> tuple[int, int]:
    """Which field of a {label, score} record is the label (text or an integer), which the
    score (a float)."""
    types = [kind.field(i).type for i in range(kind.num_fields)] if pa.types.is_struct(kind) else []
    labels = [i for i, t in enumerate(types) if pa.types.is_string(t) or pa.types.is_integer(t)]
    scores = [i for i, t in enumerate(types) if pa.types.is_floating(t)]
    if len(types) != 2 or len(labels) != 1 or len(scores) != 1:
        raise SchemaError(
            f"holds lists of {kind} values; expected lists of numbers, or of records of a "
            "label and a score ({label, score}, as a pipeline writes them)",
            file=file,
            column=name,
        )
    return labels[0], scores[0]


def _array_text(column: pa.Array, file: str, name: str, offset: int) -> pa.Array:
    """Arrays written as text — JSON's `[0.1, 0.9]`, numpy's printed `[0.1 0.9]` or
    `[np.float64(0.1), np.float64(0.9)]` — as their numbers joined by commas; anything else
    ("[[0.1, 0.9]]", "[0.3, 0 .4]", numpy's shortened `[0.1 ... 0.9]`) is an error at its row."""
    import pyarrow.compute as pc

    text = pc.replace_substring_regex(column, SCALAR_REPR, r"\1")
    inner = pc.replace_substring_regex(text, BRACKETS, r"\1")
    well_formed = pc.and_(
        pc.match_substring_regex(text, BRACKETS),
        pc.or_(pc.match_substring_regex(inner, COMMAS), pc.match_substring_regex(inner, SPACES)),
    )
    bad = np.flatnonzero(~null_mask(column) & ~bool_values(well_formed, null=True))
    if bad.size:
        value = column[int(bad[0])].as_py()
        why = (
            "numpy printed this array shortened ('...'): save the values themselves "
            "(to_parquet, or a column of lists: P.tolist())"
            if "..." in value
            else "not a JSON array of numbers"
        )
        raise InputError(
            f"{value!r} is {why}", file=file, row=offset + int(bad[0]) + 1, column=name
        )
    return pc.replace_substring_regex(pc.utf8_trim_whitespace(inner), r"\s*,\s*|\s+", ",")


def _numbers(values: pa.Array) -> np.ndarray:
    """A flat array of list values as numpy: a view of float32 or float64 buffers without nulls
    (no copy; widened to float64 with the transpose), else cast to float64."""
    if (pa.types.is_float32(values.type) or pa.types.is_float64(values.type)) and not (
        values.null_count
    ):
        dtype = np.float32 if pa.types.is_float32(values.type) else np.float64
        return np.frombuffer(
            values.buffers()[1], dtype, len(values), values.offset * dtype().itemsize
        )
    return float_values(values.cast(pa.float64()))
