"""The library's entry points: evaluate() (open → plan → accumulate here or on Dask → Report →
gates) and inspect_input() (open → plan, no rows read)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from xentcli.engine.accumulate import accumulate
from xentcli.engine.plan import (
    Plan,
    layout_of,
    list_width,
    make_plan,
    open_inputs,
    text_types,
)
from xentcli.engine.rows_out import RowsOut
from xentcli.errors import AlignmentError, ListLabels, ShortLists, UsageError, XentError
from xentcli.io.arrow_numpy import filler, null_mask
from xentcli.io.atomic import refuse_to_overwrite
from xentcli.io.csv_header import read_as_a_row
from xentcli.io.open import TEXT_FORMATS, copied_input, read_once
from xentcli.io.source import Source
from xentcli.metrics.conventions import COMPATS
from xentcli.options import AVERAGES, EvalOptions
from xentcli.prepare.columns import LABEL_NAMES, by_name, holds_lists
from xentcli.prepare.labels import reads_by_itself
from xentcli.prepare.layout import Layout
from xentcli.prepare.list_targets import ListTargets, target_names
from xentcli.prepare.values import list_rows
from xentcli.report import evaluation
from xentcli.report.build import report_of
from xentcli.report.evaluation import Report
from xentcli.report.gates import Gate, apply_gates, check_metrics_exist, check_paths_early
from xentcli.report.inspect import InspectReport, label_rule
from xentcli.tasks import TASKS, Task

ARRAYS = "<arrays>"  # how messages name y_true=, y_prob= and sample_weight=


def _report_html(report: Report) -> str:
    """The HTML report, for a notebook's display (imported then, not at every start-up)."""
    from xentcli.render.html import report_html

    return report_html(report)


# a Report displays itself in a notebook as the HTML report; report/ may not import renderers
evaluation.HTML_RENDERER = _report_html


def evaluate(
    source: Any = None,
    labels: Any = None,
    *,
    y_true: Any = None,
    y_prob: Any = None,
    sample_weight: Any = None,
    **options: Any,
) -> Report:
    """Evaluate predictions into a Report: a source (a path, '-', a directory or glob, a pandas
    DataFrame or a pyarrow Table) with `labels` a second, row-aligned source; or, as
    scikit-learn's metrics take them, `y_true`, `y_prob` ((n,) or (n, K)) and `sample_weight`
    as arrays, lists, Series or DataFrames. Every other keyword is a field of EvalOptions
    (label_col, pred_col, logits, eps, nan, ...). Errors name the keyword, not the CLI flag.
    """
    try:
        if y_prob is not None or y_true is not None:
            if labels is not None:
                options = _sklearn_labels(labels, y_prob, options)
                labels = None
            source, options = _arrays(source, y_true, y_prob, sample_weight, options)
        elif _is_array(labels):
            source, options = _arrays(None, labels, source, sample_weight, options)
            labels = None
        elif _is_array(source):
            raise UsageError("a bare array of predictions needs its labels: pass y_true=")
        return evaluate_with(source, labels, EvalOptions.from_kwargs(options))
    except XentError as exc:
        exc.message = _keywords(exc.message)
        if exc.file == ARRAYS and exc.column is not None:  # the keyword the column came from
            exc.column = _keyword_of(exc.column)
        exc.args = (exc.message,)
        raise


def _is_array(value: Any) -> bool:
    """An array-like of values (numpy, list, pandas Series), not a table or a path."""
    kind = type(value).__name__
    return isinstance(value, list | tuple) or kind in ("ndarray", "Series")


def _host(values: Any) -> Any:
    """A PyTorch tensor as values numpy can take: detached from autograd, on the CPU (numpy
    refuses a tensor that requires grad or lives on a GPU); anything else as it is."""
    if callable(getattr(values, "detach", None)) and callable(getattr(values, "cpu", None)):
        return values.detach().cpu()
    return values


