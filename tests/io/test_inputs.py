"""The same data as CSV, TSV, gzip CSV, stdin, Parquet, DataFrame and Table gives identical reports;
two files are paired row by row whatever their chunk and row-group boundaries."""

from __future__ import annotations

import gzip
import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import brier_score_loss, log_loss

import xentcli
from tests.conftest import metrics_of
from tests.references import softmax


@pytest.fixture
def data() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n, k = 9000, 4  # more than two 4096-row summation segments
    p = softmax(rng.normal(size=(n, k)) * 2)
    df = pd.DataFrame({"id": np.arange(n), "label": rng.integers(0, k, n)})
    for j in range(k):
        df[f"p_{j}"] = p[:, j]
    df["w"] = rng.random(n)
    return df


def test_every_input_form_gives_identical_metrics(cli, tmp_path, data):
    csv = tmp_path / "preds.csv"
    data.to_csv(csv, index=False, float_format="%.17g")
    table = pacsv.read_csv(csv)
    pq.write_table(table, tmp_path / "preds.parquet", row_group_size=333)
    pacsv.write_csv(table, tmp_path / "preds.tsv", pacsv.WriteOptions(delimiter="\t"))
    with pa.CompressedOutputStream(str(tmp_path / "preds.csv.gz"), "gzip") as out:
        pacsv.write_csv(table, out)
    args = ["--weight-col", "w", "--json", "--chunk-rows", "700"]
    results = {
        name: metrics_of(cli("eval", str(tmp_path / name), *args))
        for name in ["preds.csv", "preds.parquet", "preds.tsv", "preds.csv.gz"]
    }
    feather.write_feather(table, tmp_path / "preds.feather")
    with pa.ipc.new_stream(str(tmp_path / "preds.arrow"), table.schema) as stream:
        stream.write_table(table, max_chunksize=777)
    (tmp_path / "preds.arrows").write_bytes((tmp_path / "preds.arrow").read_bytes())
    jsonl = tmp_path / "preds.jsonl"
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in table.to_pylist()))
    with gzip.open(tmp_path / "preds.jsonl.gz", "wb") as packed:
        packed.write(jsonl.read_bytes())
    for part in range(3):  # a hive-partitioned directory of three files
        folder = tmp_path / "dataset" / f"part={part}"
        folder.mkdir(parents=True)
        pq.write_table(table.slice(part * 3000, 3000), folder / "data.parquet")
    (tmp_path / "dataset" / "_SUCCESS").write_text("")
    import pyarrow.orc as orc

    orc.write_table(table, tmp_path / "preds.orc", stripe_size=64 << 10)  # several stripes
    assert orc.ORCFile(tmp_path / "preds.orc").nstripes > 1
    for name in [
        "preds.orc",
        "preds.feather",
        "preds.arrow",
        "preds.arrows",  # the stream format's own suffix
        "preds.jsonl",
        "preds.jsonl.gz",
        "dataset",
        "dataset/*/*.parquet",
    ]:
        results[name] = metrics_of(cli("eval", str(tmp_path / name), *args))
    results["stdin"] = metrics_of(cli("eval", "-", *args, input=csv.read_bytes()))
    results["stdin-jsonl"] = metrics_of(
        cli("eval", "-", "--input-format", "jsonl", *args, input=jsonl.read_bytes())
    )
    results["api-table"] = dict(xentcli.evaluate(table, weight_col="w", chunk_rows=700).metrics)
    results["api-frame"] = dict(
        xentcli.evaluate(table.to_pandas(), weight_col="w", chunk_rows=700).metrics
    )
    first = results["preds.csv"]
    for name, metrics in results.items():
        assert metrics == first, name


def test_input_format_overrides_the_name(cli, tmp_path, data):
    path = tmp_path / "preds.data"
    data.to_csv(path, index=False)
    assert cli("eval", str(path)).code == 2
    run = cli("eval", str(path), "--input-format", "csv", "--json")
    assert json.loads(run.stdout)["rows"]["used"] == len(data)


def test_two_files_are_paired_by_row(cli, tmp_path, data):
    preds = data.drop(columns=["label", "w"])
    labels = data[["label", "w"]]
    pq.write_table(pa.Table.from_pandas(preds), tmp_path / "p.parquet", row_group_size=97)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    one = xentcli.evaluate(data, weight_col="w")
    for chunk in ["1", "50", "65536"]:
        run = cli(
            "eval",
            str(tmp_path / "p.parquet"),
            "--labels",
            str(tmp_path / "labels.csv"),
            "--weight-col",
            "w",
            "--chunk-rows",
            chunk,
            "--json",
        )
        report = json.loads(run.stdout)
        assert report["inputs"]["labels"].endswith("labels.csv")
        for name, value in one.metrics.items():
            assert report["metrics"][name] == pytest.approx(value, rel=1e-12)


def test_only_needed_columns_are_read(tmp_path, data):
    df = data.copy()
    df["notes"] = "free text, never parsed as numbers"
    df.to_csv(tmp_path / "wide.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "wide.csv"))
    assert report.columns == {
        "label": "label",
        "predictions": ["p_0", "p_1", "p_2", "p_3"],
        "weight": None,
    }


def test_parquet_with_float32_and_string_labels(tmp_path):
    p = np.array([[0.25, 0.75], [0.5, 0.5], [0.875, 0.125]], dtype=np.float32)
    table = pa.table({"class": ["b", "a", "a"], "p_a": p[:, 0], "p_b": p[:, 1]})
    pq.write_table(table, tmp_path / "f32.parquet")
    report = xentcli.evaluate(str(tmp_path / "f32.parquet"), task="multiclass")
    expected = -(np.log(0.75) + np.log(0.5) + np.log(0.875)) / 3
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-15)
    assert report.classes == ("a", "b")
    binary = xentcli.evaluate(str(tmp_path / "f32.parquet"))  # two columns: binary on p_b
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-15)


