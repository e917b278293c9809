"""The layouts beyond one label column (SPEC §3.1): regression, multilabel, soft/one-hot target
columns and list columns — against scikit-learn and closed forms, in every form of input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import (
    accuracy_score,
    hamming_loss,
    log_loss,
    mean_absolute_error,
    mean_squared_error,
)

import xentcli
from tests.references import sigmoid, softmax

RTOL = 1e-12


@pytest.mark.parametrize("weighted", [False, True])
def test_regression_matches_sklearn(weighted):
    rng = np.random.default_rng(1)
    y = rng.normal(size=3000) * 5
    pred = y + rng.normal(size=3000)
    w = rng.random(3000)
    weights = w if weighted else None
    report = xentcli.evaluate(
        pd.DataFrame({"y": y, "y_pred": pred, "w": w}),
        task="regression",
        weight_col="w" if weighted else None,
    )
    assert set(report.metrics) == {"mse", "rmse", "mae", "r2"}
    mse = mean_squared_error(y, pred, sample_weight=weights)
    assert report.metrics["mse"] == pytest.approx(mse, rel=RTOL)
    assert report.metrics["rmse"] == pytest.approx(np.sqrt(mse), rel=RTOL)
    assert report.metrics["mae"] == pytest.approx(
        mean_absolute_error(y, pred, sample_weight=weights), rel=RTOL
    )


def test_regression_is_never_guessed_and_takes_no_logits(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("y,pred\n3.5,3.0\n-1.0,0.5\n")
    guessed = cli("eval", str(path))
    assert guessed.code == 2 and "label '3.5' is not 0/1" in guessed.stderr
    assert json.loads(cli("eval", str(path), "--task", "regression", "--json").stdout)["metrics"][
        "mae"
    ] == pytest.approx(1.0)
    run = cli("eval", str(path), "--task", "regression", "--logits")
    assert run.stderr == "xentcli: error: --logits does not apply to --task regression\n"


def multilabel_frame(n=2000, k=5, seed=2):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 2
    y = (rng.random((n, k)) < sigmoid(z)).astype(int)
    frame = pd.DataFrame({f"p_{j}": sigmoid(z[:, j]) for j in range(k)})
    for j in range(k):
        frame[f"y_{j}"] = y[:, j]
    frame["w"] = rng.random(n)
    return frame, z, y


@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_matches_sklearn(weighted):
    frame, z, y = multilabel_frame()
    p = sigmoid(z)
    w = frame["w"].to_numpy()
    report = xentcli.evaluate(
        frame, task="multilabel", label_col="y_*", weight_col="w" if weighted else None
    )
    m = report.metrics
    cell_w = np.repeat(w, y.shape[1]) if weighted else None
    assert m["binary_cross_entropy"] == pytest.approx(
        log_loss(y.ravel(), p.ravel(), sample_weight=cell_w), rel=RTOL
    )
    assert m["error"] == pytest.approx(
        hamming_loss(y, p > 0.5, sample_weight=w if weighted else None), rel=RTOL
    )
    assert m["subset_error"] == pytest.approx(
        1 - accuracy_score(y, p > 0.5, sample_weight=w if weighted else None), rel=RTOL
    )
    assert m["mse"] == pytest.approx(  # per cell, like its BCE and error (docs/metrics.md)
        mean_squared_error(y, p, sample_weight=w if weighted else None), rel=RTOL
    )
    assert report.columns["targets"] == [f"y_{j}" for j in range(5)]


def test_multilabel_logits_match_the_softplus_form():
    frame, z, y = multilabel_frame(seed=3)
    z = z * 3000  # |z| in the thousands: still finite
    logits = pd.concat(
        [pd.DataFrame({f"logit_{j}": z[:, j] for j in range(5)}), frame.filter(like="y_")], axis=1
    )
    report = xentcli.evaluate(logits, task="multilabel", label_col="y_*", logits=True)
    cells = np.logaddexp(0.0, z) - y * z
    assert report.metrics["binary_cross_entropy"] == pytest.approx(cells.mean(), rel=RTOL)


def soft_frame(n=1500, k=4, seed=4, onehot=False):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * 2
    label = rng.integers(0, k, n)
    t = np.eye(k)[label] if onehot else rng.dirichlet(np.ones(k), n)
    p = softmax(z)
    frame = pd.DataFrame(
        {f"p_{j}": p[:, j] for j in range(k)} | {f"t_{j}": t[:, j] for j in range(k)}
    )
    frame["label"] = label
    return frame, z, t, label


def test_soft_targets_match_the_closed_form_and_torch_definition():
    frame, z, t, _ = soft_frame()
    p = softmax(z)
    report = xentcli.evaluate(frame.drop(columns="label"), label_col="t_*")
    assert report.task == "multiclass"
    assert report.metrics["cross_entropy"] == pytest.approx(
        -(t * np.log(p)).sum(axis=1).mean(), rel=RTOL
    )
    assert report.metrics["mse"] == pytest.approx(((p - t) ** 2).sum(axis=1).mean(), rel=RTOL)
    logits = pd.concat(
        [pd.DataFrame({f"logit_{j}": z[:, j] for j in range(4)}), frame.filter(like="t_")], axis=1
    )
    from_logits = xentcli.evaluate(logits, label_col="t_*", logits=True)
    lse = np.log(np.exp(z).sum(axis=1))
    assert from_logits.metrics["cross_entropy"] == pytest.approx(
        (t * (lse[:, None] - z)).sum(axis=1).mean(), rel=RTOL
    )


def test_one_hot_targets_equal_class_index_labels():
    frame, _, _, _ = soft_frame(onehot=True)
    as_index = xentcli.evaluate(frame.drop(columns=[f"t_{j}" for j in range(4)]))
    as_targets = xentcli.evaluate(frame.drop(columns="label"), label_col="t_0,t_1,t_2,t_3")
    for name, value in as_index.metrics.items():
        assert as_targets.metrics[name] == pytest.approx(value, rel=RTOL, abs=1e-15), name


def test_bad_targets_are_errors():
    frame, _, _, _ = soft_frame(n=10)
    half = frame.drop(columns="label")
    half[[f"t_{j}" for j in range(4)]] *= 0.5
    with pytest.raises(xentcli.InputError, match="target probabilities sum to 0.5"):
        xentcli.evaluate(half, label_col="t_*")
    with pytest.raises(xentcli.InputError, match=r"target 1\.5 is outside \[0, 1\]"):
        xentcli.evaluate(frame.drop(columns="label").assign(t_2=1.5), label_col="t_*")
    with pytest.raises(xentcli.UsageError, match="3 label columns"):
        xentcli.evaluate(frame.drop(columns=["label", "t_3"]), label_col="t_*")
    with pytest.raises(xentcli.UsageError, match="task='multilabel' takes K label columns"):
        xentcli.evaluate(frame, task="multilabel")


def test_list_columns_in_every_format_equal_wide_columns(tmp_path):
    frame, z, _, label = soft_frame(n=3000, k=3, seed=5)
    p = softmax(z)
    wide = xentcli.evaluate(frame[["label", "p_0", "p_1", "p_2"]]).metrics
    table = pa.table({"label": label, "proba": pa.array(p.tolist(), pa.list_(pa.float64()))})
    pq.write_table(table, tmp_path / "l.parquet", row_group_size=700)
    (tmp_path / "l.jsonl").write_text(
        "".join(
            json.dumps({"label": int(a), "proba": list(b)}) + "\n"
            for a, b in zip(label, p, strict=True)
        )
    )
    pd.DataFrame({"label": label, "proba": [json.dumps(list(row)) for row in p]}).to_csv(
        tmp_path / "l.csv", index=False
    )
    first = xentcli.evaluate(str(tmp_path / "l.parquet")).metrics
    for name in ["l.parquet", "l.jsonl", "l.csv"]:
        report = xentcli.evaluate(str(tmp_path / name))
        assert report.metrics == pytest.approx(wide, rel=RTOL), name
        assert report.metrics == first, name  # identical across formats, not just close
        assert report.classes == ("0", "1", "2")
        assert report.metrics == xentcli.evaluate(str(tmp_path / name), chunk_rows=7).metrics
    named = xentcli.evaluate(str(tmp_path / "l.parquet"), classes="a,b,c")
    assert named.classes == ("a", "b", "c")


def test_a_column_named_logits_is_found_with_the_logits_flag(cli, tmp_path):
    """A model's `logits` (a list column) or a binary `logit`: found with --logits, and
    without it the error says so (never read as probabilities)."""
    rng = np.random.default_rng(9)
    z, y = rng.normal(0, 3, (500, 4)), rng.integers(0, 4, 500)
    pq.write_table(
        pa.table({"label": y, "logits": pa.array(z.tolist(), pa.list_(pa.float32()))}),
        tmp_path / "m.parquet",
    )
    z32 = z.astype(np.float32).astype(np.float64)  # the float32 values, read exactly
    report = xentcli.evaluate(str(tmp_path / "m.parquet"), logits=True)
    assert report.task == "multiclass"
    assert report.metrics["cross_entropy"] == pytest.approx(
        log_loss(y, softmax(z32), labels=range(4)), rel=1e-9
    )
    b = rng.normal(0, 3, 500)
    pd.DataFrame({"y": y % 2, "logit": b}).to_csv(tmp_path / "b.csv", index=False)
    binary = xentcli.evaluate(str(tmp_path / "b.csv"), logits=True)
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(y % 2, sigmoid(b)), rel=1e-9
    )
    for name in ("m.parquet", "b.csv"):
        run = cli("eval", str(tmp_path / name))
        assert run.code == 2 and "pass --logits" in run.stderr, run.stderr


@pytest.mark.parametrize(
    ("task", "options"),
    [
        ("regression", {"task": "regression"}),
        ("multilabel", {"task": "multilabel", "label_col": "y_*"}),
    ],
)
def test_new_tasks_are_chunk_invariant_bit_for_bit(task, options):
    frame, _, _ = multilabel_frame(n=9000)
    if task == "regression":
        frame = pd.DataFrame({"y": frame["p_0"] * 3, "pred": frame["p_1"]})
    one = xentcli.evaluate(frame, **options).metrics
    for chunk in [1, 7, 4096, 5000]:
        assert xentcli.evaluate(frame, chunk_rows=chunk, **options).metrics == one


def test_inspect_and_eval_agree_on_every_layout(cli, tmp_path):
    frame, z, _, label = soft_frame(n=50, k=3, seed=6)
    ml, _, _ = multilabel_frame(n=50, k=2)
    files = {
        "soft.csv": (frame.drop(columns="label"), ["--label-col", "t_*"]),
        "multilabel.parquet": (
            ml.drop(columns="w"),
            ["--task", "multilabel", "--label-col", "y_*"],
        ),
        "regression.csv": (pd.DataFrame({"y": z[:, 0], "pred": z[:, 1]}), ["--task", "regression"]),
        "list.jsonl": (None, []),
    }
    for name, (data, options) in files.items():
        path = tmp_path / name
        if name.endswith(".jsonl"):
            rows = zip(label, softmax(z), strict=True)
            path.write_text(
                "".join(json.dumps({"y": int(a), "proba": list(b)}) + "\n" for a, b in rows)
            )
        elif name.endswith(".parquet"):
            pq.write_table(pa.Table.from_pandas(data, preserve_index=False), path)
        else:
            data.to_csv(path, index=False)
        seen = json.loads(cli("inspect", str(path), *options, "--json").stdout)
        report = json.loads(cli("eval", str(path), *options, "--json").stdout)
        assert seen["task"] == report["task"], name
        assert seen["label"] == report["columns"]["label"], name
        assert seen["targets"] == report["columns"].get("targets", []), name
        assert seen["predictions"] == report["columns"]["predictions"], name
        assert seen["list"] == (name == "list.jsonl"), name
        if seen["classes"] is not None:
            assert seen["classes"] == report["classes"], name
