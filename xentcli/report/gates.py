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
from xentcli.metrics.registry import METRICS

METRIC_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Gate:
    """value OP limit must hold; `flag` is how the user wrote it, for messages."""

    metric: str
    op: str  # "<=" or ">="
    limit: float
    flag: str
    baseline: float | None = None

    def check(self, value: float) -> GateResult:
        """The gate's result for this value."""
        passed = value <= self.limit if self.op == "<=" else value >= self.limit
        return GateResult(
            self.metric, self.op, self.limit, value, bool(passed), self.flag, self.baseline
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


R = TypeVar("R", bound=Gated)


def apply_gates(report: R, gates: Iterable[Gate]) -> R:
    """The report with these gates checked against its numbers; a gate on a number the report
    does not have is a usage error listing those it has."""
    gates = tuple(gates)
    values = report.gate_values()
    check_metrics_exist(gates, values, report.gate_subject())
    results = tuple(gate.check(values[gate.metric]) for gate in gates)
    return dataclasses.replace(report, gates=results)  # type: ignore[type-var]


def parse_number(text: str, what: str) -> float:
    """A finite decimal number, or a UsageError; nothing else is accepted."""
    cleaned = text.strip()
    if not NUMBER.match(cleaned):
        raise UsageError(f"{what}: {text!r} is not a number")
    value = float(cleaned)
    if not math.isfinite(value):
        raise UsageError(f"{what}: {text!r} is not a finite number")
    return value


def split_assignment(text: str, flag: str) -> tuple[str, str]:
    """'METRIC=VALUE' → (metric, value text), with the metric name checked."""
    metric, sep, value = text.partition("=")
    metric = metric.strip()
    if not sep or not METRIC_NAME.match(metric):
        raise UsageError(f"{flag} {text!r}: expected METRIC=VALUE, e.g. cross_entropy=0.35")
    if metric not in METRICS:
        raise UsageError(
            f"{flag} {text!r}: unknown metric {metric!r}; metrics are: {', '.join(METRICS)}"
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
