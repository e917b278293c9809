"""Predicted labels (scikit-learn's y_pred) are evaluated as labels, never scored as
probabilities: detected by the column's type or asked for with --hard (docs/inputs.md)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_score

import xentcli


@pytest.fixture(scope="module")
def iris():
    x, y = load_iris(return_X_y=True)
    return y, LogisticRegression(max_iter=5000).fit(x, y).predict(x)


@pytest.mark.parametrize("kind", ["int", "text"])
@pytest.mark.parametrize("chunk", [None, 7])
def test_predicted_classes_from_int_and_text_columns(tmp_path, iris, kind, chunk):
    y, predicted = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    truth, guess = (y, predicted) if kind == "int" else (names[y], names[predicted])
    path = tmp_path / "hard.csv"
    pd.DataFrame({"label": truth, "y_pred": guess}).to_csv(path, index=False)
    report = xentcli.evaluate(str(path), per_class=True, chunk_rows=chunk)
    assert "inputs:labels" in report.signature and "cross_entropy" not in report.metrics
    assert report.metrics["error"] == pytest.approx(1 - accuracy_score(y, predicted), rel=1e-12)
    assert report.metrics["macro_f1"] == pytest.approx(
        f1_score(y, predicted, average="macro"), rel=1e-12
    )
    assert report.confusion_matrix.matrix == confusion_matrix(y, predicted).tolist()


def test_boolean_predictions_of_a_binary_model(tmp_path):
    x, y = load_breast_cancer(return_X_y=True)
    predicted = (
        LogisticRegression(max_iter=10_000).fit(x / x.max(axis=0), y).predict(x / x.max(axis=0))
    )
    frame = pd.DataFrame({"label": y.astype(bool), "y_pred": predicted.astype(bool)})
    frame.to_parquet(tmp_path / "b.parquet")
    report = xentcli.evaluate(str(tmp_path / "b.parquet"), task="binary", per_class=True)
    assert report.metrics["error"] == pytest.approx(1 - accuracy_score(y, predicted))
    assert report.metrics["precision"] == pytest.approx(precision_score(y, predicted))


def test_floats_of_exactly_zero_and_one_get_a_note_and_hard_reads_them(cli, tmp_path):
    path = tmp_path / "zero_one.csv"
    path.write_text("label,p\n1,1.0\n0,0.0\n1,0.0\n")
    run = cli("eval", str(path), "--json")
    assert run.code == 0 and "pass --hard" in run.stderr
    assert "pass --hard" in json.loads(run.stdout)["notes"][0]
    hard = json.loads(cli("eval", str(path), "--hard", "--json").stdout)
    assert hard["metrics"]["error"] == pytest.approx(1 / 3) and "mse" not in hard["metrics"]


def test_what_needs_scores_is_refused(tmp_path, iris):
    y, predicted = iris
    frame = pd.DataFrame({"label": y, "y_pred": predicted})
    for option in ({"auc": True}, {"calibration": True}, {"top_k": 2}, {"logits": True}):
        with pytest.raises(xentcli.UsageError, match="holds predicted labels"):
            xentcli.evaluate(frame, **option)
    with pytest.raises(xentcli.UsageError, match="hard= takes one prediction column"):
        xentcli.evaluate(pd.DataFrame({"label": [0], "p_0": [0.5], "p_1": [0.5]}), hard=True)


def test_two_class_labels_get_a_note_naming_task_binary(tmp_path):
    x, y = load_breast_cancer(return_X_y=True)
    predicted = (x[:, 0] > np.median(x[:, 0])).astype(int)
    frame = pd.DataFrame({"y_true": y, "y_pred": predicted})
    report = xentcli.evaluate(frame, per_class=True)
    assert report.task == "multiclass" and "precision" not in report.metrics
    assert any("--task binary also reports the precision" in note for note in report.notes)
    binary = xentcli.evaluate(frame, per_class=True, task="binary")
    assert binary.metrics["precision"] == pytest.approx(precision_score(y, predicted), rel=1e-12)
    assert not any("--task binary" in note for note in binary.notes)
    three = pd.DataFrame({"y_true": [0, 1, 2, 1], "y_pred": [0, 1, 1, 1]})
    assert not any("--task binary" in note for note in xentcli.evaluate(three).notes)


def test_task_multiclass_finds_a_single_named_column(tmp_path, iris):
    y, predicted = iris
    frame = pd.DataFrame({"label": y, "y_pred": predicted})
    asked = xentcli.evaluate(frame, task="multiclass", per_class=True)
    assert asked.metrics == xentcli.evaluate(frame, per_class=True).metrics
    scores = np.eye(3)[predicted] * 0.8 + 0.2 / 3
    listed = pd.DataFrame({"label": y, "probs": list(scores)})
    path = tmp_path / "list.parquet"
    listed.to_parquet(path)
    report = xentcli.evaluate(str(path), task="multiclass")
    assert report.metrics["cross_entropy"] == pytest.approx(
        -np.mean(np.log(scores[np.arange(len(y)), y])), rel=1e-12
    )


def test_the_zero_one_note_looks_past_the_first_values():
    p = np.r_[np.tile([0.0, 1.0], 50), [0.25]]  # 100 exact values, then one that is not
    frame = pd.DataFrame({"label": (np.arange(101) % 2), "prob": p})
    assert not any("--hard" in note for note in xentcli.evaluate(frame).notes)
    frame["prob"] = np.tile([0.0, 1.0], 51)[:101]
    assert any("pass --hard" in note for note in xentcli.evaluate(frame).notes)


def test_float_predicted_labels_beside_multiclass_labels_hint_hard(cli, tmp_path):
    """`prediction` of 0.0, 1.0, 2.0 (predicted labels saved as floats) is read as a score, so
    labels 0..2 fail the binary check: the error says --hard, which scores them as
    accuracy_score does."""
    labels, predicted = [0, 2, 1, 2, 0, 1], [0.0, 2.0, 2.0, 1.0, 0.0, 1.0]
    path = tmp_path / "h.csv"
    pd.DataFrame({"label": labels, "prediction": predicted}).to_csv(path, index=False)
    run = cli("eval", str(path))
    assert run.code == 2 and "if 'prediction' holds predicted labels, pass --hard" in run.stderr
    fixed = cli("eval", str(path), "--hard", "--json")
    assert fixed.code == 0, fixed.stderr
    expected = accuracy_score(labels, predicted)
    assert json.loads(fixed.stdout)["metrics"]["accuracy"] == pytest.approx(expected, rel=1e-12)


def test_a_regression_target_beside_pred_is_not_told_to_pass_hard(cli, tmp_path):
    """Labels 1.5, 2.7 beside a `pred` column are a regression target, not classes: the error
    says --task regression, and not --hard (which would score them as class labels)."""
    path = tmp_path / "r.csv"
    pd.DataFrame({"label": [1.5, 2.7, 0.3], "pred": [1.2, 2.9, 0.1]}).to_csv(path, index=False)
    run = cli("eval", str(path))
    assert run.code == 2 and "--task regression" in run.stderr and "--hard" not in run.stderr
