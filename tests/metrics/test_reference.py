"""Every metric against scikit-learn and PyTorch's definitions on random data, to 1e-12 relative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, brier_score_loss, log_loss, mean_squared_error

import xentcli
from tests.references import (
    bce_with_logits,
    ce_from_logits,
    multiclass_brier,
    sigmoid,
    softmax,
    torch_or_none,
)

RTOL = 1e-12


def multiclass_frame(n: int, k: int, seed: int, scale: float = 2.0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * scale
    y = rng.integers(0, k, n)
    w = rng.random(n) * 3
    return z, y, w


def frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(columns)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "k", "seed"), [(1, 3, 0), (50, 2, 1), (1000, 4, 2), (5000, 10, 3)])
def test_multiclass_probabilities_match_sklearn(n, k, seed, weighted):
    z, y, w = multiclass_frame(n, k, seed)
    p = softmax(z)
    weights = w if weighted else None
    data = {f"p_{j}": p[:, j] for j in range(k)} | {"label": y, "w": w}
    report = xentcli.evaluate(
        frame(data), weight_col="w" if weighted else None, task="multiclass"
    )  # K = 2 too: the seeds' multiclass form, not the two-column binary problem
    m = report.metrics
    assert m["cross_entropy"] == pytest.approx(
        log_loss(y, p, labels=list(range(k)), sample_weight=weights), rel=RTOL
    )
    assert m["mse"] == pytest.approx(multiclass_brier(p, y, weights), rel=RTOL)
    onehot = np.eye(k)[y]
    assert m["mse"] / k == pytest.approx(
        mean_squared_error(onehot, p, sample_weight=weights), rel=RTOL
    )
    predicted = np.argmax(p, axis=1)
    accuracy = accuracy_score(y, predicted, sample_weight=weights)
    assert m["accuracy"] == pytest.approx(accuracy, rel=RTOL)
    assert m["error"] == pytest.approx(1 - accuracy, rel=RTOL, abs=1e-15)
    assert m["perplexity"] == pytest.approx(np.exp(m["cross_entropy"]), rel=RTOL)
    assert report.rows.used == n


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "seed"), [(1, 0), (100, 1), (10_000, 2)])
def test_binary_probabilities_match_sklearn(n, seed, weighted):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    y = rng.integers(0, 2, n)
    w = rng.random(n) + 0.1
    weights = w if weighted else None
    report = xentcli.evaluate(
        frame({"y": y, "prob": p, "w": w}), weight_col="w" if weighted else None
    )
    m = report.metrics
    assert set(m) == {"binary_cross_entropy", "mse", "error", "accuracy"}
    assert m["binary_cross_entropy"] == pytest.approx(
        log_loss(y, p, labels=[0, 1], sample_weight=weights), rel=RTOL
    )
    assert m["mse"] == pytest.approx(brier_score_loss(y, p, sample_weight=weights), rel=RTOL)
    accuracy = accuracy_score(y, p > 0.5, sample_weight=weights)
    assert m["accuracy"] == pytest.approx(accuracy, rel=RTOL)


def test_binary_threshold_changes_error_only():
    p = np.array([0.1, 0.35, 0.45, 0.8, 0.3])
    y = np.array([0, 1, 0, 1, 1])
    base = xentcli.evaluate(frame({"y": y, "p": p}))
    moved = xentcli.evaluate(frame({"y": y, "p": p}), threshold=0.4)
    assert base.metrics["error"] == pytest.approx(1 - accuracy_score(y, p > 0.5))  # 2/5
    assert moved.metrics["error"] == pytest.approx(1 - accuracy_score(y, p > 0.4))  # 3/5
    assert moved.metrics["error"] == pytest.approx(0.6)
    assert moved.metrics["binary_cross_entropy"] == base.metrics["binary_cross_entropy"]
    at_threshold = xentcli.evaluate(frame({"y": [1], "p": [0.5]}))
    assert at_threshold.metrics["error"] == 1.0  # p > threshold is positive; 0.5 is not


def test_clipping_matches_sklearn_and_is_counted():
    y = np.array([1, 0, 1, 0, 1])
    p = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    report = xentcli.evaluate(frame({"y": y, "p": p}))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=RTOL)
    assert report.clipped == 4
    p3 = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    y3 = np.array([2, 1])
    data = {f"p_{j}": p3[:, j] for j in range(3)} | {"label": y3}
    report = xentcli.evaluate(frame(data))
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y3, p3, labels=[0, 1, 2]))
    assert report.clipped == 2  # the true-class probabilities 1.0 and 0.0


def test_eps_option_clips_at_the_given_value():
    y = np.array([1, 0])
    p = np.array([0.0, 0.5])
    report = xentcli.evaluate(frame({"y": y, "p": p}), eps=1e-7)
    expected = (-np.log(1e-7) - np.log(0.5)) / 2
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=RTOL)


@pytest.mark.parametrize("scale", [1.0, 30.0, 1e4])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_logits_match_torch_definition(scale, weighted):
    z, y, w = multiclass_frame(2000, 6, 7)
    z = z / np.abs(z).max() * scale  # |z| reaches exactly `scale`
    weights = w if weighted else None
    data = {f"logit_{j}": z[:, j] for j in range(6)} | {"label": y, "w": w}
    report = xentcli.evaluate(frame(data), logits=True, weight_col="w" if weighted else None)
    m = report.metrics
    assert np.isfinite(m["cross_entropy"])
    assert m["cross_entropy"] == pytest.approx(ce_from_logits(z, y, weights), rel=RTOL)
    assert m["mse"] == pytest.approx(multiclass_brier(softmax(z), y, weights), rel=1e-9)
    assert m["error"] == pytest.approx(
        1 - accuracy_score(y, z.argmax(axis=1), sample_weight=weights), rel=RTOL, abs=1e-15
    )
    torch = torch_or_none()
    if torch is not None:
        expected = torch.nn.functional.cross_entropy(
            torch.tensor(z, dtype=torch.float64), torch.tensor(y), reduction="none"
        ).numpy()
        assert m["cross_entropy"] == pytest.approx(np.average(expected, weights=weights), rel=RTOL)


@pytest.mark.parametrize("scale", [1.0, 50.0, 1e4])
def test_binary_logits_match_torch_definition(scale):
    rng = np.random.default_rng(11)
    z = rng.normal(size=3000)
    z = z / np.abs(z).max() * scale
    y = rng.integers(0, 2, 3000)
    report = xentcli.evaluate(frame({"y": y, "score": z}), logits=True)
    m = report.metrics
    assert np.isfinite(m["binary_cross_entropy"])
    assert m["binary_cross_entropy"] == pytest.approx(bce_with_logits(z, y), rel=RTOL)
    assert m["mse"] == pytest.approx(np.mean((sigmoid(z) - y) ** 2), rel=1e-9)
    assert m["error"] == pytest.approx(np.mean((sigmoid(z) > 0.5) != y), rel=RTOL, abs=1e-15)
    torch = torch_or_none()
    if torch is not None:
        expected = torch.nn.functional.binary_cross_entropy_with_logits(
            torch.tensor(z, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        ).item()
        assert m["binary_cross_entropy"] == pytest.approx(expected, rel=RTOL)


def test_extreme_logits_give_exact_losses():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]])
    y = np.array([0, 0])
    data = {f"logit_{j}": z[:, j] for j in range(3)} | {"label": y}
    report = xentcli.evaluate(frame(data), logits=True)
    assert report.metrics["cross_entropy"] == pytest.approx(1e4, rel=RTOL)  # (0 + 2e4) / 2
    binary = xentcli.evaluate(frame({"y": [1, 0], "score": [-1e4, -1e4]}), logits=True)
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(5e3, rel=RTOL)


def test_renormalize_divides_rows_by_their_sum():
    p = np.array([[0.2, 0.2, 0.2], [0.5, 0.25, 0.75]])
    y = np.array([0, 2])
    data = {f"p_{j}": p[:, j] for j in range(3)} | {"label": y}
    report = xentcli.evaluate(frame(data), renormalize=True)
    q = p / p.sum(axis=1, keepdims=True)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, q, labels=[0, 1, 2]))
    assert report.metrics["mse"] == pytest.approx(multiclass_brier(q, y))


def test_rows_within_sum_tolerance_are_used_as_given():
    p = np.array([[0.3, 0.3, 0.40005]])
    data = {f"p_{j}": p[:, j] for j in range(3)} | {"label": [2]}
    report = xentcli.evaluate(frame(data))
    assert report.metrics["cross_entropy"] == pytest.approx(-np.log(0.40005), rel=RTOL)
    with pytest.raises(xentcli.InputError, match="sum to"):
        xentcli.evaluate(frame(data), sum_tol=1e-6)
