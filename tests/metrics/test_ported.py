"""Cases ported from the peers' own test suites, each citing the test it comes from and keeping
the peer's expected value; where xentcli deliberately differs, the case states the difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import classification_report

import xentcli


def wide(p, labels, prefix="p_"):
    p = np.asarray(p, dtype=float)
    frame = pd.DataFrame({f"{prefix}{k}": p[:, k] for k in range(p.shape[1])})
    frame["label"] = labels
    return frame


# scikit-learn sklearn/metrics/tests/test_classification.py


def test_sklearn_log_loss_binary_and_multiclass():
    """test_log_loss: the binary case 1.8817971, the multiclass case 0.6904911."""
    binary = wide(
        [[0.5, 0.5], [0.1, 0.9], [0.01, 0.99], [0.9, 0.1], [0.75, 0.25], [0.001, 0.999]],
        [0, 0, 0, 1, 1, 1],
    )
    report = xentcli.evaluate(binary)  # two columns: the binary problem on p_1
    assert report.metrics["binary_cross_entropy"] == pytest.approx(1.8817971, abs=1e-7)
    multi = wide([[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], [1, 0, 2])
    assert xentcli.evaluate(multi).metrics["cross_entropy"] == pytest.approx(0.6904911, abs=1e-7)


def test_sklearn_brier_score_loss():
    """test_brier_score_loss: ‖y − p‖² / n."""
    y = np.array([0, 1, 1, 0, 1, 1])
    p = np.array([0.1, 0.8, 0.9, 0.3, 1.0, 0.95])
    report = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p}))
    assert report.metrics["mse"] == pytest.approx(np.linalg.norm(y - p) ** 2 / len(y))


def test_sklearn_confusion_matrix_docstring():
    """confusion_matrix's docstring: y_true [2, 0, 2, 2, 0, 1], y_pred [0, 0, 2, 2, 0, 2]."""
    frame = pd.DataFrame({"label": [2, 0, 2, 2, 0, 1], "y_pred": [0, 0, 2, 2, 0, 2]})
    report = xentcli.evaluate(frame, per_class=True, classes=["0", "1", "2"])
    assert report.confusion_matrix.matrix == [[2, 0, 0], [0, 0, 1], [1, 0, 2]]


def test_sklearn_classification_report_with_sample_weights():
    """test_classification_report_multiclass (with sample_weight): the report's averages."""
    rng = np.random.default_rng(6)
    y, predicted, w = rng.integers(0, 3, 300), rng.integers(0, 3, 300), rng.random(300)
    frame = pd.DataFrame({"label": y, "y_pred": predicted, "w": w})
    report = xentcli.evaluate(frame, per_class=True, weight_col="w", classes=["0", "1", "2"])
    expected = classification_report(y, predicted, sample_weight=w, output_dict=True)
    for average in ("macro", "weighted"):
        for name in ("precision", "recall", "f1"):
            key = "f1-score" if name == "f1" else name
            assert report.metrics[f"{average}_{name}"] == pytest.approx(
                expected[f"{average} avg"][key], rel=1e-12
            )
    for row in report.per_class:
        assert row.support == pytest.approx(expected[row.name]["support"], rel=1e-12)


# scikit-learn sklearn/metrics/tests/test_ranking.py


@pytest.mark.parametrize(("k", "expected"), [(1, 0.25), (2, 0.5), (3, 0.75)])
def test_sklearn_top_k_accuracy_score(k, expected):
    """test_top_k_accuracy_score: y_true [0, 1, 2, 3] against four score rows."""
    scores = [
        [0.4, 0.3, 0.2, 0.1],
        [0.1, 0.3, 0.4, 0.2],
        [0.4, 0.1, 0.2, 0.3],
        [0.3, 0.2, 0.4, 0.1],
    ]
    report = xentcli.evaluate(wide(scores, [0, 1, 2, 3]), top_k=k)
    assert 1 - report.metrics["top_k_error"] == pytest.approx(expected)


