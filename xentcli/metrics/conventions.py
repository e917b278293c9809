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
TORCH_LOG_FLOOR = -100.0


def torch_binary(scores: RowScores, p: np.ndarray, y: np.ndarray) -> RowScores:
    """torch's binary_cross_entropy: log(p) clamped at -100, never clipped."""
    q = np.where(y == 1, p, 1.0 - p)
    with np.errstate(divide="ignore"):
        scores.stats["loss"] = -np.maximum(np.log(q), TORCH_LOG_FLOOR)
    return scores


def keras_binary_logits(scores: RowScores, z: np.ndarray, y: np.ndarray) -> RowScores:
    """Keras' BCE from logits: the sigmoid clipped to [1e-7, 1 - 1e-7] before the log."""
    e = np.exp(-np.abs(z))
    q = np.clip(np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), KERAS_EPS, 1.0 - KERAS_EPS)
    scores.stats["loss"] = -(y * np.log(q) + (1 - y) * np.log(1.0 - q))
    return scores


def framework_multiclass(scores: RowScores, chunk: Chunk, s: Scoring, kind: str) -> RowScores:
    """mse per element; the loss with label smoothing and class weights as the framework has it."""
    preds, codes = chunk.preds, chunk.codes
    classes = preds.shape[0]
    scores.stats["sq"] = scores.stats["sq"] / classes
    if kind == "keras" and not s.label_smoothing:
        return scores  # the default kernel with eps 1e-7 and renormalized rows is Keras'
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
    if kind == "keras":
        return np.log(np.clip(preds, KERAS_EPS, 1.0 - KERAS_EPS))
    with np.errstate(divide="ignore"):
        return np.log(preds)
