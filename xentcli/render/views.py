"""What a person sees of each kind of report: its title, main table, extra tables, notes, and the
records and summary of the line-oriented formats. Reports hold numbers; the choices of
presentation (titles, row limits, bars) are made here, once for every format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xentcli.engine.rows_out import RowsFile
from xentcli.errors import listed
from xentcli.metrics.calibration import CalibrationResult
from xentcli.metrics.groups import GroupsTable
from xentcli.metrics.per_class import ConfusionMatrix, PerClassTable
from xentcli.metrics.worst import WorstRows
from xentcli.render.figures import MAX_CLASSES_SHOWN
from xentcli.report.compare import CompareReport
from xentcli.report.diff import DiffReport
from xentcli.report.evaluation import Report
from xentcli.report.gates import GateResult
from xentcli.report.inspect import InspectReport

GROUP_ROWS_SHOWN = 100
CONFUSIONS_SHOWN = 20  # past the chart's MAX_CLASSES_SHOWN: a matrix's largest cells listed
Table = tuple[str, list[str], list[list[Any]]]  # (title, header, rows)


@dataclass(frozen=True)
class View:
    """A report as the renderers read it."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    notes: list[str]
    records: list[dict[str, Any]]
    summary: dict[str, Any]
    document: dict[str, Any]  # the JSON document
    gates: tuple[GateResult, ...] = ()
    extra_tables: list[Table] = field(default_factory=list)
    prose: tuple[int, ...] = ()  # columns of sentences: in a narrow terminal they wrap at spaces


def view_of(report: Any) -> View:
    """The view of any report kind."""
    for kind, make in VIEWS.items():
        if isinstance(report, kind):
            return make(report)
    raise TypeError(f"no view of a {type(report).__name__}")


def eval_view(report: Report) -> View:
    """An evaluation: a row per metric (with its interval under --bootstrap), then its sections."""
    intervals = report.intervals
    if intervals is None:
        header = ["metric", "value"]
        rows = [[name, value] for name, value in report.metrics.items()]
    else:
        header = ["metric", "value", "interval low", "interval high"]
        none = [None, None]  # metrics a breakdown computes (roc_auc, macro_f1) have no interval
        rows = [[name, value, *intervals.get(name, none)] for name, value in report.metrics.items()]
    if report.groups is not None:  # JSON lines: one object per group, then the total
        total = {"group": None, "rows": report.rows.used, "metrics": dict(report.metrics)}
        records = [*report.groups.to_json(), total]
    else:
        records = [
            {
                "metric": name,
                "value": value,
                "task": str(report.task),
                "signature": report.signature,
            }
            for name, value in report.metrics.items()
        ]
    extra = [
        table
        for name, section in report.sections.items()
        if name in SECTION_TABLES
        for table in [SECTION_TABLES[name](section)]
        if table is not None
    ]
    return View(
        title=f"xentcli · {report.task} · {report.predictions}",
        header=header,
        rows=rows,
        notes=_eval_notes(report),
        records=records,
        summary=dict(report.metrics),
        document=report.to_dict(),
        gates=report.gates,
        extra_tables=extra,
    )


def _eval_notes(report: Report) -> list[str]:
    rows = report.rows
    line = (
        f"rows: {rows.read} read, {rows.used} used, {rows.skipped} skipped, "
        f"{rows.ignored} ignored"
        + (f", {rows.missing} without a label" if rows.missing else "")
        + f" · clipped: {report.clipped}"
    )
    if report.classes:
        line += f" · classes: {listed(report.classes, 'classes')}"
    return [*[f"note: {n}" for n in report.notes], line, f"signature: {report.signature}"]


def per_class_table(section: PerClassTable) -> Table | None:
    """One row per class, columns as in JSON."""
    rows = section.to_json()
    if not rows:
        return None
    return "per class", list(rows[0]), [list(r.values()) for r in rows]


def confusion_table(section: ConfusionMatrix) -> Table:
    """True classes down, predicted across; beyond MAX_CLASSES_SHOWN classes (a table no
    terminal holds), the most frequent confusions instead, one (true, predicted) pair a row."""
    kind = section.normalize
    title = "confusion matrix" + (f" (normalized over {kind})" if kind else "")
    if len(section.labels) > MAX_CLASSES_SHOWN:
        return _confusions(section, title)
    rows = [
        [f"true {name}", *row] for name, row in zip(section.labels, section.matrix, strict=True)
    ]
    return title, ["", *[f"pred {n}" for n in section.labels]], rows


