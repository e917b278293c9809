"""Per-class values as records (JSON's `{"probs": {"cat": 0.7, ...}}`, a Parquet or Arrow struct,
a DataFrame column of dicts) are read as one column per field, `probs.cat`, as pandas'
`json_normalize` names them (docs/inputs.md)."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import xentcli
from tests.references import softmax
from xentcli.io import records

CLASSES = ["cat", "dog", "owl"]


def _records(n: int, seed: int = 3) -> list[dict]:
    rng = np.random.default_rng(seed)
    p = softmax(rng.normal(size=(n, 3)) * 2)
    labels = rng.integers(0, 3, n)
    return [
        {
            "id": i,
            "label": CLASSES[labels[i]],
            "probs": dict(zip(CLASSES, map(float, p[i]), strict=True)),
            "meta": {"split": "test" if i % 3 else "dev"},
        }
        for i in range(n)
    ]


def _expected(rows: list[dict]) -> float:
    return log_loss(
        [r["label"] for r in rows], [[r["probs"][c] for c in CLASSES] for r in rows], labels=CLASSES
    )


def _write(rows: list[dict], path, kind: str) -> None:
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif kind == "jsonl.gz":
        path.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
    elif kind == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=700)
    elif kind == "arrow":
        feather.write_feather(pa.Table.from_pylist(rows), path, chunksize=700)
    elif kind == "orc":
        import pyarrow.orc as orc

        orc.write_table(pa.Table.from_pylist(rows), path)
    else:  # a JSON document of records, as pandas' to_json(orient="records") writes it
        path.write_text(json.dumps(rows))


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "parquet", "arrow", "orc", "json"])
def test_a_record_of_class_probabilities_is_read_as_the_class_columns(cli, tmp_path, kind):
    rows = _records(2000)
    path = tmp_path / f"preds.{kind}"
    _write(rows, path, kind)
    run = cli("eval", str(path), "--json", "--chunk-rows", "333")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == CLASSES
    assert report["metrics"]["cross_entropy"] == pytest.approx(_expected(rows), rel=1e-12)
    # the flattened file pandas writes gives the same numbers
    flat = tmp_path / "flat.jsonl"
    flat_rows = pd.json_normalize(rows).to_dict(orient="records")
    flat.write_text("".join(json.dumps(r) + "\n" for r in flat_rows))
    same = cli("eval", str(flat), "--pred-col", "probs.*", "--json", "--chunk-rows", "333")
    assert json.loads(same.stdout)["metrics"] == report["metrics"]


def test_a_long_file_of_records_is_read_across_blocks(cli, tmp_path):
    """More than pyarrow's JSON reader's first block (1 MiB): every block gets the struct type."""
    rows = _records(30_000, seed=8)
    path = tmp_path / "long.jsonl"
    _write(rows, path, "jsonl")
    assert path.stat().st_size > 3 << 20
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        _expected(rows), rel=1e-12
    )


def test_the_record_named_by_pred_col_and_its_fields_by_by_and_keep_col(cli, tmp_path):
    rows = _records(60)
    path = tmp_path / "preds.parquet"
    _write(rows, path, "parquet")
    run = cli(
        "eval", str(path), "--pred-col", "probs", "--by", "meta.split", "--worst", "2",
        "--keep-col", "meta.split", "--json",
    )  # fmt: skip
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == CLASSES
    dev = [r for r in rows if r["meta"]["split"] == "dev"]
    groups = {g["group"]["meta.split"]: g for g in report["groups"]}
    assert groups["dev"]["rows"] == len(dev)
    assert groups["dev"]["metrics"]["cross_entropy"] == pytest.approx(_expected(dev), rel=1e-12)
    for worst in report["worst"]["rows"]:
        assert worst["columns"]["meta.split"] == rows[worst["row"] - 1]["meta"]["split"]


def test_inspect_lists_a_records_fields_as_columns(cli, tmp_path):
    path = tmp_path / "preds.jsonl"
    _write(_records(5), path, "jsonl")
    run = cli("inspect", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["predictions"] == ["probs.cat", "probs.dog", "probs.owl"]
    assert "meta.split" in json.dumps(report["columns"])


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_a_missing_record_or_field_is_a_missing_value_at_its_row(cli, tmp_path, kind):
    rows = _records(4)
    rows[2]["probs"] = None
    path = tmp_path / f"preds.{kind}"
    _write(rows, path, kind)
    run = cli("eval", str(path))
    assert run.code == 2
    assert f"preds.{kind}, row 3, column 'probs." in run.stderr and "--nan skip" in run.stderr
    skipped = cli("eval", str(path), "--nan", "skip", "--json")
    report = json.loads(skipped.stdout)
    assert report["rows"]["skipped"] == 1
    kept = rows[:2] + rows[3:]
    assert report["metrics"]["cross_entropy"] == pytest.approx(_expected(kept), rel=1e-12)


def test_a_field_that_is_not_a_number_is_named_at_its_row(cli, tmp_path):
    lines = [
        '{"label": "cat", "probs": {"cat": 0.7, "dog": 0.3}}',
        '{"label": "dog", "probs": {"cat": 0.7, "dog": "x"}}',
    ]
    path = tmp_path / "preds.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run = cli("eval", str(path))
    assert run.code == 2
    assert "row 2, column 'probs.dog': 'x' is not a number" in run.stderr
    piped = cli("eval", "-", "--input-format", "jsonl", input="\n".join(lines) + "\n")
    assert piped.code == 2 and "row 2, column 'probs.dog'" in piped.stderr


def test_a_record_of_logits_needs_logits(cli, tmp_path):
    z = np.array([[2.0, -1.0, 0.5], [0.5, 1.5, -3.0]])
    lines = [
        {"label": "cat", "logits": dict(zip(CLASSES, z[0], strict=True))},
        {"label": "dog", "logits": dict(zip(CLASSES, z[1], strict=True))},
    ]
    path = tmp_path / "preds.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    refused = cli("eval", str(path))
    assert refused.code == 2 and "for raw scores in 'logits' pass --logits" in refused.stderr
    run = cli("eval", str(path), "--logits", "--json")
    assert run.code == 0, run.stderr
    expected = log_loss(["cat", "dog"], softmax(z), labels=CLASSES)
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_record_of_two_classes_is_a_binary_problem(cli, tmp_path):
    """`{"0": 0.3, "1": 0.7}`: two complementary columns, reported on the second (SPEC §4.3)."""
    p = [0.7, 0.4, 0.9, 0.2]
    y = [1, 0, 1, 1]
    path = tmp_path / "preds.jsonl"
    path.write_text(
        "".join(
            json.dumps({"label": t, "probs": {"0": 1 - q, "1": q}}) + "\n"
            for t, q in zip(y, p, strict=True)
        )
    )
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["task"] == "binary"
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_nested_records_are_named_by_their_path(cli, tmp_path):
    rows = _records(50)
    nested = [{"label": r["label"], "output": {"scores": r["probs"]}} for r in rows]
    path = tmp_path / "preds.parquet"
    pq.write_table(pa.Table.from_pylist(nested), path)
    run = cli("eval", str(path), "--pred-col", "output.scores.*", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == CLASSES
    assert report["metrics"]["cross_entropy"] == pytest.approx(_expected(rows), rel=1e-12)


def test_a_dataframe_column_of_dicts_in_the_api():
    rows = _records(40)
    frame = pd.DataFrame({"label": [r["label"] for r in rows], "probs": [r["probs"] for r in rows]})
    report = xentcli.evaluate(frame)
    assert report.classes == tuple(CLASSES)
    assert report.metrics["cross_entropy"] == pytest.approx(_expected(rows), rel=1e-12)


def test_select_takes_a_fields_nulls_from_its_record():
    """StructArray.field ignores the record's validity; select must not."""
    kind = pa.struct([("a", pa.float64()), ("b", pa.float64())])
    children = [pa.array([1.0, 2.0, 3.0]), pa.array([4.0, 5.0, 6.0])]
    probs = pa.StructArray.from_arrays(
        children, fields=list(kind), mask=pa.array([False, True, False])
    )
    batch = pa.RecordBatch.from_arrays([probs, pa.array([1, 2, 3])], names=["probs", "label"])
    assert records.flat_names(batch.schema) == ["probs.a", "probs.b", "label"]
    selected = records.select(batch, ["label", "probs.b"])
    assert selected.schema.names == ["label", "probs.b"]
    assert selected.column(1).to_pylist() == [4.0, None, 6.0]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_a_field_named_like_a_column_beside_it_is_an_error(cli, tmp_path, kind):
    """`probs.cat` beside a record `probs` with a field `cat`: which one is meant cannot be told."""
    rows = [{"label": "cat", "probs": {"cat": 0.7, "dog": 0.3}, "probs.cat": 0.5}]
    path = tmp_path / f"preds.{kind}"
    _write(rows, path, kind)
    run = cli("eval", str(path))
    assert run.code == 2
    assert "column 'probs.cat' appears 2 times; give the columns distinct names" in run.stderr


