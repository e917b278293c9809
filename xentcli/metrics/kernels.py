"""Per-row losses of one chunk: plain numpy over whole arrays, no Python loop per row."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xentcli.prepare.scratch import Scratch

# rows per chunk from which K passes over whole rows beat one count over the (K, n) array, for
# ties and top-k (measured per value: 10 classes × 16384 rows 0.44 against 0.76 ns, 1000 classes
# × 1048 rows 2.24 against 1.29 ns; top-k 1.9 against 3.3 and 6.0 against 2.7 ns)
ROW_PASSES_FROM = 8192


def _buffer(scratch: Scratch | None, name: str, shape: tuple[int, ...]) -> np.ndarray:
    return scratch.get(name, shape) if scratch is not None else np.empty(shape)


@dataclass
class RowScores:
    """One chunk's per-row statistics by name (loss, sq, wrong, abs, subset), and the clip count."""

    stats: dict[str, np.ndarray]
    clipped: int = 0
    weights: dict[str, np.ndarray] | None = None  # per-statistic row weights (class weights)


def binary_from_probs(
    p: np.ndarray, y: np.ndarray, eps: float, threshold: float, scratch: Scratch | None = None
) -> RowScores:
    """BCE −[y log p + (1−y) log(1−p)], the true outcome's probability clipped to [eps, 1−eps]."""
    loss, squares = _outcomes(p, y, scratch)
    clipped = _count_outside(loss, eps)
    if clipped:
        np.clip(loss, eps, 1.0 - eps, out=loss)
    np.log(loss, out=loss)
    np.negative(loss, out=loss)
    np.square(squares, out=squares)  # (p − y)² is (what was given to what did not happen)²
    wrong = p > threshold
    np.not_equal(wrong, y == 1, out=wrong)
    return RowScores({"loss": loss, "sq": squares, "wrong": wrong}, clipped)


def _outcomes(
    p: np.ndarray, y: np.ndarray, scratch: Scratch | None
) -> tuple[np.ndarray, np.ndarray]:
    """(the probability given to what happened, and to what did not) for labels y in {0, 1}:
    p and 1 − p swapped per row by a bit mask, exactly and without a branch (a boolean
    putmask or np.where mispredicts on mixed labels; benchmarks/README.md#design-measurements)."""
    happened = np.subtract(1.0, p, out=_buffer(scratch, "loss", p.shape))
    other = _buffer(scratch, "squares", p.shape)
    mask = _buffer(scratch, "mask", p.shape).view(np.int64)
    np.negative(y, out=mask)  # every bit set where y = 1
    bits, other_bits, p_bits = happened.view(np.int64), other.view(np.int64), p.view(np.int64)
    np.bitwise_xor(bits, p_bits, out=other_bits)
    np.bitwise_and(other_bits, mask, out=mask)  # the bits that turn 1 − p into p, where y = 1
    np.bitwise_xor(bits, mask, out=bits)
    np.bitwise_xor(p_bits, mask, out=other_bits)
    return happened, other


def binary_from_logits(
    z: np.ndarray, y: np.ndarray, threshold: float, scratch: Scratch | None = None
) -> RowScores:
    """BCE from a logit as max(z, 0) − y·z + log1p(exp(−|z|)), which never overflows; every
    step in place in scratch memory (fresh temporaries cost more than the arithmetic)."""
    positive = y == 1
    e = np.abs(z, out=_buffer(scratch, "exp", z.shape))
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(−|z|) in (0, 1]
    loss = np.log1p(e, out=_buffer(scratch, "loss", z.shape))
    s = np.maximum(z, 0.0, out=_buffer(scratch, "squares", z.shape))
    y_float = _buffer(scratch, "labels", z.shape)
    np.copyto(y_float, y)  # one cast: float-float ufuncs are faster than float-int
    s -= np.multiply(z, y_float, out=_buffer(scratch, "product", z.shape))
    loss += s
    p = np.add(e, 1.0, out=s)  # σ(z) = 1/(1+e) for z ≥ 0, e/(1+e) below: one division
    top = np.greater_equal(z, 0.0, out=_buffer(scratch, "product", z.shape))
    np.maximum(e, top, out=top)  # 1 where z ≥ 0 (e ≤ 1 there), e below: a putmask mispredicts
    np.divide(top, p, out=p)
    wrong = p > threshold
    np.not_equal(wrong, positive, out=wrong)
    np.subtract(p, y_float, out=p)
    np.square(p, out=p)
    return RowScores({"loss": loss, "sq": p, "wrong": wrong})


