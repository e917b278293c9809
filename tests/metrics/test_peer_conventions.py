"""The conventions settled against the peers' own test suites (docs/decisions.md), each a case
ported from the peer's test and checked against the peer's own value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import top_k_accuracy_score

import xentcli
from tests.references import softmax, torch_or_none


@pytest.mark.parametrize(("k", "expected"), [(1, 0.5), (2, 0.5), (3, 0.75)])
def test_top_k_ties_rank_the_higher_index_first(k, expected):
    """scikit-learn test_ranking.py, test_top_k_accuracy_score_ties: with tied scores the
    labels of higher index are ranked first."""
    y_true = np.array([2, 1, 0, 3])
    y_score = np.array([[5.0, 5, 7, 0], [1, 5, 5, 5], [0, 3, 3, 3], [1, 1, 1, 1]])
    frame = pd.DataFrame({f"logit_{j}": y_score[:, j] for j in range(4)})
    frame["label"] = y_true
    report = xentcli.evaluate(frame, logits=True, top_k=k)
    reference = top_k_accuracy_score(y_true, y_score, k=k, labels=range(4))
    assert 1 - report.metrics["top_k_error"] == pytest.approx(reference) == pytest.approx(expected)


def test_calibration_bins_are_right_closed():
    """Probabilities on the bin edges (a random forest's votes: multiples of 1/10) fall in the
    lower bin, as scikit-learn's calibration_curve (test_calibration.py) puts them."""
    p = np.array([0.0, 0.1, 0.2, 0.2, 0.5, 0.5, 0.7, 0.9, 1.0, 1.0])
    y = np.array([0, 0, 1, 0, 1, 0, 1, 1, 1, 1])
    report = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p}), calibration=True, bins=10)
    bins = [b for b in report.calibration.bins if b.weight]
    truth, predicted = calibration_curve(y, p, n_bins=10)
    assert [b.accuracy for b in bins] == pytest.approx(list(truth))
    assert [b.confidence for b in bins] == pytest.approx(list(predicted))
    first = report.calibration.bins[0]
    assert first.weight == 2  # 0.0 and 0.1: (0, 0.1] holds 0.1, and 0 is in the first bin


def keras_bce_float32(y, p, smoothing=0.0):
    """Keras 3's binary_crossentropy as its default float32 computes it (losses.py, backend
    binary_crossentropy): targets smoothed, output clipped to [eps, 1 - eps], eps = 1e-7."""
    y32, p32 = y.astype(np.float32), p.astype(np.float32)
    eps = np.float32(1e-7)
    y32 = y32 * (np.float32(1) - np.float32(smoothing)) + np.float32(0.5 * smoothing)
    out = np.clip(p32, eps, np.float32(1) - eps)
    return -(y32 * np.log(out) + (1 - y32) * np.log(np.float32(1) - out))


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_keras_clips_in_float32_and_smooths_binary_labels(smoothing):
    y = np.array([1, 0, 1, 0, 1, 0, 1])
    p = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.25, 0.999999999])  # exactly 0 and 1 included
    report = xentcli.evaluate(
        pd.DataFrame({"y": y, "prob": p}), compat="keras", label_smoothing=smoothing
    )
    expected = float(keras_bce_float32(y, p, smoothing).mean())
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("compat", ["torch", "keras"])
def test_framework_losses_with_weights_divide_by_n(compat):
    """torch's BCELoss(weight=w) and Keras' default sum_over_batch_size reduction: Σwℓ / N."""
    rng = np.random.default_rng(8)
    y, p, w = rng.integers(0, 2, 400), rng.uniform(0.01, 0.99, 400), rng.random(400) * 3
    report = xentcli.evaluate(
        pd.DataFrame({"y": y, "prob": p, "w": w}), compat=compat, weight_col="w"
    )
    loss = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(np.mean(w * loss), rel=1e-12)
    assert report.metrics["mse"] == pytest.approx(np.mean(w * (p - y) ** 2), rel=1e-12)
    assert report.metrics["error"] == pytest.approx(np.average((p > 0.5) != y, weights=w))
    sklearn = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p, "w": w}), weight_col="w")
    assert sklearn.metrics["binary_cross_entropy"] == pytest.approx(np.average(loss, weights=w))


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weights", [None, (1.0, 2.0, 0.5)])
def test_torch_soft_targets_with_smoothing_and_class_weights(smoothing, weights):
    """F.cross_entropy(input, target probabilities, weight, label_smoothing): the loss of each
    row is -Σ_k w_k t'_k log_softmax(z)_k, t' = (1 - ε)t + ε/K, and the mean divides by N
    (torch's common_nn.py reference for probability targets)."""
    rng = np.random.default_rng(12)
    z = rng.normal(size=(300, 3)) * 2
    t = softmax(rng.normal(size=(300, 3)))
    frame = pd.DataFrame(
        {f"logit_{k}": z[:, k] for k in range(3)} | {f"t_{k}": t[:, k] for k in range(3)}
    )
    options = {"class_weights": weights} if weights else {}
    report = xentcli.evaluate(
        frame,
        label_col="t_*",
        pred_col="logit_*",
        logits=True,
        compat="torch",
        label_smoothing=smoothing,
        **options,
    )
    w = np.ones(3) if weights is None else np.array(weights)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    smoothed = t * (1 - smoothing) + smoothing / 3
    expected = (-(w * smoothed * logp).sum(axis=1)).mean()
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    torch = torch_or_none()
    if torch is not None:
        reference = torch.nn.functional.cross_entropy(
            torch.tensor(z),
            torch.tensor(t),
            weight=None if weights is None else torch.tensor(w),
            label_smoothing=smoothing,
        ).item()
        assert report.metrics["cross_entropy"] == pytest.approx(reference, rel=1e-12)
