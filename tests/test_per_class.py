"""--per-class against scikit-learn: precision_recall_fscore_support, confusion_matrix, log_loss."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, log_loss, precision_recall_fscore_support

import xentcli
from tests.conftest import SAMPLES
from tests.references import softmax


def assert_rows_close(a: list[dict], b: list[dict]) -> None:
    assert len(a) == len(b)
    for left, right in zip(a, b, strict=True):
        assert left.keys() == right.keys()
        for key, value in left.items():
            if isinstance(value, float):
                assert value == pytest.approx(right[key], rel=1e-12, abs=1e-15), key
            else:
                assert value == right[key], key


def frame(n=3000, k=4, seed=8):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 1.5
    y = rng.integers(0, k, n)
    z[np.arange(n), y] += 1.0
    p = softmax(z)
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)})
    data["label"], data["w"] = y, rng.random(n)
    return data, p, y


@pytest.mark.parametrize("weighted", [False, True])
def test_per_class_matches_sklearn(weighted):
    data, p, y = frame()
    w = data["w"].to_numpy() if weighted else None
    report = xentcli.evaluate(data, per_class=True, weight_col="w" if weighted else None)
    predicted = p.argmax(axis=1)
    precision, recall, f1, support = precision_recall_fscore_support(
        y, predicted, labels=range(4), sample_weight=w, zero_division=0
    )
    for k, row in enumerate(report.per_class):
        assert row["class"] == str(k)
        assert row["support"] == pytest.approx(support[k] if w is None else w[y == k].sum())
        assert row["precision"] == pytest.approx(precision[k], rel=1e-12)
        assert row["recall"] == pytest.approx(recall[k], rel=1e-12)
        assert row["f1"] == pytest.approx(f1[k], rel=1e-12)
        assert row["error"] == pytest.approx(1 - recall[k], rel=1e-12, abs=1e-15)
        mine = y == k
        expected = log_loss(
            y[mine], p[mine], labels=range(4), sample_weight=None if w is None else w[mine]
        )
        assert row["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    counts = confusion_matrix(y, predicted, labels=range(4), sample_weight=w)
    assert np.allclose(report.confusion_matrix["matrix"], counts, rtol=1e-12)
    if not weighted:
        assert all(isinstance(v, int) for row in report.confusion_matrix["matrix"] for v in row)


@pytest.mark.parametrize("normalize", ["true", "pred", "all"])
def test_normalized_confusion_matrix_matches_sklearn(normalize):
    data, p, y = frame(k=3, seed=9)
    report = xentcli.evaluate(data, per_class=True, normalize=normalize)
    expected = confusion_matrix(y, p.argmax(axis=1), labels=range(3), normalize=normalize)
    assert np.allclose(report.confusion_matrix["matrix"], expected, rtol=1e-12)
    assert report.confusion_matrix["normalize"] == normalize


def test_binary_logits_and_soft_targets(cli):
    run = cli("eval", str(SAMPLES / "binary.parquet"), "--per-class", "--json")
    report = json.loads(run.stdout)
    assert [row["class"] for row in report["per_class"]] == ["0", "1"]
    table = pd.read_parquet(SAMPLES / "binary.parquet")
    y, prob = table["label"].to_numpy(), table["prob"].to_numpy()
    assert report["confusion_matrix"]["matrix"] == confusion_matrix(y, prob > 0.5).tolist()
    data, p, y = frame(k=3, seed=10)
    targets = pd.DataFrame({f"t_{j}": (y == j).astype(float) for j in range(3)})
    soft = xentcli.evaluate(
        pd.concat([data.drop(columns=["label", "w"]), targets], axis=1),
        label_col="t_*",
        per_class=True,
    )
    index = xentcli.evaluate(data.drop(columns="w"), per_class=True)
    assert soft.confusion_matrix == index.confusion_matrix
    assert_rows_close(soft.per_class, index.per_class)
    logits = pd.DataFrame({f"logit_{j}": np.log(p[:, j]) for j in range(3)}).assign(label=y)
    assert xentcli.evaluate(logits, logits=True, per_class=True).confusion_matrix == (
        index.confusion_matrix
    )


def test_per_class_is_chunk_invariant_and_shown_in_table_and_markdown(cli):
    data, _, _ = frame(n=9000, k=3, seed=11)
    one = xentcli.evaluate(data, per_class=True)
    many = xentcli.evaluate(data, per_class=True, chunk_rows=7)
    assert many.confusion_matrix == one.confusion_matrix
    assert_rows_close(many.per_class, one.per_class)
    net1 = str(SAMPLES / "net1.csv")
    table = cli("eval", net1, "--per-class", "--no-color", env={"COLUMNS": "120"}).stdout
    assert "per class" in table and "confusion matrix" in table and "pred 2" in table
    markdown = cli("eval", net1, "--per-class", "--format", "markdown").stdout
    assert "**confusion matrix**" in markdown and "| true 0 | 0 | 0 | 1 |" in markdown


def test_per_class_misuse_is_a_usage_error(cli):
    run = cli("eval", str(SAMPLES / "net1.csv"), "--normalize", "true")
    assert run.stderr == (
        "xentcli: error: --normalize shapes the confusion matrix of --per-class: pass both\n"
    )
    reg = pd.DataFrame({"y": [1.5], "pred": [2.0]})
    with pytest.raises(xentcli.UsageError, match="--per-class applies to binary and multiclass"):
        xentcli.evaluate(reg, task="regression", per_class=True)
