"""Arrow slices to validated numpy arrays: NaN policy, ignored labels, ranges, row sums, weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError, ShortLists, UsageError
from xentcli.prepare.labels import IGNORED, MISSING, ClassIndex, LabelMapper
from xentcli.prepare.layout import Layout
from xentcli.prepare.scratch import Scratch
from xentcli.prepare.values import class_columns, floats, label_score_rows, list_rows
from xentcli.tasks import Task


@dataclass(frozen=True)
class Checks:
    """What the preparer checks and how it treats bad rows (built by the plan)."""

    logits: bool = False
    nan_skip: bool = False
    renormalize: bool = False
    sum_tol: float = 1e-4
    positive: str | None = None
    ignore_label: str | None = None
    strict_positive: bool = False  # --positive names a label value (not a prediction column)
    negative: str | None = None  # two complementary columns: the other column's class name


@dataclass
class RowSumCheck:
    """Rows whose probabilities do not sum to 1: counted over all the input, reported at the end."""

    first_row: int | None = None
    count: int = 0
    first_sum: float = 0.0

    def merge(self, other: RowSumCheck) -> None:
        """Fold in the count of the rows after these."""
        if self.first_row is None:
            self.first_row, self.first_sum = other.first_row, other.first_sum
        self.count += other.count


@dataclass
class Chunk:
    """One chunk's clean arrays. preds is (n,) for binary, (K, n) for multiclass."""

    preds: np.ndarray
    codes: np.ndarray
    weights: np.ndarray | None
    targets: np.ndarray | None  # K target columns (K, n), or regression labels (n,)
    read: int
    skipped: int
    ignored: int
    missing: int = 0
    kept: np.ndarray | None = None  # the rows kept, when some were dropped
    classes: tuple[str, ...] | None = None  # the class names in force (a list column: 0..K-1)
    negative: Any = None  # the other label value (--positive), or 0/1 labels' 0 or -1
    row_sums: RowSumCheck = field(default_factory=RowSumCheck)  # rows not summing to 1
    hard: bool = False  # preds are predicted class codes, not scores
    zero_one: bool = False  # probabilities that are all exactly 0 or 1 (labels, perhaps)


def raise_for_row_sums(check: RowSumCheck, sum_tol: float, file: str) -> None:
    """Raise for rows that did not sum to 1, now that all of them are counted."""
    if check.count:
        raise InputError(
            f"probabilities sum to {check.first_sum!r}, not 1 (tolerance "
            f"{sum_tol:g}); {check.count} row(s) like this; pass --renormalize to "
            "divide each row by its sum, or --sum-tol to widen the tolerance",
            file=file,
            row=check.first_row,
        )