def eval_stdin(path, *flags):
    """`xentcli eval - FLAGS < path` in a subprocess: a real pipe, not a test's replacement."""
    import subprocess
    import sys

    with open(path, "rb") as stdin:
        return subprocess.run(
            [sys.executable, "-m", "xentcli", "eval", "-", *flags],
            stdin=stdin,
            capture_output=True,
            text=True,
            check=False,
        )


def test_real_stdin_pipe(tmp_path, data):
    csv = tmp_path / "preds.csv"
    data.to_csv(csv, index=False, float_format="%.17g")
    run = eval_stdin(csv, "--json")
    assert run.returncode == 0, run.stderr
    from_file = xentcli.evaluate(str(csv))
    assert json.loads(run.stdout)["metrics"] == dict(from_file.metrics)
    assert json.loads(run.stdout)["inputs"]["predictions"] == "<stdin>"


@pytest.mark.parametrize("compression", ["gzip", "bz2", "zstd", "lz4"])
def test_compressed_stdin_is_inflated(tmp_path, data, compression):
    """`cat preds.csv.gz | xentcli eval -`: stdin has no suffix, so its first bytes tell."""
    csv = tmp_path / "preds.csv"
    data.to_csv(csv, index=False, float_format="%.17g")
    packed = tmp_path / "preds.packed"
    with pa.output_stream(str(packed), compression=compression) as out:
        out.write(csv.read_bytes())
    run = eval_stdin(packed, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["metrics"] == dict(xentcli.evaluate(str(csv)).metrics)


@pytest.mark.parametrize(
    ("suffix", "flags"),
    [
        ("parquet", []),  # told by its magic
        ("arrow", []),
        ("npy", ["--label-col", "1", "--pred-col", "2,3,4,5", "--classes", "0,1,2,3"]),
        ("parquet", ["--input-format", "parquet"]),
        ("orc", ["--input-format", "orc"]),
        ("npz", ["--input-format", "npz"]),
    ],
)
def test_file_formats_on_stdin_are_read_from_a_temporary_copy(tmp_path, data, suffix, flags):
    """`cat preds.parquet | xentcli eval -` (was exit 2: "cannot be read from stdin"): stdin is
    copied to a file in --tmp-dir, read as that file, named <stdin>, and removed at exit."""
    import numpy as np
    import pyarrow.orc as orc

    path = tmp_path / f"preds.{suffix}"
    table = pa.Table.from_pandas(data, preserve_index=False)
    if suffix == "parquet":
        pq.write_table(table, path)
    elif suffix == "arrow":
        feather.write_feather(table, path)
    elif suffix == "orc":
        orc.write_table(table, path)
    elif suffix == "npy":
        np.save(path, np.ascontiguousarray(data.to_numpy()))
    else:
        np.savez(path, **{c: data[c].to_numpy() for c in data.columns})
    spool = tmp_path / "spool"
    spool.mkdir()
    run = eval_stdin(path, *flags, "--json", "--tmp-dir", str(spool))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["inputs"]["predictions"] == "<stdin>"
    options = dict(zip(flags[::2], flags[1::2], strict=True))
    by_name = {k.lstrip("-").replace("-", "_"): v for k, v in options.items()}
    assert report["metrics"] == dict(xentcli.evaluate(str(path), **by_name).metrics)
    assert not list(spool.iterdir())  # the copy is gone


def test_a_file_format_on_stdin_names_stdin_in_errors(tmp_path, data):
    path = tmp_path / "cut.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), path)
    path.write_bytes(path.read_bytes()[:100])  # its footer cut off
    run = eval_stdin(path)
    assert run.returncode == 2 and run.stderr.startswith("xentcli: error: <stdin>: "), run.stderr
    assert "Parquet" in run.stderr and len(run.stderr.splitlines()) == 1
    run = eval_stdin(path, "--input-format", "csv")
    assert run.returncode == 2 and "--input-format says: drop the flag" in run.stderr
    full = eval_stdin(path, "--tmp-dir", str(tmp_path / "missing"))
    assert full.returncode == 2 and "pass --tmp-dir with a writable folder" in full.stderr


def test_quoted_fields_crlf_and_bom_work(tmp_path):
    path = tmp_path / "excel.csv"
    text = '\ufeff"label","p_a","p_b","note"\r\n"a","0.25","0.75","x, y"\r\n"b",0.5,0.5,"q"\r\n'
    path.write_bytes(text.encode("utf-8"))
    report = xentcli.evaluate(str(path))
    assert report.columns["label"] == "label"
    assert report.metrics["binary_cross_entropy"] == pytest.approx(
        -(np.log(0.25) + np.log(0.5)) / 2
    )


@pytest.mark.parametrize("block", [7, 64, 1000, 1 << 16])
def test_block_boundaries_do_not_matter(tmp_path, monkeypatch, data, block):
    """Rows cut across blocks, and lines longer than a block, parse the same as one table."""
    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    path = tmp_path / "preds.csv"
    data.to_csv(path, index=False, float_format="%.17g")
    expected = xentcli.evaluate(pacsv.read_csv(path), weight_col="w").metrics
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", block)
    monkeypatch.setattr(text_input, "HEAD_BYTES", block)  # the rest is memory-mapped
    for source in [str(path), "-"]:
        if source == "-":
            monkeypatch.setattr("sys.stdin", type("In", (), {"buffer": path.open("rb")})())
        report = xentcli.evaluate(source, weight_col="w")
        assert report.metrics == expected
        assert report.rows.read == len(data)


def test_hive_partition_values_are_columns(tmp_path):
    for day, weight in [(1, 1.0), (2, 3.0)]:
        folder = tmp_path / f"day={day}" / f"w={weight}"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"y": [1, 0], "prob": [0.8, 0.4 * day]}), folder / "x.parquet")
    report = xentcli.evaluate(str(tmp_path), weight_col="w")
    losses = np.array([-np.log(0.8), -np.log(0.6), -np.log(0.8), -np.log(0.2)])
    weights = np.array([1.0, 1.0, 3.0, 3.0])
    assert report.metrics["binary_cross_entropy"] == pytest.approx(
        np.sum(losses * weights) / np.sum(weights), rel=1e-15
    )


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("net1.csv", []),
        ("dog.csv", []),
        ("binary.parquet", []),
        ("multiclass10.parquet", ["--task", "multiclass"]),
        ("net2.csv", ["--classes", "a,b,c", "--logits"]),
    ],
)
def test_inspect_and_eval_agree(cli, path, options):
    from tests.conftest import SAMPLES

    target = str(SAMPLES / path)
    seen = json.loads(cli("inspect", target, *options, "--json").stdout)
    report = json.loads(cli("eval", target, *options, "--json").stdout)
    assert seen["task"] == report["task"]
    assert seen["label"] == report["columns"]["label"]
    assert seen["predictions"] == report["columns"]["predictions"]
    assert seen["classes"] == report["classes"]
    assert seen["inputs"] == report["inputs"]
    assert seen["logits"] == report["options"]["logits"]
    if path.endswith(".parquet"):
        assert seen["rows"] == report["rows"]["read"]
    names = [c["name"] for c in seen["columns"]]
    assert set(report["columns"]["predictions"]) <= set(names)


