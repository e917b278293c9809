"""Lists of {label, score} records — what a Hugging Face pipeline returns with top_k=None, each
row's classes in order of score — read as the scores of the classes they name
(docs/inputs.md)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import xentcli

NAMES = ["NEGATIVE", "NEUTRAL", "POSITIVE"]


def _rows(n: int, seed: int = 0) -> tuple[list[dict], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(3), n)
    y = rng.integers(0, 3, n)
    rows = []
    for i in range(n):
        order = np.argsort(-p[i])  # a pipeline sorts each row's classes by score
        scores = [{"label": NAMES[j], "score": float(p[i, j])} for j in order]
        rows.append({"text": f"t{i}", "label": NAMES[y[i]], "predictions": scores})
    return rows, p, y


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_pipeline_scores_in_any_order_per_row(cli, tmp_path, kind):
    rows, p, y = _rows(3000)
    path = tmp_path / f"preds.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=500)
    run = cli("eval", str(path), "--per-class", "--top-k", "2", "--chunk-rows", "333", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == NAMES  # sorted, as log_loss sorts them
    expected = log_loss(np.array(NAMES)[y], p, labels=NAMES)
    assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert report["metrics"]["error"] == pytest.approx(np.mean(p.argmax(1) != y), rel=1e-12)


def test_a_dataframe_column_of_pipeline_outputs():
    rows, p, y = _rows(200, seed=1)
    frame = pd.DataFrame(rows)
    report = xentcli.evaluate(frame)
    assert report.metrics["cross_entropy"] == pytest.approx(
        log_loss(np.array(NAMES)[y], p, labels=NAMES), rel=1e-12
    )


def test_integer_labels_in_the_records_and_given_classes(cli, tmp_path):
    rows, p, y = _rows(100, seed=2)
    for row, truth in zip(rows, y, strict=True):
        row["label"] = int(truth)
        for entry in row["predictions"]:
            entry["label"] = NAMES.index(entry["label"])
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["classes"] == ["0", "1", "2"]
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y, p), rel=1e-12
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("top_k=2", "row 4, column 'predictions': scores 2 labels, not each of the 3 classes"),
        ("a label twice", "row 4, column 'predictions': scores 3 labels, not each of the 3"),
        ("a new label late", "row 500, column 'predictions': scores 'MIXED', which is not a class"),
    ],
)
def test_rows_that_do_not_score_every_class_once(cli, tmp_path, change, said):
    rows, _, _ = _rows(600, seed=3)
    if change == "top_k=2":
        rows[3]["predictions"] = rows[3]["predictions"][:2]
    elif change == "a label twice":
        rows[3]["predictions"][2]["label"] = rows[3]["predictions"][0]["label"]
    else:
        rows[499]["predictions"][1]["label"] = "MIXED"
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path), "--chunk-rows", "100")
    assert run.code == 2 and said in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_records_of_other_fields_are_named(cli, tmp_path):
    rows = [{"label": 0, "predictions": [{"a": "x", "b": "y", "c": 0.5}]}]
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path))
    assert run.code == 2 and "records of a label and a score" in run.stderr


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_a_pipelines_top_one_record_is_its_predicted_label(cli, tmp_path, kind):
    """A pipeline's default output, one {label, score} per row: the label is the prediction
    and the score the confidence in it — it was read as two probability columns (label and
    score) and refused every label."""
    truth = ["POSITIVE", "NEGATIVE", "NEGATIVE", "POSITIVE"]
    said = ["POSITIVE", "POSITIVE", "NEGATIVE", "NEGATIVE"]
    records = [{"label": s, "score": c} for s, c in zip(said, [0.98, 0.6, 0.9, 0.7], strict=True)]
    path = tmp_path / f"hf.{kind}"
    if kind == "jsonl":
        lines = [json.dumps({"label": t, "pred": r}) for t, r in zip(truth, records, strict=True)]
        path.write_text("\n".join(lines) + "\n")
    else:
        pq.write_table(pa.table({"label": truth, "pred": records}), path)
    run = cli("eval", str(path), "--json", "--per-class")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["metrics"]["error"] == pytest.approx(0.5)
    assert "cross_entropy" not in report["metrics"]
    assert "'pred' holds a pipeline's top-1 output" in report["notes"][0]
    assert "top_k=None" in report["notes"][0]


@pytest.mark.parametrize("names", ["LABEL_{}", "{}", "int"])
def test_classes_named_by_their_ids_are_in_id_order(cli, tmp_path, names):
    """transformers names class k `LABEL_k` without an id2label: twelve of them sort LABEL_10
    before LABEL_2 as text, and an integer label k (the k-th class) took another class's score.
    Classes named by a prefix and a number are in the number's order."""
    rng = np.random.default_rng(4)
    k = 12
    p = rng.dirichlet(np.ones(k) * 0.3, 200)
    y = rng.integers(0, k, 200)
    rows = []
    for i in range(200):
        named = [j if names == "int" else names.format(j) for j in rng.permutation(k).tolist()]
        scores = [{"label": n, "score": float(p[i, int(str(n).split("_")[-1])])} for n in named]
        rows.append({"label": int(y[i]), "predictions": scores})
    path = tmp_path / "ids.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y, p, labels=list(range(k))), rel=1e-12
    )
    assert report["classes"][10] == (names.format(10) if names != "int" else "10")


def test_in_order_sorts_numbered_names_by_their_number():
    from xentcli.prepare.values import in_order

    assert in_order(["LABEL_10", "LABEL_2", "LABEL_0"]) == ("LABEL_0", "LABEL_2", "LABEL_10")
    assert in_order(["10", "9", "0"]) == ("0", "9", "10")
    assert in_order(["dog", "cat"]) == ("cat", "dog")
    assert in_order(["a10", "b2"]) == ("a10", "b2")  # two prefixes: as text
    assert in_order([]) == ()


@pytest.mark.parametrize(
    ("truth", "expected_classes", "said"),
    [
        ([1, 0, 0, 1, 2], ["1", "0", "2"], True),  # integers: LABEL_k is the label k
        (["LABEL_1", "LABEL_0", "LABEL_0", "LABEL_1", "LABEL_2"], None, False),
        (["b", "a", "a", "b", "c"], None, False),  # names: no class k to be
    ],
)
def test_predicted_labels_named_label_k(cli, tmp_path, truth, expected_classes, said):
    """A pipeline's top-1 labels from a model without an id2label are LABEL_0, LABEL_1, …
    beside the dataset's integer labels: every prediction was wrong (error 1.0). LABEL_k is
    read as the label k then, with a note; labels that name their classes otherwise keep the
    names as they are."""
    predicted = ["LABEL_1", "LABEL_1", "LABEL_0", "LABEL_0", "LABEL_2"]
    rows = [
        {"label": t, "pred": {"label": s, "score": 0.9}}
        for t, s in zip(truth, predicted, strict=True)
    ]
    path = tmp_path / "top1.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    named = "LABEL_k is read as the label k" in " ".join(report["notes"])
    assert named == said
    if said:
        assert report["classes"] == expected_classes
        assert report["metrics"]["error"] == pytest.approx(0.4)  # rows 2 and 3 are wrong
    else:
        assert "LABEL_1" in report["classes"]
