"""`xentcli compare A B`: two models on the same rows; each metric's difference B − A with a
paired-bootstrap interval and p-value.

Pairing comes free: a bootstrap replicate weighs row i by a pure function of (seed, replicate, i),
so evaluating A and B separately with one seed gives the same resamples. The p-value is
sacrebleu's (c + 1) / (n + 1), c the replicates in which B is not better than A.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xentcli.errors import AlignmentError
from xentcli.metrics.bootstrap import percentile_interval
from xentcli.metrics.registry import METRICS
from xentcli.report.evaluation import SCHEMA_VERSION, Report
from xentcli.report.gates import all_passed


@dataclass(frozen=True)
class CompareReport:
    """Both reports and, per metric, the difference B − A with its interval and verdict."""

    a: Report
    b: Report
    differences: list[dict[str, Any]]
    bootstrap: dict[str, Any]
    gates: tuple[dict[str, Any], ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    def title(self) -> str:
        """The heading of human-facing formats."""
        return f"xentcli compare · A {self.a.predictions} · B {self.b.predictions}"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """One row per metric."""
        header = [
            "metric",
            "A",
            "B",
            "B − A",
            "interval low",
            "interval high",
            "p-value",
            "verdict",
        ]
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
            for d in self.differences
        ]
        return header, rows

    def summary(self) -> dict[str, Any]:
        """Metric → B − A."""
        return {d["metric"]: d["difference"] for d in self.differences}

    def extra_tables(self) -> list[tuple[str, list[str], list[list[Any]]]]:
        """No optional sections."""
        return []

    def notes(self) -> list[str]:
        """How the intervals were made, and both signatures."""
        boot = self.bootstrap
        return [
            f"paired bootstrap: {boot['n']} Poisson(1) replicates, seed {boot['seed']}, "
            f"{boot['confidence']:.0%} intervals; p-value = (c + 1) / (n + 1), c the replicates "
            "where B is not better",
            f"A: {self.a.signature}",
            f"B: {self.b.signature}",
        ]

    def records(self) -> list[dict[str, Any]]:
        """JSON lines: one object per metric."""
        return [dict(d) for d in self.differences]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `compare`, schema version 1."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "compare",
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "differences": [dict(d) for d in self.differences],
            "bootstrap": dict(self.bootstrap),
            "gates": [dict(g) for g in self.gates],
            "passed": self.passed,
        }


def compare_reports(a: Report, b: Report, seed: int, confidence: float) -> CompareReport:
    """Differences B − A from two reports evaluated with the same --bootstrap seed."""
    if a.rows.used != b.rows.used or a.task != b.task:
        raise AlignmentError(
            f"A and B must score the same rows: A uses {a.rows.used} {a.task} rows, "
            f"B uses {b.rows.used} {b.task} rows"
        )
    assert a.replicates is not None and b.replicates is not None
    alpha = round(1.0 - confidence, 12)
    differences = []
    for name in a.metrics:
        paired = np.asarray(b.replicates[name]) - np.asarray(a.replicates[name])
        paired = paired[np.isfinite(paired)]
        better = paired > 0 if METRICS[name].higher_is_better else paired < 0
        worse = paired < 0 if METRICS[name].higher_is_better else paired > 0
        n = len(paired)
        p_better = (int(np.count_nonzero(~better)) + 1) / (n + 1)
        p_worse = (int(np.count_nonzero(~worse)) + 1) / (n + 1)
        verdict = (
            "B better" if p_better < alpha else "B worse" if p_worse < alpha else "no difference"
        )
        differences.append(
            {
                "metric": name,
                "a": a.metrics[name],
                "b": b.metrics[name],
                "difference": b.metrics[name] - a.metrics[name],
                "interval": percentile_interval(paired, confidence),
                "p_value": p_better,
                "p_value_worse": p_worse,
                "verdict": verdict,
            }
        )
    return CompareReport(
        a,
        b,
        differences,
        {
            "method": "poisson",
            "n": len(a.replicates[next(iter(a.replicates))]),
            "seed": seed,
            "confidence": confidence,
        },
    )
