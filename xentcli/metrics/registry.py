"""The registry of reported metrics: which per-row statistic each averages, and its final step;
and Totals, the weighted means of every statistic."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from xentcli.metrics.kernels import RowScores
from xentcli.metrics.sums import WeightedMean
from xentcli.tasks import Task


@dataclass(frozen=True)
class Metric:
    """A reported metric: which per-row statistic it averages, and the final step."""

    tasks: frozenset[Task]
    statistic: str | None  # None: computed by a breakdown (ranking), not a mean of rows
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


def _complement(x: float) -> float:
    return 1.0 - x


B, MC, ML, R = Task.BINARY, Task.MULTICLASS, Task.MULTILABEL, Task.REGRESSION
CLASSIFICATION = frozenset({B, MC, ML})
METRICS: dict[str, Metric] = {
    "cross_entropy": Metric(frozenset({MC}), "loss", _same),
    "binary_cross_entropy": Metric(frozenset({B, ML}), "loss", _same),
    "mse": Metric(CLASSIFICATION | {R}, "sq", _same),
    "rmse": Metric(frozenset({R}), "sq", math.sqrt),
    "mae": Metric(frozenset({R}), "abs", _same),
    "error": Metric(CLASSIFICATION, "wrong", _same),
    "accuracy": Metric(CLASSIFICATION, "wrong", _complement, True),
    "subset_error": Metric(frozenset({ML}), "subset", _same),
    "perplexity": Metric(frozenset({MC}), "loss", _exp),
    "top_k_error": Metric(frozenset({MC}), "top_k", _same, option="top_k"),
    **{
        name: Metric(frozenset({B}), None, _same, True, option="per_class")
        for name in ("precision", "recall", "f1")
    },
    **{
        f"{average}_{name}": Metric(CLASSIFICATION, None, _same, True, option="per_class")
        for average in ("macro", "weighted")
        for name in ("precision", "recall", "f1")
    },
    **{
        name: Metric(frozenset({B, MC}), None, _same, True, option="per_class")
        for name in ("balanced_accuracy", "mcc", "cohen_kappa", "macro_accuracy")
    },
    "r2": Metric(frozenset({R}), None, _same, True),
    "roc_auc": Metric(CLASSIFICATION, None, _same, True, option="auc"),
    "average_precision": Metric(CLASSIFICATION, None, _same, True, option="auc"),
}


def metrics_for(task: Task, options: frozenset[str] = frozenset()) -> list[str]:
    """The names of the metrics a task reports (with these options set), in registry order."""
    return [
        name
        for name, metric in METRICS.items()
        if task in metric.tasks and (metric.option is None or metric.option in options)
    ]


@dataclass(frozen=True)
class MetricValues:
    """Metrics a breakdown computes itself; the report builder puts them with the others."""

    values: dict[str, float]

    def to_json(self) -> dict[str, float]:
        return self.values


PER_ROW = ("loss", "sq")  # the losses a framework reduces as Σwℓ / N ("sum_over_batch_size")


@dataclass(frozen=True)
class GroupValues:
    """Metrics a breakdown computes per --by group (group key → name → value); the report
    builder puts them with each group's other metrics."""

    values: dict[str, dict[str, float | None]]

    def to_json(self) -> dict[str, dict[str, float | None]]:
        return self.values


@dataclass
class Totals:
    """Everything an evaluation accumulates: one WeightedMean per statistic, and counts.

    `per_row_losses`: --compat torch/keras with sample weights: the losses are Σwℓ / N, as the
    frameworks' losses reduce them, not Σwℓ / Σw (docs/decisions.md).
    """

    means: dict[str, WeightedMean] = field(default_factory=dict)
    clipped: int = 0
    per_row_losses: bool = False

    def update(self, scores: RowScores, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row scores."""
        extra = scores.weights or {}
        for name, values in scores.stats.items():
            w = weights
            if name in extra:
                w = extra[name] if weights is None else weights * extra[name]
            elif self.per_row_losses and weights is not None and name in PER_ROW:
                values, w = values * weights, None
            self.means.setdefault(name, WeightedMean()).update(values, w)
        self.clipped += scores.clipped

    def merge(self, other: Totals) -> None:
        """Fold another evaluation's totals into this one."""
        for name, mean in other.means.items():
            self.means.setdefault(name, WeightedMean()).merge(mean)
        self.clipped += other.clipped

    def weight(self) -> float:
        """Σw over the rows used."""
        if not self.means:
            return 0.0
        mean = self.means.get("wrong") or next(iter(self.means.values()))
        return mean.denominator.value()

    def result(self, names: Sequence[str]) -> dict[str, float]:
        """These metrics' values, by name."""
        values = {}
        for name in names:
            statistic = METRICS[name].statistic
            if statistic is not None:
                values[name] = METRICS[name].final(self.means[statistic].result())
        return values
