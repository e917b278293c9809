"""`xentcli diff`: two saved JSON reports compared metric by metric (DVC's `metrics diff` style)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xentcli.errors import InputError
from xentcli.report.evaluation import SCHEMA_VERSION
from xentcli.report.gates import GateResult, all_passed

REPORT_BYTES = 256 << 20  # a report file larger than this is not one (`--baseline /dev/zero`)


def load_report(path: str) -> dict[str, Any]:
    """A saved xentcli JSON report; anything else is an input error naming the file."""
    shown = "<stdin>" if path == "-" else path
    try:
        if path == "-":  # `xentcli eval … --json | xentcli plot - -o charts.png`
            raw = sys.stdin.buffer.read(REPORT_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(REPORT_BYTES + 1)
        if len(raw) > REPORT_BYTES:
            raise InputError(f"larger than {REPORT_BYTES >> 20} MiB: not a report", file=shown)
        data = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", file=shown) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a JSON report", file=shown) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a JSON report ({exc})", file=shown) from None
    except RecursionError:
        raise InputError("not a JSON report (nested too deeply)", file=shown) from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise InputError("not a xentcli JSON report (no metrics)", file=shown)
    for name, value in data["metrics"].items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise InputError(f"metric {name!r} is {value!r}, not a number", file=shown)
    if data.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"schema_version {data.get('schema_version')!r} is not {SCHEMA_VERSION}", file=shown
        )
    return data


@dataclass(frozen=True)
class DiffReport:
    """Per metric: old, new, change and change %; gates checked against the new values."""

    old_path: str
    new_path: str
    rows: list[dict[str, Any]]
    warnings: tuple[str, ...]
    new_metrics: dict[str, Any] = field(default_factory=dict)
    new_task: str = ""
    new: dict[str, Any] = field(default_factory=dict, repr=False)  # the NEW report
    gates: tuple[GateResult, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    def gate_values(self) -> Mapping[str, float]:
        """Gates name the new report's metrics (those it has a value for)."""
        return {name: float(v) for name, v in self.new_metrics.items() if v is not None}

    def gate_subject(self) -> str:
        """How gate messages name the report."""
        return f"a {self.new_task} evaluation"

    def gate_document(self) -> dict[str, Any]:
        """Gate paths name the NEW report's sections."""
        return self.new

    def to_dict(self) -> dict[str, Any]:
        """The diff's JSON document, schema version 1."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "diff",
            "old": self.old_path,
            "new": self.new_path,
            "metrics": [dict(r) for r in self.rows],
            "warnings": list(self.warnings),
            "gates": [g.to_json() for g in self.gates],
            "passed": self.passed,
        }


def diff_reports(
    old_path: str,
    new_path: str,
    old: dict[str, Any],
    new: dict[str, Any],
    show_all: bool = False,
) -> DiffReport:
    """Compare two loaded reports; gates (apply_gates) check the new report's metrics."""
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
    task = str(new.get("task"))
    return DiffReport(old_path, new_path, rows, warnings, dict(new_metrics), task, new)
