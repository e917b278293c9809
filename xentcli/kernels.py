"""Per-row losses of one chunk: plain numpy over whole arrays, no Python loop per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class RowScores:
    """Per-row log loss, squared error (summed over classes) and wrongness of one chunk."""

    loss: np.ndarray
    sq: np.ndarray
    wrong: np.ndarray
    clipped: int


def binary_from_probs(p: np.ndarray, y: np.ndarray, eps: float, threshold: float) -> RowScores:
    """BCE −[y log p + (1−y) log(1−p)], the true outcome's probability clipped to [eps, 1−eps]."""
    positive = y == 1
    q = np.where(positive, p, 1.0 - p)
    clipped = int(np.count_nonzero((q < eps) | (q > 1.0 - eps)))
    loss = -np.log(np.clip(q, eps, 1.0 - eps))
    return RowScores(loss, np.square(p - y), (p > threshold) != positive, clipped)


def binary_from_logits(z: np.ndarray, y: np.ndarray, threshold: float) -> RowScores:
    """BCE from a logit as max(z, 0) − y·z + log1p(exp(−|z|)), which never overflows."""
    e = np.exp(-np.abs(z))
    loss = np.maximum(z, 0.0) - z * y + np.log1p(e)
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return RowScores(loss, np.square(p - y), (p > threshold) != (y == 1), 0)


def multiclass_from_probs(p: np.ndarray, y: np.ndarray, eps: float) -> RowScores:
    """−log p_true (clipped to [eps, 1−eps]) for p of shape (K, n); argmax ties go low."""
    rows = np.arange(p.shape[1])
    p_true = p[y, rows]
    clipped = int(np.count_nonzero((p_true < eps) | (p_true > 1.0 - eps)))
    loss = -np.log(np.clip(p_true, eps, 1.0 - eps))
    wrong = np.argmax(p, axis=0) != y
    return RowScores(loss, _squared_error(p, y, rows), wrong, clipped)


def multiclass_from_logits(z: np.ndarray, y: np.ndarray) -> RowScores:
    """logsumexp(z) − z_true for z of shape (K, n), shifted by the max so |z| = 1e4 stays finite."""
    rows = np.arange(z.shape[1])
    top = z.max(axis=0)
    e = np.exp(z - top)
    total = e.sum(axis=0)
    loss = top + np.log(total) - z[y, rows]
    p = e / total
    wrong = np.argmax(z, axis=0) != y
    return RowScores(loss, _squared_error(p, y, rows), wrong, 0)


def _squared_error(p: np.ndarray, y: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Σ_k (p_k − onehot_k)², with the true class's term formed directly (no cancellation)."""
    d = p.copy()
    d[y, rows] -= 1.0
    np.square(d, out=d)
    return d.sum(axis=0)