def test_inspect_reports_types_and_the_flag_for_each_decision(cli, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,target,score,comment\n1,spam,0.9,hello\n2,ham,0.2,bye\n")
    run = cli("inspect", str(path), "--positive", "spam", "--json")
    assert run.code == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["columns"] == [
        {"name": "id", "type": "int64"},
        {"name": "target", "type": "string"},
        {"name": "score", "type": "double"},
        {"name": "comment", "type": "string"},
    ]
    assert seen["rows"] is None
    assert seen["label_rule"] == "'spam' is positive, the one other value negative"
    assert seen["flags"]["prediction columns"] == "--pred-col"
    ambiguous = tmp_path / "a.csv"
    ambiguous.write_text("y,prob,score\n1,0.5,0.5\n")
    run = cli("inspect", str(ambiguous))
    assert run.code == 2 and "ambiguous predictions" in run.stderr


def test_labels_that_stop_being_integers_later(tmp_path, monkeypatch):
    """Labels look like integers in the first rows and are parsed as such; a later block with
    other label text is parsed as text, and maps the same way (SPEC §3.1)."""
    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 256)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)
    rng = np.random.default_rng(3)
    prob = rng.random(400)
    label = (rng.random(400) < prob).astype(int)
    words = np.where(label == 1, "true", "false").astype(object)
    text = np.where(np.arange(400) < 300, label.astype(str), words)
    path = tmp_path / "mixed.csv"
    pd.DataFrame({"label": text, "prob": prob}).to_csv(path, index=False, float_format="%.17g")
    expected = xentcli.evaluate(pa.table({"label": label, "prob": prob}))
    assert xentcli.evaluate(str(path)).metrics == expected.metrics

    sevens = np.where(label == 1, "7", "3")
    text = np.where(np.arange(400) < 300, sevens, np.char.add(sevens, ".0"))
    pd.DataFrame({"label": text, "prob": prob}).to_csv(path, index=False, float_format="%.17g")
    assert xentcli.evaluate(str(path), positive="7").metrics == expected.metrics

    bad = np.where(np.arange(400) < 300, label.astype(str), words)
    bad[350] = "maybe"
    pd.DataFrame({"label": bad, "prob": prob}).to_csv(path, index=False, float_format="%.17g")
    with pytest.raises(xentcli.InputError, match="row 351, column 'label': label 'maybe'"):
        xentcli.evaluate(str(path))


@pytest.mark.parametrize("spelling", ["NA", "NULL", "#N/A", "n/a", "NaN", "-nan", ""])
def test_every_null_spelling_late_in_a_csv_reads_as_missing(tmp_path, monkeypatch, spelling):
    """The numbers-only parse tries the empty and NaN null strings first: a later block with
    another of pyarrow's null spellings is parsed again with them all, so each reads as a
    missing value, in a prediction or a label column, as in the first block."""
    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 256)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)
    rng = np.random.default_rng(4)
    prob = rng.random(400).round(6)
    label = (rng.random(400) < prob).astype(int)
    frame = pd.DataFrame({"label": label.astype(str), "prob": prob.astype(str)})
    frame.loc[310, "prob"] = spelling
    frame.loc[350, "label"] = spelling
    path = tmp_path / "nulls.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(xentcli.InputError, match="row 311, column 'prob': a missing value"):
        xentcli.evaluate(str(path))
    report = xentcli.evaluate(str(path), nan="skip")
    keep = np.ones(400, bool)
    keep[[310, 350]] = False
    assert report.rows.skipped == 2
    assert report.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(label[keep], prob[keep]), rel=1e-12
    )


def test_a_named_pipe_is_read_to_its_end(tmp_path, monkeypatch, data):
    """`xentcli eval <(zcat preds.csv.gz)` names a pipe: read as a stream, not memory-mapped."""
    import threading

    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 4096)
    path = tmp_path / "preds.csv"
    data.to_csv(path, index=False, float_format="%.17g")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(path.read_bytes()))
    writer.start()
    report = xentcli.evaluate(str(pipe), input_format="csv")
    writer.join(timeout=10)
    assert report.rows.read == len(data)
    assert report.metrics == xentcli.evaluate(str(path)).metrics


