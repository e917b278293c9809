"""--compat torch|keras: the numbers those frameworks report, by rewriting per-row statistics.

torch: BCE on probabilities takes logs clamped at -100 (binary_cross_entropy), cross-entropy on
probabilities is -log p unclipped (nll_loss of log p), --class-weights gives Σ w_y·ℓ / Σ w_y and
--label-smoothing ε targets (1-ε)·onehot + ε/K (cross_entropy), and mse is per element.
keras (Keras 3's definitions): eps 1e-7, multiclass rows renormalized before clipping, binary
logits through a clipped sigmoid, label smoothing as torch's, and mse per element.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from xentcli.errors import UsageError
from xentcli.metrics.kernels import RowScores
from xentcli.options import EvalOptions

COMPATS = ("sklearn", "torch", "keras")
KERAS_EPS = 1e-7
TORCH_LOG_FLOOR = -100.0


def effective_options(
    opts: EvalOptions, task: str, classes: int | None, targets: bool
) -> EvalOptions:
    """The options a framework's convention implies; a misplaced flag is a usage error."""
    if opts.compat not in COMPATS:
        raise UsageError(f"--compat must be one of {', '.join(COMPATS)}, not {opts.compat!r}")
    if opts.compat != "sklearn" and (task not in ("binary", "multiclass") or targets):
        raise UsageError(
            f"--compat {opts.compat} applies to binary and multiclass with one label column"
        )
    if opts.class_weights is not None and (opts.by or opts.bootstrap):
        raise UsageError("--class-weights does not combine with --by or --bootstrap yet")
    if opts.class_weights is not None:
        if opts.compat != "torch" or task != "multiclass":
            raise UsageError(
                "--class-weights is torch's cross_entropy weight: pass --compat torch "
                "on a multiclass evaluation"
            )
        if classes is not None and len(opts.class_weights) != classes:
            raise UsageError(
                f"--class-weights gives {len(opts.class_weights)} weights for {classes} classes"
            )
        if min(opts.class_weights) <= 0:
            raise UsageError("--class-weights must all be > 0")
    if opts.label_smoothing and (opts.compat == "sklearn" or task != "multiclass"):
        raise UsageError("--label-smoothing applies to multiclass with --compat torch or keras")
    if opts.compat == "keras":
        return replace(opts, eps=KERAS_EPS, renormalize=task == "multiclass" and not opts.logits)
    return opts


def adjust(scores: RowScores, preds: np.ndarray, codes: np.ndarray, opts: EvalOptions) -> None:
    """Rewrite a chunk's loss (and mse, per element) to the framework's definition, in place."""
    if opts.compat == "sklearn":
        return
    classes = preds.shape[0] if preds.ndim == 2 else 1
    scores.stats["sq"] = scores.stats["sq"] / classes
    if preds.ndim == 1:
        loss = _binary_loss(preds, codes, opts)
        if loss is not None:
            scores.stats["loss"] = loss
        return
    if opts.compat == "keras" and not opts.label_smoothing:
        return  # the default kernel with eps 1e-7 and renormalized rows is Keras' definition
    logs = _log_probabilities(preds, opts)
    rows = np.arange(preds.shape[1])
    true = -logs[codes, rows]
    smoothing = opts.label_smoothing
    w = np.ones(classes) if opts.class_weights is None else np.asarray(opts.class_weights)
    w_true = w[codes]
    # Σ_i w_yi·ℓ_i / Σ_i w_yi with w_yi·ℓ_i = (1-ε)·w_y·(-log p_y) + ε·Σ_k w_k·(-log p_k)/K
    loss = (1 - smoothing) * true if smoothing else true
    if smoothing:
        loss = loss + smoothing * (-(w[:, None] * logs).sum(axis=0) / classes) / w_true
    scores.stats["loss"] = loss
    if opts.class_weights is not None:
        scores.weights = {"loss": w_true}


def _binary_loss(p: np.ndarray, y: np.ndarray, opts: EvalOptions) -> np.ndarray | None:
    """torch on probabilities and keras on logits differ from the default kernels; the rest
    (torch's BCE with logits, keras' clipped BCE on probabilities) is them already."""
    if opts.compat == "torch" and not opts.logits:
        q = np.where(y == 1, p, 1.0 - p)
        with np.errstate(divide="ignore"):
            return -np.maximum(np.log(q), TORCH_LOG_FLOOR)
    if opts.compat == "keras" and opts.logits:
        e = np.exp(-np.abs(p))
        q = np.clip(np.where(p >= 0, 1.0 / (1.0 + e), e / (1.0 + e)), KERAS_EPS, 1.0 - KERAS_EPS)
        return -(y * np.log(q) + (1 - y) * np.log(1.0 - q))
    return None


def _log_probabilities(preds: np.ndarray, opts: EvalOptions) -> np.ndarray:
    """log p per class: torch unclipped, keras clipped at 1e-7; from logits, log-softmax."""
    if opts.logits:
        top = preds.max(axis=0)
        return preds - (top + np.log(np.exp(preds - top).sum(axis=0)))
    if opts.compat == "keras":
        return np.log(np.clip(preds, KERAS_EPS, 1.0 - KERAS_EPS))
    with np.errstate(divide="ignore"):
        return np.log(preds)
