"""The Report of one evaluation: a value that renderers read and never compute."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np

from xentcli.metrics.bootstrap import Intervals
from xentcli.metrics.breakdown import Section
from xentcli.metrics.calibration import CalibrationResult
from xentcli.metrics.groups import GroupsTable
from xentcli.metrics.per_class import ConfusionMatrix, PerClassTable
from xentcli.report.gates import GateResult, all_passed
from xentcli.tasks import Task

SCHEMA_VERSION = 1
REPR_METRICS = 4  # metrics a repr shows (to_dict() and to_pandas() have them all)
# the HTML of a report (render/html.py), set by xentcli.api: the report cannot import renderers
HTML_RENDERER: Callable[[Report], str] | None = None


@dataclass(frozen=True)
class Rows:
    """How many rows were read, used, skipped (missing values) and ignored (--ignore-label)."""

    read: int
    used: int
    skipped: int
    ignored: int
    missing: int = 0

    def to_json(self) -> dict[str, int]:
        """The counts as the JSON report holds them."""
        return {
            "read": self.read,
            "used": self.used,
            "skipped": self.skipped,
            "ignored": self.ignored,
            "missing": self.missing,
        }


@dataclass(frozen=True)
class Report:
    """The result of one evaluation; `sections` holds the breakdowns asked for, in report order."""

    version: str
    task: Task
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
    gates: tuple[GateResult, ...] = ()
    sections: Mapping[str, Section] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # decisions the reader should know of (two columns as binary)

    def __repr__(self) -> str:
        first = list(self.metrics.items())[:REPR_METRICS]
        shown = ", ".join(f"{k}={v:.6g}" for k, v in first)
        more = ", …" if len(self.metrics) > REPR_METRICS else ""
        return f"<Report {self.task} {self.predictions!r} rows={self.rows.used} {shown}{more}>"

    def _repr_html_(self) -> str | None:
        """A notebook shows the report as the HTML report's body (charts included)."""
        return HTML_RENDERER(self) if HTML_RENDERER is not None else None

    def to_pandas(self) -> dict[str, Any]:
        """The report as pandas DataFrames: `metrics` (value, and low/high with --bootstrap),
        and each section that is a table — per_class, confusion_matrix, calibration, groups,
        worst (docs/api.md#dataframes)."""
        import pandas as pd

        bounds = self.intervals or {}
        metrics = pd.DataFrame(
            {
                "value": list(self.metrics.values()),
                **(
                    {
                        "low": [bounds.get(n, [None, None])[0] for n in self.metrics],
                        "high": [bounds.get(n, [None, None])[1] for n in self.metrics],
                    }
                    if bounds
                    else {}
                ),
            },
            index=pd.Index(list(self.metrics), name="metric"),
        )
        frames: dict[str, Any] = {"metrics": metrics}
        document = self.to_dict()
        if "per_class" in document:
            frames["per_class"] = pd.DataFrame(document["per_class"]).set_index("class")
        if "confusion_matrix" in document:
            matrix = document["confusion_matrix"]
            labels = matrix["labels"]
            frames["confusion_matrix"] = pd.DataFrame(
                matrix["matrix"],
                index=pd.Index(labels, name="true"),
                columns=pd.Index(labels, name="predicted"),
            )
        if "calibration" in document:
            frames["calibration"] = pd.DataFrame(document["calibration"]["bins"])
        if "groups" in document:
            frames["groups"] = pd.DataFrame([_group_record(g) for g in document["groups"]])
        if "worst" in document:
            rows = document["worst"]["rows"]
            frames["worst"] = pd.DataFrame(
                [{k: v for k, v in r.items() if k != "columns"} | r["columns"] for r in rows]
            )
        return frames

    def with_section(self, name: str, section: Section) -> Report:
        """The report with one more section (after those it has)."""
        return replace(self, sections={**self.sections, name: section})

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    @property
    def per_class(self) -> PerClassTable | None:
        """--per-class: one row per class."""
        return cast(PerClassTable | None, self.sections.get("per_class"))

    @property
    def confusion_matrix(self) -> ConfusionMatrix | None:
        """--per-class: the confusion matrix."""
        return cast(ConfusionMatrix | None, self.sections.get("confusion_matrix"))

    @property
    def calibration(self) -> CalibrationResult | None:
        """--calibration: ECE, MCE and the reliability bins."""
        return cast(CalibrationResult | None, self.sections.get("calibration"))

    @property
    def groups(self) -> GroupsTable | None:
        """--by: one entry per group."""
        return cast(GroupsTable | None, self.sections.get("groups"))

    @property
    def intervals(self) -> dict[str, list[float | None]] | None:
        """--bootstrap: metric → [low, high]."""
        section = cast(Intervals | None, self.sections.get("intervals"))
        return section.bounds if section is not None else None

    @property
    def replicates(self) -> dict[str, np.ndarray] | None:
        """--bootstrap: every metric's value in each replicate (for `compare`; not in JSON)."""
        section = cast(Intervals | None, self.sections.get("intervals"))
        return section.replicates if section is not None else None

    def gate_values(self) -> Mapping[str, float]:
        """Gates name the metrics."""
        return self.metrics

    def gate_subject(self) -> str:
        """How gate messages name the report."""
        return f"a {self.task} evaluation"

    def gate_document(self) -> dict[str, Any]:
        """Gate paths name this report's sections."""
        return self.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The JSON report, schema version 1 (docs/reports.md), full precision."""
        return (
            {
                "schema_version": SCHEMA_VERSION,
                "tool": {"name": "xentcli", "version": self.version},
                "signature": self.signature,
                "task": str(self.task),
                "inputs": {
                    "predictions": self.predictions,
                    "labels": self.labels,
                    "format": self.input_format,
                },
                "columns": self.columns,
                "rows": self.rows.to_json(),
                "classes": list(self.classes) if self.classes is not None else None,
                "metrics": dict(self.metrics),
                "clipped": self.clipped,
                "options": self.options,
                "gates": [gate.to_json() for gate in self.gates],
                "passed": self.passed,
            }
            | ({"notes": list(self.notes)} if self.notes else {})
            | {name: section.to_json() for name, section in self.sections.items()}
        )


def _group_record(group: dict[str, Any]) -> dict[str, Any]:
    """One group as a flat row: its key columns, rows, metrics and their low/high bounds."""
    record = dict(group["group"]) | {"rows": group["rows"]} | group["metrics"]
    for name, (low, high) in (group.get("intervals") or {}).items():
        record[f"{name}_low"], record[f"{name}_high"] = low, high
    return record
