"""Arrow slices to validated numpy arrays: NaN policy, ignored labels, ranges, row sums, weights."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from xentcli.arrow_numpy import float_values
from xentcli.errors import InputError, SchemaError
from xentcli.kernels import Scratch
from xentcli.labels import IGNORED, MISSING, LabelMapper
from xentcli.layout import Layout
from xentcli.options import EvalOptions


@dataclass
class Chunk:
    """One chunk's clean arrays. preds is (n,) for binary, (K, n) for multiclass."""

    preds: np.ndarray
    codes: np.ndarray
    weights: np.ndarray | None
    read: int
    skipped: int
    ignored: int
    missing: int = 0


@dataclass
class RowSumCheck:
    """Rows whose probabilities do not sum to 1: counted over all the input, reported at the end."""

    first_row: int | None = None
    count: int = 0
    first_sum: float = 0.0


class ChunkPreparer:
    """Turns aligned (predictions, labels) slices into a Chunk, raising on bad input."""

    def __init__(
        self,
        layout: Layout,
        opts: EvalOptions,
        pred_file: str,
        label_file: str,
        scratch: Scratch | None = None,
    ) -> None:
        self.scratch = scratch or Scratch()
        self.layout = layout
        self.opts = opts
        self.pred_file = pred_file
        self.label_file = label_file
        self.weight_file = label_file if layout.weight_in_labels else pred_file
        self.mapper = LabelMapper(
            layout.classes, opts.positive, opts.ignore_label, label_file, layout.label_col
        )
        self.row_sums = RowSumCheck()

    def prepare(
        self,
        preds: pa.RecordBatch,
        labels: pa.RecordBatch,
        offset: int,
        absent: np.ndarray | None = None,
    ) -> Chunk:
        """Validate and convert one aligned slice whose first row is data row offset + 1.

        `absent` marks rows that found no label (--on KEY --missing skip): dropped and counted.
        """
        lay = self.layout
        columns = [self._floats(preds.column(c), self.pred_file, c) for c in lay.pred_cols]
        if lay.task == "binary":
            values = columns[0]
        else:
            values = np.stack(
                columns, out=self.scratch.get("preds", (len(columns), len(columns[0])))
            )
        codes = self.mapper.encode(labels.column(lay.label_col), offset)
        weights = None
        if lay.weight_col is not None:
            source = labels if lay.weight_in_labels else preds
            weights = self._floats(source.column(lay.weight_col), self.weight_file, lay.weight_col)
        n = len(codes)
        n_bad = n_ignored = n_absent = 0
        keep = None
        if not _all_clean(values, codes, weights):
            ignored = codes == IGNORED
            if absent is not None:
                n_absent = int(np.count_nonzero(absent))
                ignored &= ~absent
                ignored_or_absent = ignored | absent
            else:
                ignored_or_absent = ignored
            finite = np.isfinite(values) if values.ndim == 1 else np.isfinite(values).all(axis=0)
            bad = ~finite | (codes == MISSING)
            if weights is not None:
                bad |= ~np.isfinite(weights)
            bad &= ~ignored_or_absent
            n_bad = int(np.count_nonzero(bad))
            n_ignored = int(np.count_nonzero(ignored))
            if n_bad and self.opts.nan == "error":
                raise self._missing_error(int(np.argmax(bad)), values, codes, weights, offset)
            if n_bad or n_ignored or n_absent:
                keep = np.flatnonzero(~(bad | ignored_or_absent))
                values = values[..., keep]
                codes = codes[keep]
                weights = weights[keep] if weights is not None else None
        if weights is not None and weights.size and weights.min() < 0:
            at = int(np.argmax(weights < 0))
            raise InputError(
                f"negative weight {float(weights[at])!r}; weights must be >= 0",
                file=self.weight_file,
                row=_row(offset, keep, at),
                column=lay.weight_col,
            )
        if not self.opts.logits and values.size:
            values = self._checked_probabilities(values, offset, keep)
        return Chunk(values, codes, weights, n, n_bad, n_ignored, n_absent)

    def finish(self) -> None:
        """Raise for rows that did not sum to 1, now that all of them are counted."""
        check = self.row_sums
        if check.count:
            raise InputError(
                f"probabilities sum to {check.first_sum!r}, not 1 (tolerance "
                f"{self.opts.sum_tol:g}); {check.count} row(s) like this; pass --renormalize to "
                "divide each row by its sum, or --sum-tol to widen the tolerance",
                file=self.pred_file,
                row=check.first_row,
            )

    def _checked_probabilities(
        self, values: np.ndarray, offset: int, keep: np.ndarray | None
    ) -> np.ndarray:
        if values.min() < 0.0 or values.max() > 1.0:
            outside = (values < 0.0) | (values > 1.0)
            at = int(np.argmax(outside if values.ndim == 1 else outside.any(axis=0)))
            k = 0 if values.ndim == 1 else int(np.argmax(outside[:, at]))
            value = values[at] if values.ndim == 1 else values[k, at]
            raise InputError(
                f"probability {float(value)!r} is outside [0, 1]; "
                "if these are raw scores, pass --logits",
                file=self.pred_file,
                row=_row(offset, keep, at),
                column=self.layout.pred_cols[k],
            )
        if values.ndim == 1:
            return values
        sums = values.sum(axis=0)
        if self.opts.renormalize:
            if not sums.all():
                at = int(np.argmin(sums != 0))
                raise InputError(
                    "probabilities sum to 0; cannot renormalize",
                    file=self.pred_file,
                    row=_row(offset, keep, at),
                )
            return values / sums
        off = np.abs(sums - 1.0) > self.opts.sum_tol
        count = int(np.count_nonzero(off))
        if count:
            check = self.row_sums
            if check.first_row is None:
                at = int(np.argmax(off))
                check.first_row, check.first_sum = _row(offset, keep, at), float(sums[at])
            check.count += count
        return values

    def _floats(self, column: pa.Array, file: str, name: str) -> np.ndarray:
        kind = column.type
        if not (
            pa.types.is_floating(kind)
            or pa.types.is_integer(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_decimal(kind)
        ):
            raise SchemaError(f"holds {kind} values; expected numbers", file=file, column=name)
        return float_values(column)

    def _missing_error(
        self,
        at: int,
        values: np.ndarray,
        codes: np.ndarray,
        weights: np.ndarray | None,
        offset: int,
    ) -> InputError:
        lay = self.layout
        row_values = [values[at]] if values.ndim == 1 else list(values[:, at])
        for name, value in zip(lay.pred_cols, row_values, strict=True):
            if not np.isfinite(value):
                return _nan_error(value, self.pred_file, offset + at + 1, name)
        if codes[at] == MISSING:
            return _nan_error(None, self.label_file, offset + at + 1, lay.label_col)
        assert weights is not None
        return _nan_error(weights[at], self.weight_file, offset + at + 1, lay.weight_col)


def _all_clean(values: np.ndarray, codes: np.ndarray, weights: np.ndarray | None) -> bool:
    """No missing, ignored or non-finite entry: three reductions instead of per-row masks.

    A sum is finite only if every term is (or it overflowed: then the full check runs anyway).
    """
    if not codes.size:
        return True
    if codes.min() < 0 or not np.isfinite(values.sum()):
        return False
    return weights is None or bool(np.isfinite(weights.sum()))


def _nan_error(value: float | None, file: str, row: int, column: str | None) -> InputError:
    what = "a missing value" if value is None or value != value else f"{float(value)!r}"
    return InputError(
        f"{what} where a finite number or label is needed; pass --nan skip to drop such rows",
        file=file,
        row=row,
        column=column,
    )


def _row(offset: int, keep: np.ndarray | None, at: int) -> int:
    """The 1-based data row of position `at` in a chunk that may have been filtered."""
    return offset + (int(keep[at]) if keep is not None else at) + 1
