"""`xentcli diff`: two saved JSON reports compared metric by metric (DVC's `metrics diff` style)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from xentcli.errors import InputError
from xentcli.report.evaluation import SCHEMA_VERSION
from xentcli.report.gates import Gate, all_passed, check_metrics_exist


def load_report(path: str) -> dict[str, Any]:
    """A saved xentcli JSON report; anything else is an input error naming the file."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON report ({exc})", file=path) from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise InputError("not a xentcli JSON report (no metrics)", file=path)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"schema_version {data.get('schema_version')!r} is not {SCHEMA_VERSION}", file=path
        )
    return data


@dataclass(frozen=True)
class DiffReport:
    """Per metric: old, new, change and change %; gates checked against the new values."""

    old_path: str
    new_path: str
    rows: list[dict[str, Any]]
    warnings: tuple[str, ...]
    gates: tuple[dict[str, Any], ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    def title(self) -> str:
        """The heading of human-facing formats."""
        return f"xentcli diff · {self.old_path} → {self.new_path}"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """One row per compared metric."""
        header = ["metric", "old", "new", "change", "change %"]
        return header, [
            [r["metric"], r["old"], r["new"], r["change"], r["change_pct"]] for r in self.rows
        ]

    def summary(self) -> dict[str, Any]:
        """Metric name → new value."""
        return {r["metric"]: r["new"] for r in self.rows}

    def extra_tables(self) -> list[tuple[str, list[str], list[list[Any]]]]:
        """No optional sections."""
        return []

    def notes(self) -> list[str]:
        """Warnings about reports that are not comparable; a word when nothing changed."""
        unchanged = [] if self.rows else ["no metric changed (--all lists every metric)"]
        return unchanged + [f"warning: {w}" for w in self.warnings]

    def records(self) -> list[dict[str, Any]]:
        """JSON lines: one object per compared metric."""
        return [dict(r) for r in self.rows]

    def to_dict(self) -> dict[str, Any]:
        """The diff's JSON document, schema version 1."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "diff",
            "old": self.old_path,
            "new": self.new_path,
            "metrics": [dict(r) for r in self.rows],
            "warnings": list(self.warnings),
            "gates": [dict(g) for g in self.gates],
            "passed": self.passed,
        }


def diff_reports(
    old_path: str,
    new_path: str,
    old: dict[str, Any],
    new: dict[str, Any],
    show_all: bool = False,
    gates: tuple[Gate, ...] = (),
) -> DiffReport:
    """Compare two loaded reports; gates apply to the new report's metrics."""
    old_metrics, new_metrics = old["metrics"], new["metrics"]
    names = list(old_metrics) + [m for m in new_metrics if m not in old_metrics]
    rows = []
    for name in names:
        before, after = old_metrics.get(name), new_metrics.get(name)
        change = after - before if before is not None and after is not None else None
        if change == 0 and not show_all:
            continue
        pct = 100 * change / abs(before) if change is not None and before else None
        rows.append(
            {"metric": name, "old": before, "new": after, "change": change, "change_pct": pct}
        )
    warnings = tuple(
        f"the reports differ in {key}: {old.get(key)!r} → {new.get(key)!r}"
        for key in ("task", "classes", "signature")
        if old.get(key) != new.get(key)
    )
    available = [m for m, v in new_metrics.items() if v is not None]
    check_metrics_exist(gates, available, str(new.get("task")))
    results = tuple(gate.check(float(new_metrics[gate.metric])) for gate in gates)
    return DiffReport(old_path, new_path, rows, warnings, results)
