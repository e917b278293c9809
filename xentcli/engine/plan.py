"""The plan: EvalOptions and the resolved layout made into one frozen value, once, before any row
is read. Every check of how options combine with each other and with the task lives here; each
stage then gets only the parameters it uses (the preparer's Checks, the scorers' Scoring, the
breakdowns' BreakdownRequest, the reader's Reading). Below the CLI, only this module reads
EvalOptions (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from xentcli.engine.checks import (
    check_hard,
    check_ranking,
    check_task,
    kept_columns,
    with_convention,
)
from xentcli.engine.signature import signature
from xentcli.errors import SchemaError, UsageError, listed
from xentcli.io.csv_header import headerless_beside
from xentcli.io.open import open_source
from xentcli.io.source import Source
from xentcli.io.text import STDIN
from xentcli.metrics.breakdown import BreakdownRequest
from xentcli.metrics.registry import METRICS, metrics_for
from xentcli.metrics.scorers import SCORERS, Scoring
from xentcli.options import EvalOptions, default_chunk_rows
from xentcli.prepare.chunk import Checks
from xentcli.prepare.layout import ColumnRequest, Layout, resolve_layout
from xentcli.tasks import Task
from xentcli.version import __version__

UNKNOWN_LIST_WIDTH = 1000  # a list column of unknown length: chunks small enough for K = 1000

# options the report's `options` section leaves out: how the input was read or split up
NOT_IN_REPORT = (
    "chunk_rows",
    "input_format",
    "per_class",
    "normalize",
    "calibration",
    "by",
    "bootstrap",
    "seed",
    "confidence",
    "engine",
    "scheduler",
    "tmp_dir",
    "worst",
    "keep_col",
    "rows_out",
)


@dataclass(frozen=True)
class Reading:
    """How the engine reads and pairs the inputs."""

    chunk_rows: int
    on: str | None = None
    missing_skip: bool = False
    by: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # columns --worst and --rows-out carry
    rows_out: str | None = None


@dataclass(frozen=True)
class Plan:
    """Everything an evaluation runs from, decided once."""

    layout: Layout
    scoring: Scoring
    checks: Checks
    reading: Reading
    breakdowns: BreakdownRequest
    metrics: tuple[str, ...]
    signature: str
    options: tuple[tuple[str, Any], ...]  # the report's options section, in field order
    sum_tol: float
    engine: str = "local"
    scheduler: str | None = None

    @property
    def task(self) -> Task:
        """The task being evaluated."""
        return self.layout.task


def list_width(source: Source, layout: Layout) -> int | None:
    """A list column's values per row when the input's metadata tells it (Parquet), else None."""
    known = getattr(source, "values_per_row", None)
    return known(layout.pred_cols[0]) if known is not None and layout.pred_list else None


def text_types(source: Source, keep: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Kept columns that CSV reads as text, with the type its first rows give them (int64,
    double or bool), for the worst rows to show in that type (metrics/worst.py)."""
    if source.format not in ("csv", "tsv") or not keep:
        return ()
    types = source.column_types()
    return tuple(
        (name, types[name]) for name in keep if types.get(name) in ("int64", "double", "bool")
    )


def _values_per_row(layout: Layout, width: int | None) -> int:
    """Values per row, which size the chunks: the prediction columns (and soft or multilabel
    target columns beside them), or a list's length (its classes, the file's metadata, or
    unknown: the widest a list is taken to be)."""
    if not layout.pred_list:
        return len(layout.pred_cols) + len(layout.target_cols)
    if layout.classes:
        return len(layout.classes)
    return width or UNKNOWN_LIST_WIDTH


def column_request(opts: EvalOptions) -> ColumnRequest:
    """What the options say about the columns."""
    return ColumnRequest(
        label_col=opts.label_col,
        pred_col=opts.pred_col,
        weight_col=opts.weight_col,
        task=Task(opts.task) if opts.task is not None else None,
        classes=opts.classes,
        by=opts.by,
        keep=opts.keep_col,
        on=opts.on,
        positive=opts.positive,
        logits=opts.logits,
        hard=opts.hard,
    )


