"""One pass over rows into an Accumulator: every sum an evaluation needs, in a state that merges
with another. The local engine makes one; the Dask engine one per fragment, merged in a tree."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.engine.plan import Plan
from xentcli.errors import InputError
from xentcli.io.arrow_numpy import filler
from xentcli.io.csv_header import header_of_numbers
from xentcli.io.source import Source
from xentcli.metrics.breakdown import BreakdownRequest, Scored, breakdowns_for
from xentcli.metrics.kernels import RowScores
from xentcli.metrics.registry import Totals
from xentcli.metrics.scorers import score
from xentcli.prepare.align import align_rows
from xentcli.prepare.chunk import ChunkPreparer, RowSumCheck
from xentcli.prepare.join import LabelIndex, joined
from xentcli.prepare.scratch import Scratch
from xentcli.tasks import Task


class Accumulator:
    """Row counts, metric sums and the declared breakdowns of the rows seen so far."""

    def __init__(
        self, request: BreakdownRequest, name: str = "", per_row_losses: bool = False
    ) -> None:
        self.name = name  # of the input, for errors found when merging
        self.totals = Totals(per_row_losses=per_row_losses)
        self.read = self.skipped = self.ignored = self.missing = 0
        self.breakdowns = breakdowns_for(request)
        self.classes: tuple[str, ...] | None = None  # as the rows showed them
        self.row_sums = RowSumCheck()
        self.negative: Any = None  # with --positive: the other label value seen
        self.zero_one: bool | None = None  # every probability exactly 0 or 1 so far
        self.notes: list[str] = []  # what the report should tell (rows out of order)

    @property
    def used(self) -> int:
        """Rows that entered the metrics."""
        return self.read - self.skipped - self.ignored - self.missing

    def add(self, scored: Scored) -> None:
        """One prepared and scored chunk into the counts, the totals and every breakdown."""
        chunk = scored.chunk
        self.read += chunk.read
        self.skipped += chunk.skipped
        self.ignored += chunk.ignored
        self.missing += chunk.missing
        self.row_sums.merge(chunk.row_sums)
        if chunk.codes.size:
            self.zero_one = chunk.zero_one and self.zero_one is not False
        self.classes = self._grown(self.classes, chunk.classes)
        self.negative = self._agreed(self.negative, chunk.negative, "more than two label values")
        if not chunk.codes.size:
            return
        self.totals.update(scored.scores, chunk.weights)
        for breakdown in self.breakdowns.values():
            breakdown.update(scored)

    def merge(self, other: Accumulator) -> Accumulator:
        """Fold in the accumulator of the rows that come after this one's; returns self."""
        self.totals.merge(other.totals)
        self.read += other.read
        self.skipped += other.skipped
        self.ignored += other.ignored
        self.missing += other.missing
        for name, theirs in other.breakdowns.items():
            mine = self.breakdowns.get(name)
            if mine is None:
                self.breakdowns[name] = copy.deepcopy(theirs)  # never share the other's state
            else:
                mine.merge(theirs)
        self.classes = self._grown(self.classes, other.classes)
        self.negative = self._agreed(self.negative, other.negative, "more than two label values")
        self.row_sums.merge(other.row_sums)
        self.notes = self.notes or other.notes
        if other.zero_one is not None:
            self.zero_one = other.zero_one and self.zero_one is not False
        return self

    def _grown(
        self, mine: tuple[str, ...] | None, theirs: tuple[str, ...] | None
    ) -> tuple[str, ...] | None:
        """The class names both parts found; one may extend the other (classes found as they
        come), any other difference is an input error."""
        if mine is None or theirs is None:
            return theirs if mine is None else mine
        short, long = sorted((mine, theirs), key=len)
        if long[: len(short)] != short:
            raise InputError(f"class lists differ: {mine!r} and {theirs!r}", file=self.name)
        return long

    def _agreed(self, mine: Any, theirs: Any, what: str) -> Any:
        """The value both parts found; parts that found different ones are an input error."""
        if mine is not None and theirs is not None and mine != theirs:
            raise InputError(f"{what}: {mine!r} and {theirs!r}", file=self.name)
        return theirs if mine is None else mine


