"""Quality gates (docs/ci.md): parsed strictly from `METRIC=VALUE` text, never evaluated as code,
and applied as one policy to any finished report — of `eval`, `diff` or `compare` — through the
numbers it offers gates (gate_values)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from xentcli.errors import UsageError
from xentcli.io.numbers import NUMBER
from xentcli.metrics.registry import METRICS

METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[^.=\s]+)*$")
# the sections a gate path may name (docs/ci.md#gate-paths), and what turns each on
SECTIONS = {
    "calibration": "--calibration",
    "per_class": "--per-class",
    "groups": "--by COL",
    "intervals": "--bootstrap N",
}


@dataclass(frozen=True)
class Gate:
    """value OP limit must hold; `flag` is how the user wrote it, for messages."""

    metric: str
    op: str  # "<=" or ">="
    limit: float
    flag: str
    baseline: float | None = None

    @property
    def section(self) -> str | None:
        """The report section a gate path names (per_class.recall: per_class), or None."""
        head = self.metric.split(".")[0]
        return head if "." in self.metric and head in SECTIONS else None

    def check(self, value: float, worst: str | None = None) -> GateResult:
        """The gate's result for this value (the worst of its class or group: `worst`)."""
        passed = value <= self.limit if self.op == "<=" else value >= self.limit
        return GateResult(
            self.metric, self.op, self.limit, value, bool(passed), self.flag, self.baseline, worst
        )


@dataclass(frozen=True)
class GateResult:
    """A checked gate, as every report holds it."""

    metric: str
    op: str
    limit: float
    value: float
    passed: bool
    flag: str
    baseline: float | None = None
    worst: str | None = None  # a gate on every class or group: the one furthest from passing

    def to_json(self) -> dict[str, Any]:
        """The gate as the JSON report holds it."""
        result: dict[str, Any] = {
            "metric": self.metric,
            "op": self.op,
            "limit": self.limit,
            "value": self.value,
            "passed": self.passed,
            "flag": self.flag,
        }
        if self.baseline is not None:
            result["baseline"] = self.baseline
        if self.worst is not None:
            result["worst"] = self.worst
        return result


def all_passed(gates: tuple[GateResult, ...]) -> bool:
    """Every gate passed (no gates: True) — the exit-code question of every report."""
    return all(gate.passed for gate in gates)


class Gated(Protocol):
    """A finished report that gates apply to."""

    @property
    def gates(self) -> tuple[GateResult, ...]: ...

    @property
    def passed(self) -> bool: ...

    def gate_values(self) -> Mapping[str, float]:
        """The numbers a gate may name."""
        ...

    def gate_subject(self) -> str:
        """How messages name what was evaluated, e.g. 'a binary evaluation'."""
        ...

    def gate_document(self) -> dict[str, Any]:
        """The evaluation report (as JSON) whose sections gate paths name."""
        ...


R = TypeVar("R", bound=Gated)


def apply_gates(report: R, gates: Iterable[Gate]) -> R:
    """The report with these gates checked against its numbers; a gate on a number the report
    does not have is a usage error listing those it has. A gate path on every class or group
    (per_class.recall) must hold for each, and names the worst."""
    gates = tuple(gates)
    values = report.gate_values()
    plain = [gate for gate in gates if gate.section is None]
    check_metrics_exist(plain, values, report.gate_subject())
    results = []
    for gate in gates:
        if gate.section is None:
            results.append(gate.check(values[gate.metric]))
            continue
        found = [(label, v) for label, v in _path_values(report, gate.metric) if v is not None]
        if not found:
            raise UsageError(
                f"{gate.flag}: {gate.metric!r} names no number of this report"
                + _path_choices(report.gate_document(), gate.metric)
            )
        pick = max if gate.op == "<=" else min
        label, value = pick(found, key=lambda item: float(item[1]))
        results.append(gate.check(float(value), label))
    return dataclasses.replace(report, gates=tuple(results))  # type: ignore[type-var]


def _path_values(report: Any, path: str) -> list[tuple[str | None, Any]]:
    """(class or group, value) for a gate path over a report's sections (docs/ci.md)."""
    section, _, rest = path.partition(".")
    document = report.gate_document()
    data = document.get(section)
    if data is None:
        return []
    if section == "calibration":
        return [(None, data.get(rest))]
    if section == "intervals":
        metric, _, end = rest.rpartition(".")
        bounds = data.get(metric)
        return (
            [(None, bounds[0 if end == "low" else 1])] if bounds and end in ("low", "high") else []
        )
    if section == "per_class":
        rows = {str(row["class"]): row for row in data}
        name, _, field = rest.rpartition(".")
        if name:  # per_class.CLASS.FIELD: one class
            row = rows.get(name)
            return [(f"class {name}", row.get(field))] if row is not None else []
        return [(f"class {c}", row.get(rest)) for c, row in rows.items()]
    if section == "groups":
        return [
            (
                "group " + ", ".join(f"{k}={v}" for k, v in g["group"].items()),
                g["metrics"].get(rest),
            )
            for g in data
        ]
    return []


def _path_choices(document: dict[str, Any], path: str) -> str:
    """What the section a gate path names does hold, for the error that says it has no such
    number: the classes and fields of per_class, the metrics of groups and intervals."""
    section = path.partition(".")[0]
    data = document.get(section)
    if not data:
        return ""
    if section == "per_class":
        classes = ", ".join(str(row["class"]) for row in data[:20])
        more = ", …" if len(data) > 20 else ""
        fields = ", ".join(k for k in data[0] if k != "class")
        return f"; classes are {classes}{more}; per-class numbers are {fields}"
    if section == "groups":
        return f"; each group has {', '.join(data[0]['metrics'])}"
    if section == "intervals":
        return f"; intervals are of {', '.join(data)} (.low or .high)"
    if section == "calibration":
        numbers = [k for k, v in data.items() if isinstance(v, int | float)]
        return f"; calibration has {', '.join(numbers)}"
    return ""


