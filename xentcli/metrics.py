"""Mergeable sufficient statistics and the registry of metrics computed from them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from xentcli.kernels import RowScores


@dataclass
class CompensatedSum:
    """A float64 sum with Neumaier compensation, so chunking does not change the result."""

    total: float = 0.0
    compensation: float = 0.0

    def add(self, x: float) -> None:
        """Add one partial sum."""
        t = self.total + x
        if abs(self.total) >= abs(x):
            self.compensation += (self.total - t) + x
        else:
            self.compensation += (x - t) + self.total
        self.total = t

    def merge(self, other: CompensatedSum) -> None:
        """Fold another sum into this one."""
        self.add(other.total)
        self.add(other.compensation)

    def value(self) -> float:
        """The compensated total."""
        return self.total + self.compensation


@dataclass
class WeightedMean:
    """Σ w·x and Σ w over every row seen (w = 1 without weights)."""

    numerator: CompensatedSum = field(default_factory=CompensatedSum)
    denominator: CompensatedSum = field(default_factory=CompensatedSum)

    def update(self, values: np.ndarray, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row values (pairwise-summed within the chunk)."""
        if weights is None:
            total = np.count_nonzero(values) if values.dtype == bool else np.sum(values)
            self.numerator.add(float(total))
            self.denominator.add(float(values.size))
        else:
            self.numerator.add(float(np.sum(values * weights)))
            self.denominator.add(float(np.sum(weights)))

    def merge(self, other: WeightedMean) -> None:
        """Fold another mean's sums into this one."""
        self.numerator.merge(other.numerator)
        self.denominator.merge(other.denominator)

    def result(self) -> float:
        """Σwx / Σw."""
        return self.numerator.value() / self.denominator.value()


@dataclass(frozen=True)
class Metric:
    """A reported metric: which per-row statistic it averages, and the final step."""

    tasks: frozenset[str]
    statistic: str
    final: Callable[[float], float]
    higher_is_better: bool = False


def _same(x: float) -> float:
    return x


def _exp(x: float) -> float:
    """exp that reaches infinity instead of raising OverflowError."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


METRICS: dict[str, Metric] = {
    "cross_entropy": Metric(frozenset({"multiclass"}), "loss", _same),
    "binary_cross_entropy": Metric(frozenset({"binary"}), "loss", _same),
    "mse": Metric(frozenset({"binary", "multiclass"}), "sq", _same),
    "error": Metric(frozenset({"binary", "multiclass"}), "wrong", _same),
    "accuracy": Metric(frozenset({"binary", "multiclass"}), "wrong", lambda e: 1.0 - e, True),
    "perplexity": Metric(frozenset({"multiclass"}), "loss", _exp),
}


def metrics_for(task: str) -> list[str]:
    """The names of the metrics a task reports, in registry order."""
    return [name for name, metric in METRICS.items() if task in metric.tasks]


@dataclass
class Totals:
    """Everything an evaluation accumulates: one WeightedMean per statistic, and counts."""

    means: dict[str, WeightedMean] = field(
        default_factory=lambda: {s: WeightedMean() for s in ("loss", "sq", "wrong")}
    )
    clipped: int = 0

    def update(self, scores: RowScores, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row scores."""
        self.means["loss"].update(scores.loss, weights)
        self.means["sq"].update(scores.sq, weights)
        self.means["wrong"].update(scores.wrong, weights)
        self.clipped += scores.clipped

    def merge(self, other: Totals) -> None:
        """Fold another evaluation's totals into this one."""
        for name, mean in self.means.items():
            mean.merge(other.means[name])
        self.clipped += other.clipped

    def weight(self) -> float:
        """Σw over the rows used."""
        return self.means["loss"].denominator.value()

    def result(self, task: str) -> dict[str, float]:
        """The task's metrics, by name."""
        return {
            name: METRICS[name].final(self.means[METRICS[name].statistic].result())
            for name in metrics_for(task)
        }