def open_inputs(source: Any, labels: Any, opts: EvalOptions) -> tuple[Source, Source | None]:
    """Open the predictions and the labels (if any): the step `eval`, `inspect` and `compare`
    share."""
    if isinstance(source, str) and source == labels == STDIN:
        raise UsageError("predictions and labels cannot both come from stdin ('-')")
    if opts.on is not None and labels is None:
        raise UsageError("--on KEY joins with a labels file: pass --labels FILE")
    if opts.engine == "dask" and labels is not None:
        raise UsageError(
            "--engine dask evaluates one Parquet dataset holding predictions and labels; "
            "--labels needs --engine local"
        )
    preds = open_source(source, opts.input_format, opts.tmp_dir)
    label_src = open_source(labels, tmp_dir=opts.tmp_dir) if labels is not None else None
    if opts.on is None and opts.label_col is None:  # a key or a named column: a header
        headerless_beside(preds, label_src)
    if opts.on is not None and opts.on not in preds.column_names:
        raise SchemaError(
            f"no key column {opts.on!r}; columns are: {listed(preds.column_names, 'columns')}",
            file=preds.name,
        )
    check_single_values(preds, label_src, opts)
    return preds, label_src


NESTED = ("list", "large_list", "fixed_size_list", "struct", "map")


def check_single_values(preds: Source, label_src: Source | None, opts: EvalOptions) -> None:
    """--by and --on columns, and --keep-col ones bound for a CSV --rows-out, hold one value a
    row: a column of lists cannot group rows, join them or be a CSV cell (it was an internal
    error). CSV's own columns are text, and are never asked for their types here."""
    wanted = [(preds, "--by", c) for c in opts.by]
    if opts.on is not None:
        wanted += [(s, "--on", opts.on) for s in (preds, label_src) if s is not None]
    if opts.rows_out is not None and opts.rows_out.lower().endswith(".csv"):
        wanted += [(preds, "--keep-col", c) for c in opts.keep_col]
    for source, flag, column in wanted:
        if source.format in ("csv", "tsv") or column not in source.column_names:
            continue
        kind = source.column_types().get(column, "")
        if kind.startswith(NESTED):
            fix = (
                "a CSV --rows-out cannot hold them: write it as .parquet"
                if flag == "--keep-col"
                else f"{flag} needs a column of single values"
            )
            raise SchemaError(
                f"holds {kind} values, not one value a row; {fix}", file=source.name, column=column
            )


def layout_of(preds: Source, label_src: Source | None, opts: EvalOptions) -> Layout:
    """The columns and the task of these inputs, checked against the options; what the
    readers say of how they read (a CSV without a header line) joins the layout's note."""
    told = [note for s in (preds, label_src) if (note := getattr(s, "note", None))]
    try:
        layout = checked_layout(
            preds.column_names,
            label_src.column_names if label_src is not None else None,
            opts,
            preds.name,
            label_src.name if label_src is not None else None,
            preds.column_types,
        )
    except SchemaError as error:  # columns not found: how they were named is part of it
        if told:
            error.message = f"{error.message} ({'; '.join(told)})"
            error.args = (error.message,)
        raise
    named = _class_label_names(label_src or preds, preds, layout, opts)
    if named is not None:
        told.append(
            f"the classes are named by the dataset's ClassLabel feature of {layout.label_col!r}: "
            f"{', '.join(named)} (--classes names others)"
        )
        layout = replace(layout, classes=named)
    return replace(layout, told=tuple(told))


def _class_label_names(
    source: Source, preds: Source, layout: Layout, opts: EvalOptions
) -> tuple[str, ...] | None:
    """A Hugging Face dataset's class names for integer labels (its ClassLabel feature), when
    the predictions name no classes of their own — a list column of as many values, predicted
    labels, or columns 0..K-1 (docs/inputs.md)."""
    find = getattr(source, "class_names", None)
    if find is None or opts.classes or layout.label_col is None or layout.task != Task.MULTICLASS:
        return None
    names = find(layout.label_col)
    if names is None or (layout.pred_list and list_width(preds, layout) != len(names)):
        return None
    if layout.classes is None:
        return names
    return names if layout.classes == tuple(map(str, range(len(names)))) else None


