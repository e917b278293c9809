"""evaluate(): read → align → prepare → accumulate → Report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli import compat, kernels
from xentcli.align import align_rows
from xentcli.bootstrap import Bootstrap, percentile_interval
from xentcli.calibration import Calibration, confidences
from xentcli.errors import InputError, SchemaError, UsageError
from xentcli.gates import check_metrics_exist
from xentcli.groups import Groups, group_keys
from xentcli.join import LabelIndex, joined
from xentcli.layout import Layout, resolve_layout
from xentcli.metrics import Totals, metrics_for
from xentcli.options import EvalOptions, default_chunk_rows
from xentcli.per_class import PerClass, chunk_classes
from xentcli.prepare import Chunk, ChunkPreparer, targets_of
from xentcli.readers import STDIN, Source, open_source
from xentcli.report import Report, Rows, signature
from xentcli.version import __version__

Scorer = Callable[[Chunk, EvalOptions, kernels.Scratch], kernels.RowScores]

# (task, logits, K target columns) → the kernel
SCORERS: dict[tuple[str, bool, bool], Scorer] = {
    ("binary", False, False): lambda c, o, s: kernels.binary_from_probs(
        c.preds, c.codes, o.eps, o.threshold, s
    ),
    ("binary", True, False): lambda c, o, s: kernels.binary_from_logits(
        c.preds, c.codes, o.threshold
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


def evaluate(source: Any, labels: Any = None, **options: Any) -> Report:
    """Evaluate predictions (a path, '-', a pandas DataFrame or a pyarrow Table) into a Report.

    `labels` is a second source holding the labels, row-aligned with `source`. Every other
    keyword is a field of EvalOptions (label_col, pred_col, logits, eps, nan, ...).
    """
    return evaluate_with(source, labels, EvalOptions.from_kwargs(options))


def open_layout(
    source: Any, labels: Any, opts: EvalOptions
) -> tuple[Source, Source | None, Layout]:
    """Open the inputs and decide the columns and task: the step `eval` and `inspect` share."""
    if isinstance(source, str) and source == labels == STDIN:
        raise UsageError("predictions and labels cannot both come from stdin ('-')")
    if opts.on is not None and labels is None:
        raise UsageError("--on KEY joins with a labels file: pass --labels FILE")
    preds = open_source(source, opts.input_format)
    label_src = open_source(labels) if labels is not None else None
    if opts.on is not None and opts.on not in preds.column_names:
        raise SchemaError(
            f"no key column {opts.on!r}; columns are: {', '.join(preds.column_names)}",
            file=preds.name,
        )
    layout = resolve_layout(
        preds.column_names,
        label_src.column_names if label_src is not None else None,
        opts,
        preds.name,
        label_src.name if label_src is not None else None,
        preds.column_types,
    )
    return preds, label_src, layout


def evaluate_with(
    source: Any,
    labels: Any,
    opts: EvalOptions,
    progress: Callable[[int, float | None], None] | None = None,
) -> Report:
    """evaluate() with an already-built EvalOptions; `progress(rows, fraction)` after each chunk
    (fraction of the input read, or None where it cannot be known)."""
    preds, label_src, layout = open_layout(source, labels, opts)
    width = len(layout.classes) if layout.classes else None
    opts = compat.effective_options(opts, layout.task, width, bool(layout.target_cols))
    check_metrics_exist(opts.gates, metrics_for(layout.task, opts.set_options()), layout.task)
    label_name = label_src.name if label_src is not None else preds.name
    scratch = kernels.Scratch()
    preparer = ChunkPreparer(layout, opts, preds.name, label_name, scratch)
    score = SCORERS[(layout.task, opts.logits, bool(layout.target_cols))]
    totals = Totals()
    read = skipped = ignored = missing = 0
    per_class: PerClass | None = None
    groups = Groups() if opts.by else None
    boot = Bootstrap(opts.bootstrap, opts.seed) if opts.bootstrap else None
    calibration = Calibration(opts.bins) if opts.calibration else None
    chunk_rows = opts.chunk_rows or default_chunk_rows(len(layout.pred_cols))
    for pred_batch, label_batch, absent in _paired(preds, label_src, layout, opts, chunk_rows):
        chunk = preparer.prepare(pred_batch, label_batch, offset=read, absent=absent)
        read += chunk.read
        skipped += chunk.skipped
        ignored += chunk.ignored
        missing += chunk.missing
        if chunk.codes.size:
            scores = score(chunk, opts, scratch)
            compat.adjust(scores, chunk.preds, chunk.codes, opts)
            if opts.top_k is not None:
                scores.stats["top_k"] = _top_k_miss(chunk, opts)
            totals.update(scores, chunk.weights)
            if calibration is not None:
                correct = chunk.codes if chunk.preds.ndim == 1 else ~scores.stats["wrong"]
                calibration.update(confidences(chunk.preds, opts.logits), correct, chunk.weights)
            if boot is not None:
                start = read - chunk.read
                kept = chunk.kept if chunk.kept is not None else np.arange(chunk.read)
                boot.update(start + kept, scores.stats, chunk.weights)
            if groups is not None:
                keys = group_keys([_column(pred_batch, label_batch, c) for c in opts.by])
                if chunk.kept is not None:
                    keys = keys.take(pa.array(chunk.kept))
                groups.update(keys, scores.stats, chunk.weights)
            if opts.per_class:
                if per_class is None:
                    per_class = PerClass(len(preparer.classes or ("0", "1")))
                true, predicted = chunk_classes(
                    chunk.preds, chunk.codes, chunk.targets, scores.stats["wrong"]
                )
                per_class.update(true, predicted, scores.stats["loss"], chunk.weights)
        if progress is not None:
            progress(read, preds.consumed(read))
    preparer.finish()
    used = read - skipped - ignored - missing
    if read == 0:
        raise InputError("no data rows (only a header)", file=preds.name)
    if used == 0:
        raise InputError(
            f"no rows left to evaluate ({read} read, {skipped} skipped for missing values, "
            f"{ignored} ignored, {missing} without a label)",
            file=preds.name,
        )
    if totals.weight() <= 0:
        raise InputError("the weights of the rows used sum to 0", file=preds.name)
    metrics = totals.result(layout.task, opts.set_options())
    replicates = boot.replicate_metrics(layout.task, opts.set_options()) if boot else None
    breakdown = None
    if per_class is not None:
        loss_name = "binary_cross_entropy" if layout.task == "binary" else "cross_entropy"
        breakdown = per_class.result(preparer.classes or ("0", "1"), loss_name, opts.normalize)
    return Report(
        version=__version__,
        task=layout.task,
        predictions=preds.name,
        labels=label_src.name if label_src is not None else None,
        input_format=preds.format,
        columns={
            "label": layout.label_col,
            "predictions": list(layout.pred_cols),
            "weight": layout.weight_col,
        }
        | ({"targets": list(layout.target_cols)} if layout.target_cols else {}),
        rows=Rows(read=read, used=used, skipped=skipped, ignored=ignored, missing=missing),
        classes=preparer.classes,
        metrics=metrics,
        clipped=totals.clipped,
        signature=signature(
            __version__,
            layout.task,
            opts.logits,
            opts.eps,
            opts.nan,
            layout.weight_col is not None,
            opts.renormalize,
            opts.compat,
        )
        + (f"|label_smoothing:{opts.label_smoothing:g}" if opts.label_smoothing else "")
        + ("|class_weights:yes" if opts.class_weights else "")
        + (
            f"|bootstrap:poisson,n={opts.bootstrap},seed={opts.seed},conf={opts.confidence:g}"
            if opts.bootstrap
            else ""
        ),
        options={
            k: v
            for k, v in asdict(opts).items()
            if k
            not in ("chunk_rows", "input_format", "gates", "per_class", "normalize", "calibration")
            and k not in ("by", "bootstrap", "seed", "confidence")
        },
        gates=tuple(gate.check(metrics[gate.metric]) for gate in opts.gates),
        per_class=breakdown[0] if breakdown else None,
        confusion_matrix=breakdown[1] if breakdown else None,
        calibration=calibration.result() if calibration is not None else None,
        groups=(
            groups.result(opts.by, layout.task, opts.set_options()) if groups is not None else None
        ),
        intervals=(
            {
                name: percentile_interval(values, opts.confidence)
                for name, values in replicates.items()
            }
            if replicates is not None
            else None
        ),
        replicates=replicates,
    )


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
