"""--calibration: equal-width confidence bins; ECE, MCE and RMS calibration error, from per-bin sums
(Σw, Σw·confidence, Σw·accuracy) that merge by addition.

Multiclass: the confidence is the top class's probability and accuracy is argmax = label. Binary:
the confidence is P(positive) and "accuracy" the share of positives (a reliability diagram).
A confidence of exactly 1.0 falls in the last bin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Calibration:
    """Per-bin weight, confidence and accuracy sums."""

    bins: int
    weight: np.ndarray = field(init=False)
    confidence: np.ndarray = field(init=False)
    accuracy: np.ndarray = field(init=False)
    weighted: bool = False

    def __post_init__(self) -> None:
        self.weight = np.zeros(self.bins)
        self.confidence = np.zeros(self.bins)
        self.accuracy = np.zeros(self.bins)

    def update(
        self, confidence: np.ndarray, correct: np.ndarray, weights: np.ndarray | None
    ) -> None:
        """Add one chunk's confidences and 0/1 outcomes."""
        self.weighted |= weights is not None
        which = np.minimum((confidence * self.bins).astype(np.int64), self.bins - 1)
        w = np.ones(len(confidence)) if weights is None else weights
        self.weight += np.bincount(which, weights=w, minlength=self.bins)
        self.confidence += np.bincount(which, weights=w * confidence, minlength=self.bins)
        self.accuracy += np.bincount(which, weights=w * correct, minlength=self.bins)

    def merge(self, other: Calibration) -> None:
        """Fold another accumulator in."""
        self.weight += other.weight
        self.confidence += other.confidence
        self.accuracy += other.accuracy
        self.weighted |= other.weighted

    def result(self) -> dict[str, Any]:
        """{ece, mce, rmsce, bins: [{lower, upper, weight, confidence, accuracy}]}."""
        total = self.weight.sum()
        rows, ece, mce, square = [], 0.0, 0.0, 0.0
        for b in range(self.bins):
            row: dict[str, Any] = {
                "lower": b / self.bins,
                "upper": (b + 1) / self.bins,
                "weight": float(self.weight[b]) if self.weighted else int(self.weight[b]),
                "confidence": None,
                "accuracy": None,
            }
            if self.weight[b] > 0:
                confidence = self.confidence[b] / self.weight[b]
                accuracy = self.accuracy[b] / self.weight[b]
                gap = abs(accuracy - confidence)
                share = self.weight[b] / total
                ece += share * gap
                square += share * gap * gap
                mce = max(mce, gap)
                row |= {"confidence": float(confidence), "accuracy": float(accuracy)}
            rows.append(row)
        return {
            "ece": float(ece),
            "mce": float(mce),
            "rmsce": math.sqrt(square),
            "n_bins": self.bins,
            "bins": rows,
        }


def confidences(preds: np.ndarray, logits: bool) -> np.ndarray:
    """The confidence per row: P(positive) for binary (n,), the top probability for (K, n)."""
    if preds.ndim == 1:
        if not logits:
            return preds
        e = np.exp(-np.abs(preds))
        return np.where(preds >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    if not logits:
        return preds.max(axis=0)
    return 1.0 / np.exp(preds - preds.max(axis=0)).sum(axis=0)  # softmax of the top score
