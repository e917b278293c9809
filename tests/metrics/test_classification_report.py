"""--per-class adds the classification report's numbers; each equals scikit-learn's (torchmetrics'
for macro accuracy) to 1e-12, with and without weights, whatever the chunking (docs/metrics.md)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    balanced_accuracy_score,
    cohen_kappa_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
)

import xentcli
from tests.references import softmax


def frame(n=3000, k=4, seed=0):
    rng = np.random.default_rng(seed)
    p = softmax(rng.normal(size=(n, k)))
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)})
    data["label"], data["w"] = rng.integers(0, k, n), rng.random(n)
    return data, p.argmax(axis=1)


def close(a, b):
    assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("chunk", [None, 7])
def test_multiclass_report_matches_sklearn(weighted, chunk):
    data, predicted = frame()
    y, w = data["label"].to_numpy(), data["w"].to_numpy() if weighted else None
    m = xentcli.evaluate(
        data, per_class=True, weight_col="w" if weighted else None, chunk_rows=chunk
    ).metrics
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y, predicted, average=average, sample_weight=w)
        close(m[f"{average}_precision"], p)
        close(m[f"{average}_recall"], r)
        close(m[f"{average}_f1"], f)
    close(m["balanced_accuracy"], balanced_accuracy_score(y, predicted, sample_weight=w))
    close(m["mcc"], matthews_corrcoef(y, predicted, sample_weight=w))
    close(m["cohen_kappa"], cohen_kappa_score(y, predicted, sample_weight=w))


@pytest.mark.parametrize("chunk", [None, 5])
def test_a_class_met_only_in_rows_of_weight_0_counts_in_the_macro_means(chunk):
    """scikit-learn's macro means are over unique_labels(y_true, y_pred), whatever the
    weights: a class whose rows all weigh 0 is a class with precision and recall 0."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    p = softmax(np.random.default_rng(8).normal(size=(12, 4)))
    p[10], p[11] = [0.1, 0.1, 0.1, 0.7], [0.1, 0.1, 0.7, 0.1]  # predicted 3 and 2 ...
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 1])  # ... label 2 in row 11 only
    w = np.array([1.0, 2, 1, 1, 3, 1, 1, 2, 1, 1, 0, 0])
    predicted = p.argmax(axis=1)
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(4)} | {"label": y, "w": w})
    data["g"] = ["a"] * 6 + ["b"] * 6
    report = xentcli.evaluate(data, per_class=True, weight_col="w", by="g", chunk_rows=chunk)
    for metric, ours in (("precision", precision_score), ("recall", recall_score)):
        for rows, metrics in (
            (slice(None), report.metrics),
            (slice(6, 12), report.groups[1].metrics),
        ):
            expected = ours(
                y[rows], predicted[rows], average="macro", sample_weight=w[rows], zero_division=0
            )
            close(metrics[f"macro_{metric}"], expected)
    expected = f1_score(y, predicted, average="macro", sample_weight=w, zero_division=0)
    assert expected != f1_score(
        y[:10], predicted[:10], average="macro", sample_weight=w[:10], zero_division=0
    )
    close(report.metrics["macro_f1"], expected)
    close(
        report.metrics["macro_accuracy"],
        recall_score(y, predicted, average="macro", sample_weight=w, zero_division=0),
    )


def test_binary_positive_class():
    rng = np.random.default_rng(4)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    m = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p}), per_class=True).metrics
    precision, recall, f1, _ = precision_recall_fscore_support(y, p > 0.5, average="binary")
    close(m["precision"], precision)
    close(m["recall"], recall)
    close(m["f1"], f1)
    close(m["mcc"], matthews_corrcoef(y, p > 0.5))


def test_matthews_docstring_example():
    # scikit-learn's matthews_corrcoef docstring: y_true [+1, +1, +1, -1], y_pred [+1, -1, +1, +1]
    data = pd.DataFrame({"y": [1, 1, 1, 0], "prob": [1.0, 0.0, 1.0, 1.0]})
    assert xentcli.evaluate(data, per_class=True).metrics["mcc"] == pytest.approx(-1 / 3)


def test_macro_accuracy_counts_classes_only_predicted():
    """torchmetrics' macro accuracy averages recall over classes in the labels or the
    predictions; balanced accuracy (scikit-learn) over those in the labels only."""
    p = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]])
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(3)})
    data["label"] = [0, 1, 1, 0]  # class 2 is predicted once, never true
    m = xentcli.evaluate(data, per_class=True).metrics
    close(m["balanced_accuracy"], (1 / 2 + 1 / 2) / 2)  # scikit-learn: classes of the labels
    close(m["macro_accuracy"], (1 / 2 + 1 / 2 + 0) / 3)


def test_gates_on_report_metrics(cli, tmp_path):
    data, _ = frame(n=500)
    path = tmp_path / "m.csv"
    data.to_csv(path, index=False)
    run = cli("eval", str(path), "--per-class", "--min", "macro_f1=0.99", "--json")
    assert run.code == 1 and "macro_f1 = " in run.stderr
    assert "balanced_accuracy" in json.loads(run.stdout)["metrics"]
    assert cli("eval", str(path), "--min", "macro_f1=0.1").code == 2  # needs --per-class


