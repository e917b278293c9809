"""r2 for regression: scikit-learn's r2_score, weighted, in one pass (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.registry import MetricValues
from xentcli.metrics.sums import RowSum
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass
class Spread:
    """Σw, Σw(y − c), Σw(y − c)² and Σw(y − ŷ)², c the first target seen (a shift that keeps the
    variance from cancelling), each a RowSum: bit for bit the same for any chunking."""

    shift: float | None = None
    weight: RowSum = field(default_factory=RowSum)
    first: RowSum = field(default_factory=RowSum)
    second: RowSum = field(default_factory=RowSum)
    residual: RowSum = field(default_factory=RowSum)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Spread | None:
        """Always, for regression."""
        return cls() if request.task == Task.REGRESSION else None

    def update(self, scored: Scored) -> None:
        """Add one chunk's targets and squared errors."""
        chunk = scored.chunk
        assert chunk.targets is not None
        y = chunk.targets
        if not y.size:
            return
        if self.shift is None:
            self.shift = float(y[0])
        w = np.ones(y.size) if chunk.weights is None else chunk.weights
        d = y - self.shift
        self.weight.update(w)
        self.first.update(w * d)
        self.second.update(w * d * d)
        self.residual.update(w * scored.scores.stats["sq"])

    def merge(self, other: Spread) -> None:
        """Fold another part in, re-shifted to this one's c."""
        if other.shift is None:
            return
        if self.shift is None:
            self.shift = other.shift
        delta = other.shift - self.shift  # y − c_self = (y − c_other) + delta
        weight, first = other.weight.value(), other.first.value()
        for mine, value in (
            (self.weight, weight),
            (self.first, first + delta * weight),
            (self.second, other.second.value() + 2 * delta * first + delta * delta * weight),
            (self.residual, other.residual.value()),
        ):
            mine.total.add(value)

    def result(self, finished: Finished) -> dict[str, Section]:
        """r2 = 1 − Σw(y − ŷ)² / Σw(y − ȳ)²; constant targets: 1 if predicted exactly, else 0,
        as r2_score's force_finite."""
        weight, first = self.weight.value(), self.first.value()
        squares = self.second.value() - first * first / weight if weight else 0.0
        residual = self.residual.value()
        constant = 1.0 if residual == 0 else 0.0
        r2 = constant if squares <= 0 else 1.0 - residual / squares
        return {"metrics": MetricValues({"r2": r2})}
