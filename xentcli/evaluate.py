"""evaluate(): read → align → prepare → accumulate → Report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from xentcli.engine.accumulate import Accumulator, accumulate
from xentcli.errors import InputError, SchemaError, UsageError
from xentcli.io.open import STDIN, open_source
from xentcli.io.source import Source
from xentcli.metrics import conventions as compat
from xentcli.metrics.bootstrap import percentile_interval
from xentcli.metrics.registry import metrics_for
from xentcli.options import EvalOptions
from xentcli.prepare.chunk import raise_for_row_sums
from xentcli.prepare.layout import Layout, resolve_layout
from xentcli.report.evaluation import Report, Rows, signature
from xentcli.report.gates import check_metrics_exist
from xentcli.version import __version__


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
    if opts.engine == "dask" and labels is not None:
        raise UsageError(
            "--engine dask evaluates one Parquet dataset holding predictions and labels; "
            "--labels needs --engine local"
        )
    preds, label_src, layout = open_layout(source, labels, opts)
    width = len(layout.classes) if layout.classes else None
    opts = compat.effective_options(opts, layout.task, width, bool(layout.target_cols))
    check_metrics_exist(opts.gates, metrics_for(layout.task, opts.set_options()), layout.task)
    if opts.engine == "dask":
        from xentcli.engine.dask import accumulate_on_dask

        acc = accumulate_on_dask(preds, layout, opts, progress)
    else:
        acc = accumulate(preds, label_src, layout, opts, progress=progress)
    return report_of(acc, preds, label_src, layout, opts)


def report_of(
    acc: Accumulator, preds: Source, label_src: Source | None, layout: Layout, opts: EvalOptions
) -> Report:
    """The report of everything accumulated; raises where the input, taken whole, is invalid."""
    raise_for_row_sums(acc.row_sums, opts.sum_tol, preds.name)
    read, used = acc.read, acc.used
    totals, boot, groups, calibration = acc.totals, acc.boot, acc.groups, acc.calibration
    if read == 0:
        raise InputError("no data rows (only a header)", file=preds.name)
    if used == 0:
        raise InputError(
            f"no rows left to evaluate ({read} read, {acc.skipped} skipped for missing values, "
            f"{acc.ignored} ignored, {acc.missing} without a label)",
            file=preds.name,
        )
    if totals.weight() <= 0:
        raise InputError("the weights of the rows used sum to 0", file=preds.name)
    metrics = totals.result(layout.task, opts.set_options())
    replicates = boot.replicate_metrics(layout.task, opts.set_options()) if boot else None
    breakdown = None
    if acc.per_class is not None:
        loss_name = "binary_cross_entropy" if layout.task == "binary" else "cross_entropy"
        breakdown = acc.per_class.result(acc.classes or ("0", "1"), loss_name, opts.normalize)
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
        rows=Rows(
            read=read, used=used, skipped=acc.skipped, ignored=acc.ignored, missing=acc.missing
        ),
        classes=acc.classes,
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
            and k not in ("by", "bootstrap", "seed", "confidence", "engine", "scheduler")
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
