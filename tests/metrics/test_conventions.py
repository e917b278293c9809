"""--compat torch|keras against those frameworks' definitions (and torch itself when installed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import xentcli
from tests.references import sigmoid, softmax, torch_or_none

RTOL = 1e-12


def multiclass(n=2000, k=4, seed=16, zeros=False):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 2
    y = rng.integers(0, k, n)
    p = softmax(z)
    if zeros:
        p[:3] = np.eye(k)[(y[:3] + 1) % k]  # the true class gets probability 0
    probs = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)}).assign(label=y)
    logits = pd.DataFrame({f"logit_{j}": z[:, j] for j in range(k)}).assign(label=y)
    return probs, logits, p, z, y


def torch_ce(z_or_logp, y, weight=None, smoothing=0.0):
    torch = torch_or_none()
    if torch is None:
        return None
    f = torch.nn.functional
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    return f.cross_entropy(
        torch.tensor(z_or_logp, dtype=torch.float64),
        torch.tensor(y),
        weight=w,
        label_smoothing=smoothing,
    ).item()


def test_torch_binary_clamps_logs_at_minus_100():
    rng = np.random.default_rng(17)
    p = rng.random(1000)
    p[:4] = [0.0, 1.0, 0.0, 1.0]
    y = rng.integers(0, 2, 1000)
    y[:4] = [1, 0, 0, 1]
    report = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p}), compat="torch")
    with np.errstate(divide="ignore"):
        expected = -(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log1p(-p), -100))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected.mean(), rel=RTOL)
    assert report.metrics["mse"] == pytest.approx(np.mean((p - y) ** 2), rel=RTOL)
    assert "compat:torch" in report.signature
    torch = torch_or_none()
    if torch is not None:
        value = torch.nn.functional.binary_cross_entropy(
            torch.tensor(p, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
        ).item()
        assert report.metrics["binary_cross_entropy"] == pytest.approx(value, rel=RTOL)


def test_torch_multiclass_probabilities_unclipped_and_mse_per_element():
    probs, logits, p, z, y = multiclass()
    report = xentcli.evaluate(probs, compat="torch")
    expected = -np.log(p[np.arange(len(y)), y]).mean()
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=RTOL)
    onehot = np.eye(4)[y]
    assert report.metrics["mse"] == pytest.approx(np.mean((p - onehot) ** 2), rel=RTOL)
    from_logits = xentcli.evaluate(logits, compat="torch", logits=True)
    reference = torch_ce(z, y)
    if reference is not None:
        assert from_logits.metrics["cross_entropy"] == pytest.approx(reference, rel=RTOL)
    zero = xentcli.evaluate(multiclass(zeros=True)[0], compat="torch")
    assert zero.metrics["cross_entropy"] == float("inf")  # as torch: log 0 is -inf


@pytest.mark.parametrize(
    ("weights", "smoothing"),
    [((1.0, 2.0, 0.5, 3.0), 0.0), (None, 0.1), ((1.0, 2.0, 0.5, 3.0), 0.2)],
)
def test_torch_class_weights_and_label_smoothing(weights, smoothing):
    probs, logits, p, z, y = multiclass(seed=18)
    report = xentcli.evaluate(
        logits, compat="torch", logits=True, class_weights=weights, label_smoothing=smoothing
    )
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    w = np.ones(4) if weights is None else np.array(weights)
    rows = np.arange(len(y))
    nll = (w[y] * -logp[rows, y]).sum() / w[y].sum()
    smooth = (-(w * logp).sum(axis=1)).sum() / w[y].sum() / 4
    expected = (1 - smoothing) * nll + smoothing * smooth
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=RTOL)
    reference = torch_ce(z, y, weights, smoothing)
    if reference is not None:
        assert report.metrics["cross_entropy"] == pytest.approx(reference, rel=RTOL)
    assert report.metrics["error"] == pytest.approx(np.mean(p.argmax(axis=1) != y))
    if smoothing:
        assert "label_smoothing:" in report.signature


def test_keras_definitions():
    probs, logits, p, z, y = multiclass(seed=19)
    unnormalized = probs.assign(p_0=probs["p_0"] * 1.00005)  # within --sum-tol: keras renormalizes
    report = xentcli.evaluate(unnormalized, compat="keras")
    q = unnormalized[[f"p_{j}" for j in range(4)]].to_numpy()
    q = np.clip(q / q.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    assert report.metrics["cross_entropy"] == pytest.approx(
        -np.log(q[np.arange(len(y)), y]).mean(), rel=RTOL
    )
    smoothed = xentcli.evaluate(probs, compat="keras", label_smoothing=0.1)
    t = np.eye(4)[y] * 0.9 + 0.1 / 4
    q = np.clip(p / p.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    assert smoothed.metrics["cross_entropy"] == pytest.approx(
        -(t * np.log(q)).sum(axis=1).mean(), rel=RTOL
    )
    rng = np.random.default_rng(20)
    zb = rng.normal(size=500) * 20
    yb = rng.integers(0, 2, 500)
    binary = xentcli.evaluate(pd.DataFrame({"y": yb, "score": zb}), compat="keras", logits=True)
    # Keras clips in float32: [float32(1e-7), float32(1 - 1e-7)], the top 1 - 2**-23
    s = np.clip(sigmoid(zb), float(np.float32(1e-7)), 1 - 2.0**-23)
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(
        -(yb * np.log(s) + (1 - yb) * np.log(1 - s)).mean(), rel=RTOL
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"class_weights": (1, 2, 3, 4)}, "class_weights= is torch's"),
        ({"compat": "torch", "class_weights": (1, 2)}, "gives 2 weights for 4 classes"),
        ({"compat": "torch", "class_weights": (1, 0, 1, 1)}, "must all be finite and > 0"),
        ({"label_smoothing": 0.1}, "label_smoothing= applies"),
        ({"compat": "torch", "class_weights": (1, 2, 3, 4), "bootstrap": 10}, "does not combine"),
    ],
)
def test_compat_misuse(options, message):
    probs, _, _, _, _ = multiclass(n=20)
    with pytest.raises(xentcli.UsageError, match=message):
        xentcli.evaluate(probs, **options)
