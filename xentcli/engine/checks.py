"""Every check of how options combine with each other and with the task, and the options a
framework convention implies: what the plan runs before it is made (docs/architecture.md)."""

from __future__ import annotations

import math
import os
from dataclasses import replace

from xentcli.errors import UsageError, listed
from xentcli.metrics.conventions import COMPATS, KERAS_EPS
from xentcli.options import EvalOptions
from xentcli.prepare.layout import Layout
from xentcli.tasks import Task


def check_task(layout: Layout, opts: EvalOptions) -> None:
    """The columns a task needs (docs/inputs.md), or a usage error saying what to pass."""
    task, pred_cols, targets = layout.task, layout.pred_cols, layout.target_cols
    cols = listed(pred_cols, "columns")
    if task in (Task.BINARY, Task.REGRESSION) and (len(pred_cols) != 1 or targets):
        raise UsageError(
            f"--task {task} takes one prediction column and one label column, got "
            f"predictions {cols}" + (f" and labels {listed(targets, 'columns')}" if targets else "")
        )
    if task == Task.REGRESSION and opts.logits:
        raise UsageError("--logits does not apply to --task regression")
    if task == Task.MULTICLASS and len(pred_cols) < 2 and not layout.pred_list and not layout.hard:
        raise UsageError(
            f"--task multiclass takes two or more prediction columns (or one list column), got "
            f"{cols}; pass --pred-col with a comma list or a glob such as 'p_*'"
        )
    if task == Task.MULTILABEL and not targets:
        raise UsageError(
            "--task multilabel takes K label columns: pass --label-col with a glob such as "
            "'y_*' or a comma list"
        )
    _check_misplaced(
        task, targets, opts, two_columns=layout.positive is not None, short=layout.short_lists
    )
    if not opts.logits and any(c.startswith("logit_") for c in pred_cols):
        raise UsageError(
            f"columns {cols} are named as logits; pass --logits (xentcli does not guess logits)"
        )
    _check_classes(layout)


def _check_misplaced(
    task: Task,
    targets: tuple[str, ...],
    opts: EvalOptions,
    two_columns: bool = False,
    short: bool = False,
) -> None:
    """An option the task would ignore is a usage error, not a silent no-op. `short`: a list
    column that a binary problem's may turn out to be (Layout.short_lists)."""
    binary_or_multiclass = (Task.BINARY, Task.MULTICLASS)
    misplaced = [
        ("--positive", "binary", opts.positive is not None and task != Task.BINARY and not short),
        (
            "--ignore-label",
            "one label column of classes",
            opts.ignore_label is not None and (bool(targets) or task == Task.REGRESSION),
        ),
        (
            "--classes",
            "multiclass and multilabel",
            opts.classes is not None and task in (Task.BINARY, Task.REGRESSION) and not two_columns,
        ),
        (
            "--renormalize",
            "multiclass probabilities",
            opts.renormalize and (task != Task.MULTICLASS or opts.logits),
        ),
        ("--top-k", "multiclass", opts.top_k is not None and task != Task.MULTICLASS),
        (
            "--calibration",
            "binary and multiclass",
            opts.calibration and task not in binary_or_multiclass,
        ),
        (
            "--per-class",
            "classification",
            opts.per_class and task == Task.REGRESSION,
        ),
    ]
    for flag, where, wrong in misplaced:
        if wrong:
            this = (
                "logits" if flag == "--renormalize" and opts.logits else f"this {task} evaluation"
            )
            raise UsageError(f"{flag} applies to {where}, not to {this}")


def check_hard(opts: EvalOptions, layout: Layout) -> None:
    """Predicted labels have no scores: what needs one is a usage error (docs/inputs.md)."""
    if opts.hard and not layout.hard:
        raise UsageError("--hard takes one prediction column of predicted labels")
    if not layout.hard:
        return
    column = layout.pred_cols[0]
    for flag, asked in (
        ("--logits", opts.logits),
        ("--top-k", opts.top_k is not None),
        ("--calibration", opts.calibration),
        ("--auc", opts.auc),
        ("--renormalize", opts.renormalize),
        (f"--compat {opts.compat}", opts.compat != "sklearn"),
    ):
        if asked:
            raise UsageError(
                f"{flag} needs scores, and {column!r} holds predicted labels; pass the "
                "probabilities (predict_proba) instead"
            )
    if opts.engine == "dask" and layout.task == Task.MULTICLASS and layout.classes is None:
        raise UsageError(
            f"--engine dask evaluates predicted labels of several classes only with --classes "
            f"({column!r} holds predicted labels: each task would find the classes in its own "
            "order); pass --classes, or use --engine local"
        )