def sections_asked(gates: Iterable[Gate]) -> set[str]:
    """The sections gate paths name: a gate on a section turns it on."""
    return {gate.section for gate in gates if gate.section is not None}


def parse_number(text: str, what: str) -> float:
    """A finite decimal number, or a UsageError; nothing else is accepted."""
    cleaned = text.strip()
    if not NUMBER.fullmatch(cleaned):
        raise UsageError(f"{what}: {text!r} is not a number")
    value = float(cleaned)
    if not math.isfinite(value):
        raise UsageError(f"{what}: {text!r} is not a finite number")
    return value


def split_assignment(text: str, flag: str) -> tuple[str, str]:
    """'METRIC=VALUE' → (metric, value text), with the metric name checked."""
    metric, sep, value = text.partition("=")
    head, dot, path = metric.strip().partition(".")  # a class in a path keeps its case
    metric = head.lower() + dot + path  # CROSS_ENTROPY is cross_entropy
    if not sep or not METRIC_NAME.match(metric):
        raise UsageError(f"{flag} {text!r}: expected METRIC=VALUE, e.g. cross_entropy=0.35")
    head = metric.split(".")[0]
    if metric not in METRICS and not ("." in metric and head in SECTIONS):
        raise UsageError(
            f"{flag} {text!r}: unknown metric {metric!r}; metrics are: {', '.join(METRICS)}; "
            f"or a path into a section: {', '.join(f'{s}.…' for s in SECTIONS)}"
        )
    return metric, value


def bound_gates(maxima: Iterable[str], minima: Iterable[str]) -> list[Gate]:
    """Gates from --max and --min expressions."""
    gates = []
    for flag, op, texts in (("--max", "<=", maxima), ("--min", ">=", minima)):
        for text in texts:
            metric, value = split_assignment(text, flag)
            gates.append(Gate(metric, op, parse_number(value, f"{flag} {text}"), f"{flag} {text}"))
    return gates


def increase_gates(
    texts: Iterable[str], baseline: Mapping[str, float] | None, baseline_name: str | None
) -> list[Gate]:
    """Gates from --max-increase METRIC=DELTA (absolute) or METRIC=N% (relative to the baseline).

    For a metric where higher is better (accuracy) the allowance applies to a decrease.
    """
    gates = []
    for text in texts:
        flag = f"--max-increase {text}"
        metric, delta_text = split_assignment(text, "--max-increase")
        if baseline is None:
            raise UsageError(f"{flag}: needs --baseline OLD.json")
        if metric not in baseline:
            raise UsageError(f"{flag}: the baseline {baseline_name} has no metric {metric!r}")
        old = baseline[metric]
        if isinstance(old, bool) or not isinstance(old, int | float) or not math.isfinite(old):
            raise UsageError(
                f"{flag}: the baseline {baseline_name} has no finite value of {metric!r} "
                f"({old!r}); save a baseline where it has one"
            )
        old = float(old)
        relative = delta_text.strip().endswith("%")
        delta = parse_number(delta_text.strip().rstrip("%"), flag)
        if delta < 0:
            raise UsageError(f"{flag}: the allowed change must be >= 0")
        allowance = abs(old) * delta / 100 if relative else delta
        if METRICS[metric].higher_is_better:
            gates.append(Gate(metric, ">=", old - allowance, flag, old))
        else:
            gates.append(Gate(metric, "<=", old + allowance, flag, old))
    return gates


def check_metrics_exist(gates: Iterable[Gate], available: Iterable[str], subject: str) -> None:
    """A gate on a metric the report does not have is a usage error listing those it has
    (`subject` names the report, e.g. 'a binary evaluation')."""
    names = list(available)
    for gate in gates:
        if gate.metric not in names:
            shown = [name for name in names if ":" not in name]  # not the p_worse: entries
            raise UsageError(
                f"{gate.flag}: {subject} has no metric {gate.metric!r}; it has: {', '.join(shown)}"
            )


# what a path's last part may name in each section, whatever the task (docs/ci.md#gate-paths)
PER_CLASS_FIELDS = (
    "support",
    "cross_entropy",
    "binary_cross_entropy",
    "error",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "average_precision",
)
CALIBRATION_NUMBERS = ("ece", "mce", "rmsce", "n_bins")


def check_paths_early(gates: Iterable[Gate], metrics: Iterable[str]) -> None:
    """A gate path whose last part no report of this evaluation can hold — a misspelt field,
    a metric not reported — is a usage error before any row is read (a class's name can only
    be checked on the report)."""
    metrics = tuple(metrics)
    allowed: tuple[str, ...]
    for gate in gates:
        section, _, rest = gate.metric.partition(".")
        if section == "per_class":
            name, allowed = rest.rpartition(".")[2], PER_CLASS_FIELDS
        elif section == "calibration":
            name, allowed = rest, CALIBRATION_NUMBERS
        elif section == "groups":
            name, allowed = rest, metrics
        elif section == "intervals":
            metric, _, end = rest.rpartition(".")
            if end not in ("low", "high"):
                raise UsageError(f"{gate.flag}: an interval path ends in .low or .high")
            name, allowed = metric, metrics
        else:
            continue
        if name not in allowed:
            raise UsageError(
                f"{gate.flag}: {section} has no {name!r}; it can hold {', '.join(allowed)}"
            )
