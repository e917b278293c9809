"""--per-class: per-class support, loss, error, precision, recall, F1 and the confusion matrix,
from mergeable sums: Σw of hits, true and predicted rows per class, Σw·ℓ per true class, and
Σw per (true, predicted) pair up to MATRIX_CLASSES classes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xentcli.errors import UsageError, listed
from xentcli.metrics.bootstrap import (
    GroupIntervals,
    Intervals,
    Notes,
    percentile_interval,
    replicate_blocks,
)
from xentcli.metrics.class_totals import class_totals, grown
from xentcli.metrics.classification import report_metrics
from xentcli.metrics.groups import group_keys
from xentcli.metrics.registry import GroupValues, MetricValues
from xentcli.tasks import Task

MAX_GROUP_CELLS = 1 << 25  # class totals per group or replicate (8 bytes each): 256 MiB
MATRIX_CLASSES = 2048  # the confusion matrix is kept up to this many classes (32 MiB)

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
    """Per class, over every row seen: Σw of hits, of true rows and of predicted rows (what every
    number of the report needs), Σw·ℓ per true class, and the confusion matrix while there are
    at most MATRIX_CLASSES classes (beyond, its K² cells would outgrow memory)."""

    normalize: str | None = None
    totals: np.ndarray | None = None  # (3, K): hits, true, predicted
    loss: np.ndarray | None = None
    confusion: np.ndarray | None = None  # (K, K); None beyond MATRIX_CLASSES
    weighted: bool = False
    # with weights: the classes met in the labels or predictions of rows of weight 0 (K,), and
    # per group (groups, K) — scikit-learn's macro means count them (report_metrics)
    unweighed: np.ndarray | None = None
    group_unweighed: np.ndarray | None = None
    by: tuple[str, ...] = ()  # --by: the totals per group too, for its report metrics
    group_ids: dict[str, int] = field(default_factory=dict)
    grouped: np.ndarray | None = None  # (groups, 3, K)
    replicates: int = 0  # --bootstrap: the totals per replicate too
    seed: int = 0
    confidence: float = 0.95
    resampled: np.ndarray | None = None  # (replicates, 3, K)
    # --by with --bootstrap: each group's totals per replicate, row g·replicates + r; None and
    # `too_many` once groups × replicates × 3 × K would pass MAX_GROUP_CELLS
    group_resampled: np.ndarray | None = None
    too_many: bool = False

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
        assert self.totals is not None and self.loss is not None
        if chunk.hard:  # predicted labels: the codes themselves
            true, predicted = chunk.codes, chunk.preds.astype(np.int64)
        else:
            true, predicted = chunk_classes(chunk.preds, chunk.codes, chunk.targets, stats["wrong"])
        weights = chunk.weights
        self.weighted |= weights is not None
        ones = np.ones(len(true)) if weights is None else weights
        if self.confusion is not None:
            pairs = np.bincount(true * k + predicted, weights=weights, minlength=k * k)
            pairs = pairs.reshape(k, k)
            self.confusion += pairs
            self.totals += np.stack([np.diagonal(pairs), pairs.sum(axis=1), pairs.sum(axis=0)])
        else:
            self.totals += class_totals(true, predicted, ones[None, :], k)[0]
        if self.replicates and not self.by:  # with --by, the groups' totals sum to these
            self._resample(scored.rows(), true, predicted, weights, k)
        if self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            size = len(self.group_ids)
            self._grow_groups(size, k)
            assert self.grouped is not None
            self.grouped += class_totals(true, predicted, ones[None, :], k, ids[codes], size)
            if self.replicates:
                self._resample(scored.rows(), true, predicted, weights, k, ids[codes])
        if weights is not None and not weights.all():
            self._note_unweighed(true, predicted, weights == 0, k, scored)
        if "loss" in stats:
            weighted = stats["loss"] if weights is None else stats["loss"] * weights
            self.loss += np.bincount(true, weights=weighted, minlength=k)
        else:
            self.loss[:] = np.nan  # predicted labels have no loss

    def _note_unweighed(
        self, true: np.ndarray, predicted: np.ndarray, zero: np.ndarray, k: int, scored: Scored
    ) -> None:
        """The classes of the rows of weight 0: in no total, yet seen (report_metrics)."""
        true, predicted = true[zero], predicted[zero]
        self.unweighed = grown(self.unweighed, (1, k), bool)
        self.unweighed[0, true] = True
        self.unweighed[0, predicted] = True
        if self.by:
            codes, names = group_keys([scored.column(c).filter(zero) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            self._grow_groups(len(self.group_ids), k)
            self.group_unweighed = grown(self.group_unweighed, (len(self.group_ids), k), bool)
            self.group_unweighed[ids[codes], true] = True
            self.group_unweighed[ids[codes], predicted] = True

    def _resample(
        self,
        rows: np.ndarray,
        true: np.ndarray,
        predicted: np.ndarray,
        weights: np.ndarray | None,
        k: int,
        groups: np.ndarray | None = None,
    ) -> None:
        """Each replicate's totals, its rows weighed by their Poisson(1) draws (the same draws as
        every other statistic's intervals: a hash of seed, replicate, row) — with `groups`, each
        group's (whose sum is the whole's), until groups × replicates × 3 × K pass
        MAX_GROUP_CELLS: then the whole's alone (a note says why the groups have none)."""
        size, replicates = len(self.group_ids), self.replicates
        if groups is not None and (self.too_many or size * replicates * 3 * k > MAX_GROUP_CELLS):
            self._fold_groups()
            self.too_many, groups = True, None
        if groups is None and replicates * 3 * k > MAX_GROUP_CELLS:
            raise UsageError(
                f"--per-class with --bootstrap keeps {k} class totals per replicate: "
                f"{replicates} replicates × 3 × {k} exceed {MAX_GROUP_CELLS:,}; pass fewer "
                "--bootstrap replicates, or leave out --per-class"
            )
        if groups is None:
            whole = self.resampled = grown(self.resampled, (replicates, 3, k))
        else:
            held = self.group_resampled = grown(self.group_resampled, (size * replicates, 3, k))
        for block, draws in replicate_blocks(self.seed, replicates, rows):
            if weights is not None:
                draws *= weights
            if groups is None:
                whole[block, :, :k] += class_totals(true, predicted, draws, k)
                continue
            local = class_totals(true, predicted, draws, k, groups, size)  # row b·size + g
            at = (np.arange(size)[None, :] * replicates + block[:, None]).reshape(-1)
            held[at, :, :k] += local

    def _grow_groups(self, size: int, k: int) -> None:
        """Room for `size` groups of k classes; beyond MAX_GROUP_CELLS, a usage error."""
        if size * 3 * k > MAX_GROUP_CELLS:
            raise UsageError(
                f"--per-class with --by keeps {k} class totals per group: {size} groups so far "
                f"× 3 × {k} exceed {MAX_GROUP_CELLS:,}; use a coarser --by column, or "
                "--per-class without --by"
            )
        self.grouped = grown(self.grouped, (size, 3, k))

    def _grow(self, k: int) -> None:
        """Room for k classes (predicted labels find theirs as they come); the confusion matrix
        is dropped once k passes MATRIX_CLASSES, and not kept again."""
        if self.totals is None or self.loss is None:
            self.totals, self.loss = np.zeros((3, k)), np.zeros(k)
            self.confusion = np.zeros((k, k)) if k <= MATRIX_CLASSES else None
        elif k > len(self.loss):
            size = len(self.loss)
            self.totals = grown(self.totals[None], (1, 3, k))[0]
            self.loss = np.concatenate([self.loss, np.zeros(k - size)])
            if self.confusion is not None and k <= MATRIX_CLASSES:
                confusion = np.zeros((k, k))
                confusion[:size, :size] = self.confusion
                self.confusion = confusion
            else:
                self.confusion = None

    def merge(self, other: PerClass) -> None:
        """Fold another accumulator in."""
        if other.totals is None or other.loss is None:
            return
        size = len(other.loss)
        if self.totals is None or self.loss is None:
            self.totals, self.loss = other.totals.copy(), other.loss.copy()
            self.confusion = None if other.confusion is None else other.confusion.copy()
        else:
            self._grow(size)
            assert self.totals is not None and self.loss is not None
            self.totals[:, :size] += other.totals
            self.loss[:size] += other.loss
            if self.confusion is not None and other.confusion is not None:
                self.confusion[:size, :size] += other.confusion
            else:
                self.confusion = None
        self.weighted |= other.weighted
        if other.unweighed is not None:
            self.unweighed = grown(self.unweighed, (1, other.unweighed.shape[1]), bool)
            self.unweighed[:, : other.unweighed.shape[1]] |= other.unweighed
        if other.resampled is not None:
            self.resampled = grown(self.resampled, (self.replicates, 3, size))
            self.resampled[:, :, :size] += other.resampled
        if other.grouped is not None:
            mapping = [self.group_ids.setdefault(n, len(self.group_ids)) for n in other.group_ids]
            k = max(size, len(self.loss) if self.loss is not None else 0)
            self._grow_groups(len(self.group_ids), k)
            assert self.grouped is not None
            for theirs, mine in enumerate(mapping):
                self.grouped[mine, :, :size] += other.grouped[theirs]
            if other.group_unweighed is not None:
                theirs_flags = other.group_unweighed
                self.group_unweighed = grown(self.group_unweighed, (len(self.group_ids), k), bool)
                for theirs, mine in enumerate(mapping[: len(theirs_flags)]):
                    self.group_unweighed[mine, : theirs_flags.shape[1]] |= theirs_flags[theirs]
            self._merge_resampled_groups(other, mapping, k)

    def _fold_groups(self, other: PerClass | None = None) -> None:
        """The groups' totals per replicate (this one's, or another's) summed into the whole's,
        and let go: past the budget only the whole's are kept."""
        source = self if other is None else other
        held = source.group_resampled
        if held is None:
            return
        width = held.shape[2]
        self.resampled = grown(self.resampled, (self.replicates, 3, width))
        self.resampled[:, :, :width] += held.reshape(-1, self.replicates, 3, width).sum(axis=0)
        if other is None:
            self.group_resampled = None

    def _merge_resampled_groups(self, other: PerClass, mapping: list[int], k: int) -> None:
        r = self.replicates
        over = len(self.group_ids) * r * 3 * k > MAX_GROUP_CELLS
        if self.too_many or other.too_many or over:
            self._fold_groups()
            self._fold_groups(other)
            self.too_many = True
            return
        if other.group_resampled is None:
            return
        self.group_resampled = grown(self.group_resampled, (len(self.group_ids) * r, 3, k))
        width = other.group_resampled.shape[2]
        for theirs, mine in enumerate(mapping):
            held = other.group_resampled[theirs * r : (theirs + 1) * r]
            self.group_resampled[mine * r : (mine + 1) * r, :, :width] += held

    def result(self, finished: Finished) -> dict[str, Section]:
        """The per_class and confusion_matrix sections."""
        names = finished.classes or finished.binary_classes or ("0", "1")
        k = len(names)
        self._grow(k)
        assert self.totals is not None and self.loss is not None
        loss = self.loss
        scored = not np.isnan(loss).all() or not len(loss)  # predicted labels have no loss
        loss_name = (finished.task.loss_name or "loss") if scored else None
        hits, support, predicted = self.totals
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
        made: dict[str, Section] = {
            "per_class": PerClassTable(tuple(rows)),
            "metrics": MetricValues(
                report_metrics(self.totals, finished.task, grown(self.unweighed, (1, k), bool)[0])
            ),
        }
        undefined = _zero_division(names, support, predicted)
        if undefined is not None:
            made["notes"] = Notes((undefined,))
        if self.confusion is not None:
            matrix = _normalized(self.confusion, self.normalize)
            if self.normalize is None and not self.weighted:
                matrix = matrix.astype(np.int64)  # plain counts
            made["confusion_matrix"] = ConfusionMatrix(
                tuple(names),
                self.normalize,
                matrix.tolist(),
                None if self.normalize is None else _counts(self.confusion, self.weighted),
            )
        else:
            told = made.get("notes")
            made["notes"] = Notes(
                (
                    *(told.lines if isinstance(told, Notes) else ()),
                    f"no confusion_matrix: {k} classes would need {k}² cells (it is kept up to "
                    f"{MATRIX_CLASSES} classes); per_class and the report's metrics are exact "
                    "from the class totals",
                )
            )
        overall = self._overall_resampled(k)
        if overall is not None:
            resampled = overall
            per_replicate = [report_metrics(totals, finished.task) for totals in resampled]
            values = {name: np.array([r[name] for r in per_replicate]) for name in per_replicate[0]}
            bounds = {name: percentile_interval(v, self.confidence) for name, v in values.items()}
            made["intervals"] = Intervals(bounds, values)
        if self.grouped is not None:
            self._grow_groups(len(self.group_ids), k)
            grouped = self.grouped
            seen = grown(self.group_unweighed, (len(self.group_ids), k), bool)
            made["group_metrics"] = GroupValues(
                {
                    key: dict(report_metrics(grouped[g], finished.task, seen[g]))
                    for key, g in self.group_ids.items()
                }
            )
            if self.replicates:
                self._group_intervals(made, k, finished.task)
        return made

    def _overall_resampled(self, k: int) -> np.ndarray | None:
        """The whole's totals per replicate: kept as they are, or summed from the groups'."""
        if self.resampled is None and self.group_resampled is None:
            return None
        overall = grown(self.resampled, (self.replicates, 3, k)).copy()
        if self.group_resampled is not None:
            held = grown(self.group_resampled, (len(self.group_ids) * self.replicates, 3, k))
            overall += held.reshape(-1, self.replicates, 3, k).sum(axis=0)
        return overall

    def _group_intervals(self, made: dict[str, Section], k: int, task: Task) -> None:
        """Each group's intervals of the report metrics, from its totals per replicate."""
        if self.too_many or self.group_resampled is None:
            told = made.get("notes")
            lines = told.lines if isinstance(told, Notes) else ()
            made["notes"] = Notes(
                (
                    *lines,
                    f"no per-group intervals of the report metrics: {len(self.group_ids)} groups "
                    f"× {self.replicates} replicates × 3 × {k} class totals exceed "
                    f"{MAX_GROUP_CELLS:,}",
                )
            )
            return
        r = self.replicates
        held = grown(self.group_resampled, (len(self.group_ids) * r, 3, k))
        bounds = {}
        for key, g in self.group_ids.items():
            per_replicate = [report_metrics(totals, task) for totals in held[g * r : (g + 1) * r]]
            bounds[key] = {
                name: percentile_interval(
                    np.array([values[name] for values in per_replicate]), self.confidence
                )
                for name in per_replicate[0]
            }
        made["group_intervals"] = GroupIntervals(bounds)


def _zero_division(
    names: tuple[str, ...], support: np.ndarray, predicted: np.ndarray
) -> str | None:
    """The classes whose precision (never predicted) or recall (in no label) is undefined and
    reported as 0 — what scikit-learn's zero_division=0 does, with a warning."""
    never = [name for name, s, p in zip(names, support, predicted, strict=True) if s and not p]
    absent = [name for name, s, p in zip(names, support, predicted, strict=True) if p and not s]
    said = []
    if never:
        count = f"{len(never)} class{'es' if len(never) > 1 else ''}"
        said.append(f"precision is 0 for {count} never predicted ({listed(never, 'classes')})")
    if absent:
        count = f"{len(absent)} class{'es' if len(absent) > 1 else ''}"
        said.append(f"recall is 0 for {count} in no label ({listed(absent, 'classes')})")
    if not said:
        return None
    return f"{'; '.join(said)}: undefined, and 0 as scikit-learn's zero_division=0 makes them"


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