def _confusions(section: ConfusionMatrix, title: str) -> Table:
    """The CONFUSIONS_SHOWN largest cells off the diagonal of a matrix too wide to draw."""
    import numpy as np

    cells = np.array(section.matrix, dtype=np.float64)
    np.fill_diagonal(cells, 0.0)
    order = np.argsort(-cells, axis=None, kind="stable")[:CONFUSIONS_SHOWN]
    order = order[cells.flat[order] > 0]
    k = len(section.labels)
    weighted = any(isinstance(v, float) for v in section.matrix[0])
    value = "share" if section.normalize else "weight" if weighted else "count"
    rows = [
        [section.labels[at // k], section.labels[at % k], section.matrix[at // k][at % k]]
        for at in order.tolist()
    ]
    said = (
        f"{title}: {k} classes, too many to draw; the {len(rows)} most frequent confusions "
        "(the JSON report has the whole matrix)"
    )
    return said, ["true", "predicted", value], rows


def reliability_table(section: CalibrationResult) -> Table:
    """The reliability table, with a bar of accuracy per bin (20 cells = 1.0)."""
    rows = []
    for b in section.bins:
        bar = "█" * round(20 * b.accuracy) if b.accuracy is not None else ""
        rows.append([f"{b.lower:.2f}–{b.upper:.2f}", b.weight, b.confidence, b.accuracy, bar])
    title = (
        f"calibration: ece {section.ece:.4f} · mce {section.mce:.4f} · rmsce {section.rmsce:.4f}"
    )
    return title, ["confidence bin", "weight", "confidence", "accuracy", "accuracy bar"], rows


def groups_table(section: GroupsTable) -> Table:
    """Groups as rows (the first GROUP_ROWS_SHOWN; JSON has them all)."""
    groups = section.rows
    keys = list(section.columns)
    names = list(groups[0].metrics) if groups else []
    rows = [[*g.group.values(), g.rows, *g.metrics.values()] for g in groups[:GROUP_ROWS_SHOWN]]
    more = len(groups) - GROUP_ROWS_SHOWN
    title = f"by {', '.join(keys)}: {len(groups)} groups" + (
        f" (the first {GROUP_ROWS_SHOWN} shown; --format json lists all)" if more > 0 else ""
    )
    return title, [*keys, "rows", *names], rows


def worst_table(section: WorstRows) -> Table:
    """The worst rows, the kept columns after the fixed ones."""
    fixed = [name for name in section.rows[0] if name != "columns"] if section.rows else []
    rows = [[*(row[name] for name in fixed), *row["columns"].values()] for row in section.rows]
    title = f"the {len(rows)} worst rows by {section.metric}"
    kept = [f"{name}_input" if name in fixed else name for name in section.columns]
    return title, [*fixed, *kept], rows  # as the --rows-out file names a kept `label`


def rows_file_table(section: RowsFile) -> Table:
    """Where --rows-out wrote the rows."""
    return (
        "per-row file",
        ["path", "format", "rows"],
        [[section.path, section.format, section.rows]],
    )


# section name → its table in human-facing formats (intervals join the main table)
SECTION_TABLES: dict[str, Callable[[Any], Table | None]] = {
    "per_class": per_class_table,
    "confusion_matrix": confusion_table,
    "calibration": reliability_table,
    "groups": groups_table,
    "worst": worst_table,
    "rows_out": rows_file_table,
}


def diff_view(report: DiffReport) -> View:
    """A diff: one row per compared metric; warnings about reports that are not comparable."""
    unchanged = [] if report.rows else ["no metric changed (--all lists every metric)"]
    return View(
        title=f"xentcli diff · {report.old_path} → {report.new_path}",
        header=["metric", "old", "new", "change", "change %"],
        rows=[[r["metric"], r["old"], r["new"], r["change"], r["change_pct"]] for r in report.rows],
        notes=unchanged + [f"warning: {w}" for w in report.warnings],
        records=[dict(r) for r in report.rows],
        summary={r["metric"]: r["new"] for r in report.rows},
        document=report.to_dict(),
        gates=report.gates,
    )


def compare_view(report: CompareReport) -> View:
    """A comparison: one row per metric with B − A, its interval, p-value and verdict."""
    boot = report.bootstrap
    rows = [
        [
            d["metric"],
            d["a"],
            d["b"],
            d["difference"],
            *d["interval"],
            d["p_value"],
            d["verdict"],
        ]
        for d in report.differences
    ]
    return View(
        title=f"xentcli compare · A {report.a.predictions} · B {report.b.predictions}",
        header=["metric", "A", "B", "B − A", "interval low", "interval high", "p-value", "verdict"],
        rows=rows,
        notes=[
            f"paired bootstrap: {boot['n']} Poisson(1) replicates, seed {boot['seed']}, "
            f"{boot['confidence']:.0%} intervals; p-value = (c + 1) / (n + 1), c the replicates "
            "where B is not better",
            f"A: {report.a.signature}",
            f"B: {report.b.signature}",
        ],
        records=[dict(d) for d in report.differences],
        summary={d["metric"]: d["difference"] for d in report.differences},
        document=report.to_dict(),
        gates=report.gates,
    )


def inspect_view(report: InspectReport) -> View:
    """An inspection: one row per decision, with the flag that changes it."""
    decisions = report.decisions()
    return View(
        title=f"xentcli inspect · {report.path}",
        header=["decision", "value", "change with"],
        rows=[list(d) for d in decisions],
        notes=[
            "columns: "
            + ", ".join(f"{c['name'] or '(unnamed index)'} ({c['type']})" for c in report.columns)
        ]
        + [f"note: {note}" for note in (report.layout.notes if report.layout else ())],
        records=[{"decision": n, "value": v, "flag": f} for n, v, f in decisions],
        summary={name: value for name, value, _ in decisions},
        document=report.to_dict(),
        prose=(1, 2),
    )


VIEWS: dict[type, Callable[[Any], View]] = {
    Report: eval_view,
    DiffReport: diff_view,
    CompareReport: compare_view,
    InspectReport: inspect_view,
}
