"""The library's entry points: evaluate() (open → plan → accumulate here or on Dask → Report →
gates) and inspect_input() (open → plan, no rows read)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from xentcli.engine.accumulate import accumulate
from xentcli.engine.plan import layout_of, make_plan, open_inputs
from xentcli.options import EvalOptions
from xentcli.report.build import report_of
from xentcli.report.evaluation import Report
from xentcli.report.gates import Gate, apply_gates, check_metrics_exist
from xentcli.report.inspect import InspectReport, label_rule


def evaluate(source: Any, labels: Any = None, **options: Any) -> Report:
    """Evaluate predictions (a path, '-', a pandas DataFrame or a pyarrow Table) into a Report.

    `labels` is a second source holding the labels, row-aligned with `source`. Every other
    keyword is a field of EvalOptions (label_col, pred_col, logits, eps, nan, ...).
    """
    return evaluate_with(source, labels, EvalOptions.from_kwargs(options))


def evaluate_with(
    source: Any,
    labels: Any,
    opts: EvalOptions,
    progress: Callable[[int, float | None], None] | None = None,
    gates: Iterable[Gate] = (),
) -> Report:
    """evaluate() with an already-built EvalOptions, and gates; `progress(rows, fraction)` after
    each chunk (fraction of the input read, or None where it cannot be known)."""
    gates = tuple(gates)
    preds, label_src = open_inputs(source, labels, opts)
    plan = make_plan(opts, layout_of(preds, label_src, opts))
    check_metrics_exist(gates, plan.metrics, f"a {plan.task} evaluation")  # before any row
    if plan.engine == "dask":
        from xentcli.engine.dask import accumulate_on_dask

        acc = accumulate_on_dask(preds, plan, progress)
    else:
        acc = accumulate(preds, label_src, plan, progress=progress)
    return apply_gates(report_of(acc, preds, label_src, plan), gates)


def inspect_input(source: Any, labels: Any, opts: EvalOptions) -> InspectReport:
    """Open the inputs and report every decision, without reading the data through."""
    preds, label_src = open_inputs(source, labels, opts)
    layout = layout_of(preds, label_src, opts)
    plan = make_plan(opts, layout)
    checks = plan.checks
    return InspectReport(
        path=preds.name,
        labels=label_src.name if label_src is not None else None,
        format=preds.format,
        rows=preds.num_rows,
        columns=[{"name": n, "type": t} for n, t in preds.column_types().items()],
        layout=layout,
        logits=checks.logits,
        label_rule=label_rule(layout, checks.positive),
        metrics=plan.metrics,
    )
