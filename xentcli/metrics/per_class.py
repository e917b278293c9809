"""--per-class: per-class support, loss, error, precision, recall, F1 and the confusion matrix,
from two mergeable sums: Σw per (true, predicted) pair and Σw·ℓ per true class."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xentcli.errors import UsageError
from xentcli.metrics.bootstrap import Intervals, percentile_interval, replicate_blocks
from xentcli.metrics.classification import report_metrics
from xentcli.metrics.groups import group_keys
from xentcli.metrics.registry import GroupValues, MetricValues
from xentcli.tasks import Task

MAX_GROUP_CELLS = 1 << 25  # per-group confusion cells (8 bytes each): 256 MiB

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass(frozen=True)
class ClassRow:
    """One class of the per-class table."""

    name: str
    support: float
    loss_name: str | None  # binary_cross_entropy or cross_entropy; None: predicted labels
    loss: float | None
    error: float | None
    precision: float
    recall: float
    f1: float
    extra: dict[str, float | None] = field(default_factory=dict)  # added by other breakdowns

    def to_json(self) -> dict[str, Any]:
        """The row as the JSON report holds it."""
        loss = {self.loss_name: self.loss} if self.loss_name is not None else {}
        return {
            "class": self.name,
            "support": self.support,
            **loss,
            "error": self.error,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        } | self.extra


@dataclass(frozen=True)
class PerClassTable:
    """The per_class section: one row per class."""

    rows: tuple[ClassRow, ...]

    def __iter__(self) -> Iterator[ClassRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def to_json(self) -> list[dict[str, Any]]:
        """The rows as the JSON report holds them."""
        return [row.to_json() for row in self.rows]


@dataclass(frozen=True)
class ConfusionMatrix:
    """The confusion_matrix section: rows are true classes, columns predicted ones."""

    labels: tuple[str, ...]
    normalize: str | None
    matrix: list[list[Any]]  # counts (int), weights or normalized shares (float)
    counts: list[list[Any]] | None = None  # with --normalize: the counts (or weights) too

    def to_json(self) -> dict[str, Any]:
        """The matrix as the JSON report holds it."""
        shown = {"labels": list(self.labels), "normalize": self.normalize, "matrix": self.matrix}
        return shown | ({"counts": self.counts} if self.counts is not None else {})


@dataclass
class PerClass:
    """Weighted confusion counts and per-class loss sums over every row seen (sized by the first
    chunk's classes)."""

    normalize: str | None = None
    confusion: np.ndarray | None = None
    loss: np.ndarray | None = None
    weighted: bool = False
    by: tuple[str, ...] = ()  # --by: a confusion matrix per group too, for its report metrics
    group_ids: dict[str, int] = field(default_factory=dict)
    grouped: np.ndarray | None = None  # (groups, K, K)
    replicates: int = 0  # --bootstrap: a confusion matrix per replicate too
    seed: int = 0
    confidence: float = 0.95
    resampled: np.ndarray | None = None  # (replicates, K, K)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> PerClass | None:
        """A fresh state when --per-class is on."""
        if not request.per_class or request.task not in (Task.BINARY, Task.MULTICLASS):
            return None
        return cls(
            request.normalize,
            **request.resampling(),
        )

    def update(self, scored: Scored) -> None:
        """Add one chunk: class indices of truth and prediction, per-row loss, weights."""
        chunk, stats = scored.chunk, scored.scores.stats
        k = len(chunk.classes) if chunk.classes else 2
        self._grow(k)
        assert self.confusion is not None and self.loss is not None
        if chunk.hard:  # predicted labels: the codes themselves
            true, predicted = chunk.codes, chunk.preds.astype(np.int64)
        else:
            true, predicted = chunk_classes(chunk.preds, chunk.codes, chunk.targets, stats["wrong"])
        weights = chunk.weights
        self.weighted |= weights is not None
        pairs = np.bincount(true * k + predicted, weights=weights, minlength=k * k)
        self.confusion += pairs.reshape(k, k)
        if self.replicates:
            self._resample(scored.rows(), true * k + predicted, weights, k)
        if self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            cells = (ids[codes] * k + true) * k + predicted
            size = len(self.group_ids)
            self._grow_groups(size, k)
            counts = np.bincount(cells, weights=weights, minlength=size * k * k)
            assert self.grouped is not None
            self.grouped += counts.reshape(size, k, k)
        if "loss" in stats:
            weighted = stats["loss"] if weights is None else stats["loss"] * weights
            self.loss += np.bincount(true, weights=weighted, minlength=k)
        else:
            self.loss[:] = np.nan  # predicted labels have no loss

    def _resample(
        self, rows: np.ndarray, cells: np.ndarray, weights: np.ndarray | None, k: int
    ) -> None:
        """Each replicate's confusion counts, its rows weighed by their Poisson(1) draws (the
        same draws as every other statistic's intervals: a hash of seed, replicate, row)."""
        if self.resampled is None:
            self.resampled = np.zeros((self.replicates, k, k))
        elif self.resampled.shape[1] < k:
            grown = np.zeros((self.replicates, k, k))
            old = self.resampled.shape[1]
            grown[:, :old, :old] = self.resampled
            self.resampled = grown
        for block, draws in replicate_blocks(self.seed, self.replicates, rows):
            if weights is not None:
                draws *= weights
            index = (np.arange(len(block))[:, None] * (k * k) + cells[None, :]).reshape(-1)
            counts = np.bincount(index, draws.reshape(-1), minlength=len(block) * k * k)
            self.resampled[block] += counts.reshape(len(block), k, k)

    def _grow_groups(self, size: int, k: int) -> None:
        """Room for `size` groups of k classes; beyond MAX_GROUP_CELLS, a usage error."""
        if size * k * k > MAX_GROUP_CELLS:
            raise UsageError(
                f"--per-class with --by keeps a {k}×{k} confusion matrix per group: {size} groups "
                f"so far × {k}² cells exceed {MAX_GROUP_CELLS:,}; use a coarser --by "
                "column, or --per-class without --by"
            )
        if self.grouped is None:
            self.grouped = np.zeros((size, k, k))
        elif self.grouped.shape[0] < size or self.grouped.shape[1] < k:
            grown = np.zeros((max(size, self.grouped.shape[0]), k, k))
            g, old = self.grouped.shape[:2]
            grown[:g, :old, :old] = self.grouped
            self.grouped = grown

    def _grow(self, k: int) -> None:
        """Room for k classes (predicted labels find theirs as they come)."""
        if self.confusion is None or self.loss is None:
            self.confusion, self.loss = np.zeros((k, k)), np.zeros(k)
        elif k > len(self.loss):
            confusion = np.zeros((k, k))
            size = len(self.loss)
            confusion[:size, :size] = self.confusion
            self.confusion, self.loss = confusion, np.concatenate([self.loss, np.zeros(k - size)])

    def merge(self, other: PerClass) -> None:
        """Fold another accumulator in."""
        if other.confusion is None or other.loss is None:
            return
        if self.confusion is None or self.loss is None:
            self.confusion, self.loss = other.confusion.copy(), other.loss.copy()
        else:
            self._grow(len(other.loss))
            size = len(other.loss)
            self.confusion[:size, :size] += other.confusion
            self.loss[:size] += other.loss
        self.weighted |= other.weighted
        if other.resampled is not None:
            size = other.resampled.shape[1]
            if self.resampled is None:
                self.resampled = other.resampled.copy()
            else:
                if self.resampled.shape[1] < size:
                    grown = np.zeros((self.replicates, size, size))
                    old = self.resampled.shape[1]
                    grown[:, :old, :old] = self.resampled
                    self.resampled = grown
                self.resampled[:, :size, :size] += other.resampled
        if other.grouped is not None:
            mapping = [self.group_ids.setdefault(n, len(self.group_ids)) for n in other.group_ids]
            k = max(other.grouped.shape[1], len(self.loss) if self.loss is not None else 0)
            self._grow_groups(len(self.group_ids), k)
            assert self.grouped is not None
            size = other.grouped.shape[1]
            for theirs, mine in enumerate(mapping):
                self.grouped[mine, :size, :size] += other.grouped[theirs]

    def result(self, finished: Finished) -> dict[str, Section]:
        """The per_class and confusion_matrix sections."""
        names = finished.classes or ("0", "1")
        k = len(names)
        self._grow(k)
        confusion = self.confusion if self.confusion is not None else np.zeros((k, k))
        loss = self.loss if self.loss is not None else np.zeros(k)
        scored = not np.isnan(loss).all() or not len(loss)  # predicted labels have no loss
        loss_name = (finished.task.loss_name or "loss") if scored else None
        support = confusion.sum(axis=1)
        predicted = confusion.sum(axis=0)
        hits = np.diag(confusion)
        rows = []
        for i, name in enumerate(names):
            precision = hits[i] / predicted[i] if predicted[i] else 0.0
            recall = hits[i] / support[i] if support[i] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append(
                ClassRow(
                    name,
                    float(support[i]) if self.weighted else int(support[i]),
                    loss_name,
                    float(loss[i] / support[i]) if support[i] and loss[i] == loss[i] else None,
                    float(1.0 - recall) if support[i] else None,
                    float(precision),
                    float(recall),
                    float(f1),
                )
            )
        matrix = _normalized(confusion, self.normalize)
        if self.normalize is None and not self.weighted:
            matrix = matrix.astype(np.int64)  # plain counts
        made: dict[str, Section] = {
            "per_class": PerClassTable(tuple(rows)),
            "confusion_matrix": ConfusionMatrix(
                tuple(names),
                self.normalize,
                matrix.tolist(),
                None if self.normalize is None else _counts(confusion, self.weighted),
            ),
            "metrics": MetricValues(report_metrics(confusion, finished.task)),
        }
        if self.resampled is not None:
            size = self.resampled.shape[1]
            resampled = np.zeros((self.replicates, k, k))
            resampled[:, :size, :size] = self.resampled
            per_replicate = [report_metrics(c, finished.task) for c in resampled]
            values = {name: np.array([r[name] for r in per_replicate]) for name in per_replicate[0]}
            bounds = {name: percentile_interval(v, self.confidence) for name, v in values.items()}
            made["intervals"] = Intervals(bounds, values)
        if self.grouped is not None:
            self._grow_groups(len(self.group_ids), k)
            grouped = self.grouped
            made["group_metrics"] = GroupValues(
                {
                    key: dict(report_metrics(grouped[g], finished.task))
                    for key, g in self.group_ids.items()
                }
            )
        return made


def _normalized(counts: np.ndarray, normalize: str | None) -> np.ndarray:
    """Counts, or divided by true-row sums, predicted-column sums or the total (as sklearn)."""
    if normalize is None:
        return counts
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            out = counts / counts.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            out = counts / counts.sum(axis=0, keepdims=True)
        else:
            out = counts / counts.sum()
    return np.nan_to_num(out)


def predicted_classes(scores: np.ndarray, true: np.ndarray, wrong: np.ndarray) -> np.ndarray:
    """argmax per row (ties to the lowest index): the true class where the row is right, and a
    real argmax only over the wrong rows (K, n scores)."""
    predicted = true.copy()
    rows = np.flatnonzero(wrong)
    if rows.size:
        predicted[rows] = np.argmax(scores[:, rows], axis=0)
    return predicted


def chunk_classes(
    preds: np.ndarray, codes: np.ndarray, targets: np.ndarray | None, wrong: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) class indices of a chunk's rows, from what the kernels computed."""
    if preds.ndim == 1:  # binary: a wrong row predicted the other class
        true = codes.astype(np.int64)
        return true, np.where(wrong, 1 - true, true)
    true = codes if targets is None else np.argmax(targets, axis=0)
    return true, predicted_classes(preds, true, wrong)


def _counts(confusion: np.ndarray, weighted: bool) -> list[list[Any]]:
    """The confusion counts as JSON holds them: integers, or weights with --weight-col."""
    return (confusion if weighted else confusion.astype(np.int64)).tolist()