def check_ranking(opts: EvalOptions, layout: Layout) -> None:
    """--auc and its options: on which tasks, and with what (docs/metrics.md#ranking)."""
    task = layout.task
    if not opts.auc:
        if opts.average != "macro":
            raise UsageError("--average applies to the metrics of --auc: pass --auc")
        return
    if task == Task.REGRESSION:
        raise UsageError("--auc applies to binary, multiclass and multilabel, not to regression")
    if task == Task.MULTICLASS and layout.target_cols:
        raise UsageError(
            "--auc needs hard labels (one label column of classes), not K target columns"
        )
    if opts.average == "micro" and task != Task.MULTILABEL:
        raise UsageError("--average micro applies to multilabel; use macro or weighted")
    if opts.tmp_dir is not None and not os.path.isdir(opts.tmp_dir):
        raise UsageError(f"--tmp-dir {opts.tmp_dir}: no such folder")


def kept_columns(opts: EvalOptions, layout: Layout) -> tuple[str, ...]:
    """The columns --worst and --rows-out carry: --keep-col, or else an id-like key column
    (docs/reports.md#rows); --keep-col alone, or --rows-out on Dask, is a usage error."""
    from xentcli.engine.rows_out import rows_format

    rows = opts.worst is not None or opts.rows_out is not None
    if opts.keep_col and not rows:
        raise UsageError("--keep-col names columns for --worst N or --rows-out FILE: pass one")
    if opts.rows_out is not None:
        rows_format(opts.rows_out)
        if opts.engine == "dask":
            raise UsageError("--rows-out writes one file in row order; it needs --engine local")
    if not rows:
        return ()
    if opts.keep_col:
        return opts.keep_col
    return (layout.key_col,) if layout.key_col is not None else ()


def _check_classes(layout: Layout) -> None:
    """--classes and target columns agree in number with the prediction columns."""
    if layout.task not in (Task.MULTICLASS, Task.MULTILABEL) or layout.hard:
        return
    pred_cols, targets, classes = layout.pred_cols, layout.target_cols, layout.classes
    pred_list = layout.pred_list
    width = len(targets) if pred_list and targets else None if pred_list else len(pred_cols)
    if classes is not None and width is not None and len(classes) != width:
        raise UsageError(
            f"--classes names {len(classes)} classes but there are {width} "
            f"prediction columns ({listed(pred_cols, 'columns')})"
        )
    if targets and not pred_list and len(targets) != len(pred_cols):
        raise UsageError(
            f"{len(targets)} label columns ({listed(targets, 'columns')}) but {len(pred_cols)} "
            f"prediction columns ({listed(pred_cols, 'columns')}); they pair up in order"
        )


def with_convention(opts: EvalOptions, layout: Layout) -> EvalOptions:
    """The options a framework's convention implies (docs/metrics.md#conventions); a misplaced
    flag is a usage error."""
    task, targets = layout.task, bool(layout.target_cols)
    classes = len(layout.classes) if layout.classes else None
    if opts.compat not in COMPATS:
        raise UsageError(f"--compat must be one of {', '.join(COMPATS)}, not {opts.compat!r}")
    if opts.compat != "sklearn" and task not in (Task.BINARY, Task.MULTICLASS):
        raise UsageError(f"--compat {opts.compat} applies to binary and multiclass")
    if targets and opts.compat == "keras":
        raise UsageError("--compat keras takes one label column; soft targets take --compat torch")
    if opts.compat != "sklearn" and opts.weight_col is not None and (opts.by or opts.bootstrap):
        raise UsageError(
            f"--compat {opts.compat} with --weight-col does not combine with --by or --bootstrap "
            "yet"
        )
    if opts.class_weights is not None and (opts.by or opts.bootstrap):
        raise UsageError("--class-weights does not combine with --by or --bootstrap yet")
    if opts.class_weights is not None:
        if opts.compat != "torch" or task != Task.MULTICLASS:
            raise UsageError(
                "--class-weights is torch's cross_entropy weight: pass --compat torch "
                "on a multiclass evaluation"
            )
        if classes is not None and len(opts.class_weights) != classes:
            raise UsageError(
                f"--class-weights gives {len(opts.class_weights)} weights for {classes} classes"
            )
        if not all(math.isfinite(w) and w > 0 for w in opts.class_weights):
            raise UsageError(
                f"--class-weights must all be finite and > 0, not "
                f"{','.join(f'{w:g}' for w in opts.class_weights)}"
            )
    if opts.label_smoothing and (
        opts.compat == "sklearn" or (task == Task.BINARY and opts.compat != "keras")
    ):
        raise UsageError(
            "--label-smoothing applies to multiclass with --compat torch or keras, and to binary "
            "with --compat keras"
        )
    if opts.compat == "keras":
        renormalize = task == Task.MULTICLASS and not opts.logits
        return replace(opts, eps=KERAS_EPS, renormalize=renormalize)
    return opts