# PyTorch: F.cross_entropy's ignore_index (test/test_nn.py, common_nn.py's references)


@pytest.mark.parametrize("weights", [None, (1.0, 2.0, 3.0)])
def test_torch_cross_entropy_ignore_index(weights):
    """cross_entropy(z, y, weight, ignore_index=-100): ignored rows leave the mean, and the
    weighted mean divides by Σ w_y of the rows kept."""
    rng = np.random.default_rng(9)
    z = rng.normal(size=(200, 3))
    y = rng.integers(0, 3, 200)
    y[::7] = -100
    frame = wide(z, y, prefix="logit_")
    options = {"class_weights": weights} if weights else {}
    report = xentcli.evaluate(frame, logits=True, compat="torch", ignore_label="-100", **options)
    kept = y != -100
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    w = np.ones(3) if weights is None else np.array(weights)
    nll = -logp[np.flatnonzero(kept), y[kept]]
    expected = (w[y[kept]] * nll).sum() / w[y[kept]].sum()
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert report.rows.ignored == int((~kept).sum())


# Keras keras/src/losses/losses_test.py, CategoricalCrossentropyTest

KERAS_TRUE = [0, 1, 2]
KERAS_PRED = [[0.9, 0.05, 0.05], [0.5, 0.89, 0.6], [0.05, 0.01, 0.94]]


def test_keras_categorical_crossentropy_unweighted_and_weighted():
    """test_unweighted 0.3239; test_scalar_weighted (2.3) .7449; test_sample_weighted
    ([1.2, 3.4, 5.6]) 1.0696 — Keras divides the weighted sum by the batch size."""
    frame = wide(KERAS_PRED, KERAS_TRUE)
    loss = xentcli.evaluate(frame, compat="keras").metrics["cross_entropy"]
    assert loss == pytest.approx(0.3239, abs=1e-3)
    scalar = xentcli.evaluate(frame.assign(w=2.3), compat="keras", weight_col="w")
    assert scalar.metrics["cross_entropy"] == pytest.approx(0.7449, abs=1e-3)
    sample = xentcli.evaluate(frame.assign(w=[1.2, 3.4, 5.6]), compat="keras", weight_col="w")
    assert sample.metrics["cross_entropy"] == pytest.approx(1.0696, abs=1e-3)


def test_keras_categorical_crossentropy_label_smoothing():
    """test_label_smoothing: logits [[100, -100, -100]], smoothing 0.1 → 400·0.1/3."""
    frame = wide([[100.0, -100.0, -100.0], [0.0, 0.0, 0.0]], [0, 1], prefix="logit_").iloc[:1]
    report = xentcli.evaluate(
        frame, logits=True, compat="keras", label_smoothing=0.1, classes=["0", "1", "2"]
    )
    assert report.metrics["cross_entropy"] == pytest.approx(400 * 0.1 / 3, rel=1e-6)


# Documented differences


def test_torchmetrics_extra_bin_for_a_confidence_of_one_is_not_copied():
    """torchmetrics' calibration error (tests/unittests/classification/test_calibration_error.py)
    bins with bucketize(right=True) − 1 and so opens a bin beyond the last for a confidence of
    exactly 1.0; xentcli keeps it in the last bin, (1 − 1/B, 1], as scikit-learn does."""
    report = xentcli.evaluate(
        pd.DataFrame({"y": [1, 1, 0], "prob": [1.0, 1.0, 0.5]}), calibration=True, bins=4
    )
    bins = report.calibration.bins
    assert len(bins) == 4 and bins[-1].weight == 2 and bins[-1].upper == 1.0


def test_keras_metric_that_ignores_ignore_class_without_weights_is_not_copied():
    """Keras' accuracy metrics honour ignore_class only through sample weights; xentcli's
    --ignore-label always drops the rows, as PyTorch's ignore_index does."""
    frame = wide([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]], [0, 1, 5])
    report = xentcli.evaluate(frame, task="multiclass", ignore_label="5")
    assert report.rows.ignored == 1 and report.metrics["error"] == 0.0