def test_a_dataset_holds_at_most_two_files_open(tmp_path):
    """Memory and open files stay flat with the number of files: each file is opened in turn."""
    import weakref

    from xentcli.io.csv import CsvSource
    from xentcli.io.dataset import DatasetSource, dataset_paths

    rng = np.random.default_rng(9)
    for i in range(30):
        prob = rng.random(50)
        frame = pd.DataFrame({"label": (prob > 0.5).astype(int), "prob": prob})
        frame.to_csv(tmp_path / f"part-{i:02d}.csv", index=False)
    alive: weakref.WeakSet[CsvSource] = weakref.WeakSet()

    def open_file(path: str) -> CsvSource:
        source = CsvSource(path)
        alive.add(source)
        return source

    paths, base = dataset_paths(str(tmp_path))
    dataset = DatasetSource(str(tmp_path), paths, base, open_file)
    most = rows = 0
    for batch in dataset.batches(["prob"], ["label"], 1000):
        rows += batch.num_rows
        most = max(most, len(alive))
    assert rows == 30 * 50
    assert most <= 2


@pytest.mark.parametrize("inflater", ["isal", "pyarrow"])
def test_gzip_inputs_read_alike_by_either_inflater(cli, tmp_path, monkeypatch, inflater):
    import gzip

    from xentcli.io import storage

    if inflater == "pyarrow":
        monkeypatch.setattr(storage, "_fast_gzip", lambda path: None)
    rows = "".join(f"{i % 2},{(i % 89 + 1) / 91}\n" for i in range(30000))
    good = tmp_path / "p.csv.gz"
    good.write_bytes(gzip.compress(("label,prob\n" + rows).encode()))
    run = cli("eval", str(good), "--json")
    assert run.code == 0, run.stderr
    p = np.array([(i % 89 + 1) / 91 for i in range(30000)])
    y = np.arange(30000) % 2
    expected = float(np.mean(-np.log(np.where(y == 1, p, 1 - p))))
    assert json.loads(run.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(expected)
    packed = good.read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    run = cli("eval", str(cut))
    assert (
        run.code == 2
        and run.stderr == f"xentcli: error: {cut}: cannot read (Truncated compressed stream)\n"
    )
    flipped = tmp_path / "flipped.csv.gz"
    flipped.write_bytes(packed[:40] + bytes([packed[40] ^ 0xFF]) + packed[41:])
    run = cli("eval", str(flipped))
    assert run.code == 2 and "cannot read" in run.stderr and str(flipped) in run.stderr


def test_json_lines_longer_than_the_reader_block(cli, tmp_path):
    """pyarrow's JSON reader takes whole lines a block at a time: a long first line sizes the
    block; a long line after the first 4 MiB makes the file be read again with larger blocks."""
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(3)
    n = 120_000
    p, y = rng.random(n), rng.integers(0, 2, n)
    for name, long_at in (("first.jsonl", 0), ("late.jsonl", 110_000)):  # 110,000: past 4 MiB
        text = {long_at: "x" * 3_000_000}
        lines = [
            json.dumps({"label": int(y[i]), "prob": float(p[i]), "text": text.get(i, "")})
            for i in range(n)
        ]
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n")
        report = xentcli.evaluate(str(path), chunk_rows=5000)
        assert report.rows.used == n, name
        assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    run = cli("eval", "-", "--input-format", "jsonl", input=path.read_bytes())
    assert run.code == 2 and run.stdout == ""
    assert "is longer than the 1 MiB read at once; pass the file by name" in run.stderr


@pytest.mark.parametrize("suffix", ["jsonl", "jsonl.gz"])
def test_json_lines_key_null_in_the_first_rows_then_text(tmp_path, suffix):
    """pandas writes None as null: a --by or --keep-col column null for the first megabytes
    and text later is read (as text), not refused as 'a value unlike the rows before it'."""
    n, late = 150_000, 2_000
    rng = np.random.default_rng(6)
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n + late),
            "prob": rng.random(n + late).round(4),
            "note": [None] * n + ["late"] * late,
        }
    )
    path = tmp_path / f"notes.{suffix}"
    frame.to_json(path, orient="records", lines=True)
    report = xentcli.evaluate(str(path), by="note", worst=2, keep_col=["note"])
    groups = {g["group"]["note"]: g["rows"] for g in report.to_dict()["groups"]}
    assert groups == {"<null>": n, "late": late}
    tail = frame.iloc[n:]
    late_group = next(g for g in report.to_dict()["groups"] if g["group"]["note"] == "late")
    assert late_group["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(tail.label, tail.prob, labels=[0, 1]), rel=1e-12
    )


def test_polars_files_with_string_views_read_like_plain_text(tmp_path):
    """polars writes text in Arrow IPC files as string_view: labels, --by keys and kept
    columns read as from its Parquet files (plain strings)."""
    import polars as pl

    rng = np.random.default_rng(12)
    n = 500
    prob = rng.random(n)
    frame = pl.DataFrame(
        {
            "label": np.where(rng.random(n) < prob, "spam", "ham").tolist(),
            "prob": prob,
            "region": rng.choice(["eu", "us"], n).tolist(),
        }
    )
    frame.write_ipc(tmp_path / "p.arrow")
    frame.write_parquet(tmp_path / "p.parquet")
    assert pa.ipc.open_file(tmp_path / "p.arrow").schema.field("label").type == pa.string_view()
    options = {"positive": "spam", "by": "region", "worst": 3, "keep_col": ["region"]}
    from_ipc = xentcli.evaluate(str(tmp_path / "p.arrow"), **options).to_dict()
    from_parquet = xentcli.evaluate(str(tmp_path / "p.parquet"), **options).to_dict()
    assert from_ipc["metrics"] == from_parquet["metrics"]
    assert from_ipc["groups"] == from_parquet["groups"]
    assert from_ipc["worst"] == from_parquet["worst"]
    y = np.array(frame["label"].to_list()) == "spam"
    assert from_ipc["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(y, prob), rel=1e-12
    )