def multiclass_from_probs(
    p: np.ndarray, y: np.ndarray, eps: float, scratch: Scratch | None = None
) -> RowScores:
    """−log p_true (clipped to [eps, 1−eps]) for p of shape (K, n)."""
    at = _flat_index(y, p.shape[1])
    p_true = np.take(p.reshape(-1), at)
    clipped = _count_outside(p_true, eps)
    loss = np.clip(p_true, eps, 1.0 - eps) if clipped else p_true.copy()
    np.log(loss, out=loss)
    np.negative(loss, out=loss)
    squares = _buffer(scratch, "squares", p.shape)
    sq = _squared_error(p, at, p_true, squares)
    return RowScores({"loss": loss, "sq": sq, "wrong": _wrong(p, y, p_true)}, clipped)


def multiclass_from_logits(
    z: np.ndarray, y: np.ndarray, scratch: Scratch | None = None
) -> RowScores:
    """logsumexp(z) − z_true for z of shape (K, n), shifted by the max so |z| = 1e4 stays finite."""
    at = _flat_index(y, z.shape[1])
    top = z.max(axis=0)
    e = np.subtract(z, top, out=_buffer(scratch, "softmax", z.shape))
    np.exp(e, out=e)
    total = e.sum(axis=0)
    z_true = np.take(z.reshape(-1), at)
    loss = np.log(total)
    loss += top
    loss -= z_true
    # Σ_k (e_k/T − onehot_k)² = (Σ_{k≠y} e_k² + (T − e_y)²) / T²: no (K, n) division
    squares = _buffer(scratch, "squares", z.shape)
    e_true = np.take(e.reshape(-1), at)
    np.square(e, out=squares)
    np.put(squares.reshape(-1), at, np.square(total - e_true))
    sq = squares.sum(axis=0)
    sq /= np.square(total)
    return RowScores({"loss": loss, "sq": sq, "wrong": _wrong(z, y, z_true, top)})


def _flat_index(y: np.ndarray, n: int) -> np.ndarray:
    """Where row i's true class sits in a flattened (K, n) array: y_i·n + i."""
    at = y * n
    at += np.arange(n)
    return at


