"""The Python API as scikit-learn users call it (docs/api.md): arrays, lists, Series and
DataFrames; list-valued options; errors that name the keyword."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, log_loss

import xentcli

Y = np.array([2, 1, 0])
P = np.array([[0.3, 0.3, 0.4], [0.3, 0.4, 0.3], [0.1, 0.2, 0.7]])  # SPEC §4.1, net 1


def test_arrays_like_scikit_learn():
    report = xentcli.evaluate(y_true=Y, y_prob=P)
    assert report.metrics["cross_entropy"] == 1.3783888522474517 == pytest.approx(log_loss(Y, P))
    assert report.metrics["mse"] == pytest.approx(0.8066666666666666)
    as_lists = xentcli.evaluate(y_true=Y.tolist(), y_prob=P.tolist())
    assert as_lists.metrics == report.metrics


def test_binary_arrays_with_weights_and_two_columns():
    rng = np.random.default_rng(3)
    y, p, w = rng.integers(0, 2, 500), rng.random(500), rng.random(500)
    one = xentcli.evaluate(y_true=y, y_prob=p, sample_weight=w)
    assert one.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(y, p, sample_weight=w), rel=1e-12
    )
    two = xentcli.evaluate(y_true=pd.Series(y), y_prob=np.column_stack([1 - p, p]))
    assert two.task == "binary"  # predict_proba's two columns: one binary problem
    assert two.metrics["mse"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)


def test_series_labels_and_a_dataframe_of_class_columns():
    names = np.array(["dog", "cat", "bird"])
    report = xentcli.evaluate(
        y_true=pd.Series(names[Y]), y_prob=pd.DataFrame(P, columns=["dog", "cat", "bird"])
    )
    assert report.classes == ("dog", "cat", "bird")
    assert report.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)  # by name
    positional = xentcli.evaluate(pd.DataFrame(P, columns=["p_0", "p_1", "p_2"]), pd.Series(Y))
    assert positional.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)


def test_list_valued_options_and_none():
    frame = pd.DataFrame({"y": Y, "a": P[:, 0], "b": P[:, 1], "c": P[:, 2]})
    report = xentcli.evaluate(frame, label_col="y", pred_col=["a", "b", "c"], by=None)
    assert report.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)


def test_errors_name_the_keyword():
    with pytest.raises(xentcli.SchemaError, match="pass pred_col=") as caught:
        xentcli.evaluate(pd.DataFrame({"label": [1, 0], "a": [0.1, 0.9]}))
    assert "--" not in str(caught.value)
    with pytest.raises(xentcli.UsageError, match="needs its labels: pass y_true="):
        xentcli.evaluate(P)
    with pytest.raises(xentcli.UsageError, match="differ in length"):
        xentcli.evaluate(y_true=Y[:2], y_prob=P)