def test_thousands_of_csv_columns_parse_one_block_at_a_time_and_right(tmp_path, monkeypatch):
    """pyarrow holds ~8 KiB per column for each block it parses, so at thousands of columns
    fewer blocks are parsed at once (io/csv.parse_threads); the numbers do not change."""
    from xentcli.io import csv as csv_source

    assert csv_source.parse_threads(3) == csv_source.WORKERS
    assert csv_source.parse_threads(20_000) == 1
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 1 << 16)  # several blocks
    rng = np.random.default_rng(13)
    k, n = 6000, 40
    p = rng.dirichlet(np.ones(k), n)
    y = rng.integers(0, k, n)
    frame = pd.DataFrame(p, columns=[f"p_{i}" for i in range(k)])
    frame.insert(0, "label", y)
    frame.to_csv(tmp_path / "wide.csv", index=False, float_format="%.17g")
    report = xentcli.evaluate(str(tmp_path / "wide.csv"))
    assert report.metrics["cross_entropy"] == pytest.approx(
        log_loss(y, p, labels=range(k)), rel=1e-12
    )


def test_inspect_of_a_csv_with_a_repeated_column_name_names_it(cli, tmp_path):
    """inspect shows every column, the repeated one twice, and the error: no crash (exit 3)."""
    (tmp_path / "d.csv").write_text("label,label,prob\n1,1,0.9\n0,0,0.2\n")
    run = cli("inspect", str(tmp_path / "d.csv"), "--no-color")
    assert run.code == 2, run.stderr
    assert "label (int64), label (int64), prob (double)" in run.stdout
    assert "column 'label' appears 2 times" in run.stderr


@pytest.mark.parametrize(
    "header",
    [
        "label, prob",  # written by hand
        "label , prob ",
        "Label,Probability",
        "Target,Prob",
        "y_test,y_pred_proba",  # scikit-learn's names: X_test, y_test, predict_proba
        "ground_truth,pred_proba",
        "label_ids,y_hat",  # Hugging Face's PredictionOutput; y-hat
    ],
)
def test_columns_are_found_by_name_whatever_their_case_and_spaces(cli, tmp_path, header):
    """A label and a probability column named as detection looks for them, but for case and
    spaces around the name, are found (a hand-written `label, prob` was exit 2 asking for
    `--pred-col ' prob'`); scikit-learn's y_test and y_pred_proba too."""
    (tmp_path / "s.csv").write_text(f"{header}\n1, 0.9\n0, 0.2\n")
    run = cli("eval", str(tmp_path / "s.csv"), "--json")
    assert run.code == 0, run.stderr
    expected = brier_score_loss([1, 0], [0.9, 0.2])
    assert json.loads(run.stdout)["metrics"]["mse"] == pytest.approx(expected, rel=1e-12)


def test_two_columns_named_alike_but_for_case_are_not_guessed_between(cli, tmp_path):
    (tmp_path / "s.csv").write_text("Label,LABEL,prob\n1,0,0.9\n0,1,0.2\n")
    run = cli("eval", str(tmp_path / "s.csv"))
    assert run.code == 2 and "no label column found" in run.stderr, run.stderr
    (tmp_path / "t.csv").write_text("label,Label,prob\n1,0,0.9\n0,1,0.2\n")  # the exact name
    run = cli("eval", str(tmp_path / "t.csv"), "--json")
    assert json.loads(run.stdout)["metrics"]["mse"] == pytest.approx((0.1**2 + 0.2**2) / 2)


@pytest.mark.parametrize("blank", ["\n", "\n\n", "  \n", "\r\n \r\n", "\ufeff\n"])
def test_blank_lines_before_the_header_are_skipped_as_pandas_does(cli, tmp_path, blank):
    (tmp_path / "b.csv").write_text(f"{blank}label,prob\n1,0.9\n0,0.2\n0,oops\n", newline="")
    run = cli("eval", str(tmp_path / "b.csv"))
    assert run.code == 2 and "row 3, column 'prob'" in run.stderr  # rows counted after the header
    (tmp_path / "b.csv").write_text(f"{blank}label,prob\n1,0.9\n0,0.2\n", newline="")
    fine = cli("eval", str(tmp_path / "b.csv"), "--json")
    assert fine.code == 0, fine.stderr
    report = json.loads(fine.stdout)
    assert report["rows"]["read"] == 2 and report["columns"]["label"] == "label"
    assert report["metrics"]["mse"] == pytest.approx((0.1**2 + 0.2**2) / 2)
    piped = cli("eval", "-", "--json", input=f"{blank}label,prob\n1,0.9\n0,0.2\n")
    assert json.loads(piped.stdout)["metrics"] == report["metrics"]
    (tmp_path / "b.jsonl").write_text(
        f'{blank}{{"label": 1, "prob": 0.9}}\n{{"label": 0, "prob": 0.2}}\n'
    )
    lines = cli("eval", str(tmp_path / "b.jsonl"), "--json")
    assert lines.code == 0, lines.stderr
    assert json.loads(lines.stdout)["metrics"] == report["metrics"]