def _floats(values: Any) -> Any:
    """float64 values of an array-like: pandas' missing values (NA of a nullable column) as NaN,
    polars' and numpy's as they come, a PyTorch tensor detached (_host)."""
    import numpy as np

    if hasattr(values, "to_numpy"):
        try:
            values = values.to_numpy(dtype=np.float64, na_value=np.nan)  # pandas
        except TypeError:
            values = values.to_numpy()  # polars: no such keywords; nulls of floats are NaN
    return np.asarray(_host(values), dtype=np.float64)


def _arrays(
    source: Any, y_true: Any, y_prob: Any, sample_weight: Any, options: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """y_true, y_prob and sample_weight as one table, and the options that read it."""
    import numpy as np
    import pyarrow as pa

    if source is not None:
        raise UsageError("pass either a source or y_true= and y_prob=, not both")
    if y_true is None or y_prob is None:
        raise UsageError("y_true= and y_prob= go together")
    columns: dict[str, Any] = {}
    note = None  # how the arrays were read, where the report should say so
    if type(y_prob).__name__ == "DataFrame":
        names = [str(c) for c in y_prob.columns]
        probabilities = _floats(y_prob)
    else:
        probabilities = _floats(y_prob)
        names = [str(k) for k in range(probabilities.shape[1])] if probabilities.ndim == 2 else []
    if probabilities.ndim == 1:
        columns["prob"] = probabilities
        pred = ["prob"]
    elif probabilities.ndim == 2:
        pred = [f"p_{name}" for name in names]
        columns |= {col: probabilities[:, k] for k, col in enumerate(pred)}
    else:
        raise UsageError(f"y_prob= must be (n,) or (n, K), not of shape {probabilities.shape}")
    truth = y_true.to_numpy() if hasattr(y_true, "to_numpy") else np.asarray(_host(y_true))
    if truth.ndim == 2 and truth.shape[1] == 1:  # a column vector (Keras' y_true): the labels
        truth = truth[:, 0]
    if truth.ndim == 2 and names and truth.shape[1] != len(names):
        raise UsageError(
            f"y_true= has {truth.shape[1]} columns and y_prob= {len(names)}: K label columns "
            "pair with K probability columns"
        )
    if truth.ndim not in (1, 2):
        raise UsageError(f"y_true= must be (n,) or (n, K), not of shape {truth.shape}")
    if truth.ndim == 2:  # K label columns: soft labels, or multilabel 0/1
        labels = [f"y_{name}" for name in names or range(truth.shape[1])]
        columns |= {col: truth[:, k].astype(np.float64) for k, col in enumerate(labels)}
        label_col = ",".join(labels)
    else:
        columns["label"] = truth
        label_col = "label"
        if probabilities.ndim == 2 and names == [str(k) for k in range(len(names))]:
            # a plain array, or pd.DataFrame(predict_proba(X)): columns 0..K-1 name no class
            options = _classes_of(truth, probabilities.shape[1], options)
        elif probabilities.ndim == 1:
            options, note = _positive_of(truth, options)
    if sample_weight is not None:
        weights = _floats(sample_weight)
        if weights.ndim == 2 and weights.shape[1] == 1:  # a column vector, as for y_true
            weights = weights[:, 0]
        if weights.ndim != 1:
            raise UsageError(
                f"sample_weight= must be (n,), one weight per row, not of shape {weights.shape}"
            )
        columns["weight"] = weights
        options = {**options, "weight_col": "weight"}
    lengths = {name: len(values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        given = {"y_true=": len(truth), "y_prob=": len(probabilities)}
        if sample_weight is not None:
            given["sample_weight="] = len(columns["weight"])
        said = ", ".join(f"{name} {count}" for name, count in given.items())
        *first, last = given
        raise UsageError(f"{', '.join(first)} and {last} differ in length ({said})")
    if not len(truth):
        raise UsageError("y_true= and y_prob= are empty: there is nothing to evaluate")
    metadata = {"xentcli.name": ARRAYS}  # how messages name the input
    if note is not None:
        metadata["xentcli.note"] = note
    table = pa.table(
        {name: pa.array(values) for name, values in columns.items()}, metadata=metadata
    )
    return table, {"label_col": label_col, "pred_col": ",".join(pred)} | options


def _sklearn_labels(labels: Any, y_prob: Any, options: dict[str, Any]) -> dict[str, Any]:
    """`labels=` beside y_true=, as scikit-learn's log_loss takes it: the classes, sorted (as
    its LabelBinarizer sorts them), naming y_prob's columns — or, for binary y_prob of shape
    (n,), two classes of which the greater is the positive one (docs/api.md)."""
    import numpy as np

    if not (_is_array(labels) or type(labels).__name__ == "Index"):
        raise UsageError("labels= beside y_true= is the list of classes, as in scikit-learn")
    if "classes" in options:
        raise UsageError("pass labels= or classes=, not both")
    distinct = np.unique(np.asarray(_host(labels)))
    names = [str(v) for v in distinct]
    if len(set(names)) != len(names):  # 1 and "1"
        raise UsageError(f"labels= holds {len(distinct)} values but only {len(set(names))} names")
    if np.ndim(y_prob) == 1 or type(y_prob).__name__ == "Series":
        if len(names) != 2:
            raise UsageError(
                f"labels= holds {len(names)} classes; y_prob= of shape (n,) is binary: two "
                "classes, the greater one positive"
            )
        return options if options.get("positive") is not None else {**options, "positive": names[1]}
    columns = np.shape(_host(y_prob))[-1]
    if len(names) != columns:
        raise UsageError(f"labels= holds {len(names)} classes but y_prob= has {columns} columns")
    return {**options, "classes": names}


def _classes_of(truth: Any, k: int, options: dict[str, Any]) -> dict[str, Any]:
    """scikit-learn's reading of an (n, K) array's columns: the sorted distinct labels, when
    y_true holds K of them (log_loss's LabelBinarizer) — labels 1..3 or text name the columns in
    sorted order. Integers 0..K-1, fewer than K labels, or `classes=`: as they are
    (docs/api.md)."""
    import numpy as np

    if "classes" in options:
        return options
    integers = truth.dtype.kind in "iu"
    distinct = [str(v) for v in np.unique(truth)] if integers else _distinct_text(truth)
    positions = integers and distinct == [str(j) for j in range(k)]  # integers 0..K-1
    if distinct is None or len(distinct) != k or positions:
        return options
    return {**options, "classes": distinct}


def _positive_of(truth: Any, options: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """scikit-learn's log_loss reading of a y_prob of shape (n,) beside two text labels: the
    probability of the greater one — its LabelBinarizer's classes_[1], predict_proba's column
    1 — with a note (docs/api.md). Labels that read as 0/1, -1/1 or true/false are read so
    already; one label, or more than two, still need positive=."""
    if options.get("positive") is not None:
        return options, None
    distinct = _distinct_text(truth)
    if distinct is None or len(distinct) != 2 or any(map(reads_by_itself, distinct)):
        return options, None
    negative, positive = distinct
    note = (
        f"y_true holds two labels, {negative!r} and {positive!r}: y_prob is read as the "
        f"probability of {positive!r}, the greater, as scikit-learn's log_loss reads it "
        "(predict_proba's column 1); positive= picks the other"
    )
    return {**options, "positive": positive}, note


def _distinct_text(truth: Any) -> list[str] | None:
    """The distinct labels of a y_true of text, sorted as numpy sorts them (by code point), found
    by Arrow (no Python loop per row); None unless every label is text, none missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if truth.dtype.kind not in "UO":
        return None
    try:
        text = pa.array(truth)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: the mapper names the row
        return None
    if not pa.types.is_string(text.type) or text.null_count:
        return None
    return sorted(pc.unique(text).to_pylist())


def _keyword_of(column: str) -> str:
    """The keyword (and class) a column of the arrays table holds: `y_prob`, `y_prob['cat']`,
    `y_true`, `sample_weight`."""
    for prefix, keyword in (("p_", "y_prob"), ("y_", "y_true")):
        if column.startswith(prefix):
            return f"{keyword}[{column[len(prefix) :]!r}]"
    return {"prob": "y_prob", "label": "y_true", "weight": "sample_weight"}.get(column, column)


def _keywords(message: str) -> str:
    """A message for Python: `--pred-col` becomes `pred_col=`, `--task multilabel` becomes
    `task='multilabel'`."""
    import re

    fields = set(EvalOptions.__dataclass_fields__)
    values = set(TASKS) | set(COMPATS) | set(AVERAGES) | {"skip", "error", "dask", "local"}

    def keyword(match: re.Match[str]) -> str:
        name, value = match.group(1).replace("-", "_"), match.group(2)
        if name not in fields:
            return match.group(0)
        if value and value.startswith(" '"):  # a quoted value: `--label-col 'y_*'`
            return f"{name}={value.strip()}"
        if value and value.strip() in values:
            return f"{name}={value.strip()!r}"
        if value and value.strip().isupper():  # a placeholder: `--positive VALUE`
            return f"{name}={value.strip()}"
        return f"{name}=" + (value or "")

    return re.sub(r"--([a-z][a-z-]*)( '[^']*'| [a-z]+\b| [A-Z][A-Z_]*\b)?", keyword, message)


def evaluate_with(
    source: Any,
    labels: Any,
    opts: EvalOptions,
    progress: Callable[[int, float | None], None] | None = None,
    gates: Iterable[Gate] = (),
    targets: tuple[str, int] | None = None,
    short: tuple[str, int] | None = None,
    opened: tuple[Source, Source | None] | None = None,
) -> Report:
    """evaluate() with an already-built EvalOptions, and gates; `progress(rows, fraction)` after
    each chunk (fraction of the input read, or None where it cannot be known). `targets`: a
    label column of lists and its width, read as target columns; `short`: a prediction column
    of lists one or two values long, read as the columns of a binary problem
    (prepare/list_targets.py); `opened`: the inputs, opened already."""
    gates = tuple(gates)
    preds, label_src = opened if opened is not None else open_inputs(source, labels, opts)
    inputs = (preds, label_src)
    if short is not None:
        preds = ListTargets(preds, *short, predictions=True)
    if targets is None and opts.task == Task.MULTILABEL:  # checked before any row is read
        targets = _listed_labels(label_src or preds, opts)
        if targets is not None:
            opts = replace(opts, label_col=",".join(target_names(*targets)))
    if targets is not None:
        if label_src is None:
            preds = ListTargets(preds, *targets)
        else:
            label_src = ListTargets(label_src, *targets)
    layout = layout_of(preds, label_src, opts)
    if targets is None and (listed := _label_lists_known(inputs, opts, layout)):
        return evaluate_with(source, labels, listed[0], progress, gates, listed[1], short, inputs)
    if short is None and (known := _short_lists_known(inputs, layout, opts)):
        columns = replace(opts, pred_col=known[0])  # the view's fields `proba.0`, `proba.1`
        return evaluate_with(source, labels, columns, progress, gates, targets, known, inputs)
    plan = make_plan(opts, layout, list_width(preds, layout))
    kept = plan.breakdowns.keep + plan.breakdowns.by
    if plan.breakdowns.worst and (typed := text_types(preds, kept)):
        plan = replace(plan, breakdowns=replace(plan.breakdowns, text_types=typed))
    plain = [gate for gate in gates if gate.section is None]  # paths are checked on the report
    check_metrics_exist(plain, plan.metrics, f"a {plan.task} evaluation")  # before any row
    check_paths_early([gate for gate in gates if gate.section is not None], plan.metrics)
    try:
        return _evaluated(source, labels, preds, label_src, plan, progress, gates)
    except XentError as exc:
        # stdin or a pipe copied to a file (Parquet, Arrow) is read again from that copy
        reuse = inputs if any(map(copied_input, (source, labels))) else None
        if isinstance(exc, ListLabels) and (again := _as_targets(exc, inputs, opts, layout)):
            return evaluate_with(source, labels, again[0], progress, gates, again[1], short, reuse)
        if isinstance(exc, ShortLists) and (split := _as_columns(exc, inputs, opts, layout)):
            return evaluate_with(source, labels, split, progress, gates, targets, exc.view, reuse)
        for read in (preds, label_src):  # a dataset's row: in which file
            placed = getattr(read, "placed", None)
            exc = placed(exc) if placed is not None else exc
            said = read_as_a_row(read)  # a first line read as a row may be names
            if said and exc.row == 1 and exc.file == getattr(read, "name", None):
                exc.message += f"; {said}"
                exc.args = (exc.message,)
        raise layout.explained(exc) from None


def _listed_labels(source: Source, opts: EvalOptions) -> tuple[str, int] | None:
    """A multilabel run's label column of lists (K 0/1 labels per row) and its width, where
    the input stores how long its lists are (Parquet, Arrow); None otherwise."""
    width_of = getattr(source, "values_per_row", None)
    if width_of is None or (opts.label_col and any(c in opts.label_col for c in "*?[,")):
        return None
    names = [opts.label_col] if opts.label_col else by_name(source.column_names, LABEL_NAMES)
    if not names or names[0] not in source.column_names:
        return None
    if not holds_lists(source.column_types().get(names[0], "")):
        return None
    width = width_of(names[0])
    return (names[0], width) if width is not None and width >= 2 else None


def _as_targets(
    exc: XentError, inputs: tuple[Source, Source | None], opts: EvalOptions, layout: Layout
) -> tuple[EvalOptions, tuple[str, int]] | None:
    """The options that read a label column of lists as its K target columns, where the
    evaluation can be run again over them: the inputs can be read again (a file, or stdin's
    copy in one), on this machine, and the lists are the label column's (not predicted
    labels')."""
    if not isinstance(exc, ListLabels) or exc.column is None or any(map(_stream, inputs)):
        return None
    return _targets_of(exc.column, exc.width, opts, layout)


def _label_lists_known(
    inputs: tuple[Source, Source | None], opts: EvalOptions, layout: Layout
) -> tuple[EvalOptions, tuple[str, int]] | None:
    """With CSV or JSON lines on stdin or a pipe, read once, or on Dask, a label column of
    lists is read as its K target columns from the start, K the first list's length
    (_first_length; ListLabels, raised by a chunk, could not have the run read again — on Dask,
    by a task on a worker)."""
    if not _decided_first(inputs, opts) or layout.label_col is None:
        return None
    holder = inputs[1] if inputs[1] is not None else inputs[0]  # where the labels are read
    width = _first_length(holder, layout.label_col)
    return _targets_of(layout.label_col, width, opts, layout) if width else None


def _targets_of(
    column: str, width: int, opts: EvalOptions, layout: Layout
) -> tuple[EvalOptions, tuple[str, int]] | None:
    """The options that read the label column's lists of `width` as target columns."""
    if column != layout.label_col or width < 1:
        return None  # one value: the label itself (Keras' (n, 1)), read as `y_true.0`
    if opts.label_col is not None and opts.label_col != column:
        return None
    names = ",".join(target_names(column, width))
    return replace(opts, label_col=names), (column, width)


def _short_lists_known(
    inputs: tuple[Source, Source | None], layout: Layout, opts: EvalOptions
) -> tuple[str, int] | None:
    """With CSV or JSON lines on stdin or a pipe, read once, or on Dask, a prediction column of
    lists one value long or of two probabilities is read as the binary problem's columns from
    the start, its length the first list's (_first_length): a chunk that found it out
    (ShortLists) could not have the run read again. Otherwise the run is read again instead."""
    if not _decided_first(inputs, opts):
        return None
    if not layout.short_lists or not layout.pred_cols:
        return None
    column = layout.pred_cols[0]
    width = _first_length(inputs[0], column)
    if width == 1 or (width == 2 and not opts.logits):
        return column, width
    return None


def _first_length(source: Source, column: str) -> int | None:
    """The length of the column's first list that is not null, before any row is scored: in
    text (CSV's arrays written as text, JSON lines) from the lines read ahead; in a file of
    another format from its first batch (Parquet's metadata gives only the mean per row), when
    the column holds lists at all."""
    if source.format in TEXT_FORMATS:
        width_of = getattr(source, "values_per_row", None)
        return width_of(column) if width_of is not None else None
    if not holds_lists(source.column_types().get(column, "")):
        return None
    batches = source.batches([], [], 1 << 14, [column])
    try:
        for batch in batches:
            lists = batch.column(column).drop_null()
            if len(lists):
                return len(lists[0].values)
        return None
    finally:  # a reader's threads stop here (a generator's close)
        close = getattr(batches, "close", None)
        if close is not None:
            close()


def _decided_first(inputs: tuple[Source, Source | None], opts: EvalOptions) -> bool:
    """Whether list columns are read as columns from the start, not on a rerun: text read
    once (a stream), or on Dask (its tasks each read their own rows; engine/dask.py reads them
    through the same view)."""
    return opts.engine == "dask" or any(map(_stream, inputs))


def _stream(source: Source | None) -> bool:
    """Text on stdin or from a pipe: read as it comes, once (other formats are copied to a
    file, io/open.py)."""
    return source is not None and read_once(source)


def _as_columns(
    exc: ShortLists, inputs: tuple[Source, Source | None], opts: EvalOptions, layout: Layout
) -> EvalOptions | None:
    """The options that read a prediction column of short lists as its columns, where the
    evaluation can be run again over them (the inputs can be read again — a file, or stdin's
    copy in one — on this machine)."""
    if opts.engine != "local" or exc.column is None or exc.column != layout.pred_cols[0]:
        return None
    if any(map(_stream, inputs)):
        return None
    return replace(opts, pred_col=exc.column)  # the view's fields `proba.0`, `proba.1`


def _evaluated(
    source: Any,
    labels: Any,
    preds: Source,
    label_src: Source | None,
    plan: Plan,
    progress: Callable[[int, float | None], None] | None,
    gates: tuple[Gate, ...],
) -> Report:
    """Read the inputs through the plan into a report, gates applied."""
    if plan.engine == "dask":
        from xentcli.engine.dask import accumulate_on_dask

        acc = accumulate_on_dask(preds, plan, progress)
        return apply_gates(report_of(acc, preds, label_src, plan), gates)
    reading, scoring = plan.reading, plan.scoring
    if reading.rows_out is None:
        acc = accumulate(preds, label_src, plan, progress=progress)
        return apply_gates(report_of(acc, preds, label_src, plan), gates)
    refuse_to_overwrite(reading.rows_out, "--rows-out", {"predictions": source, "labels": labels})
    rows = RowsOut(reading.rows_out, plan.task, scoring.logits, reading.keep)
    try:
        acc = accumulate(preds, label_src, plan, progress=progress, sink=rows.write)
        report = report_of(acc, preds, label_src, plan)
        rows.commit()
    except BaseException:
        rows.discard()
        raise
    return apply_gates(report.with_section("rows_out", rows.section()), gates)


def inspect_input(source: Any, labels: Any, opts: EvalOptions) -> InspectReport:
    """Open the inputs and report every decision, without reading the data through."""
    preds, label_src = open_inputs(source, labels, opts)
    types = preds.column_types()
    report = InspectReport(
        path=preds.name,
        labels=label_src.name if label_src is not None else None,
        format=preds.format,
        rows=preds.num_rows,
        columns=[{"name": n, "type": types.get(n, "unknown")} for n in preds.column_names],
        layout=None,
        logits=opts.logits,
        label_rule="",
    )
    try:
        layout = layout_of(preds, label_src, opts)
        width = list_width(preds, layout) if layout.short_lists else None
        if width == 1 or (width == 2 and not opts.logits):  # as eval reads them (ShortLists)
            preds = ListTargets(preds, layout.pred_cols[0], width, predictions=True)
            opts = replace(opts, pred_col=layout.pred_cols[0])
            layout = layout_of(preds, label_src, opts)
        plan = make_plan(opts, layout)
    except XentError as failure:  # still show the columns: what a user needs to fix it
        return replace(report, failure=failure)
    rule = label_rule(layout, plan.checks.positive)
    label_types = label_src.column_types() if label_src is not None else types
    if layout.label_col is not None and holds_lists(label_types.get(layout.label_col, "")):
        rule = (  # as eval reads them (prepare/list_targets.py)
            f"one-hot or soft targets: each row's list is read as K target columns "
            f"{layout.label_col}.0 … {layout.label_col}.K-1"
        )
    return replace(report, layout=layout, label_rule=rule, metrics=plan.metrics)


def _first_difference(
    a: Any, b: Any, names: tuple[str, str], column: str, offset: int
) -> int | None:
    """The first row where two label columns differ (two nulls are alike): compared as text,
    and lists (one-hot or soft targets) value by value."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_nested(a.type) or pa.types.is_nested(b.type)):
        a_text, b_text = pc.cast(a, pa.string()), pc.cast(b, pa.string())
        same = pc.fill_null(pc.equal(a_text, b_text), filler(pa.bool_(), False))
        differ = pc.invert(pc.or_(same, pc.and_(pc.is_null(a_text), pc.is_null(b_text))))
        return pc.index(differ, True).as_py() if pc.any(differ).as_py() else None
    a_values, width = list_rows(a, None, names[0], column, offset)
    b_values, _ = list_rows(b, width, names[1], column, offset)
    alike = (a_values == b_values) | (np.isnan(a_values) & np.isnan(b_values))
    differ = ~alike.all(axis=0) | (null_mask(a) != null_mask(b))
    return int(np.argmax(differ)) if differ.any() else None


def check_same_labels(pred_a: Any, pred_b: Any, opts: EvalOptions) -> None:
    """`compare` of two files that hold their own labels: the labels must be the same, row by
    row; the first row where they differ is an alignment error naming it."""

    from xentcli.prepare.align import align_rows

    sources = [open_inputs(source, None, opts)[0] for source in (pred_a, pred_b)]
    layouts = [layout_of(source, None, opts) for source in sources]
    columns = [
        [lay.label_col] if lay.label_col is not None else list(lay.target_cols) for lay in layouts
    ]
    if len(columns[0]) != len(columns[1]):
        raise AlignmentError("A and B have different label columns; pass --labels FILE for both")
    streams = [
        source.batches([], cols, 1 << 16)
        if lay.label_col is not None
        else source.batches(cols, [], 1 << 16)
        for source, lay, cols in zip(sources, layouts, columns, strict=True)
    ]
    offset = 0
    names = (sources[0].name, sources[1].name)
    for left, right in align_rows(streams[0], streams[1], names):
        for a_name, b_name in zip(columns[0], columns[1], strict=True):
            a_col, b_col = left.column(a_name), right.column(b_name)
            at = _first_difference(a_col, b_col, names, a_name, offset)
            if at is not None:
                raise AlignmentError(
                    f"A and B hold different labels from data row {offset + at + 1} "
                    f"({a_col[at].as_py()!r} in {names[0]}, {b_col[at].as_py()!r} in {names[1]}): "
                    "compare needs the same rows in the same order; pass --labels FILE for both"
                )
        offset += left.num_rows
