"""Binary labels written -1/1 (scikit-learn's and SVMs' convention) read without flags, 1 the
positive class, as log_loss, brier_score_loss and roc_auc_score take them; a column holding 0
and -1 beside 1 is an error naming the row, whichever comes first and in whichever chunk."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

import xentcli


@pytest.fixture
def signed():
    rng = np.random.default_rng(8)
    p = rng.uniform(0.02, 0.98, 400)
    y = np.where(rng.uniform(size=400) < p, 1, -1)
    return y, p


@pytest.mark.parametrize("chunk", ["7", "65536"])
def test_minus_one_one_labels_equal_scikit_learn(cli, tmp_path, signed, chunk):
    y, p = signed
    path = tmp_path / "s.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False, float_format="%.17g")
    run = cli("eval", str(path), "--json", "--auc", "--chunk-rows", chunk)
    assert run.code == 0, run.stderr
    metrics = json.loads(run.stdout)["metrics"]
    assert metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert metrics["mse"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y, p), rel=1e-12)
    assert metrics["error"] == pytest.approx(np.mean((p > 0.5) != (y == 1)))


def test_the_api_takes_them_as_floats_too(signed):
    y, p = signed
    report = xentcli.evaluate(y_true=y.astype(float), y_prob=p)
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize(
    ("labels", "row", "said"),
    [
        ([1, -1, 0, 1], 3, "label 0 beside labels -1 and 1"),
        ([1, 0, -1, 1], 3, "label -1 beside labels 0 and 1"),
    ],
)
def test_zero_and_minus_one_in_one_column_is_an_error(cli, tmp_path, labels, row, said):
    path = tmp_path / "m.csv"
    pd.DataFrame({"label": labels, "prob": [0.5] * len(labels)}).to_csv(path, index=False)
    run = cli("eval", str(path))
    assert run.code == 2
    assert f"row {row}, column 'label': {said}" in run.stderr
    assert "--ignore-label -1" in run.stderr


@pytest.mark.parametrize("first", [0, -1])
def test_the_two_spellings_in_different_chunks(cli, tmp_path, first):
    """The first chunk's 0/1 integers take the one-gather path; the -1 of a later chunk is
    still named, and the other way round."""
    other = -1 if first == 0 else 0
    labels = [first, 1] * 50 + [other, 1]
    path = tmp_path / "m.csv"
    pd.DataFrame({"label": labels, "prob": [0.5] * len(labels)}).to_csv(path, index=False)
    run = cli("eval", str(path), "--chunk-rows", "16")
    assert run.code == 2 and f"row 101, column 'label': label {other} beside" in run.stderr


def test_ignore_label_minus_one_leaves_those_rows_out(cli, tmp_path):
    path = tmp_path / "m.csv"
    pd.DataFrame({"label": [1, 0, -1, 1], "prob": [0.9, 0.2, 0.5, 0.7]}).to_csv(path, index=False)
    run = cli("eval", str(path), "--json", "--ignore-label", "-1")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["ignored"] == 1
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss([1, 0, 1], [0.9, 0.2, 0.7]), rel=1e-12
    )


def test_the_classes_are_named_as_the_labels_name_them(cli, tmp_path, signed):
    """-1/1 labels: the per-class report, the confusion matrix, gates on a class and the worst
    rows say -1 (they said 0, a class the file does not have), as classification_report does."""
    from sklearn.metrics import classification_report

    y, p = signed
    path = tmp_path / "s.csv"
    pd.DataFrame({"label": y, "prob": p}).to_csv(path, index=False, float_format="%.17g")
    run = cli(
        "eval", str(path), "--json", "--per-class", "--worst", "3", "--min", "per_class.-1.recall=0"
    )
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    expected = classification_report(y, np.where(p > 0.5, 1, -1), output_dict=True)
    rows = {row["class"]: row for row in report["per_class"]}
    assert list(rows) == ["-1", "1"] and report["confusion_matrix"]["labels"] == ["-1", "1"]
    for name in ("-1", "1"):
        assert rows[name]["recall"] == pytest.approx(expected[name]["recall"], rel=1e-12)
        assert rows[name]["support"] == expected[name]["support"]
    assert {row["label"] for row in report["worst"]["rows"]} <= {"-1", "1"}


def test_positive_and_two_named_columns_name_their_classes(cli, tmp_path):
    path = tmp_path / "h.csv"
    frame = pd.DataFrame({"label": ["spam", "ham", "spam", "ham"], "prob": [0.9, 0.2, 0.3, 0.6]})
    frame.to_csv(path, index=False)
    run = cli("eval", str(path), "--positive", "spam", "--per-class", "--json")
    assert run.code == 0, run.stderr
    assert [row["class"] for row in json.loads(run.stdout)["per_class"]] == ["ham", "spam"]
    wide = pd.DataFrame({"label": [1, 0, 1], "p_cat": [0.2, 0.7, 0.4], "p_dog": [0.8, 0.3, 0.6]})
    wide.to_csv(tmp_path / "w.csv", index=False)
    run = cli("eval", str(tmp_path / "w.csv"), "--per-class", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert [row["class"] for row in report["per_class"]] == ["cat", "dog"]
    assert report["metrics"]["error"] == 0.0


def test_labels_written_plus_one_and_minus_one(cli, tmp_path):
    """SVMlight's `+1`/`-1`, which CSV reads as text: as the numbers they write."""
    (tmp_path / "s.csv").write_text("label,prob\n+1,0.9\n-1,0.2\n+1,0.4\n")
    run = cli("eval", str(tmp_path / "s.csv"), "--json")
    assert run.code == 0, run.stderr
    expected = log_loss([1, -1, 1], [0.9, 0.2, 0.4])
    assert json.loads(run.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(expected)
