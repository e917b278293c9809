"""`xentcli compare A B`: two models on the same rows; each metric's difference B − A with a
paired-bootstrap interval and p-value.

Pairing comes free: a bootstrap replicate weighs row i by a pure function of (seed, replicate, i),
so evaluating A and B separately with one seed gives the same resamples. The p-value is
sacrebleu's (c + 1) / (n + 1), c the replicates in which B is not better than A.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xentcli.errors import AlignmentError
from xentcli.metrics.bootstrap import percentile_interval
from xentcli.metrics.registry import METRICS
from xentcli.report.evaluation import SCHEMA_VERSION, Report
from xentcli.report.gates import Gate, GateResult, all_passed


@dataclass(frozen=True)
class CompareReport:
    """Both reports and, per metric, the difference B − A with its interval and verdict."""

    a: Report
    b: Report
    differences: list[dict[str, Any]]
    bootstrap: dict[str, Any]
    gates: tuple[GateResult, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when every gate passed (no gates: True)."""
        return all_passed(self.gates)

    def gate_values(self) -> Mapping[str, float]:
        """Gates name B's metrics, and p_worse:METRIC (the p-value that B is worse)."""
        worse = {f"p_worse:{d['metric']}": d["p_value_worse"] for d in self.differences}
        return dict(self.b.metrics) | worse

    def gate_subject(self) -> str:
        """How gate messages name the report."""
        return f"a {self.b.task} evaluation"

    def gate_document(self) -> dict[str, Any]:
        """Gate paths name B's sections."""
        return self.b.to_dict()

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of `compare`, schema version 1."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "compare",
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "differences": [dict(d) for d in self.differences],
            "bootstrap": dict(self.bootstrap),
            "gates": [g.to_json() for g in self.gates],
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
        if name not in a.replicates or name not in b.replicates:
            continue  # computed by a breakdown (macro_f1, r2): no replicates to pair
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


def fail_if_worse(report: CompareReport, confidence: float) -> list[Gate]:
    """--fail-if-worse: a gate per metric on the p-value that B is worse (fails under 1 - conf)."""
    alpha = round(1 - confidence, 12)
    return [
        Gate(f"p_worse:{d['metric']}", ">=", alpha, "--fail-if-worse") for d in report.differences
    ]
