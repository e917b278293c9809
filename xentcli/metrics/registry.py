"""The registry of reported metrics: which per-row statistic each averages, and its final step;
and Totals, the weighted means of every statistic."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from xentcli.metrics.kernels import RowScores
from xentcli.metrics.sums import WeightedMean


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
