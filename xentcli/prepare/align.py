"""Walk two batch streams side by side in equal-length slices, whatever their batch boundaries."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from xentcli.errors import AlignmentError


def align_rows(
    left: Iterator[pa.RecordBatch],
    right: Iterator[pa.RecordBatch],
    names: tuple[str, str],
    hint: str | None = None,
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch]]:
    """Yield zero-copy slices (a, b) of equal length; unequal row counts raise, naming both
    (and the `hint`, where the caller sees a likely cause)."""
    a = b = None
    a_at = b_at = 0
    a_rows = b_rows = 0
    while True:
        if a is None or a_at == a.num_rows:
            a, a_at = next(left, None), 0
            a_rows += a.num_rows if a is not None else 0
        if b is None or b_at == b.num_rows:
            b, b_at = next(right, None), 0
            b_rows += b.num_rows if b is not None else 0
        if a is None or b is None:
            break
        n = min(a.num_rows - a_at, b.num_rows - b_at)
        if n:
            yield a.slice(a_at, n), b.slice(b_at, n)
        a_at += n
        b_at += n
    if a is not None or b is not None:
        a_rows += sum(batch.num_rows for batch in left)
        b_rows += sum(batch.num_rows for batch in right)
        if a_rows != b_rows:
            raise AlignmentError(
                f"row counts differ: {names[0]} has {a_rows} rows, {names[1]} has {b_rows}; "
                "rows are paired by position (the two files must list the same rows in the same "
                "order)" + (f"; {hint}" if hint else "")
            )
