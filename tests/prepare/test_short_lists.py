"""A prediction column of lists two probabilities long (predict_proba's rows saved as lists,
Spark ML's binary `probability`) is one binary problem, as two probability columns are (SPEC
§4.3); a list one value long (Keras' (n, 1) output) is the binary column. Checked against
scikit-learn's log_loss and brier_score_loss, which read (n, 2) and (n, 1) arrays so."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

import xentcli


@pytest.fixture
def scored():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.01, 0.99, 300)
    y = (rng.uniform(size=300) < p).astype(np.int64)
    return y, np.column_stack([1 - p, p])


def evaluated(cli, *args):
    run = cli("eval", *args, "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout), run.stderr


def test_parquet_list_of_two_is_binary_as_log_loss_and_brier_score_it(cli, tmp_path, scored):
    y, proba = scored
    pq.write_table(pa.table({"label": y, "proba": pa.array(list(proba))}), tmp_path / "p.parquet")
    report, said = evaluated(cli, str(tmp_path / "p.parquet"), "--chunk-rows", "64", "--auc")
    assert report["task"] == "binary"
    metrics = report["metrics"]
    assert metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, proba), rel=1e-12)
    assert metrics["mse"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(y, proba[:, 1]), rel=1e-12)
    assert "'proba' holds lists of 2 values: read as the two columns proba.0, proba.1" in said


def test_task_multiclass_keeps_the_two_class_form(cli, tmp_path, scored):
    y, proba = scored
    pq.write_table(pa.table({"label": y, "proba": pa.array(list(proba))}), tmp_path / "p.parquet")
    report, _ = evaluated(cli, str(tmp_path / "p.parquet"), "--task", "multiclass")
    assert report["task"] == "multiclass"
    # the seeds' mse sums over the two classes: twice the Brier score
    assert report["metrics"]["mse"] == pytest.approx(2 * brier_score_loss(y, proba[:, 1]))
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, proba), rel=1e-12)


def test_json_arrays_in_csv_and_jsonl_read_the_same(cli, tmp_path, scored):
    y, proba = scored
    as_text = [json.dumps(row.tolist()) for row in proba]
    pd.DataFrame({"y": y, "probs": as_text}).to_csv(tmp_path / "p.csv", index=False)
    with open(tmp_path / "p.jsonl", "w") as out:
        for label, row in zip(y, proba, strict=True):
            out.write(json.dumps({"y": int(label), "probs": row.tolist()}) + "\n")
    for name in ("p.csv", "p.jsonl"):
        report, _ = evaluated(cli, str(tmp_path / name))
        assert report["task"] == "binary", name
        assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
            log_loss(y, proba), rel=1e-12
        )


def test_list_of_one_value_is_the_binary_probability_or_logit(cli, tmp_path, scored):
    """Keras' sigmoid output saved as it comes, shape (n, 1); with --logits, raw scores."""
    y, proba = scored
    column = pa.array(list(proba[:, 1:]))
    pq.write_table(pa.table({"label": y, "prob": column}), tmp_path / "p.parquet")
    report, said = evaluated(cli, str(tmp_path / "p.parquet"))
    assert report["task"] == "binary"
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(y, proba[:, 1]), rel=1e-12
    )
    assert "'prob' holds lists of 1 value: read as the column prob.0" in said
    logits = np.log(proba[:, 1:]) - np.log(proba[:, :1])
    pq.write_table(pa.table({"label": y, "logit": pa.array(list(logits))}), tmp_path / "z.parquet")
    report, _ = evaluated(cli, str(tmp_path / "z.parquet"), "--logits")
    assert report["task"] == "binary"
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(y, proba[:, 1]), rel=1e-9
    )


def test_two_logits_per_row_stay_multiclass(cli, tmp_path, scored):
    y, proba = scored
    logits = np.log(proba) + 3.0  # softmax gives proba back
    pq.write_table(pa.table({"label": y, "logits": pa.array(list(logits))}), tmp_path / "z.parquet")
    report, _ = evaluated(cli, str(tmp_path / "z.parquet"), "--logits")
    assert report["task"] == "multiclass"
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, proba), rel=1e-9)


def test_classes_name_the_two_values_and_positive_picks_one(cli, tmp_path, scored):
    y, proba = scored
    names = np.array(["ham", "spam"])[y]
    pq.write_table(
        pa.table({"label": names, "proba": pa.array(list(proba))}), tmp_path / "p.parquet"
    )
    report, _ = evaluated(cli, str(tmp_path / "p.parquet"), "--classes", "ham,spam")
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(log_loss(y, proba), rel=1e-12)
    report, _ = evaluated(
        cli, str(tmp_path / "p.parquet"), "--classes", "ham,spam", "--positive", "ham"
    )
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(1 - y, proba[:, ::-1]), rel=1e-12
    )
    run = cli("eval", str(tmp_path / "p.parquet"))  # text labels name neither column
    assert run.code == 2 and "pass --classes" in run.stderr


