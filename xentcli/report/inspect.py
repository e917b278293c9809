"""`xentcli inspect`: how a file would be read, decided by the same code as `eval`, no metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xentcli.errors import XentError
from xentcli.prepare.layout import Layout
from xentcli.report.evaluation import SCHEMA_VERSION
from xentcli.report.gates import GateResult
from xentcli.tasks import Task

ROWS_NOTE = "(stored in Parquet, Arrow, ORC and numpy files; text is not counted)"


@dataclass(frozen=True)
class InspectReport:
    """The decisions xentcli makes about an input, each with the flag that changes it."""

    path: str
    labels: str | None
    format: str
    rows: int | None
    columns: list[dict[str, str]]
    layout: Layout | None  # None: the columns could not be decided (failure says why)
    logits: bool
    label_rule: str
    metrics: tuple[str, ...] = ()
    gates: tuple[GateResult, ...] = ()
    passed: bool = True
    failure: XentError | None = None

    def decisions(self) -> list[tuple[str, Any, str]]:
        """(decision, value, the flag that changes it)."""
        lay = self.layout
        if lay is None:
            return [
                ("format", self.format, "--input-format"),
                (
                    "rows",
                    self.rows,
                    ROWS_NOTE,
                ),
                ("columns", "could not be decided: see the error", "--label-col, --pred-col"),
            ]
        return [
            ("format", self.format, "--input-format"),
            ("rows", self.rows, ROWS_NOTE),
            ("task", lay.task, "--task"),
            (
                "label column" if lay.label_col else "target columns",
                lay.label_col or ", ".join(lay.target_cols),
                "--label-col" + (" (in --labels)" if self.labels else ""),
            ),
            (
                "prediction columns",
                ", ".join(lay.pred_cols) + (" (one list per row)" if lay.pred_list else ""),
                "--pred-col",
            ),
            ("predictions are", "logits" if self.logits else "probabilities", "--logits"),
            ("weight column", lay.weight_col, "--weight-col"),
            (
                "index column",
                None if lay.index_col is None else lay.index_col or "(unnamed)",
                "(pandas' index: never a label or prediction)",
            ),
            ("classes", _classes(lay), "--classes"),
            (
                "labels map by",
                self.label_rule,
                "--positive" if lay.task == Task.BINARY else "--classes",
            ),
            ("metrics", ", ".join(self.metrics), "eval --top-k, --auc add more"),
        ]

    def gate_values(self) -> dict[str, float]:
        """An inspection has no numbers to gate."""
        return {}

    def gate_subject(self) -> str:
        """How gate messages name the report."""
        return "an inspection"

    def gate_document(self) -> dict[str, Any]:
        """An inspection has no sections to gate."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `inspect --format json`."""
        lay = self.layout
        if lay is None:
            return {
                "schema_version": SCHEMA_VERSION,
                "kind": "inspect",
                "inputs": {"predictions": self.path, "labels": self.labels, "format": self.format},
                "rows": self.rows,
                "columns": self.columns,
                "task": None,
                "predictions": [],
                "error": str(self.failure),
                "flags": {n: f for n, _, f in self.decisions()},
            }
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "inspect",
            "inputs": {"predictions": self.path, "labels": self.labels, "format": self.format},
            "rows": self.rows,
            "columns": self.columns,
            "task": lay.task,
            "label": lay.label_col,
            "targets": list(lay.target_cols),
            "predictions": list(lay.pred_cols),
            "logits": self.logits,
            "weight": lay.weight_col,
            "index": lay.index_col,
            "classes": list(lay.classes) if lay.classes else None,
            "list": lay.pred_list,
            "label_rule": self.label_rule,
            "metrics": list(self.metrics),
            "notes": list(lay.notes),
            "flags": {n: f for n, _, f in self.decisions()},
        }


def _classes(layout: Layout) -> str | None:
    if layout.classes:
        return ", ".join(layout.classes)
    if layout.short_lists:  # eval reads lists of one value, or two probabilities, as columns
        return "0..K-1, K from the first row's list (K = 1, or 2 probabilities: binary)"
    return "0..K-1, K from the first row's list" if layout.pred_list else None


def label_rule(layout: Layout, positive: str | None) -> str:
    """The label mapping rule in force (docs/inputs.md#labels), in words."""
    if layout.target_cols:
        kind = "independent 0/1 labels" if layout.task == Task.MULTILABEL else "class probabilities"
        return f"K target columns paired in order with the predictions: {kind}"
    if layout.task == Task.REGRESSION:
        return "numbers, compared with the predictions"
    if layout.pred_list and layout.classes is None:
        return "an integer label is a 0-based position in the list"
    if layout.classes is None:
        if positive is not None:
            return f"{positive!r} is positive, the one other value negative"
        return "0/1, -1/1 or true/false (1 and true the positive class)"
    if all(c.lstrip("-").isdigit() for c in layout.classes):
        return "an integer label names the class column of that name"
    return "a string label names a class; an integer label is a 0-based position"