class ChunkPreparer:
    """Turns aligned (predictions, labels) slices into a Chunk, raising on bad input."""

    def __init__(
        self,
        layout: Layout,
        checks: Checks,
        pred_file: str,
        label_file: str,
        scratch: Scratch | None = None,
    ) -> None:
        self.scratch = scratch or Scratch()
        self.layout = layout
        self.checks = checks
        self.pred_file = pred_file
        self.label_file = label_file
        self.weight_file = label_file if layout.weight_in_labels else pred_file
        self.classes = layout.classes
        self.mapper: LabelMapper | None = None
        self.predicted: LabelMapper | None = None  # predicted labels, mapped as the labels are
        # predicted labels of a multiclass problem without --classes: the classes as they come
        self.index = ClassIndex(checks.ignore_label) if _discovers(layout) else None

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
        if self.index is not None:  # labels first: the classes found in their order
            targets, codes = self._labels(labels, offset)
            values = self._predictions(preds, offset)
        else:  # predictions first: a list column's width names the classes
            values = self._predictions(preds, offset)
            if not values.shape[0]:  # every list null, K not known yet: nothing to map
                return self._all_lists_null(values, offset)
            targets, codes = self._labels(labels, offset)
        weights = None
        if lay.weight_col is not None:
            source = labels if lay.weight_in_labels else preds
            weights = floats(source.column(lay.weight_col), self.weight_file, lay.weight_col)
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
            if n_bad and not self.checks.nan_skip:
                raise self._missing_error(int(np.argmax(bad)), values, codes, weights, offset)
            if n_bad or n_ignored or n_absent:
                keep = np.flatnonzero(~(bad | ignored_or_absent))
                values = values[..., keep]
                codes = codes[keep]
                targets = targets[..., keep] if targets is not None else None
                weights = weights[keep] if weights is not None else None
        if weights is not None and weights.size and weights.min() < 0:
            at = int(np.argmax(weights < 0))
            raise InputError(
                f"negative weight {float(weights[at])!r}; weights must be >= 0",
                file=self.weight_file,
                row=_row(offset, keep, at),
                column=lay.weight_col,
            )
        row_sums = RowSumCheck()
        if self.index is not None:
            self.classes = self.index.classes  # the predictions may have added some
        scored = not self.checks.logits and not lay.hard and lay.task != Task.REGRESSION
        if scored and values.size:
            values = self._checked_probabilities(values, offset, keep, row_sums)
        if targets is not None and targets.size and lay.task != Task.REGRESSION:
            self._check_targets(targets, offset, keep)
        negative = None  # the other label value (--positive), or how 0/1 labels write 0 (-1)
        if self.mapper is not None:
            negative = self.mapper.negative
            negative = self.mapper.negative_number if negative is None else negative
        return Chunk(
            values,
            codes,
            weights,
            targets,
            n,
            n_bad,
            n_ignored,
            n_absent,
            keep,
            self.classes,
            negative,
            row_sums,
            lay.hard,
            scored and _all_zero_or_one(values),
        )

    def _all_lists_null(self, values: np.ndarray, offset: int) -> Chunk:
        """A chunk whose every prediction list is null before any list told K: its rows are
        skipped with --nan skip (their labels mapped by no class list yet), else an error."""
        n = values.shape[1]
        if not self.checks.nan_skip:
            raise _nan_error(None, self.pred_file, offset + 1, self.layout.pred_cols[0])
        empty = np.empty(0, np.int64)
        return Chunk(values[:, :0], empty, None, None, n, n, 0, 0, empty, None)

    def _checked_probabilities(
        self, values: np.ndarray, offset: int, keep: np.ndarray | None, check: RowSumCheck
    ) -> np.ndarray:
        if values.min() < 0.0 or values.max() > 1.0:
            outside = (values < 0.0) | (values > 1.0)
            at = int(np.argmax(outside if values.ndim == 1 else outside.any(axis=0)))
            k = 0 if values.ndim == 1 else int(np.argmax(outside[:, at]))
            value = values[at] if values.ndim == 1 else values[k, at]
            lay = self.layout
            where = f" (element {k + 1} of the list)" if lay.pred_list else ""
            raise InputError(
                f"probability {float(value)!r}{where} is outside [0, 1]; "
                "if these are raw scores, pass --logits",
                file=self.pred_file,
                row=_row(offset, keep, at),
                column=lay.pred_cols[0] if lay.pred_list else lay.pred_cols[k],
            )
        if values.ndim == 1 or self.layout.task == Task.MULTILABEL:
            return values
        sums = values.sum(axis=0)
        if self.checks.renormalize:
            if not sums.all():
                at = int(np.argmin(sums != 0))
                raise InputError(
                    "probabilities sum to 0; cannot renormalize",
                    file=self.pred_file,
                    row=_row(offset, keep, at),
                )
            return values / sums
        off = np.abs(sums - 1.0) > self.checks.sum_tol
        count = int(np.count_nonzero(off))
        if count:
            if check.first_row is None:
                at = int(np.argmax(off))
                check.first_row, check.first_sum = _row(offset, keep, at), float(sums[at])
            check.count += count
        return values

    def _predictions(self, preds: pa.RecordBatch, offset: int) -> np.ndarray:
        """(n,) for one column (binary, regression); (K, n) for classes or a list column;
        predicted labels as their class codes (NaN where missing)."""
        lay = self.layout
        if lay.hard:
            return self._predicted_labels(preds.column(lay.pred_cols[0]), offset)
        if lay.pred_list:
            name = lay.pred_cols[0]
            column = preds.column(name)
            if _of_records(column.type):  # {label, score} per class: the classes by name
                values, self.classes = label_score_rows(
                    column, self.classes, self.pred_file, name, offset
                )
                return values
            width = len(self.classes) if self.classes else (len(lay.target_cols) or None)
            values, found = list_rows(column, width, self.pred_file, name, offset)
            if lay.short_lists:
                _check_short_list(lay.task, name, found, self.checks, self.pred_file)
            if self.classes is None and found:
                self.classes = tuple(str(k) for k in range(found))
            return values
        if lay.task in (Task.BINARY, Task.REGRESSION):
            return floats(preds.column(lay.pred_cols[0]), self.pred_file, lay.pred_cols[0])
        return class_columns(preds, lay.pred_cols, self.pred_file, self.scratch, "preds")

    def _predicted_labels(self, column: pa.Array, offset: int) -> np.ndarray:
        if self.index is not None:
            codes = self.index.encode(column, labels=False)
        else:
            if self.predicted is None:
                name = self.layout.pred_cols[0]
                self.predicted = LabelMapper(
                    self.classes, self.checks.positive, None, self.pred_file, name
                )
            codes = self.predicted.encode(column, offset)
        return np.where(codes >= 0, codes, np.nan)

    def _labels(self, labels: pa.RecordBatch, offset: int) -> tuple[np.ndarray | None, np.ndarray]:
        """(targets, codes): K target columns or regression values with MISSING codes where they
        are not finite; or no targets and the class codes of one label column."""
        lay = self.layout
        if lay.target_cols:
            targets = class_columns(
                labels, lay.target_cols, self.label_file, self.scratch, "targets"
            )
            finite = np.isfinite(targets).all(axis=0)
        elif lay.task == Task.REGRESSION:
            assert lay.label_col is not None
            targets = floats(labels.column(lay.label_col), self.label_file, lay.label_col)
            finite = np.isfinite(targets)
        elif self.index is not None:
            assert lay.label_col is not None
            codes = self.index.encode(labels.column(lay.label_col), labels=True)
            self.classes = self.index.classes
            return None, codes
        else:
            assert lay.label_col is not None
            if self.mapper is None:
                self.mapper = LabelMapper(
                    self.classes,
                    self.checks.positive,
                    self.checks.ignore_label,
                    self.label_file,
                    lay.label_col,
                    self.checks.strict_positive,
                    self.checks.negative,
                )
            return None, self.mapper.encode(labels.column(lay.label_col), offset)
        return targets, np.where(finite, 0, MISSING)

    def _check_targets(self, targets: np.ndarray, offset: int, keep: np.ndarray | None) -> None:
        """Targets are probabilities in [0, 1]; for multiclass each row sums to 1."""
        outside = (targets < 0.0) | (targets > 1.0)
        if outside.any():
            k, at = (int(v[0]) for v in np.nonzero(outside))
            raise InputError(
                f"target {float(targets[k, at])!r} is outside [0, 1]",
                file=self.label_file,
                row=_row(offset, keep, at),
                column=self.layout.target_cols[k],
            )
        if self.layout.task == Task.MULTICLASS:
            sums = targets.sum(axis=0)
            off = np.abs(sums - 1.0) > self.checks.sum_tol
            if off.any():
                at = int(np.argmax(off))
                raise InputError(
                    f"target probabilities sum to {float(sums[at])!r}, not 1; for independent "
                    "0/1 labels pass --task multilabel",
                    file=self.label_file,
                    row=_row(offset, keep, at),
                )

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
        names = [lay.pred_cols[0]] * len(row_values) if lay.pred_list else list(lay.pred_cols)
        for name, value in zip(names, row_values, strict=True):
            if not np.isfinite(value):
                return _nan_error(value, self.pred_file, offset + at + 1, name)
        if codes[at] == MISSING:
            column = lay.label_col or ", ".join(lay.target_cols)
            return _nan_error(None, self.label_file, offset + at + 1, column)
        assert weights is not None
        return _nan_error(weights[at], self.weight_file, offset + at + 1, lay.weight_col)


