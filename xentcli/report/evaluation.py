"""The Report: a value that renderers read and never compute."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xentcli.report.gates import all_passed

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Rows:
    """How many rows were read, used, skipped (missing values) and ignored (--ignore-label)."""

    read: int
    used: int
    skipped: int
    ignored: int
    missing: int = 0


@dataclass(frozen=True)
class Report:
    """The result of one evaluation."""

    version: str
    task: str
    predictions: str
    labels: str | None
    input_format: str
    columns: dict[str, Any]
    rows: Rows
    classes: tuple[str, ...] | None
    metrics: dict[str, float]
    clipped: int
    signature: str
    options: dict[str, Any]
    gates: tuple[dict[str, Any], ...] = field(default=())
    per_class: list[dict[str, Any]] | None = None
    confusion_matrix: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    groups: list[dict[str, Any]] | None = None
    intervals: dict[str, list[float | None]] | None = None
    # per-replicate metric values (--bootstrap), for `compare`; never rendered
    replicates: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    def title(self) -> str:
        """The heading of human-facing formats."""
        return f"xentcli · {self.task} · {self.predictions}"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The main table: one row per metric (with its interval under --bootstrap)."""
        if self.intervals is None:
            return ["metric", "value"], [[name, value] for name, value in self.metrics.items()]
        rows = [[name, value, *self.intervals[name]] for name, value in self.metrics.items()]
        return ["metric", "value", "interval low", "interval high"], rows

    def summary(self) -> dict[str, Any]:
        """Metric name → value."""
        return dict(self.metrics)

    def notes(self) -> list[str]:
        """Lines under the table: rows, clipping, classes, signature."""
        rows = self.rows
        line = (
            f"rows: {rows.read} read, {rows.used} used, {rows.skipped} skipped, "
            f"{rows.ignored} ignored"
            + (f", {rows.missing} without a label" if rows.missing else "")
            + f" · clipped: {self.clipped}"
        )
        if self.classes:
            line += f" · classes: {', '.join(self.classes)}"
        return [line, f"signature: {self.signature}"]

    def records(self) -> list[dict[str, Any]]:
        """JSON lines: one object per metric."""
        if self.groups is not None:  # one object per group, then the total
            total = {"group": None, "rows": self.rows.used, "metrics": dict(self.metrics)}
            return [*self.groups, total]
        return [
            {"metric": name, "value": value, "task": self.task, "signature": self.signature}
            for name, value in self.metrics.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON report, schema version 1 (SPEC §6.1), full precision."""
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "xentcli", "version": self.version},
            "signature": self.signature,
            "task": self.task,
            "inputs": {
                "predictions": self.predictions,
                "labels": self.labels,
                "format": self.input_format,
            },
            "columns": self.columns,
            "rows": {
                "read": self.rows.read,
                "used": self.rows.used,
                "skipped": self.rows.skipped,
                "ignored": self.rows.ignored,
                "missing": self.rows.missing,
            },
            "classes": list(self.classes) if self.classes is not None else None,
            "metrics": dict(self.metrics),
            "clipped": self.clipped,
            "options": self.options,
            "gates": [dict(gate) for gate in self.gates],
            "passed": self.passed,
        } | self._optional_sections()

    def _optional_sections(self) -> dict[str, Any]:
        """Sections that appear only when asked for (SPEC §6.1)."""
        sections: dict[str, Any] = {}
        if self.per_class is not None:
            sections["per_class"] = self.per_class
        if self.confusion_matrix is not None:
            sections["confusion_matrix"] = self.confusion_matrix
        if self.calibration is not None:
            sections["calibration"] = self.calibration
        if self.groups is not None:
            sections["groups"] = self.groups
        if self.intervals is not None:
            sections["intervals"] = self.intervals
        return sections

    def extra_tables(self) -> list[tuple[str, list[str], list[list[Any]]]]:
        """(title, header, rows) of the optional sections, for human-facing formats."""
        tables = []
        if self.per_class:
            header = list(self.per_class[0])
            tables.append(("per class", header, [list(r.values()) for r in self.per_class]))
        if self.confusion_matrix is not None:
            labels = self.confusion_matrix["labels"]
            rows = [
                [f"true {name}", *row]
                for name, row in zip(labels, self.confusion_matrix["matrix"], strict=True)
            ]
            kind = self.confusion_matrix["normalize"]
            title = "confusion matrix" + (f" (normalized over {kind})" if kind else "")
            tables.append((title, ["", *[f"pred {n}" for n in labels]], rows))
        if self.calibration is not None:
            tables.append(_reliability_table(self.calibration))
        if self.groups is not None:
            tables.append(_groups_table(self.groups))
        return tables


GROUP_ROWS_SHOWN = 100


def _groups_table(groups: list[dict[str, Any]]) -> tuple[str, list[str], list[list[Any]]]:
    """Groups as rows (the first GROUP_ROWS_SHOWN; JSON has them all)."""
    keys = list(groups[0]["group"]) if groups else []
    names = list(groups[0]["metrics"]) if groups else []
    rows = [
        [*g["group"].values(), g["rows"], *g["metrics"].values()] for g in groups[:GROUP_ROWS_SHOWN]
    ]
    more = len(groups) - GROUP_ROWS_SHOWN
    title = f"by {', '.join(keys)}: {len(groups)} groups" + (
        f" (the first {GROUP_ROWS_SHOWN} shown; --format json lists all)" if more > 0 else ""
    )
    return title, [*keys, "rows", *names], rows


def _reliability_table(calibration: dict[str, Any]) -> tuple[str, list[str], list[list[Any]]]:
    """The reliability table, with a bar of accuracy per bin (20 cells = 1.0)."""
    rows = []
    for b in calibration["bins"]:
        bar = "█" * round(20 * b["accuracy"]) if b["accuracy"] is not None else ""
        rows.append(
            [f"{b['lower']:.2f}–{b['upper']:.2f}", b["weight"], b["confidence"], b["accuracy"], bar]
        )
    title = (
        f"calibration: ece {calibration['ece']:.4f} · mce {calibration['mce']:.4f} · "
        f"rmsce {calibration['rmsce']:.4f}"
    )
    return title, ["confidence bin", "weight", "confidence", "accuracy", "accuracy bar"], rows


def signature(
    version: str,
    task: str,
    logits: bool,
    eps: float,
    nan: str,
    weighted: bool,
    renormalize: bool,
    compat: str = "sklearn",
) -> str:
    """A sacrebleu-style string naming everything that changes the numbers."""
    parts = [
        f"xentcli:{version}",
        f"task:{task}",
        f"inputs:{'logits' if logits else 'probs'}",
        f"eps:{eps:.3g}",
        f"compat:{compat}",
        f"nan:{nan}",
        f"weights:{'yes' if weighted else 'no'}",
        f"renorm:{'yes' if renormalize else 'no'}",
    ]
    return "|".join(parts)
