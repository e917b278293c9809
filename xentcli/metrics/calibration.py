"""--calibration: equal-width confidence bins; ECE, MCE and RMS calibration error, from per-bin sums
(Σw, Σw·confidence, Σw·accuracy) that merge by addition.

Multiclass: the confidence is the top class's probability and accuracy is argmax = label. Binary:
the confidence is P(positive) and "accuracy" the share of positives (a reliability diagram).
Bins are right-closed, (lo, hi], with 0 in the first, as scikit-learn's calibration_curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass(frozen=True)
class CalibrationBin:
    """One equal-width confidence bin: its edges, weight, and mean confidence and accuracy."""

    lower: float
    upper: float
    weight: float
    confidence: float | None
    accuracy: float | None

    def to_json(self) -> dict[str, Any]:
        """The bin as the JSON report holds it."""
        return {
            "lower": self.lower,
            "upper": self.upper,
            "weight": self.weight,
            "confidence": self.confidence,
            "accuracy": self.accuracy,
        }


@dataclass(frozen=True)
class CalibrationResult:
    """The calibration section: ECE, MCE, RMS calibration error and the reliability bins."""

    ece: float
    mce: float
    rmsce: float
    bins: tuple[CalibrationBin, ...]

    def to_json(self) -> dict[str, Any]:
        """The section as the JSON report holds it."""
        return {
            "ece": self.ece,
            "mce": self.mce,
            "rmsce": self.rmsce,
            "n_bins": len(self.bins),
            "bins": [b.to_json() for b in self.bins],
        }


@dataclass
class Calibration:
    """Per-bin weight, confidence and accuracy sums."""

    bins: int
    logits: bool = False
    weight: np.ndarray = field(init=False)
    confidence: np.ndarray = field(init=False)
    accuracy: np.ndarray = field(init=False)
    weighted: bool = False

    def __post_init__(self) -> None:
        self.weight = np.zeros(self.bins)
        self.confidence = np.zeros(self.bins)
        self.accuracy = np.zeros(self.bins)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Calibration | None:
        """A fresh state when --calibration is on."""
        return cls(request.bins, request.logits) if request.calibration else None

    def update(self, scored: Scored) -> None:
        """Add one chunk's confidences and 0/1 outcomes."""
        chunk = scored.chunk
        correct = chunk.codes if chunk.preds.ndim == 1 else ~scored.scores.stats["wrong"]
        self.add(confidences(chunk.preds, self.logits), correct, chunk.weights)

    def add(self, confidence: np.ndarray, correct: np.ndarray, weights: np.ndarray | None) -> None:
        """Add confidences and their 0/1 outcomes."""
        self.weighted |= weights is not None
        # right-closed bins (lo, hi], 0 in the first: calibration_curve's searchsorted on the
        # inner edges of linspace(0, 1, bins + 1) (docs/decisions.md#calibration)
        inner = np.linspace(0.0, 1.0, self.bins + 1)[1:-1]
        which = np.searchsorted(inner, confidence, side="left")
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

    def result(self, finished: Finished | None = None) -> dict[str, Section]:
        """The calibration section."""
        total = self.weight.sum()
        rows, ece, mce, square = [], 0.0, 0.0, 0.0
        for b in range(self.bins):
            confidence = accuracy = None
            if self.weight[b] > 0:
                confidence = float(self.confidence[b] / self.weight[b])
                accuracy = float(self.accuracy[b] / self.weight[b])
                gap = abs(accuracy - confidence)
                share = self.weight[b] / total
                ece += share * gap
                square += share * gap * gap
                mce = max(mce, gap)
            weight = float(self.weight[b]) if self.weighted else int(self.weight[b])
            rows.append(
                CalibrationBin(b / self.bins, (b + 1) / self.bins, weight, confidence, accuracy)
            )
        return {
            "calibration": CalibrationResult(float(ece), float(mce), math.sqrt(square), tuple(rows))
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