def accumulate(
    preds: Source,
    labels: Source | None,
    plan: Plan,
    first_row: int = 0,
    progress: Callable[[int, float | None], None] | None = None,
    sink: Callable[[Scored], None] | None = None,
) -> Accumulator:
    """Read, prepare and score every row of `preds` (data rows first_row + 1 onwards);
    `sink` takes every scored chunk that has rows (--rows-out)."""
    label_name = labels.name if labels is not None else preds.name
    scratch = Scratch()
    preparer = ChunkPreparer(plan.layout, plan.checks, preds.name, label_name, scratch)
    acc = Accumulator(plan.breakdowns, preds.name, plan.scoring.convention != "sklearn")
    for pred_batch, label_batch, absent in _paired(preds, labels, plan):
        start = first_row + acc.read
        chunk = preparer.prepare(pred_batch, label_batch, offset=start, absent=absent)
        scores = score(chunk, plan.scoring, scratch) if chunk.codes.size else RowScores({})
        scored = Scored(chunk, scores, start, pred_batch, label_batch)
        acc.add(scored)
        if sink is not None and chunk.codes.size:
            sink(scored)
        del scored  # else the chunk's arrays outlive it into the next one's (+13 MiB, 10 classes)
        key = plan.layout.shared_key
        if key is not None and not acc.notes:
            acc.notes += _order_notes(pred_batch, label_batch, key, start, labels)
        if progress is not None:
            progress(acc.read, preds.consumed(acc.read))
    if preparer.index is not None and preparer.index.model_ids:
        acc.notes.append(
            f"{plan.layout.pred_cols[0]!r} names its classes LABEL_0, LABEL_1, … as a Hugging "
            "Face model without an id2label does: LABEL_k is read as the label k"
        )
    return acc


def _order_notes(
    preds: pa.RecordBatch, labels: pa.RecordBatch, key: str, start: int, source: Source | None
) -> list[str]:
    """Rows paired by position whose shared key column differs: the first such row, and --on."""
    import pyarrow.compute as pc

    left = pc.cast(preds.column(key), pa.string())
    right = pc.cast(labels.column(key), pa.string())
    differ = pc.invert(pc.fill_null(pc.equal(left, right), filler(pa.bool_(), False)))
    if not pc.any(differ).as_py():
        return []
    at = pc.index(differ, True).as_py()
    name = source.name if source is not None else "the labels"
    return [
        f"rows are paired by position, but their {key or 'index'!r} differs from data row "
        f"{start + at + 1} ({left[at].as_py()!r} against {right[at].as_py()!r} in {name}); "
        f"if the files are in different orders, pass --on {key or 'KEY'}"
    ]


def _paired(
    preds: Source, labels: Source | None, plan: Plan
) -> Iterator[tuple[pa.RecordBatch, pa.RecordBatch, np.ndarray | None]]:
    """(predictions, labels, rows without a label) of equal length: one file gives each batch
    twice; two files are paired by position, or by key with --on."""
    layout, reading = plan.layout, plan.reading
    chunk_rows = reading.chunk_rows
    weight = [layout.weight_col] if layout.weight_col is not None else []
    regression = layout.task == Task.REGRESSION
    label = [] if layout.label_col is None else [layout.label_col]
    label_text = [] if regression else label
    label_numbers = list(layout.target_cols) + (label if regression else [])
    pred_numeric = [] if layout.pred_list or layout.hard else list(layout.pred_cols)
    pred_keys = list(layout.pred_cols) if layout.pred_list else []  # list columns: plain text
    pred_text = list(layout.pred_cols) if layout.hard else []  # predicted labels, as labels
    read_already = set(pred_numeric + pred_keys + pred_text + label_text + label_numbers + weight)
    extra = dict.fromkeys(c for c in reading.by + reading.keep if c not in read_already)
    pred_keys += list(extra)  # --by and --keep-col columns: plain text
    if labels is None:
        numeric = pred_numeric + weight + label_numbers
        as_labels = label_text + [c for c in pred_text if c not in label_text]
        for batch in preds.batches(numeric, as_labels, chunk_rows, pred_keys):
            yield batch, batch, None
        return
    pred_numeric += [] if layout.weight_in_labels else weight
    label_numeric = label_numbers + (weight if layout.weight_in_labels else [])
    if reading.on is not None:
        index = LabelIndex(labels, reading.on, label_text, label_numeric)
        keys = pred_keys + ([reading.on] if reading.on not in pred_numeric + pred_keys else [])
        stream = preds.batches(pred_numeric, pred_text, chunk_rows, keys)
        yield from joined(stream, index, preds.name, reading.missing_skip)
        return
    shared = [layout.shared_key] if layout.shared_key is not None else []
    pred_keys += [k for k in shared if k not in pred_keys]
    for pred_batch, label_batch in align_rows(
        preds.batches(pred_numeric, pred_text, chunk_rows, pred_keys),
        labels.batches(label_numeric, label_text, chunk_rows, shared),
        (preds.name, labels.name),
        next(filter(None, map(header_of_numbers, (preds, labels))), None),
    ):
        yield pred_batch, label_batch, None
