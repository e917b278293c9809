"""--per-class: per-class support, loss, error, precision, recall, F1 and the confusion matrix,
from two mergeable sums: Σw per (true, predicted) pair and Σw·ℓ per true class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

NORMALIZE = ("true", "pred", "all")


@dataclass
class PerClass:
    """Weighted confusion counts and per-class loss sums over every row seen."""

    classes: int
    confusion: np.ndarray = field(init=False)
    loss: np.ndarray = field(init=False)
    weighted: bool = False

    def __post_init__(self) -> None:
        self.confusion = np.zeros((self.classes, self.classes))
        self.loss = np.zeros(self.classes)

    def update(
        self, true: np.ndarray, predicted: np.ndarray, loss: np.ndarray, weights: np.ndarray | None
    ) -> None:
        """Add one chunk: class indices of truth and prediction, per-row loss, weights."""
        k = self.classes
        self.weighted |= weights is not None
        pairs = np.bincount(true * k + predicted, weights=weights, minlength=k * k)
        self.confusion += pairs.reshape(k, k)
        weighted = loss if weights is None else loss * weights
        self.loss += np.bincount(true, weights=weighted, minlength=k)

    def merge(self, other: PerClass) -> None:
        """Fold another accumulator in."""
        self.confusion += other.confusion
        self.loss += other.loss
        self.weighted |= other.weighted

    def result(
        self, names: tuple[str, ...], loss_name: str, normalize: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """(per_class rows, confusion_matrix) as the report holds them."""
        support = self.confusion.sum(axis=1)
        predicted = self.confusion.sum(axis=0)
        hits = np.diag(self.confusion)
        rows = []
        for i, name in enumerate(names):
            precision = hits[i] / predicted[i] if predicted[i] else 0.0
            recall = hits[i] / support[i] if support[i] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows.append(
                {
                    "class": name,
                    "support": float(support[i]) if self.weighted else int(support[i]),
                    loss_name: float(self.loss[i] / support[i]) if support[i] else None,
                    "error": float(1.0 - recall) if support[i] else None,
                    "precision": float(precision),
                    "recall": float(recall),
                    "f1": float(f1),
                }
            )
        matrix = _normalized(self.confusion, normalize)
        if normalize is None and not self.weighted:
            matrix = matrix.astype(np.int64)  # plain counts
        return rows, {
            "labels": list(names),
            "normalize": normalize,
            "matrix": matrix.tolist(),
        }


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
