"""--per-class on multilabel: per label its support (positive weight), mean BCE, error, and the
precision, recall and F1 of its positive class, from per-label sums that merge by addition; the
macro and weighted averages as scikit-learn's precision_recall_fscore_support on indicator
columns (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.classification import _divide
from xentcli.metrics.per_class import ClassRow, PerClassTable
from xentcli.metrics.registry import MetricValues
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass
class PerLabel:
    """Per label: Σw of true positives, predicted positives, actual positives, wrong cells, and
    Σw·BCE; and Σw over rows."""

    threshold: float
    eps: float
    logits: bool
    sums: np.ndarray | None = None  # (5, K): tp, predicted, positive, wrong, loss
    weight: float = 0.0

    @classmethod
    def asked(cls, request: BreakdownRequest) -> PerLabel | None:
        """A fresh state for --per-class on multilabel."""
        if not (request.per_class and request.task == Task.MULTILABEL):
            return None
        return cls(request.threshold, request.eps, request.logits)

    def update(self, scored: Scored) -> None:
        """Add one chunk's cells."""
        chunk = scored.chunk
        assert chunk.targets is not None
        z, truth = chunk.preds, chunk.targets >= 0.5
        if self.logits:
            e = np.exp(-np.abs(z))
            p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
            cells = np.maximum(z, 0.0) - z * chunk.targets + np.log1p(e)
        else:
            p = z
            q = np.clip(z, self.eps, 1.0 - self.eps)
            cells = -(chunk.targets * np.log(q) + (1.0 - chunk.targets) * np.log1p(-q))
        predicted = p > self.threshold
        w = np.ones(z.shape[1]) if chunk.weights is None else chunk.weights
        sums = np.stack(
            [
                (predicted & truth) @ w,
                predicted @ w,
                truth @ w,
                (predicted != truth) @ w,
                cells @ w,
            ]
        )
        self.sums = sums if self.sums is None else self.sums + sums
        self.weight += float(w.sum())

    def merge(self, other: PerLabel) -> None:
        """Fold another state in."""
        if other.sums is None:
            return
        self.sums = other.sums.copy() if self.sums is None else self.sums + other.sums
        self.weight += other.weight

    def result(self, finished: Finished) -> dict[str, Section]:
        """The per_class section (one row per label) and the averaged metrics."""
        names = finished.classes or ()
        k = len(names)
        sums = self.sums if self.sums is not None else np.zeros((5, k))
        hits, predicted, support, wrong, loss = sums
        precision, recall = _divide(hits, predicted), _divide(hits, support)
        f1 = _divide(2 * precision * recall, precision + recall)
        rows = tuple(
            ClassRow(
                str(name),
                float(support[i]),
                "binary_cross_entropy",
                float(loss[i] / self.weight) if self.weight else None,
                float(wrong[i] / self.weight) if self.weight else None,
                float(precision[i]),
                float(recall[i]),
                float(f1[i]),
            )
            for i, name in enumerate(names)
        )
        share = support / support.sum() if support.sum() else np.zeros(k)
        values = {}
        for name, per_label in (("precision", precision), ("recall", recall), ("f1", f1)):
            values[f"macro_{name}"] = float(per_label.mean()) if k else 0.0
        for name, per_label in (("precision", precision), ("recall", recall), ("f1", f1)):
            values[f"weighted_{name}"] = float(share @ per_label)
        return {"per_class": PerClassTable(rows), "metrics": MetricValues(values)}