def checked_layout(
    pred_names: list[str],
    label_names: list[str] | None,
    opts: EvalOptions,
    pred_file: str,
    label_file: str | None = None,
    pred_types: Callable[[], dict[str, str]] | None = None,
) -> Layout:
    """The columns and the task (resolve_layout), checked against the options."""
    request = column_request(opts)
    layout = resolve_layout(pred_names, label_names, request, pred_file, label_file, pred_types)
    check_task(layout, opts)
    return layout


def make_plan(opts: EvalOptions, layout: Layout, width: int | None = None) -> Plan:
    """The plan of one evaluation; a combination of options that cannot work is a usage error.
    `width`: a list column's values per row, where the input's metadata tells (list_width)."""
    task = layout.task
    targets = bool(layout.target_cols)
    check_hard(opts, layout)
    opts = with_convention(opts, layout)
    check_ranking(opts, layout)
    keep = kept_columns(opts, layout)
    if opts.normalize is not None and not opts.per_class:
        raise UsageError("--normalize shapes the confusion matrix of --per-class: pass both")
    if opts.scheduler is not None and opts.engine != "dask":
        raise UsageError("--scheduler names a Dask scheduler: pass --engine dask too")
    scoring = Scoring(
        task=task,
        eps=opts.eps,
        logits=opts.logits,
        targets=targets,
        convention=opts.compat,
        threshold=opts.threshold,
        top_k=opts.top_k,
        label_smoothing=opts.label_smoothing,
        class_weights=opts.class_weights,
        hard=layout.hard,
    )
    if scoring.key not in SCORERS:  # every combination the checks above let through is there
        raise UsageError(f"no scorer for {task} with these options ({scoring.key})")
    asked = ({"top_k"} if opts.top_k else set()) | ({"per_class"} if opts.per_class else set())
    metrics = tuple(metrics_for(task, frozenset(asked | ({"auc"} if opts.auc else set()))))
    if layout.hard:  # predicted labels: error and accuracy, and the per-class report
        metrics = tuple(m for m in metrics if METRICS[m].statistic in ("wrong", None))
    return Plan(
        layout=layout,
        scoring=scoring,
        checks=Checks(
            logits=opts.logits,
            nan_skip=opts.nan == "skip",
            renormalize=opts.renormalize,
            sum_tol=opts.sum_tol,
            positive=opts.positive if opts.positive is not None else layout.positive,
            ignore_label=opts.ignore_label,
            strict_positive=opts.positive is not None and layout.positive is None,
            # two complementary columns name both classes: a label names one of them
            negative=layout.negative if opts.positive in (None, layout.positive) else None,
        ),
        reading=Reading(
            chunk_rows=opts.chunk_rows or default_chunk_rows(_values_per_row(layout, width)),
            on=opts.on,
            missing_skip=opts.missing == "skip",
            by=opts.by,
            keep=keep,
            rows_out=opts.rows_out,
        ),
        breakdowns=BreakdownRequest(
            task=task,
            logits=opts.logits,
            metrics=metrics,
            per_class=opts.per_class,
            normalize=opts.normalize,
            by=opts.by,
            calibration=opts.calibration,
            bins=opts.bins,
            bootstrap=opts.bootstrap,
            seed=opts.seed,
            confidence=opts.confidence,
            auc=opts.auc,
            average=opts.average,
            curve_points=opts.curve_points,
            tmp_dir=opts.tmp_dir,
            threshold=opts.threshold,
            eps=opts.eps,
            worst=opts.worst,
            keep=keep,
        ),
        metrics=metrics,
        signature=signature(__version__, task, opts, hard=layout.hard),
        options=tuple((k, v) for k, v in asdict(opts).items() if k not in NOT_IN_REPORT),
        sum_tol=opts.sum_tol,
        engine=opts.engine,
        scheduler=opts.scheduler,
    )