VECTOR = pa.struct(
    [
        ("type", pa.int8()),
        ("size", pa.int32()),
        ("indices", pa.list_(pa.int32())),
        ("values", pa.list_(pa.float64())),
    ]
)


def _spark_table(p: np.ndarray, y: np.ndarray) -> pa.Table:
    """What Spark ML's `model.transform(df).write.parquet(...)` writes: double labels and
    predictions, vectors as structs (dense: type 1, values)."""

    def vectors(m: np.ndarray) -> pa.Array:
        rows = [{"type": 1, "size": None, "indices": None, "values": list(r)} for r in m]
        return pa.array(rows, type=VECTOR)

    return pa.table(
        {
            "label": y.astype(float),
            "rawPrediction": vectors(np.log(p)),
            "probability": vectors(p),
            "prediction": p.argmax(axis=1).astype(float),
        }
    )


def test_spark_ml_output_reads_its_probability_vector(cli, tmp_path):
    rng = np.random.default_rng(21)
    p = softmax(rng.normal(size=(3000, 4)))
    y = rng.integers(0, 4, 3000)
    path = tmp_path / "spark.parquet"
    pq.write_table(_spark_table(p, y), path, row_group_size=1000)
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    # the double `prediction` is left aside, with the flags that score it
    assert "'prediction' holds predicted labels and is left aside" in run.stderr
    assert "--pred-col prediction --hard" in run.stderr
    hard = cli("eval", str(path), "--pred-col", "prediction", "--hard", "--json")
    expected_error = np.mean(p.argmax(axis=1) != y)
    assert json.loads(hard.stdout)["metrics"]["error"] == pytest.approx(expected_error, rel=1e-12)
    raw = cli("eval", str(path), "--pred-col", "rawPrediction", "--logits", "--json")
    assert json.loads(raw.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y, p), rel=1e-12
    )