@pytest.mark.parametrize("chunk", [None, 7])
def test_multilabel_per_label(chunk):
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(2)
    s, t, w = rng.random((800, 3)), (rng.random((800, 3)) < 0.4).astype(int), rng.random(800)
    data = pd.DataFrame(
        {f"p_{k}": s[:, k] for k in range(3)} | {f"y_{k}": t[:, k] for k in range(3)}
    )
    data["w"] = w
    report = xentcli.evaluate(
        data,
        task="multilabel",
        label_col="y_*",
        pred_col="p_*",
        per_class=True,
        weight_col="w",
        chunk_rows=chunk,
    )
    precision, recall, f1, support = precision_recall_fscore_support(t, s > 0.5, sample_weight=w)
    for k, row in enumerate(report.per_class):
        close(row.precision, precision[k])
        close(row.recall, recall[k])
        close(row.f1, f1[k])
        close(row.support, support[k])
        close(row.loss, log_loss(t[:, k], s[:, k], sample_weight=w))
        close(row.error, np.average((s[:, k] > 0.5) != t[:, k], weights=w))
    for average in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(t, s > 0.5, average=average, sample_weight=w)
        close(report.metrics[f"{average}_f1"], f)


@pytest.mark.parametrize("chunk", [None, 7])
def test_r2_of_a_real_regression(chunk):
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score

    x, y = load_diabetes(return_X_y=True)
    predicted = Ridge().fit(x, y).predict(x)
    w = np.random.default_rng(0).random(len(y))
    data = pd.DataFrame({"target": y, "pred": predicted, "w": w})
    report = xentcli.evaluate(
        data,
        task="regression",
        label_col="target",
        pred_col="pred",
        weight_col="w",
        chunk_rows=chunk,
    )
    close(report.metrics["r2"], r2_score(y, predicted, sample_weight=w))
    constant = xentcli.evaluate(
        pd.DataFrame({"target": [3.0, 3.0], "pred": [3.0, 3.0]}),
        task="regression",
        label_col="target",
        pred_col="pred",
    )
    assert constant.metrics["r2"] == r2_score([3.0, 3.0], [3.0, 3.0]) == 1.0


def test_report_metrics_per_group_and_with_intervals():
    from sklearn.metrics import f1_score

    data, predicted = frame(n=2000, k=3, seed=5)
    data["g"] = np.random.default_rng(5).choice(["a", "b", "c"], len(data))
    report = xentcli.evaluate(data, per_class=True, by="g", weight_col="w", chunk_rows=77)
    for group in report.groups:
        rows = (data["g"] == group.group["g"]).to_numpy()
        expected = f1_score(
            data["label"][rows], predicted[rows], average="macro", sample_weight=data["w"][rows]
        )
        close(group.metrics["macro_f1"], expected)
    one = xentcli.evaluate(data, per_class=True, bootstrap=40, seed=3)
    many = xentcli.evaluate(data, per_class=True, bootstrap=40, seed=3, chunk_rows=7)
    low, high = one.intervals["macro_f1"]
    assert low <= one.metrics["macro_f1"] <= high
    for name in ("macro_f1", "mcc", "balanced_accuracy"):
        assert many.intervals[name] == pytest.approx(one.intervals[name], rel=1e-12)


@pytest.mark.parametrize("k", [2, 4])
def test_report_metrics_have_intervals_per_group_too(k):
    """--by with --bootstrap and --per-class: each group's macro F1 and MCC get intervals, from
    the replicates' Poisson draws of the rows (the same draws as the whole's), here recomputed
    with scikit-learn; chunking and the order of the groups change nothing."""
    from sklearn.metrics import f1_score

    from xentcli.metrics.bootstrap import percentile_interval, poisson_weights

    data, predicted = frame(n=600, k=k, seed=8)
    if k == 2:
        data = data.rename(columns={"p_1": "prob"}).drop(columns=["p_0"])
    data["g"] = np.random.default_rng(8).choice(["a", "b"], len(data))
    options = {"per_class": True, "by": "g", "bootstrap": 30, "seed": 4, "weight_col": "w"}
    report = xentcli.evaluate(data, **options)
    draws = poisson_weights(4, np.arange(30), np.arange(len(data)))
    for group in report.groups:
        rows = (data["g"] == group.group["g"]).to_numpy()
        y, p, w = data["label"][rows], predicted[rows], data["w"][rows]
        f1s, mccs = [], []
        for r in range(30):
            weight = draws[r][rows] * w
            average = "binary" if k == 2 else "macro"
            f1s.append(f1_score(y, p, average=average, sample_weight=weight, zero_division=0))
            mccs.append(matthews_corrcoef(y, p, sample_weight=weight))
        name = "f1" if k == 2 else "macro_f1"
        bounds = group.intervals
        assert bounds[name] == pytest.approx(percentile_interval(np.array(f1s), 0.95), rel=1e-9)
        assert bounds["mcc"] == pytest.approx(percentile_interval(np.array(mccs), 0.95), rel=1e-9)
    whole = xentcli.evaluate(data, **{**options, "by": None})  # the groups sum to the whole
    for name, bounds in whole.intervals.items():
        assert report.intervals[name] == pytest.approx(bounds, rel=1e-12), name
    chunked = xentcli.evaluate(data, **options, chunk_rows=7)
    for one, other in zip(report.groups, chunked.groups, strict=True):
        assert one.intervals.keys() == other.intervals.keys()
        for name, bounds in one.intervals.items():
            assert other.intervals[name] == pytest.approx(bounds, rel=1e-12), name


