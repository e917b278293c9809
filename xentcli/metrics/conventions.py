"""--compat torch|keras: the numbers those frameworks report (docs/metrics.md#conventions).

torch: BCE on probabilities takes logs clamped at -100 (binary_cross_entropy), cross-entropy on
probabilities is -log p unclipped (nll_loss of log p), --class-weights gives Σ w_y·ℓ / Σ w_y and
--label-smoothing ε targets (1-ε)·onehot + ε/K (cross_entropy), and mse is per element.
keras (Keras 3's definitions): eps 1e-7, multiclass rows renormalized before clipping, binary
logits through a clipped sigmoid, label smoothing as torch's, and mse per element.

Each function here finishes what a default kernel computed; scorers.py registers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.kernels import RowScores
from xentcli.prepare.chunk import Chunk

if TYPE_CHECKING:
    from xentcli.metrics.scorers import Scoring

COMPATS = ("sklearn", "torch", "keras")
KERAS_EPS = 1e-7
# Keras clips in its default float32: [float32(1e-7), float32(1 - 1e-7)], the top 1 - 2^-23
KERAS_LOW = float(np.float32(KERAS_EPS))
KERAS_HIGH = float(np.float32(1.0) - np.float32(KERAS_EPS))
TORCH_LOG_FLOOR = -100.0


def torch_binary(scores: RowScores, p: np.ndarray, y: np.ndarray) -> RowScores:
    """torch's binary_cross_entropy: log(p) clamped at -100, never clipped."""
    q = np.where(y == 1, p, 1.0 - p)
    with np.errstate(divide="ignore"):
        scores.stats["loss"] = -np.maximum(np.log(q), TORCH_LOG_FLOOR)
    return scores


def keras_binary(
    scores: RowScores, p: np.ndarray, y: np.ndarray, smoothing: float, logits: bool
) -> RowScores:
    """Keras' binary_crossentropy: targets smoothed to y(1 - ε) + ε/2, the probability (from
    logits, the sigmoid) clipped in float32's [1e-7, 1 - 2^-23]."""
    if logits:
        e = np.exp(-np.abs(p))
        p = np.where(p >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    q = np.clip(p, KERAS_LOW, KERAS_HIGH)
    target = y * (1.0 - smoothing) + 0.5 * smoothing if smoothing else y
    scores.stats["loss"] = -(target * np.log(q) + (1 - target) * np.log(1.0 - q))
    return scores


def torch_soft(scores: RowScores, chunk: Chunk, s: Scoring) -> RowScores:
    """F.cross_entropy with probability targets: -Σ_k w_k t'_k log p_k per row, t' the targets
    smoothed to (1 - ε)t + ε/K, log p the log-softmax of logits (or the unclipped log of
    probabilities); torch divides the weighted sum by N, not by Σw (docs/metrics.md)."""
    assert chunk.targets is not None
    preds, targets = chunk.preds, chunk.targets
    classes = preds.shape[0]
    smoothed = targets * (1 - s.label_smoothing) + s.label_smoothing / classes
    logs = _log_probabilities(preds, s.logits, "torch")
    w = np.ones(classes) if s.class_weights is None else np.asarray(s.class_weights)
    with np.errstate(invalid="ignore"):  # 0 · log 0: a target of 0 on a probability of 0
        cells = np.where(smoothed > 0, w[:, None] * smoothed * logs, 0.0)
    scores.stats["loss"] = -cells.sum(axis=0)
    scores.stats["sq"] = scores.stats["sq"] / classes
    return scores


def framework_multiclass(scores: RowScores, chunk: Chunk, s: Scoring, kind: str) -> RowScores:
    """mse per element; the loss with label smoothing and class weights as the framework has it."""
    preds, codes = chunk.preds, chunk.codes
    classes = preds.shape[0]
    scores.stats["sq"] = scores.stats["sq"] / classes
    logs = _log_probabilities(preds, s.logits, kind)
    true = -logs[codes, np.arange(preds.shape[1])]
    smoothing = s.label_smoothing
    w = np.ones(classes) if s.class_weights is None else np.asarray(s.class_weights)
    w_true = w[codes]
    # Σ_i w_yi·ℓ_i / Σ_i w_yi with w_yi·ℓ_i = (1-ε)·w_y·(-log p_y) + ε·Σ_k w_k·(-log p_k)/K
    loss = (1 - smoothing) * true if smoothing else true
    if smoothing:
        loss = loss + smoothing * (-(w[:, None] * logs).sum(axis=0) / classes) / w_true
    scores.stats["loss"] = loss
    if s.class_weights is not None:
        scores.weights = {"loss": w_true}
    return scores


def _log_probabilities(preds: np.ndarray, logits: bool, kind: str) -> np.ndarray:
    """log p per class: torch unclipped, keras clipped at 1e-7; from logits, log-softmax."""
    if logits:
        top = preds.max(axis=0)
        return preds - (top + np.log(np.exp(preds - top).sum(axis=0)))
    if kind == "keras":  # rows renormalized by the preparer, as Keras divides by their sum
        return np.log(np.clip(preds, KERAS_LOW, KERAS_HIGH))
    with np.errstate(divide="ignore"):
        return np.log(preds)
