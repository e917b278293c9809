"""Mergeable sufficient statistics and the registry of metrics computed from them."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from xentcli.kernels import RowScores


@dataclass
class CompensatedSum:
    """A float64 sum with Neumaier compensation: the error stays at one rounding, not n."""

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


SEGMENT_ROWS = 4096


@dataclass
class RowSum:
    """Σ of per-row values, bitwise the same however the rows arrive in chunks.

    Rows are summed in fixed segments of SEGMENT_ROWS consecutive rows (numpy's pairwise sum),
    and the segment sums are added in order with Neumaier compensation; the rows of an unfinished
    segment wait for the next chunk. So CSV blocks, Parquet row groups and --chunk-rows cannot
    change a single bit of the result.
    """

    total: CompensatedSum = field(default_factory=CompensatedSum)
    pending: np.ndarray = field(default_factory=lambda: np.empty(0))

    def update(self, values: np.ndarray) -> None:
        """Add one chunk's per-row values."""
        if self.pending.size:
            head = values[: SEGMENT_ROWS - self.pending.size]
            values = values[head.size :]
            self.pending = np.concatenate([self.pending, head.astype(np.float64)])
            if self.pending.size < SEGMENT_ROWS:
                return
            self.total.add(float(self.pending.sum()))
        whole = values.size - values.size % SEGMENT_ROWS
        if whole:
            for segment_sum in values[:whole].reshape(-1, SEGMENT_ROWS).sum(axis=1).tolist():
                self.total.add(float(segment_sum))
        self.pending = values[whole:].astype(np.float64)  # a copy: values may be scratch memory

    def merge(self, other: RowSum) -> None:
        """Fold another sum into this one (exact to rounding, not bitwise)."""
        self.total.add(self.pending_sum())
        self.total.add(other.pending_sum())
        self.total.merge(other.total)
        self.pending = np.empty(0)

    def pending_sum(self) -> float:
        """The sum of the rows still waiting for their segment to fill."""
        return float(self.pending.sum())

    def value(self) -> float:
        """The sum of every row seen."""
        return self.total.value() + self.pending_sum()


@dataclass
class WeightedMean:
    """Σ w·x and Σ w over every row seen (w = 1 without weights)."""

    numerator: RowSum = field(default_factory=RowSum)
    denominator: RowSum = field(default_factory=RowSum)

    def update(self, values: np.ndarray, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row values."""
        if weights is None:
            if values.dtype == bool:  # a count: exact in any order
                self.numerator.total.add(float(np.count_nonzero(values)))
            else:
                self.numerator.update(values)
            self.denominator.total.add(float(values.size))
        else:
            self.numerator.update(values * weights)
            self.denominator.update(weights)

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
    option: str | None = None  # reported only when this option is set


def _same(x: float) -> float:
    return x


def _exp(x: float) -> float:
    """exp that reaches infinity instead of raising OverflowError."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


CLASSIFICATION = frozenset({"binary", "multiclass", "multilabel"})
METRICS: dict[str, Metric] = {
    "cross_entropy": Metric(frozenset({"multiclass"}), "loss", _same),
    "binary_cross_entropy": Metric(frozenset({"binary", "multilabel"}), "loss", _same),
    "mse": Metric(CLASSIFICATION | {"regression"}, "sq", _same),
    "rmse": Metric(frozenset({"regression"}), "sq", math.sqrt),
    "mae": Metric(frozenset({"regression"}), "abs", _same),
    "error": Metric(CLASSIFICATION, "wrong", _same),
    "accuracy": Metric(CLASSIFICATION, "wrong", lambda e: 1.0 - e, True),
    "subset_error": Metric(frozenset({"multilabel"}), "subset", _same),
    "perplexity": Metric(frozenset({"multiclass"}), "loss", _exp),
    "top_k_error": Metric(frozenset({"multiclass"}), "top_k", _same, option="top_k"),
}


def metrics_for(task: str, options: frozenset[str] = frozenset()) -> list[str]:
    """The names of the metrics a task reports (with these options set), in registry order."""
    return [
        name
        for name, metric in METRICS.items()
        if task in metric.tasks and (metric.option is None or metric.option in options)
    ]


@dataclass
class Totals:
    """Everything an evaluation accumulates: one WeightedMean per statistic, and counts."""

    means: dict[str, WeightedMean] = field(default_factory=dict)
    clipped: int = 0

    def update(self, scores: RowScores, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row scores."""
        extra = scores.weights or {}
        for name, values in scores.stats.items():
            w = weights
            if name in extra:
                w = extra[name] if weights is None else weights * extra[name]
            self.means.setdefault(name, WeightedMean()).update(values, w)
        self.clipped += scores.clipped

    def merge(self, other: Totals) -> None:
        """Fold another evaluation's totals into this one."""
        for name, mean in other.means.items():
            self.means.setdefault(name, WeightedMean()).merge(mean)
        self.clipped += other.clipped

    def weight(self) -> float:
        """Σw over the rows used."""
        return next(iter(self.means.values())).denominator.value() if self.means else 0.0

    def result(self, task: str, options: frozenset[str] = frozenset()) -> dict[str, float]:
        """The task's metrics, by name."""
        return {
            name: METRICS[name].final(self.means[METRICS[name].statistic].result())
            for name in metrics_for(task, options)
        }
