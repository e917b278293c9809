"""Independent references: scikit-learn where it has the metric, closed forms (PyTorch's documented
definitions) elsewhere, and torch itself when it happens to be installed."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logsumexp


def ce_from_logits(z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """torch.nn.functional.cross_entropy(z, y, reduction='mean') with optional sample weights."""
    losses = logsumexp(z, axis=1) - z[np.arange(len(y)), y]
    return float(np.average(losses, weights=w))


def bce_with_logits(z: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """torch.nn.functional.binary_cross_entropy_with_logits: log(1 + e^z) − y·z, via logaddexp."""
    losses = np.logaddexp(0.0, z) - y * z
    return float(np.average(losses, weights=w))


def multiclass_brier(p: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> float:
    """Σ_k (p_k − onehot_k)², averaged over rows: the seeds' MSE."""
    onehot = np.eye(p.shape[1])[y]
    return float(np.average(((p - onehot) ** 2).sum(axis=1), weights=w))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return expit(z)


def torch_or_none():
    """torch, when installed (it is not required: the closed forms above stand in for it)."""
    try:
        import torch
    except ImportError:
        return None
    return torch