def _of_records(kind: pa.DataType) -> bool:
    """A list column of records (a pipeline's {label, score} per class)."""
    is_list = pa.types.is_list(kind) or pa.types.is_large_list(kind)
    return is_list and pa.types.is_struct(kind.value_type)


def _discovers(layout: Layout) -> bool:
    """Predicted labels of several classes, none named: the classes are found as they come."""
    return layout.hard and layout.task == Task.MULTICLASS and layout.classes is None


def _all_zero_or_one(values: np.ndarray) -> bool:
    """Every probability exactly 0 or 1 (predicted labels written as floats?): decided by the
    first 64 values for almost any real model's output, by a pass over all of them otherwise."""
    if not values.size:
        return False
    head = values.flat[:64]  # a copy of 64 values, whatever the strides
    return not np.any(head * (1.0 - head)) and not np.any(values * (1.0 - values))


def _all_clean(values: np.ndarray, codes: np.ndarray, weights: np.ndarray | None) -> bool:
    """No missing, ignored or non-finite entry: three reductions instead of per-row masks.

    A sum is finite only if every term is (or it overflowed: then the full check runs anyway).
    """
    if not codes.size:
        return True
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow only means: check fully
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


def _check_short_list(task: Task, name: str, found: int, checks: Checks, file: str) -> None:
    """A list column that may be a binary problem's (Layout.short_lists), its length `found`
    now known: one value or two probabilities per row raise ShortLists (the run is read again
    over them as columns); a longer list is multiclass, where --task binary and --positive,
    let through before its length was known, are refused."""
    if not found:  # every list of the chunk null (--nan skip): a later chunk tells
        return
    if found == 1 or (found == 2 and not checks.logits):
        raise ShortLists(
            f"holds lists of {found} value{'s' if found > 1 else ''}: one binary problem, read "
            f"as {'its columns' if found > 1 else 'a column'} where the input can be read "
            "again or its first list tells the length (stdin, --engine dask); else pass "
            + (
                "--task multiclass for the two-class form, or write P(positive) as a column"
                if found > 1
                else "the value as a column"
            ),
            file=file,
            column=name,
            width=found,
        )
    held = f"{name!r} holds lists of {found}{' logits' if checks.logits else ' values'}"
    if task == Task.BINARY:
        raise UsageError(
            f"--task binary takes a list of one value or two probabilities per row; {held}: "
            "drop --task binary"
        )
    if checks.positive is not None:
        raise UsageError(
            f"--positive applies to binary, not to this multiclass evaluation ({held})"
        )
