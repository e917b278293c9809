"""--per-class on multilabel: per label its support (positive weight), mean BCE, error, and the
precision, recall and F1 of its positive class, from per-label sums that merge by addition; the
macro and weighted averages as scikit-learn's precision_recall_fscore_support on indicator
columns (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.bootstrap import Intervals, percentile_interval, replicate_blocks
from xentcli.metrics.classification import _divide
from xentcli.metrics.groups import group_keys
from xentcli.metrics.per_class import ClassRow, PerClassTable
from xentcli.metrics.registry import GroupValues, MetricValues
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
    weighted: bool = False  # any chunk had weights: support is then a weight, not a count
    by: tuple[str, ...] = ()  # --by: the sums per group, for each group's averages
    group_ids: dict[str, int] = field(default_factory=dict)
    grouped: np.ndarray | None = None  # (groups, 5, K)
    replicates: int = 0  # --bootstrap: the sums per replicate
    seed: int = 0
    confidence: float = 0.95
    resampled: np.ndarray | None = None  # (replicates, 5, K)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> PerLabel | None:
        """A fresh state for --per-class on multilabel."""
        if not (request.per_class and request.task == Task.MULTILABEL):
            return None
        return cls(
            request.threshold,
            request.eps,
            request.logits,
            **request.resampling(),
        )

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
        per_row = np.stack([predicted & truth, predicted, truth, predicted != truth, cells]).astype(
            np.float64
        )  # (5, K, n)
        sums = per_row @ w
        self.sums = sums if self.sums is None else self.sums + sums
        self.weight += float(w.sum())
        self.weighted |= chunk.weights is not None
        k = z.shape[0]
        if self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            onehot = np.zeros((len(self.group_ids), z.shape[1]))
            onehot[ids[codes], np.arange(z.shape[1])] = w
            grouped = np.einsum("skn,gn->gsk", per_row, onehot)
            if self.grouped is None:
                self.grouped = np.zeros((0, 5, k))
            grown = np.zeros((len(self.group_ids), 5, k))
            grown[: len(self.grouped)] = self.grouped
            self.grouped = grown + grouped
        if self.replicates:
            if self.resampled is None:
                self.resampled = np.zeros((self.replicates, 5, k))
            rows = scored.rows()
            for block, draws in replicate_blocks(self.seed, self.replicates, rows):
                self.resampled[block] += np.einsum("skn,rn->rsk", per_row, draws * w)

    def merge(self, other: PerLabel) -> None:
        """Fold another state in."""
        if other.sums is None:
            return
        self.sums = other.sums.copy() if self.sums is None else self.sums + other.sums
        self.weight += other.weight
        self.weighted |= other.weighted
        if other.grouped is not None:
            mapping = [self.group_ids.setdefault(n, len(self.group_ids)) for n in other.group_ids]
            grown = np.zeros((len(self.group_ids), *other.grouped.shape[1:]))
            if self.grouped is not None:
                grown[: len(self.grouped)] = self.grouped
            np.add.at(grown, mapping, other.grouped)
            self.grouped = grown
        if other.resampled is not None:
            self.resampled = (
                other.resampled.copy()
                if self.resampled is None
                else self.resampled + other.resampled
            )

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
                float(support[i]) if self.weighted else int(support[i]),
                "binary_cross_entropy",
                float(loss[i] / self.weight) if self.weight else None,
                float(wrong[i] / self.weight) if self.weight else None,
                float(precision[i]),
                float(recall[i]),
                float(f1[i]),
            )
            for i, name in enumerate(names)
        )
        made: dict[str, Section] = {
            "per_class": PerClassTable(rows),
            "metrics": MetricValues(_averages(sums)),
        }
        if self.grouped is not None:
            made["group_metrics"] = GroupValues(
                {key: dict(_averages(self.grouped[g])) for key, g in self.group_ids.items()}
            )
        if self.resampled is not None:
            each = [_averages(r) for r in self.resampled]
            values = {name: np.array([e[name] for e in each]) for name in each[0]}
            bounds = {n: percentile_interval(v, self.confidence) for n, v in values.items()}
            made["intervals"] = Intervals(bounds, values)
        return made


def _averages(sums: np.ndarray) -> dict[str, float]:
    """Macro and weighted precision, recall and F1 over the labels, from their sums."""
    hits, predicted, support = sums[0], sums[1], sums[2]
    precision, recall = _divide(hits, predicted), _divide(hits, support)
    f1 = _divide(2 * precision * recall, precision + recall)
    share = support / support.sum() if support.sum() else np.zeros(len(support))
    values = {}
    for name, per_label in (("precision", precision), ("recall", recall), ("f1", f1)):
        values[f"macro_{name}"] = float(per_label.mean()) if len(per_label) else 0.0
    for name, per_label in (("precision", precision), ("recall", recall), ("f1", f1)):
        values[f"weighted_{name}"] = float(share @ per_label)
    return values
