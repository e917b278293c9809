"""--per-class against scikit-learn: precision_recall_fscore_support, confusion_matrix, log_loss."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    confusion_matrix,
    log_loss,
    precision_recall_fscore_support,
    top_k_accuracy_score,
)

import xentcli
from tests.conftest import SAMPLES
from tests.references import softmax


def assert_rows_close(a, b) -> None:
    a, b = a.to_json(), b.to_json()
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
        assert row.name == str(k)
        assert row.support == pytest.approx(support[k] if w is None else w[y == k].sum())
        assert row.precision == pytest.approx(precision[k], rel=1e-12)
        assert row.recall == pytest.approx(recall[k], rel=1e-12)
        assert row.f1 == pytest.approx(f1[k], rel=1e-12)
        assert row.error == pytest.approx(1 - recall[k], rel=1e-12, abs=1e-15)
        mine = y == k
        expected = log_loss(
            y[mine], p[mine], labels=range(4), sample_weight=None if w is None else w[mine]
        )
        assert row.loss == pytest.approx(expected, rel=1e-12)
    counts = confusion_matrix(y, predicted, labels=range(4), sample_weight=w)
    assert np.allclose(report.confusion_matrix.matrix, counts, rtol=1e-12)
    if not weighted:
        assert all(isinstance(v, int) for row in report.confusion_matrix.matrix for v in row)


@pytest.mark.parametrize("normalize", ["true", "pred", "all"])
def test_normalized_confusion_matrix_matches_sklearn(normalize):
    data, p, y = frame(k=3, seed=9)
    report = xentcli.evaluate(data, per_class=True, normalize=normalize)
    expected = confusion_matrix(y, p.argmax(axis=1), labels=range(3), normalize=normalize)
    assert np.allclose(report.confusion_matrix.matrix, expected, rtol=1e-12)
    assert report.confusion_matrix.normalize == normalize


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
    with pytest.raises(xentcli.UsageError, match="per_class= applies to classification"):
        xentcli.evaluate(reg, task="regression", per_class=True)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_error_matches_sklearn(k, weighted):
    from sklearn.metrics import top_k_accuracy_score

    data, p, y = frame(n=4000, k=4, seed=12)  # continuous scores: no ties
    w = data["w"].to_numpy() if weighted else None
    report = xentcli.evaluate(data, top_k=k, weight_col="w" if weighted else None)
    expected = 1 - top_k_accuracy_score(y, p, k=k, labels=range(4), sample_weight=w)
    assert report.metrics["top_k_error"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    if k == 1:
        assert report.metrics["top_k_error"] == pytest.approx(report.metrics["error"])
    every = xentcli.evaluate(data, top_k=4)  # k = K: every label is among the top K
    assert every.metrics["top_k_error"] == 0.0
    # scikit-learn warns that such a k is meaningless; a note says so
    assert any("--top-k 4 is not below the number of classes (4)" in n for n in every.notes)
    assert not any("--top-k" in n for n in report.notes)


def test_top_k_ties_rank_the_higher_index_first():
    # scores tie between classes 0, 1 and 2; as scikit-learn's top_k_accuracy_score, the higher
    # index ranks first (docs/decisions.md): the top 2 are classes 2 and 1, so label 0 misses
    scores = np.array([[0.3, 0.3, 0.3, 0.1]] * 4)
    labels = np.array([0, 1, 2, 0])
    data = pd.DataFrame({f"p_{j}": scores[:, j] for j in range(4)} | {"label": labels})
    report = xentcli.evaluate(data, top_k=2)
    reference = 1 - top_k_accuracy_score(labels, scores, k=2, labels=range(4))
    assert report.metrics["top_k_error"] == pytest.approx(reference) == pytest.approx(0.5)
    logits = pd.DataFrame({f"logit_{j}": np.log(data[f"p_{j}"]) for j in range(4)})
    same = xentcli.evaluate(logits.assign(label=data["label"]), top_k=2, logits=True)
    assert same.metrics["top_k_error"] == report.metrics["top_k_error"]


def test_top_k_gates_and_misuse(cli):
    net1 = str(SAMPLES / "net1.csv")
    run = cli("eval", net1, "--top-k", "2", "--max", "top_k_error=0.1", "--json")
    assert run.code == 1  # net1's third row: label 0 has the lowest score, 0.1
    assert json.loads(run.stdout)["metrics"]["top_k_error"] == pytest.approx(1 / 3)
    no_k = cli("eval", net1, "--max", "top_k_error=0.1")
    assert no_k.code == 2 and "has no metric 'top_k_error'" in no_k.stderr
    binary = cli("eval", str(SAMPLES / "binary.parquet"), "--top-k", "1")
    assert binary.stderr == (
        "xentcli: error: --top-k applies to multiclass, not to this binary evaluation\n"
    )


def reference_calibration(confidence, correct, bins, weights=None):
    """ECE/MCE/RMS from the definitions, one bin at a time: bins (lo, hi], 0 in the first."""
    w = np.ones(len(confidence)) if weights is None else weights
    ece = mce = square = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = ((confidence > low) | ((b == 0) & (confidence == 0))) & (confidence <= high)
        if not inside.any():
            continue
        share = w[inside].sum() / w.sum()
        gap = abs(
            np.average(correct[inside], weights=w[inside])
            - np.average(confidence[inside], weights=w[inside])
        )
        ece += share * gap
        square += share * gap**2
        mce = max(mce, gap)
    return ece, mce, np.sqrt(square)


@pytest.mark.parametrize("weighted", [False, True])
def test_calibration_matches_the_definitions(weighted):
    data, p, y = frame(n=2000, k=3, seed=13)
    data.loc[:4, ["p_0", "p_1", "p_2"]] = [1.0, 0.0, 0.0]  # confidence exactly 1.0
    p = data[["p_0", "p_1", "p_2"]].to_numpy()
    w = data["w"].to_numpy() if weighted else None
    report = xentcli.evaluate(data, calibration=True, bins=10, weight_col="w" if weighted else None)
    cal = report.calibration
    ece, mce, rms = reference_calibration(p.max(axis=1), (p.argmax(axis=1) == y) * 1.0, 10, w)
    assert (cal.ece, cal.mce, cal.rmsce) == pytest.approx((ece, mce, rms), rel=1e-12)
    assert len(cal.bins) == 10 and cal.bins[-1].weight >= 5 - 1e-9
    assert sum(b.weight for b in cal.bins) == pytest.approx(w.sum() if weighted else 2000)


def test_binary_calibration_uses_p_positive_and_logits_agree(cli):
    table = pd.read_parquet(SAMPLES / "binary.parquet")
    y, prob = table["label"].to_numpy(), table["prob"].to_numpy()
    report = xentcli.evaluate(table, calibration=True)
    ece, mce, rms = reference_calibration(prob, y * 1.0, 15)
    cal = report.calibration
    assert (cal.ece, cal.mce, cal.rmsce) == pytest.approx((ece, mce, rms), rel=1e-12)
    logits = table.assign(prob=np.log(prob / (1 - prob)))
    from_logits = xentcli.evaluate(logits, calibration=True, logits=True).calibration
    assert from_logits.ece == pytest.approx(cal.ece, rel=1e-9)
    chunked = xentcli.evaluate(table, calibration=True, chunk_rows=777).calibration
    assert chunked.ece == pytest.approx(cal.ece, rel=1e-12)
    run = cli("eval", str(SAMPLES / "net1.csv"), "--calibration", "--bins", "5", "--json")
    assert json.loads(run.stdout)["calibration"]["n_bins"] == 5
    table_out = cli("eval", str(SAMPLES / "net1.csv"), "--calibration", "--no-color").stdout
    assert "calibration: ece" in table_out and "█" in table_out


def numbers(document, path=""):
    """Every number of a JSON document by its path."""
    if isinstance(document, dict):
        return {
            k: v for key in document for k, v in numbers(document[key], f"{path}/{key}").items()
        }
    if isinstance(document, list):
        return {k: v for i, x in enumerate(document) for k, v in numbers(x, f"{path}[{i}]").items()}
    return {path: document} if isinstance(document, float | int) else {}


@pytest.mark.parametrize("pair_cells", [None, 0])  # 0: three counts, as for many classes
@pytest.mark.parametrize("hard", [False, True])
def test_beyond_the_matrix_limit_the_totals_give_the_same_report(monkeypatch, hard, pair_cells):
    """Past MATRIX_CLASSES classes no K × K matrix is kept (50,000 classes would need 18.6 GiB):
    per_class, the report's metrics, their groups and intervals come from the class totals and
    equal those of a run that kept the matrix — also when predicted labels find classes late."""
    from sklearn.metrics import cohen_kappa_score, matthews_corrcoef

    from xentcli.metrics import class_totals, per_class

    rng = np.random.default_rng(8)
    n, k = 3000, 5
    y = np.sort(rng.integers(0, k, n))  # sorted: later chunks bring new classes
    p = rng.dirichlet(np.ones(k), n)
    if hard:
        data = pd.DataFrame({"label": y, "y_pred": np.argmax(p, axis=1)})
    else:
        data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)} | {"label": y})
    data["w"] = rng.random(n)
    data["g"] = rng.choice(["a", "b"], n)
    options = {"per_class": True, "weight_col": "w", "by": "g", "bootstrap": 30, "chunk_rows": 250}
    kept = xentcli.evaluate(data, **options).to_dict()
    monkeypatch.setattr(per_class, "MATRIX_CLASSES", 3)
    if pair_cells is not None:
        monkeypatch.setattr(class_totals, "PAIR_CELLS", pair_cells)
    totals = xentcli.evaluate(data, **options).to_dict()
    assert "confusion_matrix" in kept and "confusion_matrix" not in totals
    assert any("no confusion_matrix: 5 classes" in note for note in totals["notes"])
    for section in ("metrics", "per_class", "groups", "intervals"):
        got, want = numbers(totals[section]), numbers(kept[section])
        assert got.keys() == want.keys() and len(want) > 4, section
        for path, value in want.items():
            assert got[path] == pytest.approx(value, rel=1e-12, abs=1e-13), section + path
    predicted = np.argmax(p, axis=1)
    w = data["w"].to_numpy()
    assert totals["metrics"]["mcc"] == pytest.approx(
        matthews_corrcoef(y, predicted, sample_weight=w), rel=1e-12
    )
    assert totals["metrics"]["cohen_kappa"] == pytest.approx(
        cohen_kappa_score(y, predicted, sample_weight=w), rel=1e-12
    )


def test_class_totals_per_replicate_are_bounded(monkeypatch):
    from xentcli.metrics import per_class

    monkeypatch.setattr(per_class, "MAX_GROUP_CELLS", 3 * 4 * 10 - 1)  # 10 replicates × 4 classes
    data = pd.DataFrame({f"p_{j}": [0.25] * 8 for j in range(4)} | {"label": [0, 1, 2, 3] * 2})
    with pytest.raises(xentcli.UsageError, match="pass fewer bootstrap= replicates"):
        xentcli.evaluate(data, per_class=True, bootstrap=10)
    assert xentcli.evaluate(data, per_class=True, bootstrap=9).intervals