def test_a_dataframe_of_list_rows_and_inspect(cli, tmp_path, scored):
    y, proba = scored
    report = xentcli.evaluate(pd.DataFrame({"label": y, "proba": list(proba)}))
    assert report.task == "binary"
    assert report.metrics["mse"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    pq.write_table(pa.table({"label": y, "proba": pa.array(list(proba))}), tmp_path / "p.parquet")
    run = cli("inspect", str(tmp_path / "p.parquet"), "--json")
    assert run.code == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["task"] == "binary" and seen["predictions"] == ["proba.1"]


@pytest.mark.parametrize("form", ["csv", "jsonl", "parquet", "arrow", "labels"])
def test_stdin_short_lists_read_as_the_binary_problem(cli, tmp_path, scored, form):
    """On stdin too: a text stream's first list, read ahead, tells the length before any row
    (it cannot be read twice); Parquet and Arrow are copied to a file and read again from it."""
    y, proba = scored
    table = pa.table({"label": y, "proba": pa.array(list(proba))})
    args: list[str] = ["-"]
    if form == "csv":
        text = pd.DataFrame({"label": y, "proba": [json.dumps(r.tolist()) for r in proba]})
        data: str | bytes = text.to_csv(index=False)
    elif form == "jsonl":
        data = "".join(
            json.dumps({"label": int(a), "proba": b.tolist()}) + "\n"
            for a, b in zip(y, proba, strict=True)
        )
        args += ["--input-format", "jsonl"]
    elif form == "labels":  # the labels on stdin, the lists in a file: the file is read once
        pq.write_table(table.select(["proba"]), tmp_path / "p.parquet")
        data = pd.DataFrame({"label": y}).to_csv(index=False)
        args = [str(tmp_path / "p.parquet"), "--labels", "-"]
    else:
        sink = pa.BufferOutputStream()
        if form == "parquet":
            pq.write_table(table, sink)
        else:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        args += ["--input-format", form]
        data = sink.getvalue().to_pybytes()
    run = cli("eval", *args, "--chunk-rows", "64", "--json", input=data)
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["task"] == "binary" and report["rows"]["used"] == len(y)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(log_loss(y, proba), rel=1e-12)
    assert report["metrics"]["mse"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    run = cli("eval", *args, "--task", "multiclass", "--json", input=data)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y, proba), rel=1e-12
    )


def test_positive_with_a_longer_list_is_still_refused(cli, tmp_path):
    """--positive is let through before the list's length is known, then refused."""
    three = pa.array([[0.2, 0.3, 0.5], [0.1, 0.8, 0.1]])
    pq.write_table(pa.table({"label": [2, 1], "proba": three}), tmp_path / "p.parquet")
    run = cli("eval", str(tmp_path / "p.parquet"), "--positive", "1")
    assert run.code == 2
    assert "--positive applies to binary" in run.stderr and "lists of 3 values" in run.stderr


def test_task_binary_reads_a_short_list_and_refuses_a_longer_one(cli, tmp_path, scored):
    y, proba = scored
    pq.write_table(pa.table({"label": y, "proba": pa.array(list(proba))}), tmp_path / "p.parquet")
    report, _ = evaluated(cli, str(tmp_path / "p.parquet"), "--task", "binary")
    assert report["task"] == "binary"
    assert report["metrics"]["mse"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    three = pa.array([[0.2, 0.3, 0.5], [0.1, 0.8, 0.1]])
    pq.write_table(pa.table({"label": [1, 0], "proba": three}), tmp_path / "t.parquet")
    run = cli("eval", str(tmp_path / "t.parquet"), "--task", "binary")
    assert run.code == 2 and "'proba' holds lists of 3" in run.stderr


@pytest.mark.parametrize("width", [2, 3])
def test_a_first_chunk_of_null_lists_leaves_k_to_the_next(cli, tmp_path, width):
    """Every list of the first chunk null: K is not known yet (it was an internal error,
    "cannot reshape array of size 0"); --nan skip drops those rows, else row 1 is named."""
    rows = [[0.3, 0.7], [0.6, 0.4]] if width == 2 else [[0.3, 0.6, 0.1], [0.6, 0.3, 0.1]]
    column = pa.array([None, None, *rows], pa.list_(pa.float64()))
    labels = [1, width - 1, 1, 0]  # the null rows' labels are still checked: 2 is no binary one
    pq.write_table(pa.table({"label": labels, "proba": column}), tmp_path / "n.parquet")
    path = str(tmp_path / "n.parquet")
    report, _ = evaluated(cli, path, "--nan", "skip", "--chunk-rows", "2")
    assert report["rows"]["skipped"] == 2 and report["rows"]["used"] == 2
    key = "binary_cross_entropy" if width == 2 else "cross_entropy"
    assert report["metrics"][key] == pytest.approx(log_loss([1, 0], rows, labels=range(width)))
    run = cli("eval", path, "--chunk-rows", "2")
    assert run.code == 2 and "row 1, column 'proba': a missing value" in run.stderr


def test_keras_arrays_of_shape_n_by_one_for_labels_and_predictions(cli, tmp_path, scored):
    """Keras' binary y_true and predict() output, both (n, 1), saved as they come."""
    y, proba = scored
    table = pa.table(
        {"y_true": pa.array(list(y[:, None].astype(float))), "y_pred": pa.array(list(proba[:, 1:]))}
    )
    pq.write_table(table, tmp_path / "k.parquet")
    report, said = evaluated(cli, str(tmp_path / "k.parquet"), "--chunk-rows", "50")
    assert report["task"] == "binary"
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(y, proba[:, 1]), rel=1e-12
    )
    assert "'y_true' holds lists of 1 value: read as the label column y_true.0" in said


