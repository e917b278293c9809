"""The Report of everything an accumulator summed, under its plan."""

from __future__ import annotations

import math
from dataclasses import replace

from xentcli.engine.accumulate import Accumulator
from xentcli.engine.plan import Plan
from xentcli.errors import InputError, listed
from xentcli.io.source import Source
from xentcli.metrics.bootstrap import GroupIntervals, Intervals, Notes
from xentcli.metrics.breakdown import Finished, Section
from xentcli.metrics.groups import GroupsTable
from xentcli.metrics.registry import GroupValues, MetricValues
from xentcli.prepare.chunk import raise_for_row_sums
from xentcli.prepare.layout import Layout
from xentcli.report.evaluation import Report, Rows
from xentcli.tasks import Task
from xentcli.version import __version__

SECTION_ORDER = ("per_class", "confusion_matrix", "calibration", "groups", "intervals", "curves")


def _binary_classes(plan: Plan, acc: Accumulator) -> tuple[str, str] | None:
    """A binary problem's two classes as its labels name them, negative first: `--positive`'s
    value (or the positive column's class) and the other one, or -1 and 1; None for 0/1."""
    if plan.task != Task.BINARY:
        return None
    positive, negative = plan.checks.positive, acc.negative
    if positive is None:
        return None if negative in (None, 0) else (str(negative), "1")  # -1/1 labels
    return (f"not {positive}" if negative is None else str(negative)), str(positive)


def report_of(acc: Accumulator, preds: Source, label_src: Source | None, plan: Plan) -> Report:
    """The report; raises where the input, taken whole, is invalid (no row left, bad sums)."""
    raise_for_row_sums(acc.row_sums, plan.sum_tol, preds.name)
    read, used = acc.read, acc.used
    if read == 0:  # a CSV of a header line, an empty Parquet or Arrow file, empty arrays
        only = " (only a header)" if preds.format in ("csv", "tsv") else ""
        raise InputError(f"no data rows{only}", file=preds.name)
    if used == 0:
        raise InputError(
            f"no rows left to evaluate ({read} read, {acc.skipped} skipped for missing values, "
            f"{acc.ignored} ignored, {acc.missing} without a label)",
            file=preds.name,
        )
    total = acc.totals.weight()
    if total <= 0:
        raise InputError("the weights of the rows used sum to 0", file=preds.name)
    if not math.isfinite(total):
        raise InputError(
            f"the weights of the rows used sum to {total!r}, beyond float64's range; "
            "scale the weight column down (every mean is Σwℓ/Σw: a common factor changes nothing)",
            file=preds.name,
        )
    layout = plan.layout
    finished = Finished(
        plan.task, plan.metrics, acc.classes, preds.name, _binary_classes(plan, acc)
    )
    sections: dict[str, Section] = {}
    computed: dict[str, float] = {}  # metrics breakdowns compute themselves
    per_group: dict[str, dict[str, float | None]] = {}  # … and per group
    group_bounds: dict[str, dict[str, list[float | None]]] = {}  # --by with --bootstrap
    said: list[str] = []  # notes of the breakdowns
    for breakdown in acc.breakdowns.values():
        made = dict(breakdown.result(replace(finished, sections=sections)))
        values = made.pop("metrics", None)
        if isinstance(values, MetricValues):
            computed |= values.values
        more = made.pop("intervals", None)
        if isinstance(more, Intervals):  # a breakdown's own replicates (macro_f1, …)
            held = sections.get("intervals")
            if isinstance(held, Intervals):
                more = Intervals(held.bounds | more.bounds, held.replicates | more.replicates)
            sections["intervals"] = more
        by_group = made.pop("group_intervals", None)
        if isinstance(by_group, GroupIntervals):
            for key, bounds in by_group.bounds.items():
                group_bounds.setdefault(key, {}).update(bounds)
        told = made.pop("notes", None)
        if isinstance(told, Notes):
            said += told.lines
        grouped = made.pop("group_metrics", None)
        if isinstance(grouped, GroupValues):
            for key, named in grouped.values.items():
                per_group.setdefault(key, {}).update(named)
        sections |= made
    groups = sections.get("groups")
    if per_group and isinstance(groups, GroupsTable):
        groups = sections["groups"] = groups.with_metrics(per_group)
    if group_bounds and isinstance(groups, GroupsTable):
        sections["groups"] = groups.with_intervals(group_bounds)
    metrics = acc.totals.result(plan.metrics)
    overflowed = [
        name
        for name, value in metrics.items()
        if not math.isfinite(value) and name not in _may_be_infinite(plan)
    ]
    if overflowed:
        raise InputError(
            f"the weighted sum of {overflowed[0]} overflowed float64 (weights too large); "
            "scale the weight column down",
            file=preds.name,
        )
    metrics |= computed
    groups = sections.get("groups")
    if isinstance(groups, GroupsTable):  # each group's metrics in the report's order
        sections["groups"] = groups.ordered(list(metrics))
    intervals = sections.get("intervals")
    if isinstance(intervals, Intervals):  # in the metrics' order
        ordered = {name: intervals.bounds[name] for name in metrics if name in intervals.bounds}
        sections["intervals"] = Intervals(ordered, intervals.replicates)
    order = [name for name in SECTION_ORDER if name in sections]
    sections = {name: sections[name] for name in order + [n for n in sections if n not in order]}
    return Report(
        version=__version__,
        task=plan.task,
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
        clipped=acc.totals.clipped,
        signature=plan.signature,
        options=dict(plan.options),
        sections=sections,
        notes=tuple(
            note
            for note in (
                *layout.notes,
                _zero_one(acc, layout),
                _two_labels(acc, plan),
                _top_k_all(acc, plan),
                *acc.notes,
                *said,
            )
            if note
        ),
    )


def _zero_one(acc: Accumulator, layout: Layout) -> str | None:
    """Probabilities all exactly 0 or 1 are most likely predicted labels written as floats."""
    if not acc.zero_one:
        return None
    return (
        f"every prediction in {listed(layout.pred_cols, 'columns')} is exactly 0 or 1: if "
        "these are predicted labels, not probabilities, pass --hard"
    )


def _top_k_all(acc: Accumulator, plan: Plan) -> str | None:
    """--top-k at least the number of classes: every label is among the top k, as
    scikit-learn's top_k_accuracy_score warns ("meaningless")."""
    k = dict(plan.options).get("top_k")
    if not k or not acc.classes or k < len(acc.classes) or plan.task != Task.MULTICLASS:
        return None
    return (
        f"--top-k {k} is not below the number of classes ({len(acc.classes)}): every label is "
        "among the top k, so top_k_error is 0 whatever the predictions"
    )


def _two_labels(acc: Accumulator, plan: Plan) -> str | None:
    """Predicted labels 0/1 (or booleans) read as two classes: scikit-learn's precision_score
    would report the positive class; --task binary does (docs/inputs.md)."""
    if (
        not plan.layout.hard
        or plan.task != Task.MULTICLASS
        or dict(plan.options)["task"] is not None
    ):
        return None
    if sorted(map(str, acc.classes or ())) not in (["0", "1"], ["False", "True"]):
        return None
    return (
        "the labels are two classes, 0/1 or false/true: --task binary also reports the "
        "precision, recall and f1 of the positive class"
    )


def _may_be_infinite(plan: Plan) -> set[str]:
    """Metrics whose infinite value is a true one: exp of a huge loss, and torch's unclipped
    -log 0 (docs/metrics.md#conventions); any other is an overflow."""
    if plan.scoring.convention == "torch" and not plan.scoring.logits:
        return {"perplexity", "cross_entropy"}
    return {"perplexity"}