def test_empty_text_parts_of_a_dataset_hold_no_rows(cli, tmp_path):
    """A writer's empty partitions (a 0-byte part, a header-only part) add no rows; a dataset
    of empty files only is an error."""
    parts = tmp_path / "out"
    parts.mkdir()
    (parts / "part-00000.csv").write_text("")
    (parts / "part-00001.csv").write_text("label,prob\n1,0.9\n0,0.2\n")
    (parts / "part-00002.csv").write_text("label,prob\n")
    (parts / "_SUCCESS").write_text("")
    run = cli("eval", str(parts), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["read"] == 2
    assert report["metrics"]["mse"] == pytest.approx((0.1**2 + 0.2**2) / 2)
    for part in parts.glob("part-*.csv"):
        part.write_text("")
    empty = cli("eval", str(parts))
    assert empty.code == 2 and "every file is empty" in empty.stderr


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_a_later_file_without_a_column_used_is_named(cli, tmp_path, suffix):
    """The first file gives a dataset's columns; a later one without a column used was exit 3
    (a ValueError deep in the reader)."""
    folder = tmp_path / "parts"
    folder.mkdir()
    first = pd.DataFrame({"label": [1, 0], "prob": [0.9, 0.2]})
    later = pd.DataFrame({"label": [0], "score": [0.3]})
    for name, frame in (("a", first), ("b", later)):
        path = folder / f"{name}.{suffix}"
        if suffix == "csv":
            frame.to_csv(path, index=False)
        elif suffix == "parquet":
            frame.to_parquet(path)
        else:
            frame.to_json(path, orient="records", lines=True)
    run = cli("eval", str(folder))
    assert run.code == 2, run.stderr
    assert "b." in run.stderr and "no column 'prob'" in run.stderr
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_bad_value_in_a_dataset_is_named_at_its_file_and_row_there(cli, tmp_path, suffix):
    """A value found bad after reading (a label, a probability out of range) was named at the
    dataset's row ("parts, row 6"); now at the file holding it and its row there."""
    folder = tmp_path / "parts"
    folder.mkdir()
    frames = [
        pd.DataFrame({"label": [1, 0], "prob": [0.9, 0.1]}),
        pd.DataFrame({"label": [0, 1, 1], "prob": [0.2, 0.7, 0.6]}),
        pd.DataFrame({"label": [1, 0], "prob": [0.8, 1.5]}),
    ]
    for i, frame in enumerate(frames):
        path = folder / f"part-{i}.{suffix}"
        frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    run = cli("eval", str(folder), "--chunk-rows", "2")
    assert run.code == 2
    assert f"part-2.{suffix}, row 2, column 'prob'" in run.stderr and "1.5" in run.stderr


def test_classes_typed_with_spaces_after_the_commas(cli, tmp_path):
    """`--classes 'cat, dog, bird'` names cat, dog and bird (it named ' dog' and ' bird')."""
    (tmp_path / "c.csv").write_text(
        "label,p_0,p_1,p_2\ncat,0.7,0.2,0.1\ndog,0.2,0.7,0.1\nbird,0.1,0.1,0.8\n"
    )
    run = cli("eval", str(tmp_path / "c.csv"), "--classes", "cat, dog, bird", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == ["cat", "dog", "bird"]
    expected = -(np.log(0.7) + np.log(0.7) + np.log(0.8)) / 3
    assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [
        (b"label,prob\n", ","),
        (b'"label","p,1","say ""hi"""\r\n', ","),
        (b"\xef\xbb\xbflabel,prob\n", ","),
        (b" label , prob,,x\n", ","),
        (b'label\tp 1\t"a\tb"\n', "\t"),
        (b"label,caf\xc3\xa9\n", ","),
        (b"label," + b"x" * 200_000 + b"\n", ","),  # longer than the csv module's field limit
    ],
)
def test_header_names_are_pyarrows(line, delimiter):
    """The header is read by Python's csv module (pyarrow builds a converter per column for a
    line of names: 170 MiB at 20,000 columns); the names are the ones pyarrow reads."""
    from xentcli.io.csv_header import names_of

    table = pacsv.read_csv(
        pa.BufferReader(line),
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
    )
    assert names_of(line, delimiter) == table.column_names


def test_a_hugging_face_dataset_saved_to_disk(cli, tmp_path):
    """Dataset.save_to_disk writes Arrow stream files beside dataset_info.json and state.json,
    which are not data (was "the files are of several formats (json, arrow)")."""
    import pyarrow.ipc as ipc

    rng = np.random.default_rng(9)
    p = softmax(rng.normal(size=(120, 3)))
    y = rng.integers(0, 3, 120)
    table = pa.table({"label": y, "probs": pa.array(p.tolist()), "text": ["t"] * 120})
    folder = tmp_path / "dataset"
    folder.mkdir()
    with ipc.new_stream(folder / "data-00000-of-00001.arrow", table.schema) as writer:
        writer.write_table(table, max_chunksize=50)
    (folder / "dataset_info.json").write_text('{"features": {}}')
    (folder / "state.json").write_text(
        '{"_data_files": [{"filename": "data-00000-of-00001.arrow"}]}'
    )
    run = cli("eval", str(folder), "--json")
    assert metrics_of(run)["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def _hugging_face_table(y: np.ndarray, p: np.ndarray | None, names: list[str], **more) -> pa.Table:
    """What `datasets` writes: integer labels, their ClassLabel names in the schema metadata."""
    columns = {"label": y, **more}
    if p is not None:
        columns["probs"] = pa.array(p.tolist())
    features = {"label": {"names": names, "_type": "ClassLabel"}}
    meta = {"huggingface": json.dumps({"info": {"features": features}})}
    return pa.table(columns).replace_schema_metadata(meta)


def test_a_hugging_face_class_label_names_the_classes(cli, tmp_path):
    from sklearn.metrics import confusion_matrix

    rng = np.random.default_rng(10)
    p = softmax(rng.normal(size=(90, 3)))
    y = rng.integers(0, 3, 90)
    names = ["neg", "neu", "pos"]
    pq.write_table(_hugging_face_table(y, p, names), tmp_path / "preds.parquet")
    run = cli("eval", str(tmp_path / "preds.parquet"), "--per-class", "--json")
    report = json.loads(run.stdout)
    assert report["classes"] == names
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert report["confusion_matrix"]["labels"] == names
    assert report["confusion_matrix"]["matrix"] == confusion_matrix(y, p.argmax(1)).tolist()
    assert "ClassLabel feature of 'label': neg, neu, pos" in run.stderr
    given = cli("eval", str(tmp_path / "preds.parquet"), "--classes", "a,b,c", "--json")
    assert json.loads(given.stdout)["classes"] == ["a", "b", "c"]
    # predicted labels beside them are named too, by position
    hard = _hugging_face_table(y, None, names, prediction=p.argmax(1))
    pq.write_table(hard, tmp_path / "hard.parquet")
    run = cli("eval", str(tmp_path / "hard.parquet"), "--per-class", "--json")
    report = json.loads(run.stdout)
    assert report["classes"] == names
    assert report["confusion_matrix"]["matrix"] == confusion_matrix(y, p.argmax(1)).tolist()


def test_a_class_label_of_another_size_than_the_lists_names_nothing(cli, tmp_path):
    rng = np.random.default_rng(11)
    p = softmax(rng.normal(size=(40, 4)))
    y = rng.integers(0, 3, 40)
    pq.write_table(_hugging_face_table(y, p, ["neg", "neu", "pos"]), tmp_path / "preds.parquet")
    run = cli("eval", str(tmp_path / "preds.parquet"), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["classes"] == ["0", "1", "2", "3"]


def test_a_dataset_of_list_files_sizes_its_chunks_by_the_lists(tmp_path):
    from xentcli.io.open import open_source

    folder = tmp_path / "parts"
    folder.mkdir()
    p = softmax(np.random.default_rng(12).normal(size=(10, 7)))
    for part in range(2):
        table = pa.table({"label": np.zeros(10, dtype=int), "probs": pa.array(p.tolist())})
        pq.write_table(table, folder / f"part-{part}.parquet")
        with pa.ipc.new_stream(folder.parent / f"s{part}.arrows", table.schema) as writer:
            writer.write_table(table)
    assert open_source(str(folder)).values_per_row("probs") == 7
    assert open_source(str(folder.parent / "s0.arrows")).values_per_row("probs") == 7


def test_a_quoted_newline_in_the_header_is_part_of_a_name(cli, tmp_path):
    """pandas quotes a column name's newline (`to_csv`): the header line ends after the quoted
    name, not inside it (it was read as a one-column header, every row then ragged)."""
    p = {"p_a\nb": [0.8, 0.3, 0.1], "p_c": [0.1, 0.6, 0.1], "p_d": [0.1, 0.1, 0.8]}
    frame = pd.DataFrame({"label": ["a\nb", "c", "d"]} | p)
    frame.to_csv(tmp_path / "x.csv", index=False)
    for where in (str(tmp_path / "x.csv"), "-"):
        stdin = (tmp_path / "x.csv").read_bytes() if where == "-" else None
        report = json.loads(cli("eval", where, "--json", input=stdin).stdout)
        assert report["classes"] == ["a\nb", "c", "d"]
        expected = -(np.log(0.8) + np.log(0.6) + np.log(0.8)) / 3
        assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    frame.drop(columns="p_d").iloc[:2].to_csv(tmp_path / "two.csv", index=False)
    run = cli("eval", str(tmp_path / "two.csv"), "--json")  # a note names both columns
    assert "(p_a\\nb, p_c) are one binary problem" in run.stderr
    assert all(line.startswith("xentcli: ") for line in run.stderr.splitlines())


def test_a_header_quote_never_closed_is_an_error_at_once(tmp_path):
    """A header line ends outside quotes, looked for over 64 line ends: a quote never closed
    made the search go over every line of the file, each time from its start (a 300,000-line
    file did not finish in a minute); now it is said, as pandas says "EOF inside string"."""
    import subprocess
    import sys

    lines = ['label,"prob'] + [f"{i % 2},0.5" for i in range(300_000)]
    (tmp_path / "x.csv").write_text("\n".join(lines) + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "xentcli", "eval", str(tmp_path / "x.csv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert "x.csv: the header line opens a quote that no line end of its first 64" in run.stderr


@pytest.mark.parametrize("decimal", [",", "."])
def test_a_semicolon_separated_spreadsheet_csv_is_read(cli, tmp_path, decimal):
    """Excel's CSV where the decimal separator is the comma: `;` between values, `0,7` for
    0.7 — read so with a note, as pandas reads it with sep=';', decimal=','; it was exit 2
    saying to convert it."""
    rng = np.random.default_rng(4)
    p = np.round(softmax(rng.normal(size=(50, 3))), 6)
    p[:, 2] = 1 - p[:, 0] - p[:, 1]
    frame = pd.DataFrame({"label": rng.choice(["cat", "dog", "ant"], 50)})
    frame[["p_ant", "p_cat", "p_dog"]] = p
    frame["w"] = rng.choice([0.5, 1.5, 2.0], 50)
    frame.to_csv(tmp_path / "x.csv", sep=";", decimal=decimal, index=False)
    reference = log_loss(frame["label"], p, labels=["ant", "cat", "dog"], sample_weight=frame["w"])
    for where in (str(tmp_path / "x.csv"), "-"):
        stdin = (tmp_path / "x.csv").read_bytes() if where == "-" else None
        run = cli("eval", where, "--weight-col", "w", "--json", input=stdin)
        assert run.code == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["metrics"]["cross_entropy"] == pytest.approx(reference, rel=1e-9)
        point = "decimal commas" if decimal == "," else "decimal points"
        assert f"is separated by semicolons, with {point}" in run.stderr


@pytest.mark.parametrize(
    ("name", "text", "said", "format"),
    [
        ("x.csv", "label\tprob\n1\t0.8\n0\t0.3\n", "x.csv is separated by tabs", "tsv"),
        ("x.tsv", "label,prob\n1,0.8\n0,0.3\n", "x.tsv is separated by commas", "csv"),
        # a database export's `|` (psql -A, Hive): was exit 2 with a pandas recipe
        ("x.csv", "label|prob\n1|0.8\n0|0.3\n", "x.csv is separated by vertical bars", "csv"),
        ("x.tsv", "label|prob\n1|0.8\n0|0.3\n", "x.tsv is separated by vertical bars", "csv"),
    ],
)
def test_a_file_named_otherwise_than_it_is_separated_is_read(
    cli, tmp_path, name, text, said, format
):
    """A tab-separated `.csv` or a comma-separated `.tsv` is read as it is written, with a
    note (it was exit 2 saying which --input-format to pass)."""
    (tmp_path / name).write_text(text)
    run = cli("eval", str(tmp_path / name), "--json")
    assert run.code == 0 and f"{said}: read so" in run.stderr
    report = json.loads(run.stdout)
    assert report["inputs"]["format"] == format
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
        -(np.log(0.8) + np.log(0.7)) / 2
    )


def test_a_semicolon_csv_whose_names_hold_commas(cli, tmp_path):
    """pandas does not quote a comma in a semicolon-separated file: `p_a,b` is one name, the
    header read at semicolons because it (and its first row) splits into more columns so; a
    comma CSV with a semicolon in a name stays a comma CSV."""
    (tmp_path / "x.csv").write_text("label;p_a,b;p_c\na,b;0,8;0,2\nc;0,3;0,7\n")
    run = cli("eval", str(tmp_path / "x.csv"), "--json", "--task", "multiclass")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == ["a,b", "c"]
    assert report["metrics"]["cross_entropy"] == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2)
    (tmp_path / "y.csv").write_text("label,prob;raw,prob\n1,0.5,0.8\n0,0.1,0.3\n")
    run = cli("eval", str(tmp_path / "y.csv"), "--json")
    assert run.code == 0 and "semicolons" not in run.stderr
    assert json.loads(run.stdout)["columns"]["predictions"] == ["prob"]


def test_a_semicolon_csv_names_a_bad_cell_and_a_ragged_row(cli, tmp_path):
    """Its errors name the row and column as any CSV's do; a decimal comma is a number there
    (the row of a ragged line is found past cells such as 0,8)."""
    (tmp_path / "x.csv").write_text("label;prob\n1;0,8\n0;abc\n")
    for where in (str(tmp_path / "x.csv"), "-"):
        stdin = (tmp_path / "x.csv").read_bytes() if where == "-" else None
        run = cli("eval", where, input=stdin)
        assert run.code == 2 and "row 2, column 'prob': 'abc' is not a number" in run.stderr
    (tmp_path / "x.csv").write_text("label;prob\n1;0,8\n0;0,3\n1;0,7;9\n")
    run = cli("eval", str(tmp_path / "x.csv"))
    assert run.code == 2 and "row 3: expected 2 fields, found 3" in run.stderr


@pytest.mark.parametrize(
    ("first", "later", "said"),
    [
        (
            "0.5",
            "0,7",
            "a decimal comma, where the file's first rows (64 KiB) wrote decimal points",
        ),
        ("1", "0,7", "a decimal comma, where the file's first rows (64 KiB) wrote decimal points"),
        (
            "0,5",
            "0.7",
            "a decimal point, where the file's first rows (64 KiB) wrote decimal commas",
        ),
    ],
)
def test_a_semicolon_csv_that_changes_its_decimal_separator_says_so(
    cli, tmp_path, first, later, said
):
    """The decimal separator is judged from the first 64 KiB: a number written the other way
    later is exit 2 naming its row (the first such row, not a later bad cell) and what
    happened."""
    rows = [f"1;{first}", f"0;{first}"] * 10_000 + [f"1;{later}", "0;abc"]
    path = tmp_path / "x.csv"
    path.write_text("label;prob\n" + "\n".join(rows) + "\n")
    run = cli("eval", str(path))
    assert run.code == 2, run.stderr
    assert f"row 20001, column 'prob': '{later}' is not a number: {said}" in run.stderr


def test_a_label_column_of_lists_one_value_long_is_the_label(cli, tmp_path):
    """Lists one value long (Keras' y_true of shape (n, 1)) are the label, read as `label.0`
    with a note (prepare/list_targets.py); from stdin too (the first list read ahead tells
    the length); on Dask too (tests/engine/test_dask.py)."""
    pq.write_table(pa.table({"label": [[1], [0]], "prob": [0.7, 0.2]}), tmp_path / "l.parquet")
    text = 'label,prob\n"[1]",0.7\n"[0]",0.2\n'
    (tmp_path / "l.csv").write_text(text)
    for name in ("l.parquet", "l.csv"):
        report = xentcli.evaluate(str(tmp_path / name))
        assert report.metrics["binary_cross_entropy"] == pytest.approx(
            log_loss([1, 0], [0.7, 0.2]), rel=1e-12
        )
        assert "'label' holds lists of 1 value: read as the label column label.0" in report.notes
    run = cli("eval", "-", "--json", input=text)
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss([1, 0], [0.7, 0.2]), rel=1e-12
    )
    assert "read as the label column label.0" in run.stderr


def test_a_json_line_naming_a_key_twice_says_so(cli, tmp_path):
    """pyarrow refuses a key given twice in one object ("Column(/prob) was specified twice"),
    which read as "a value unlike the rows before it": the message says the key is twice, from
    a file and from stdin."""
    path = tmp_path / "twice.jsonl"
    path.write_text('{"label":1,"prob":0.9}\n{"label":0,"prob":0.2,"prob":0.3}\n')
    run = cli("eval", str(path))
    assert run.code == 2, run.stderr
    assert "row 2, column 'prob': the key appears twice in this line" in run.stderr
    piped = cli("eval", "-", "--input-format", "jsonl", input=path.read_bytes())
    assert piped.code == 2 and "the key appears twice in this line" in piped.stderr, piped.stderr


def test_a_parquet_file_through_a_named_pipe_is_read_from_a_temporary_copy(tmp_path, data):
    """`xentcli eval <(zcat preds.parquet.gz) --input-format parquet`, or a FIFO named
    .parquet: a pipe cannot seek to Parquet's footer ("lseek failed"); it is copied to a file
    in --tmp-dir first, as stdin is, and named as given."""
    import threading

    source = tmp_path / "preds.parquet"
    pq.write_table(pa.Table.from_pandas(data, preserve_index=False), source)
    pipe = tmp_path / "pipe.parquet"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(source.read_bytes()), daemon=True)
    writer.start()
    spool = tmp_path / "spool"
    spool.mkdir()
    report = xentcli.evaluate(str(pipe), tmp_dir=str(spool))
    writer.join(timeout=10)
    assert report.to_dict()["inputs"]["predictions"] == str(pipe)
    assert dict(report.metrics) == dict(xentcli.evaluate(str(source)).metrics)
