"""Quality gates (SPEC §5): parsed strictly from `METRIC=VALUE` text, never evaluated as code."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

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

    def check(self, value: float) -> dict[str, Any]:
        """The gate's result as it appears in the report."""
        passed = value <= self.limit if self.op == "<=" else value >= self.limit
        result: dict[str, Any] = {
            "metric": self.metric,
            "op": self.op,
            "limit": self.limit,
            "value": value,
            "passed": bool(passed),
            "flag": self.flag,
        }
        if self.baseline is not None:
            result["baseline"] = self.baseline
        return result


def all_passed(gates: tuple[dict[str, Any], ...]) -> bool:
    """Every gate's result passed (no gates: True) — the exit-code question of every report."""
    return all(gate["passed"] for gate in gates)


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
        old = float(baseline[metric])
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


def check_metrics_exist(gates: Iterable[Gate], available: Iterable[str], task: str) -> None:
    """A gate on a metric this task does not report is a usage error listing those it does."""
    names = list(available)
    for gate in gates:
        if gate.metric not in names:
            raise UsageError(
                f"{gate.flag}: a {task} evaluation has no metric {gate.metric!r}; "
                f"it has: {', '.join(names)}"
            )