def _true_class(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """p[y_i, i] for every row i, by a flat gather (faster than 2-D fancy indexing)."""
    return np.take(p.reshape(-1), _flat_index(y, p.shape[1]))


def _count_outside(p: np.ndarray, eps: float) -> int:
    """How many values lie outside [eps, 1−eps]; two reductions when none do."""
    if p.size == 0 or (p.min() >= eps and p.max() <= 1.0 - eps):
        return 0
    return int(np.count_nonzero((p < eps) | (p > 1.0 - eps)))


def _wrong(
    p: np.ndarray, y: np.ndarray, p_true: np.ndarray, top: np.ndarray | None = None
) -> np.ndarray:
    """argmax(p) ≠ y with ties to the lowest index, without a full argmax over (K, n)."""
    if top is None:
        top = p.max(axis=0)
    wrong = p_true < top
    ties = np.flatnonzero(_count_equal(p, top) > 1)
    if ties.size:
        wrong[ties] = np.argmax(p[:, ties], axis=0) != y[ties]
    return wrong


def _squared_error(
    p: np.ndarray, at: np.ndarray, p_true: np.ndarray, squares: np.ndarray
) -> np.ndarray:
    """Σ_k (p_k − onehot_k)², the true class's term formed as (1 − p_true)² (no cancellation);
    `at` is each row's true class in the flattened array (_flat_index)."""
    np.square(p, out=squares)
    np.put(squares.reshape(-1), at, np.square(1.0 - p_true))
    return squares.sum(axis=0)


def soft_from_probs(
    p: np.ndarray, t: np.ndarray, eps: float, scratch: Scratch | None = None
) -> RowScores:
    """−Σ_k t_k log p_k for target probabilities t (one-hot or soft), p and t of shape (K, n)."""
    logs = np.clip(p, eps, 1.0 - eps, out=_buffer(scratch, "logs", p.shape))
    entering = t > 0  # only cells with target mass enter the loss
    clipped = int(np.count_nonzero(entering & ((p < eps) | (p > 1.0 - eps))))
    np.log(logs, out=logs)
    logs *= t
    loss = -logs.sum(axis=0)
    return RowScores(_soft_common(p, t, loss, scratch), clipped)


def soft_from_logits(z: np.ndarray, t: np.ndarray, scratch: Scratch | None = None) -> RowScores:
    """Σ_k t_k (logsumexp(z) − z_k), the softmax taken stably; z and t of shape (K, n)."""
    top = z.max(axis=0)
    e = np.subtract(z, top, out=_buffer(scratch, "softmax", z.shape))
    np.exp(e, out=e)
    total = e.sum(axis=0)
    lse = np.log(total) + top
    loss = lse * t.sum(axis=0) - (t * z).sum(axis=0)
    e /= total
    return RowScores(_soft_common(e, t, loss, scratch, wrong_scores=z))


def _soft_common(
    p: np.ndarray,
    t: np.ndarray,
    loss: np.ndarray,
    scratch: Scratch | None,
    wrong_scores: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Squared error against the targets, and argmax(p) ≠ argmax(t) (ties to the lowest index)."""
    squares = np.subtract(p, t, out=_buffer(scratch, "squares", p.shape))
    np.square(squares, out=squares)
    target = np.argmax(t, axis=0)
    scores = p if wrong_scores is None else wrong_scores
    return {
        "loss": loss,
        "sq": squares.sum(axis=0),
        "wrong": _wrong(scores, target, _true_class(scores, target)),
    }


def multilabel_from_probs(p: np.ndarray, t: np.ndarray, eps: float, threshold: float) -> RowScores:
    """Per row: mean BCE over the K labels, Σ squared error, fraction and any of wrong cells."""
    clipped = int(np.count_nonzero((p < eps) | (p > 1.0 - eps)))
    q = np.clip(p, eps, 1.0 - eps)
    cells = -(t * np.log(q) + (1.0 - t) * np.log1p(-q))
    return RowScores(_multilabel_common(p, t, cells, threshold), clipped)


def multilabel_from_logits(z: np.ndarray, t: np.ndarray, threshold: float) -> RowScores:
    """Per-cell BCE from logits, max(z, 0) − t·z + log1p(exp(−|z|)), then as with probabilities."""
    e = np.exp(-np.abs(z))
    cells = np.maximum(z, 0.0) - z * t + np.log1p(e)
    p = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return RowScores(_multilabel_common(p, t, cells, threshold))


def _multilabel_common(
    p: np.ndarray, t: np.ndarray, cells: np.ndarray, threshold: float
) -> dict[str, np.ndarray]:
    wrong = (p > threshold) != (t >= 0.5)
    return {
        "loss": cells.mean(axis=0),
        "sq": np.square(p - t).mean(axis=0),  # per cell, as its BCE and error (docs/metrics.md)
        "wrong": wrong.mean(axis=0),
        "subset": wrong.any(axis=0),
    }


def regression(prediction: np.ndarray, target: np.ndarray) -> RowScores:
    """Squared and absolute error per row."""
    difference = prediction - target
    return RowScores({"sq": np.square(difference), "abs": np.abs(difference)})


def top_k_miss(scores: np.ndarray, true: np.ndarray, k: int) -> np.ndarray:
    """The label is not among the k highest scores (K, n). Ties rank as scikit-learn's
    top_k_accuracy_score ranks them — a stable ascending argsort reversed, so the higher index
    comes first (docs/decisions.md#top-k)."""
    true_score = _true_class(scores, true)
    n = scores.shape[1]
    if n < ROW_PASSES_FROM:  # short rows: one count over (K, n), then the ties alone
        above = np.count_nonzero(scores > true_score, axis=0)
        tied = np.flatnonzero(_count_equal(scores, true_score) > 1)  # its own score is one
        if tied.size:
            later = np.arange(scores.shape[0])[:, None] > true[tied]
            above[tied] += np.count_nonzero((scores[:, tied] == true_score[tied]) & later, axis=0)
        return above >= k
    above = np.zeros(n, np.int64)
    for index, row in enumerate(scores):  # K passes over whole rows
        above += row > true_score
        above += (row == true_score) & (index > true)
    return above >= k


def _count_equal(p: np.ndarray, value: np.ndarray) -> np.ndarray:
    """How many of each column's K values equal `value` there: K passes over whole rows when
    they are long, one count over (K, n) when they are short (a chunk of many classes)."""
    if p.shape[1] < ROW_PASSES_FROM:
        return np.count_nonzero(p == value, axis=0)
    wide = np.uint8 if p.shape[0] < 256 else np.int64  # a count that never wraps
    counts: np.ndarray = np.zeros(p.shape[1], wide)
    for row in p:
        counts += row == value
    return counts
