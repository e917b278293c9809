"""Which columns hold labels, predictions and weights, and which task that makes (SPEC §3.1)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

from xentcli.errors import SchemaError, UsageError
from xentcli.options import EvalOptions

LABEL_NAMES = ("label", "labels", "target", "y", "y_true", "class", "truth")
BINARY_NAMES = (
    "prob",
    "probability",
    "proba",
    "p",
    "score",
    "pred",
    "prediction",
    "y_pred",
    "y_prob",
)
CLASS_PREFIXES = ("p_", "prob_", "proba_", "logit_")
INDEXED_P = re.compile(r"^p(\d+)$")


@dataclass(frozen=True)
class Layout:
    """The resolved columns: what is read from where, and the class names."""

    task: str
    label_col: str
    pred_cols: tuple[str, ...]
    weight_col: str | None
    weight_in_labels: bool
    classes: tuple[str, ...] | None


def resolve_layout(
    pred_names: list[str],
    label_names: list[str] | None,
    opts: EvalOptions,
    pred_file: str,
    label_file: str | None = None,
) -> Layout:
    """Pick the label, prediction and weight columns; ambiguity is an error naming the flag."""
    label_file_names = label_names if label_names is not None else pred_names
    label_file = label_file if label_names is not None else pred_file
    label_col = _label_column(label_file_names, opts.label_col, label_file)
    weight_col, weight_in_labels = _weight_column(pred_names, label_names, opts.weight_col)
    taken = {weight_col, opts.on} | ({label_col} if label_names is None else set())
    candidates = [c for c in pred_names if c not in taken]
    pred_cols, stripped = _prediction_columns(candidates, opts, pred_file)
    task = opts.task or ("binary" if len(pred_cols) == 1 else "multiclass")
    if task == "binary" and len(pred_cols) != 1:
        raise UsageError(
            f"--task binary takes one prediction column, got {len(pred_cols)}: "
            f"{', '.join(pred_cols)}"
        )
    if task == "multiclass" and len(pred_cols) < 2:
        raise UsageError(
            f"--task multiclass takes two or more prediction columns, got {', '.join(pred_cols)}; "
            "pass --pred-col with a comma list or a glob such as 'p_*'"
        )
    if not opts.logits and any(c.startswith("logit_") for c in pred_cols):
        raise UsageError(
            f"columns {', '.join(pred_cols)} are named as logits; pass --logits "
            "(xentcli does not guess logits)"
        )
    classes = None
    if task == "multiclass":
        classes = opts.classes or stripped
        if len(classes) != len(pred_cols):
            raise UsageError(
                f"--classes names {len(classes)} classes but there are {len(pred_cols)} "
                f"prediction columns ({', '.join(pred_cols)})"
            )
    return Layout(task, label_col, tuple(pred_cols), weight_col, weight_in_labels, classes)


def _label_column(names: list[str], wanted: str | None, file: str | None) -> str:
    if wanted is not None:
        if wanted not in names:
            raise SchemaError(
                f"no label column {wanted!r}; columns are: {', '.join(names)}", file=file
            )
        return wanted
    for name in LABEL_NAMES:
        if name in names:
            return name
    raise SchemaError(
        f"no label column found (looked for {', '.join(LABEL_NAMES)}); "
        f"columns are: {', '.join(names)}; pass --label-col",
        file=file,
    )


def _weight_column(
    pred_names: list[str], label_names: list[str] | None, wanted: str | None
) -> tuple[str | None, bool]:
    """Weights are taken from the labels file when it has the column, else from predictions."""
    if wanted is None:
        return None, False
    if label_names is not None and wanted in label_names:
        return wanted, True
    if wanted in pred_names:
        return wanted, False
    raise SchemaError(f"no weight column {wanted!r}; columns are: {', '.join(pred_names)}")


def _prediction_columns(
    names: list[str], opts: EvalOptions, file: str
) -> tuple[list[str], tuple[str, ...]]:
    """The prediction columns and the class names their suffixes give."""
    if opts.pred_col is not None:
        return _named_columns(names, opts.pred_col, file)
    options: list[tuple[str, list[str], tuple[str, ...]]] = []
    if opts.task != "multiclass":
        options += [(repr(n), [n], (n,)) for n in BINARY_NAMES if n in names]
    if opts.task != "binary":
        for prefix in CLASS_PREFIXES:
            group = [c for c in names if c.startswith(prefix) and len(c) > len(prefix)]
            if len(group) >= 2:
                suffixes = tuple(c[len(prefix) :] for c in group)
                options.append((f"{prefix}* ({len(group)} columns)", group, suffixes))
        indexed = sorted((int(m.group(1)), c) for c in names if (m := INDEXED_P.match(c)))
        if len(indexed) >= 2 and [i for i, _ in indexed] == list(range(len(indexed))):
            group = [c for _, c in indexed]
            options.append((f"p0..p{len(group) - 1}", group, tuple(c[1:] for c in group)))
    if len(options) == 1:
        return options[0][1], options[0][2]
    if not options:
        raise SchemaError(
            "no prediction column found (looked for "
            f"{', '.join(BINARY_NAMES)} or columns p_*, prob_*, proba_*, logit_*, p0..pK-1); "
            f"columns are: {', '.join(names)}; pass --pred-col",
            file=file,
        )
    raise SchemaError(
        f"ambiguous predictions: {', '.join(o[0] for o in options)}; pass --pred-col "
        "(a column, a comma list, or a glob such as 'p_*')",
        file=file,
    )


def _named_columns(names: list[str], spec: str, file: str) -> tuple[list[str], tuple[str, ...]]:
    if any(ch in spec for ch in "*?["):
        cols = [c for c in names if fnmatch.fnmatchcase(c, spec)]
        if not cols:
            raise SchemaError(
                f"--pred-col {spec!r} matches no column; columns are: {', '.join(names)}",
                file=file,
            )
        head, star, tail = spec.partition("*")
        if star and not any(ch in head + tail for ch in "*?["):
            return cols, tuple(c[len(head) : len(c) - len(tail)] for c in cols)
        return cols, tuple(cols)
    cols = [c.strip() for c in spec.split(",")]
    missing = [c for c in cols if c not in names]
    if missing:
        raise SchemaError(
            f"no prediction column {', '.join(map(repr, missing))}; "
            f"columns are: {', '.join(names)}",
            file=file,
        )
    if len(set(cols)) != len(cols):
        raise UsageError(f"--pred-col names a column twice: {spec}")
    for prefix in CLASS_PREFIXES:
        if len(cols) > 1 and all(c.startswith(prefix) and len(c) > len(prefix) for c in cols):
            return cols, tuple(c[len(prefix) :] for c in cols)
    return cols, tuple(cols)