def test_a_spark_vector_sizes_the_chunks_by_its_values(tmp_path):
    from xentcli.io.parquet import ParquetSource

    path = tmp_path / "spark.parquet"
    pq.write_table(_spark_table(np.full((10, 7), 1 / 7), np.zeros(10, dtype=int)), path)
    assert ParquetSource(str(path)).values_per_row("probability") == 7


def test_spark_vectors_in_json_lines_and_a_sparse_one(cli, tmp_path):
    """Spark's JSON writer leaves a dense vector's size and indices out."""
    rows = [
        {"label": 0.0, "probability": {"type": 1, "values": [0.7, 0.2, 0.1]}, "prediction": 0.0},
        {"label": 2.0, "probability": {"type": 1, "values": [0.1, 0.2, 0.7]}, "prediction": 2.0},
    ]
    path = tmp_path / "spark.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    expected = log_loss([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]], labels=[0, 1, 2])
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    rows[1]["probability"] = {"type": 0, "size": 3, "indices": [2], "values": [1.0]}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    sparse = cli("eval", str(path))
    assert sparse.code == 2
    assert "spark.jsonl, row 2, column 'probability': a sparse vector (Spark ML)" in sparse.stderr
    assert "vector_to_array(probability)" in sparse.stderr


def test_records_written_as_text_in_csv_name_the_way_out(cli, tmp_path):
    """pandas' to_csv of a column of dicts writes their repr: not read, the error says how."""
    frame = pd.DataFrame({"label": ["a", "b"]})
    frame["probs"] = [{"a": 0.7, "b": 0.3}, {"a": 0.1, "b": 0.9}]
    frame.to_csv(tmp_path / "preds.csv", index=False)
    run = cli("eval", str(tmp_path / "preds.csv"))
    assert run.code == 2 and len(run.stderr.splitlines()) == 1
    assert "row 1, column 'probs'" in run.stderr and "to_parquet" in run.stderr
    frame.to_parquet(tmp_path / "preds.parquet")  # the same frame, as the error says
    fixed = cli("eval", str(tmp_path / "preds.parquet"), "--json")
    assert fixed.code == 0, fixed.stderr
    expected = log_loss(["a", "b"], [0.3, 0.9])
    assert json.loads(fixed.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(
        expected, rel=1e-12
    )