def test_r2_per_group_and_with_intervals():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(1)
    y = rng.normal(size=3000) * 10 + 100  # far from 0: the shifted sums must not cancel
    predicted, w = y + rng.normal(size=3000), rng.random(3000)
    g = rng.choice(["a", "b"], 3000)
    data = pd.DataFrame({"target": y, "pred": predicted, "g": g, "w": w})
    options = {"task": "regression", "label_col": "target", "pred_col": "pred"}
    report = xentcli.evaluate(data, by="g", weight_col="w", chunk_rows=97, **options)
    for group in report.groups:
        rows = g == group.group["g"]
        close(group.metrics["r2"], r2_score(y[rows], predicted[rows], sample_weight=w[rows]))
    one = xentcli.evaluate(data, bootstrap=30, **options)
    many = xentcli.evaluate(data, bootstrap=30, chunk_rows=13, **options)
    assert many.intervals["r2"] == pytest.approx(one.intervals["r2"], rel=1e-12)
    low, high = one.intervals["r2"]
    assert low <= one.metrics["r2"] <= high


def test_multilabel_per_group_and_with_intervals():
    rng = np.random.default_rng(7)
    s, t = rng.random((900, 3)), (rng.random((900, 3)) < 0.4).astype(int)
    data = pd.DataFrame(
        {f"p_{k}": s[:, k] for k in range(3)} | {f"y_{k}": t[:, k] for k in range(3)}
    )
    data["g"] = rng.choice(["a", "b"], 900)
    options = {"task": "multilabel", "label_col": "y_*", "pred_col": "p_*", "per_class": True}
    report = xentcli.evaluate(data, by="g", chunk_rows=50, **options)
    supports = [row.support for row in report.per_class]  # no weights: counts, as integers
    assert supports == t.sum(axis=0).tolist() and all(type(n) is int for n in supports)
    for group in report.groups:
        rows = (data["g"] == group.group["g"]).to_numpy()
        _, _, f, _ = precision_recall_fscore_support(t[rows], s[rows] > 0.5, average="macro")
        close(group.metrics["macro_f1"], f)
    one = xentcli.evaluate(data, bootstrap=25, **options)
    many = xentcli.evaluate(data, bootstrap=25, chunk_rows=11, **options)
    assert many.intervals["macro_f1"] == pytest.approx(one.intervals["macro_f1"], rel=1e-12)


def test_too_many_group_replicate_totals_are_left_out_with_a_note(monkeypatch):
    from xentcli.metrics import per_class

    data, _ = frame(n=300, k=3, seed=2)
    data["g"] = np.arange(300) // 30  # the tenth group comes last: the budget passes midway
    monkeypatch.setattr(per_class, "MAX_GROUP_CELLS", 10 * 20 * 3 * 3 - 1)
    options = {"per_class": True, "by": "g", "bootstrap": 20, "chunk_rows": 50}
    report = xentcli.evaluate(data, **options).to_dict()
    assert "no per-group intervals of the report metrics" in " ".join(report["notes"])
    first = report["groups"][0]
    assert "macro_f1" in first["metrics"] and "macro_f1" not in first["intervals"]
    assert "cross_entropy" in first["intervals"]  # the means' intervals are kept
    whole = xentcli.evaluate(data, per_class=True, bootstrap=20, chunk_rows=50).intervals
    for name in ("macro_f1", "mcc"):  # the groups' totals, folded in when let go, count
        assert report["intervals"][name] == pytest.approx(whole[name], rel=1e-12)


def test_a_note_names_the_classes_whose_precision_or_recall_is_undefined():
    """scikit-learn warns (UndefinedMetricWarning) and reports 0 for the precision of a class
    never predicted and the recall of a class in no label; a note names them."""
    import warnings

    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import precision_score, recall_score

    data = pd.DataFrame({"label": ["a", "b", "c", "a"], "y_pred": ["a", "a", "d", "a"]})
    report = xentcli.evaluate(data, per_class=True, hard=True)
    note = next(n for n in report.notes if "zero_division" in n)
    assert note.startswith(
        "precision is 0 for 2 classes never predicted (b, c); recall is 0 for 1 class in no "
        "label (d)"
    )
    for score in (precision_score, recall_score):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            score(data["label"], data["y_pred"], average="macro")
        assert any(issubclass(w.category, UndefinedMetricWarning) for w in caught)
    data["y_pred"] = data["label"]
    clean = xentcli.evaluate(data, per_class=True, hard=True)
    assert not any("zero_division" in n for n in clean.notes)