def test_empty_lists_are_named(cli, tmp_path):
    """A list column whose first list is empty: exit 2 naming it (it was an internal error,
    "cannot reshape array of size 0"), for predictions and for labels."""
    empty = pa.array([[], [], []], pa.list_(pa.float64()))
    pq.write_table(pa.table({"label": [1, 0, 1], "proba": empty}), tmp_path / "p.parquet")
    run = cli("eval", str(tmp_path / "p.parquet"))
    assert run.code == 2 and "row 1, column 'proba': holds an empty list" in run.stderr
    labels = pa.array([[], [1], [0]], pa.list_(pa.int64()))
    table = pa.table({"label": labels, "p_0": [0.1, 0.2, 0.3], "p_1": [0.9, 0.8, 0.7]})
    pq.write_table(table, tmp_path / "l.parquet")
    run = cli("eval", str(tmp_path / "l.parquet"))
    assert run.code == 2 and "column 'label': holds an empty list" in run.stderr


def test_csv_arrays_tell_their_length_from_the_first_row(cli, tmp_path, scored):
    """`inspect` of a CSV of two-probability arrays says binary, as eval reads it; multilabel
    0/1 label arrays in CSV are read as K label columns (they were exit 2)."""
    y, proba = scored
    arrays = [json.dumps(row.tolist()) for row in proba]
    pd.DataFrame({"label": y, "proba": arrays}).to_csv(tmp_path / "p.csv", index=False)
    run = cli("inspect", str(tmp_path / "p.csv"), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["task"] == "binary"
    rng = np.random.default_rng(2)
    truth = (rng.uniform(size=(50, 3)) < 0.5).astype(int)
    probs = rng.uniform(0.05, 0.95, size=(50, 3))
    frame = pd.DataFrame(
        {
            "label": [json.dumps(r.tolist()) for r in truth],
            "proba": [json.dumps(r.tolist()) for r in probs],
        }
    )
    frame.to_csv(tmp_path / "m.csv", index=False)
    report, _ = evaluated(cli, str(tmp_path / "m.csv"), "--task", "multilabel")
    expected = np.mean(-(truth * np.log(probs) + (1 - truth) * np.log(1 - probs)))
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_json_lines_tell_their_lists_length_from_the_first_lines(cli, tmp_path):
    """As for CSV: `inspect` of two-probability lists says binary; multilabel label lists in
    JSON lines are read as K label columns (they were exit 2 asking for K columns)."""
    lines = ['{"label": 1, "proba": [0.1, 0.9]}', '{"label": 0, "proba": [0.8, 0.2]}']
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n")
    run = cli("inspect", str(tmp_path / "p.jsonl"), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["task"] == "binary"
    truth, probs = np.array([[0, 1, 1], [1, 0, 1]]), np.array([[0.2, 0.7, 0.9], [0.6, 0.3, 0.8]])
    rows = [{"label": t.tolist(), "proba": p.tolist()} for t, p in zip(truth, probs, strict=True)]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    report, _ = evaluated(cli, str(tmp_path / "m.jsonl"), "--task", "multilabel")
    expected = np.mean(-(truth * np.log(probs) + (1 - truth) * np.log(1 - probs)))
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_labels_on_stdin_beside_lists_mostly_null(cli, tmp_path):
    """The labels a stream, the lists in a file: their length is the file's first list's (read
    from its first batch), not Parquet's mean per row, which nulls pull below two."""
    rng = np.random.default_rng(9)
    p = rng.uniform(0.05, 0.95, 200)
    y = (rng.random(200) < p).astype(int)
    present = np.arange(200) % 10 >= 7  # seven rows in ten without a list
    lists = pa.array([[1 - a, a] if k else None for a, k in zip(p, present, strict=True)])
    pq.write_table(pa.table({"proba": lists}), tmp_path / "p.parquet")
    data = pd.DataFrame({"label": y}).to_csv(index=False)
    args = ["eval", str(tmp_path / "p.parquet"), "--labels", "-", "--nan", "skip", "--json"]
    run = cli(*args, input=data)
    assert run.code == 0, run.stderr
    metrics = json.loads(run.stdout)["metrics"]
    assert metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(y[present], p[present]), rel=1e-12
    )
