"""Per-class totals as arrays: Σw of hits, true rows and predicted rows per class (for many
weightings and groups at once), and arrays of them grown as classes and groups are found."""

from __future__ import annotations

import numpy as np

PAIR_CELLS = 4096  # up to 64 classes, class totals are summed from one count of class pairs
PAIR_COUNTS = 1 << 25  # ... while the pair counts of every weighting and group fit (256 MiB)


def class_totals(
    true: np.ndarray,
    predicted: np.ndarray,
    weights: np.ndarray,
    k: int,
    groups: np.ndarray | None = None,
    size: int = 1,
) -> np.ndarray:
    """(B, 3, k): for each of B weightings of the rows (B, n: the rows' weights, or a block of
    replicates' draws), Σ of hits, true rows and predicted rows per class; with `groups` (a
    group index per row), per weighting and group instead: (B·size, 3, k), row b·size + g."""
    b = len(weights) * (size if groups is not None else 1)
    rows = np.arange(len(weights))[:, None] * (size if groups is not None else 1)
    if groups is not None:
        rows = rows + groups[None, :]
    if k * k <= PAIR_CELLS and b * k * k <= PAIR_COUNTS:  # one count of class pairs
        index = (rows * (k * k) + (true * k + predicted)[None, :]).reshape(-1)
        pairs = np.bincount(index, weights.reshape(-1), minlength=b * k * k).reshape(b, k, k)
        diagonal = pairs[:, np.arange(k), np.arange(k)]
        return np.stack([diagonal, pairs.sum(axis=2), pairs.sum(axis=1)], axis=1)
    base = rows * k
    hit = true == predicted
    out = np.empty((b, 3, k))
    for at, (classes, w) in enumerate(
        ((true, weights * hit), (true, weights), (predicted, weights))
    ):
        index = (base + classes[None, :]).reshape(-1)
        out[:, at] = np.bincount(index, w.reshape(-1), minlength=b * k).reshape(b, k)
    return out


def grown(state: np.ndarray | None, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    """An array of at least `shape` holding `state` (None: zeros), grown in any axis."""
    if state is None:
        return np.zeros(shape, dtype)
    if all(have >= want for have, want in zip(state.shape, shape, strict=True)):
        return state
    out = np.zeros(tuple(max(h, w) for h, w in zip(state.shape, shape, strict=True)), dtype)
    out[tuple(slice(0, h) for h in state.shape)] = state
    return out
