"""A label column of lists — one-hot or soft targets per row, as Keras' y_true is saved — reads
as its K target columns: the same numbers as the file with K label columns, and as hard labels
where the lists are one-hot."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import xentcli
from tests.references import softmax


@pytest.fixture
def onehot():
    rng = np.random.default_rng(11)
    n, k = 500, 4
    probs = softmax(rng.normal(size=(n, k)))
    classes = rng.integers(0, k, n)
    return probs, classes, np.eye(k, dtype=np.int64)[classes]


def metrics(cli, *args):
    run = cli("eval", *args, "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["metrics"], run.stderr


def test_one_hot_lists_in_parquet_equal_their_hard_labels(cli, tmp_path, onehot):
    probs, classes, targets = onehot
    columns = {f"p_{j}": probs[:, j] for j in range(probs.shape[1])}
    pq.write_table(pa.table({"label": pa.array(list(targets)), **columns}), tmp_path / "l.parquet")
    pq.write_table(pa.table({"label": classes, **columns}), tmp_path / "h.parquet")
    listed, said = metrics(cli, str(tmp_path / "l.parquet"), "--chunk-rows", "77")
    hard, _ = metrics(cli, str(tmp_path / "h.parquet"))
    assert listed["cross_entropy"] == pytest.approx(log_loss(classes, probs), rel=1e-12)
    assert listed["cross_entropy"] == pytest.approx(hard["cross_entropy"], rel=1e-12)
    assert listed["mse"] == pytest.approx(hard["mse"], rel=1e-12)
    assert "'label' holds lists of 4 values: read as target columns label.0 … label.3" in said


def test_json_arrays_in_csv_and_soft_targets_equal_k_target_columns(cli, tmp_path, onehot):
    """Soft targets (rows of probabilities) as JSON arrays beside a JSON-array prediction
    column, against the same targets as K columns y_0..y_3."""
    probs, _, _ = onehot
    soft = softmax(np.random.default_rng(3).normal(size=probs.shape))
    as_text = [json.dumps(row.tolist()) for row in soft]
    predicted = [json.dumps(row.tolist()) for row in probs]
    pd.DataFrame({"y_true": as_text, "y_pred": predicted}).to_csv(tmp_path / "l.csv", index=False)
    wide = {f"y_{j}": soft[:, j] for j in range(4)} | {f"p_{j}": probs[:, j] for j in range(4)}
    pd.DataFrame(wide).to_csv(tmp_path / "w.csv", index=False, float_format="%.17g")
    listed, _ = metrics(cli, str(tmp_path / "l.csv"), "--chunk-rows", "64")
    columns, _ = metrics(cli, str(tmp_path / "w.csv"), "--label-col", "y_*")
    assert listed == pytest.approx(columns, rel=1e-12)
    expected = -np.mean(np.sum(soft * np.log(probs), axis=1))
    assert listed["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_multilabel_lists_equal_k_label_columns(cli, tmp_path):
    rng = np.random.default_rng(5)
    labels, probs = (rng.random((300, 3)) < 0.4).astype(np.int64), rng.random((300, 3))
    columns = {f"p_{j}": probs[:, j] for j in range(3)}
    pq.write_table(pa.table({"y": pa.array(list(labels)), **columns}), tmp_path / "l.parquet")
    wide = {f"y_{j}": labels[:, j] for j in range(3)} | columns
    pq.write_table(pa.table(wide), tmp_path / "w.parquet")
    flags = ("--task", "multilabel", "--per-class")
    listed, _ = metrics(cli, str(tmp_path / "l.parquet"), *flags, "--chunk-rows", "50")
    wider, _ = metrics(cli, str(tmp_path / "w.parquet"), *flags, "--label-col", "y_*")
    assert listed == pytest.approx(wider, rel=1e-12)


def test_labels_in_a_second_file_and_in_a_dataframe(cli, tmp_path, onehot):
    probs, classes, targets = onehot
    pd.DataFrame(probs, columns=[f"p_{j}" for j in range(4)]).to_csv(
        tmp_path / "p.csv", index=False
    )
    pq.write_table(pa.table({"label": pa.array(list(targets))}), tmp_path / "y.parquet")
    listed, _ = metrics(cli, str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.parquet"))
    assert listed["cross_entropy"] == pytest.approx(log_loss(classes, probs), rel=1e-12)
    frame = pd.DataFrame({"label": list(targets), **{f"p_{j}": probs[:, j] for j in range(4)}})
    report = xentcli.evaluate(frame)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(classes, probs), rel=1e-12)


def test_a_list_of_another_length_or_a_null_list_is_named(cli, tmp_path):
    pq.write_table(
        pa.table({"label": [[0, 1], [1, 0, 0]], "p_0": [0.3, 0.6], "p_1": [0.7, 0.4]}),
        tmp_path / "ragged.parquet",
    )
    run = cli("eval", str(tmp_path / "ragged.parquet"))
    assert (
        run.code == 2 and "row 2, column 'label': holds 3 values; every row needs 2" in run.stderr
    )
    pq.write_table(
        pa.table({"label": [[0, 1], None, [1, 0]], "p_0": [0.3, 0.5, 0.6], "p_1": [0.7, 0.5, 0.4]}),
        tmp_path / "null.parquet",
    )
    run = cli("eval", str(tmp_path / "null.parquet"))
    assert run.code == 2 and "row 2" in run.stderr and "--nan skip" in run.stderr, run.stderr
    skipped, _ = metrics(cli, str(tmp_path / "null.parquet"), "--nan", "skip")
    expected = log_loss([1, 0], [[0.3, 0.7], [0.6, 0.4]])  # K = 2 target columns: multiclass
    assert skipped["cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet", "labels"])
def test_label_lists_on_stdin_are_read_as_targets(cli, tmp_path, form):
    """stdin is read once: CSV and JSON lines take K from the first list read ahead and read
    the targets as columns from the start; Parquet, copied to a file, is read again from it;
    labels on stdin beside a predictions file too."""
    rng = np.random.default_rng(8)
    probs = rng.dirichlet(np.ones(3), size=40)
    targets = rng.dirichlet(np.ones(3), size=40)
    expected = -(targets * np.log(probs)).sum(axis=1).mean()
    texts = [json.dumps(t.tolist()) for t in targets]
    frame = pd.DataFrame({"y_true": texts} | {f"p_{j}": probs[:, j] for j in range(3)})
    args = ["-"]
    if form == "csv":
        data: str | bytes = frame.to_csv(index=False)
    elif form == "jsonl":
        rows = [
            {"y_true": t.tolist()} | {f"p_{j}": p[j] for j in range(3)}
            for t, p in zip(targets, probs.tolist(), strict=True)
        ]
        data = "".join(json.dumps(row) + "\n" for row in rows)
        args += ["--input-format", "jsonl"]
    elif form == "labels":
        pq.write_table(pa.table({f"p_{j}": probs[:, j] for j in range(3)}), tmp_path / "p.parquet")
        data = frame[["y_true"]].to_csv(index=False)
        args = [str(tmp_path / "p.parquet"), "--labels", "-"]
    else:
        sink = pa.BufferOutputStream()
        columns = {"y_true": pa.array(targets.tolist())} | {f"p_{j}": probs[:, j] for j in range(3)}
        pq.write_table(pa.table(columns), sink)
        data = sink.getvalue().to_pybytes()
        args += ["--input-format", "parquet"]
    run = cli("eval", *args, "--json", input=data)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_compare_two_models_whose_files_hold_list_labels(cli, tmp_path, onehot):
    """`compare` checks that both files hold the same labels row by row: lists compare value by
    value (it was an internal error: no cast from a list to text); two models' numbers are
    each file's own evaluation."""
    probs, classes, targets = onehot
    other = softmax(np.log(probs) + 0.3)
    for name, p in (("a", probs), ("b", other)):
        columns = {f"p_{j}": p[:, j] for j in range(4)}
        pq.write_table(
            pa.table({"y": pa.array(list(targets)), **columns}), tmp_path / f"{name}.parquet"
        )
    run = cli("compare", str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet"), "--json")
    assert run.code == 0, run.stderr
    first = json.loads(run.stdout)["differences"][0]
    assert first["metric"] == "cross_entropy"
    assert first["a"] == pytest.approx(log_loss(classes, probs), rel=1e-12)
    assert first["b"] == pytest.approx(log_loss(classes, other), rel=1e-12)
    changed = targets.copy()
    changed[7] = np.roll(changed[7], 1)
    columns = {f"p_{j}": other[:, j] for j in range(4)}
    pq.write_table(pa.table({"y": pa.array(list(changed)), **columns}), tmp_path / "c.parquet")
    run = cli("compare", str(tmp_path / "a.parquet"), str(tmp_path / "c.parquet"))
    assert run.code == 2 and "different labels from data row 8" in run.stderr, run.stderr


def test_inspect_says_lists_are_read_as_targets(cli, tmp_path, onehot):
    probs, _, targets = onehot
    columns = {f"p_{j}": probs[:, j] for j in range(4)}
    pq.write_table(pa.table({"label": pa.array(list(targets)), **columns}), tmp_path / "l.parquet")
    run = cli("inspect", str(tmp_path / "l.parquet"), "--json")
    assert run.code == 0, run.stderr
    said = json.dumps(json.loads(run.stdout))
    assert "each row's list is read as K target columns label.0" in said


def test_a_first_chunk_of_null_label_lists_leaves_k_to_the_next(cli, tmp_path):
    """Every label list of the first chunk null: they are missing labels (--nan skip drops
    them) and K comes from the next chunk; it said the lists could not be read as targets."""
    labels = pa.array([None, None, [0, 1, 0], [1, 0, 0]], pa.list_(pa.int64()))
    probs = {"p_0": [0.2, 0.3, 0.1, 0.7], "p_1": [0.5, 0.4, 0.8, 0.2], "p_2": [0.3, 0.3, 0.1, 0.1]}
    pq.write_table(pa.table({"label": labels, **probs}), tmp_path / "n.parquet")
    path = str(tmp_path / "n.parquet")
    got, _ = metrics(cli, path, "--nan", "skip", "--chunk-rows", "2")
    assert got["cross_entropy"] == pytest.approx(
        log_loss([1, 0], [[0.1, 0.8, 0.1], [0.7, 0.2, 0.1]], labels=[0, 1, 2]), rel=1e-12
    )
    run = cli("eval", path, "--chunk-rows", "2")
    assert run.code == 2 and "row 1, column 'label': a missing value" in run.stderr


def test_label_lists_in_a_file_beside_predictions_on_stdin(cli, tmp_path):
    """The predictions a stream, the label lists in a Parquet file, most of them null: K is the
    file's first list's length (read from its first batch), not Parquet's mean per row."""
    rng = np.random.default_rng(10)
    probs = rng.dirichlet(np.ones(3), size=100)
    y = rng.integers(0, 3, 100)
    present = np.arange(100) % 10 >= 7
    targets = [np.eye(3)[k].tolist() if keep else None for k, keep in zip(y, present, strict=True)]
    pq.write_table(pa.table({"y_true": pa.array(targets)}), tmp_path / "labels.parquet")
    data = pd.DataFrame({f"p_{j}": probs[:, j] for j in range(3)}).to_csv(index=False)
    args = ["eval", "-", "--labels", str(tmp_path / "labels.parquet"), "--nan", "skip", "--json"]
    run = cli(*args, input=data)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y[present], probs[present], labels=[0, 1, 2]), rel=1e-12
    )
