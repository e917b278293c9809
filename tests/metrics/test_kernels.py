"""The binary kernels row by row against the textbook formulas (SPEC §4.1), on mixed labels,
exact 0/1 probabilities, views with strides and scratch memory reused between calls."""

from __future__ import annotations

import numpy as np
import pytest

from xentcli.metrics.kernels import (
    ROW_PASSES_FROM,
    Scratch,
    _wrong,
    binary_from_logits,
    binary_from_probs,
    top_k_miss,
)
from xentcli.options import MACHINE_EPS


def probabilities(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    p[rng.random(n) < 0.05] = 0.0
    p[rng.random(n) < 0.05] = 1.0
    p[rng.random(n) < 0.05] = 0.5
    return p, rng.integers(0, 2, n)


@pytest.mark.parametrize("strided", [False, True])
def test_binary_probabilities_row_by_row(strided):
    scratch = Scratch()
    for seed in range(3):  # the same scratch memory each time
        p, y = probabilities(5001, seed)
        if strided:
            p, y = np.repeat(p, 2)[::2], np.repeat(y, 2)[::2]
        scores = binary_from_probs(p, y, MACHINE_EPS, 0.5, scratch)
        happened = np.clip(np.where(y == 1, p, 1.0 - p), MACHINE_EPS, 1.0 - MACHINE_EPS)
        np.testing.assert_array_equal(scores.stats["loss"], -np.log(happened))
        np.testing.assert_array_equal(scores.stats["sq"], (p - y) ** 2)
        np.testing.assert_array_equal(scores.stats["wrong"], (p > 0.5) != (y == 1))
        outside = (np.where(y == 1, p, 1 - p) < MACHINE_EPS) | (
            np.where(y == 1, p, 1 - p) > 1 - MACHINE_EPS
        )
        assert scores.clipped == np.count_nonzero(outside)


def test_binary_logits_row_by_row():
    rng = np.random.default_rng(7)
    z = np.concatenate([rng.normal(0, 5, 5000), [0.0, -0.0, 40.0, -40.0, 800.0, -800.0]])
    y = rng.integers(0, 2, z.size)
    scratch = Scratch()
    for _ in range(2):
        scores = binary_from_logits(z, y, 0.5, scratch)
        p = (1.0 / (1.0 + np.exp(-z.astype(np.longdouble)))).astype(float)
        loss = np.logaddexp(0.0, np.where(y == 1, -z, z))  # −log σ(±z), stable
        np.testing.assert_allclose(scores.stats["loss"], loss, rtol=1e-14, atol=1e-300)
        # σ(z) within an ulp, so (σ − y)² within ~2 ulps of 1 in absolute terms
        np.testing.assert_allclose(scores.stats["sq"], (p - y) ** 2, rtol=0, atol=5e-16)
        np.testing.assert_array_equal(scores.stats["wrong"], (p > 0.5) != (y == 1))


@pytest.mark.parametrize("k", [3, 255, 256, 512])
@pytest.mark.parametrize("rows", [ROW_PASSES_FROM - 1, ROW_PASSES_FROM + 5])
def test_ties_of_many_classes_on_short_and_long_chunks(k, rows):
    """Equal scores (uniform, or rounded) pick the lowest index for argmax, as numpy does, and
    rank the higher index first for top-k, as scikit-learn does; 256 tied classes once wrapped
    an 8-bit count and every row was scored correct."""
    rng = np.random.default_rng(k + rows)
    y = rng.integers(0, k, rows)
    for p in (np.full((k, rows), 1.0 / k), np.round(rng.random((k, rows)) * 3) / 3):
        true = p[y, np.arange(rows)]
        wrong = _wrong(p, y, true)
        np.testing.assert_array_equal(wrong, np.argmax(p, axis=0) != y)
        top = min(5, k - 1)
        order = np.argsort(p, axis=0, kind="stable")[::-1][:top]  # scikit-learn's ranking
        np.testing.assert_array_equal(top_k_miss(p, y, top), ~(order == y).any(axis=0))
