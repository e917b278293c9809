"""In-memory tables from Python: a pandas or polars DataFrame, or a dict of columns, as one Arrow
table (docs/api.md#inputs). What Arrow cannot hold as one column is an error naming the column
and, for mixed values, the first row that differs; dtypes Arrow has no plain type for (sparse,
period, interval) are read as pandas shows them."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from xentcli.errors import UsageError
from xentcli.io.source import check_distinct, mixed_types

FRAME = "<DataFrame>"


def is_frame(source: Any) -> bool:
    """A pandas or polars DataFrame, or a dict of columns."""
    module = type(source).__module__.split(".")[0]
    return isinstance(source, dict) or (
        module in ("pandas", "polars") and type(source).__name__ == "DataFrame"
    )


def frame_table(source: Any) -> pa.Table:
    """The frame as an Arrow table; the index of a pandas frame is left out."""
    if type(source).__module__.startswith("polars"):
        return source.to_arrow()
    import pandas as pd

    frame = pd.DataFrame(source) if isinstance(source, dict) else source
    check_distinct([str(c) for c in frame.columns], FRAME)
    frame = _plain(frame, pd)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise _unreadable(frame, exc) from None


def _plain(frame: Any, pd: Any) -> Any:
    """Sparse columns made dense, periods and intervals as their text (for --by and kept
    columns); others as they are. A copy only when a column changes."""
    changed = {}
    for name in frame.columns:
        dtype = frame[name].dtype
        if isinstance(dtype, pd.SparseDtype):
            changed[name] = frame[name].sparse.to_dense()
        elif isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
            changed[name] = frame[name].astype(str)
    return frame.assign(**{str(k): v for k, v in changed.items()}) if changed else frame


def _unreadable(frame: Any, exc: Exception) -> Exception:
    """Which column pyarrow could not convert, and the first row whose type differs."""
    for name in frame.columns:
        if frame[name].dtype == object:
            fix = f", e.g. frame[{str(name)!r}].astype(str)"
            found = mixed_types(frame[name].tolist(), FRAME, str(name), fix)
            if found is not None:
                return found
    return UsageError(f"cannot read the DataFrame as a table: {exc}")
