"""One pass over rows into an Accumulator: every sum an evaluation needs, in a state that merges
with another. The local engine makes one; the Dask engine one per fragment, merged in a tree."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io.source import Source
from xentcli.metrics import conventions as compat
from xentcli.metrics import kernels
from xentcli.metrics.bootstrap import Bootstrap
from xentcli.metrics.calibration import Calibration, confidences
from xentcli.metrics.groups import Groups, group_keys
from xentcli.metrics.per_class import PerClass, chunk_classes
from xentcli.metrics.registry import Totals
from xentcli.options import EvalOptions, default_chunk_rows
from xentcli.prepare.align import align_rows
from xentcli.prepare.chunk import Chunk, ChunkPreparer, RowSumCheck, targets_of
from xentcli.prepare.join import LabelIndex, joined
from xentcli.prepare.layout import Layout

Scorer = Callable[[Chunk, EvalOptions, kernels.Scratch], kernels.RowScores]

# (task, logits, K target columns) → the kernel
SCORERS: dict[tuple[str, bool, bool], Scorer] = {
    ("binary", False, False): lambda c, o, s: kernels.binary_from_probs(
        c.preds, c.codes, o.eps, o.threshold, s
    ),
    ("binary", True, False): lambda c, o, s: kernels.binary_from_logits(
        c.preds, c.codes, o.threshold, s
    ),
    ("multiclass", False, False): lambda c, o, s: kernels.multiclass_from_probs(
        c.preds, c.codes, o.eps, s
    ),
    ("multiclass", True, False): lambda c, o, s: kernels.multiclass_from_logits(
        c.preds, c.codes, s
    ),
    ("multiclass", False, True): lambda c, o, s: kernels.soft_from_probs(
        c.preds, targets_of(c), o.eps, s
    ),
    ("multiclass", True, True): lambda c, o, s: kernels.soft_from_logits(c.preds, targets_of(c), s),
    ("multilabel", False, True): lambda c, o, s: kernels.multilabel_from_probs(
        c.preds, targets_of(c), o.eps, o.threshold
    ),
    ("multilabel", True, True): lambda c, o, s: kernels.multilabel_from_logits(
        c.preds, targets_of(c), o.threshold
    ),
    ("regression", False, False): lambda c, o, s: kernels.regression(c.preds, targets_of(c)),
}


class Accumulator:
    """Row counts, metric sums and the optional breakdowns of the rows seen so far."""

    def __init__(self, opts: EvalOptions, name: str = "") -> None:
        self.name = name  # of the input, for errors found when merging
        self.totals = Totals()
        self.read = self.skipped = self.ignored = self.missing = 0
        self.per_class: PerClass | None = None
        self.groups = Groups() if opts.by else None
        self.boot = Bootstrap(opts.bootstrap, opts.seed) if opts.bootstrap else None
        self.calibration = Calibration(opts.bins) if opts.calibration else None
        self.classes: tuple[str, ...] | None = None  # as the preparer found them
        self.row_sums = RowSumCheck()
        self.negative: Any = None  # with --positive: the other label value seen

    @property
    def used(self) -> int:
        """Rows that entered the metrics."""
        return self.read - self.skipped - self.ignored - self.missing

    def merge(self, other: Accumulator) -> Accumulator:
        """Fold in the accumulator of the rows that come after this one's; returns self."""
        self.totals.merge(other.totals)
        self.read += other.read
        self.skipped += other.skipped
        self.ignored += other.ignored
        self.missing += other.missing
        for name in ("per_class", "groups", "boot", "calibration"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is None:
                setattr(self, name, copy.deepcopy(theirs))  # never share the other's state
            elif theirs is not None:
                mine.merge(theirs)
        self.classes = self._agreed(self.classes, other.classes, "class lists of another length")
        self.negative = self._agreed(self.negative, other.negative, "more than two label values")
        if self.row_sums.first_row is None:
            self.row_sums.first_row = other.row_sums.first_row
            self.row_sums.first_sum = other.row_sums.first_sum
        self.row_sums.count += other.row_sums.count
        return self

    def _agreed(self, mine: Any, theirs: Any, what: str) -> Any:
        """The value both parts found; parts that found different ones are an input error."""
        if mine is not None and theirs is not None and mine != theirs:
            raise InputError(f"{what}: {mine!r} and {theirs!r}", file=self.name)
        return theirs if mine is None else mine


def accumulate(
    preds: Source,
    labels: Source | None,
    layout: Layout,
    opts: EvalOptions,
    first_row: int = 0,
    progress: Callable[[int, float | None], None] | None = None,
) -> Accumulator:
    """Read, prepare and score every row of `preds` (data rows first_row + 1 onwards)."""
    label_name = labels.name if labels is not None else preds.name
    scratch = kernels.Scratch()
    preparer = ChunkPreparer(layout, opts, preds.name, label_name, scratch)
    score = SCORERS[(layout.task, opts.logits, bool(layout.target_cols))]
    acc = Accumulator(opts, preds.name)
    chunk_rows = opts.chunk_rows or default_chunk_rows(len(layout.pred_cols))
    for pred_batch, label_batch, absent in _paired(preds, labels, layout, opts, chunk_rows):
        start = first_row + acc.read
        chunk = preparer.prepare(pred_batch, label_batch, offset=start, absent=absent)
        acc.read += chunk.read
        acc.skipped += chunk.skipped
        acc.ignored += chunk.ignored
        acc.missing += chunk.missing
        if chunk.codes.size:
            if opts.per_class and acc.per_class is None:
                acc.per_class = PerClass(len(preparer.classes or ("0", "1")))
            _add(acc, chunk, score(chunk, opts, scratch), opts, start, pred_batch, label_batch)
        if progress is not None:
            progress(acc.read, preds.consumed(acc.read))
    acc.classes = preparer.classes
    acc.row_sums = preparer.row_sums
    acc.negative = preparer.mapper.negative if preparer.mapper is not None else None
    return acc


def _add(
    acc: Accumulator,
    chunk: Chunk,
    scores: kernels.RowScores,
    opts: EvalOptions,
    start: int,
    pred_batch: pa.RecordBatch,
    label_batch: pa.RecordBatch,
) -> None:
    """One scored chunk into the totals and every breakdown asked for."""
    compat.adjust(scores, chunk.preds, chunk.codes, opts)
    if opts.top_k is not None:
        scores.stats["top_k"] = _top_k_miss(chunk, opts)
    acc.totals.update(scores, chunk.weights)
    if acc.calibration is not None:
        correct = chunk.codes if chunk.preds.ndim == 1 else ~scores.stats["wrong"]
        acc.calibration.update(confidences(chunk.preds, opts.logits), correct, chunk.weights)
    if acc.boot is not None:
        kept = chunk.kept if chunk.kept is not None else np.arange(chunk.read)
        acc.boot.update(start + kept, scores.stats, chunk.weights)
    if acc.groups is not None:
        columns = [_column(pred_batch, label_batch, c) for c in opts.by]
        if chunk.kept is not None:
            columns = [c.take(pa.array(chunk.kept)) for c in columns]
        acc.groups.update(group_keys(columns), scores.stats, chunk.weights)
    if acc.per_class is not None:
        true, predicted = chunk_classes(
            chunk.preds, chunk.codes, chunk.targets, scores.stats["wrong"]
        )
        acc.per_class.update(true, predicted, scores.stats["loss"], chunk.weights)


def _column(preds: pa.RecordBatch, labels: pa.RecordBatch, name: str) -> pa.Array:
    """A column from the predictions' batch, or else the labels' (a --by on the label column)."""
    source = preds if name in preds.schema.names else labels
    return source.column(name)


def _top_k_miss(chunk: Chunk, opts: EvalOptions) -> np.ndarray:
    """--top-k: the label (or the targets' argmax) is not among the k highest predictions."""
    true = chunk.codes if chunk.targets is None else np.argmax(chunk.targets, axis=0)
    assert opts.top_k is not None
    return kernels.top_k_miss(chunk.preds, true, opts.top_k)


def _paired(
    preds: Source, labels: Source | None, layout: Layout, opts: EvalOptions, chunk_rows: int
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch, np.ndarray | None]]:
    """(predictions, labels, rows without a label) of equal length: one file gives each batch
    twice; two files are paired by position, or by key with --on."""
    weight = [layout.weight_col] if layout.weight_col is not None else []
    regression = layout.task == "regression"
    label = [] if layout.label_col is None else [layout.label_col]
    label_text = [] if regression else label
    label_numbers = list(layout.target_cols) + (label if regression else [])
    pred_numeric = [] if layout.pred_list else list(layout.pred_cols)
    pred_keys = list(layout.pred_cols) if layout.pred_list else []  # list columns: plain text
    read_already = set(pred_numeric + pred_keys + label_text + label_numbers + weight)
    pred_keys += [c for c in opts.by if c not in read_already]  # --by columns: plain text
    if labels is None:
        numeric = pred_numeric + weight + label_numbers
        for batch in preds.batches(numeric, label_text, chunk_rows, pred_keys):
            yield batch, batch, None
        return
    pred_numeric += [] if layout.weight_in_labels else weight
    label_numeric = label_numbers + (weight if layout.weight_in_labels else [])
    if opts.on is not None:
        index = LabelIndex(labels, opts.on, label_text, label_numeric)
        keys = pred_keys + ([opts.on] if opts.on not in pred_numeric + pred_keys else [])
        stream = preds.batches(pred_numeric, [], chunk_rows, keys)
        yield from joined(stream, index, preds.name, opts.missing == "skip")
        return
    for pred_batch, label_batch in align_rows(
        preds.batches(pred_numeric, [], chunk_rows, pred_keys),
        labels.batches(label_numeric, label_text, chunk_rows),
        (preds.name, labels.name),
    ):
        yield pred_batch, label_batch, None
