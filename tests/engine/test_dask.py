"""--engine dask against the local engine: every layout, every breakdown, faults (SPEC §4 numbers
are the local engine's; the cluster must give the same report to 1e-12)."""

from __future__ import annotations

import json
import math
import os
import signal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

import xentcli
from tests.conftest import SAMPLES, run_cli
from xentcli.api import evaluate_with
from xentcli.engine import dask as dask_engine
from xentcli.engine.plan import layout_of, make_plan
from xentcli.errors import InputError, UsageError
from xentcli.io.open import open_source
from xentcli.options import EvalOptions

N = 6000
ROW_GROUP = 500  # with FRAGMENT_ROWS = 1000: six fragments a file, and a tree of merges


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes, one thread each, shared by the tests of this module."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


@pytest.fixture(autouse=True)
def small_fragments(monkeypatch):
    monkeypatch.setattr(dask_engine, "FRAGMENT_ROWS", 1000)


def tables() -> dict[str, tuple[pa.Table, dict]]:
    """One table per layout, and the options that read it."""
    rng = np.random.default_rng(7)
    probs = rng.dirichlet(np.ones(4), N)
    labels = rng.integers(0, 4, N)
    weights = rng.random(N)
    region = rng.choice(["eu", "us", "asia"], N)
    p = rng.random(N)
    y = (rng.random(N) < p).astype(np.int64)
    wide = {f"p_{k}": probs[:, k] for k in range(4)}
    targets = rng.dirichlet(np.ones(4), N)
    return {
        "binary": (pa.table({"prob": p, "label": y, "region": region}), {}),
        "binary-logits": (
            pa.table({"score": rng.normal(size=N) * 3, "label": y, "w": weights}),
            {"pred_col": "score", "logits": True, "weight_col": "w"},
        ),
        "multiclass-wide": (pa.table(wide | {"label": labels, "region": region}), {}),
        "multiclass-named": (
            pa.table(
                {f"p_{name}": probs[:, k] for k, name in enumerate(["ant", "bee", "cat", "dog"])}
                | {"label": np.array(["ant", "bee", "cat", "dog"])[labels]}
            ),
            {},
        ),
        "binary-positive": (
            pa.table({"prob": p, "label": np.array(["ham", "spam"])[y]}),
            {"positive": "spam"},
        ),
        "multiclass-list": (
            pa.table({"probs": pa.array(list(probs)), "label": labels}),
            {"pred_col": "probs"},
        ),
        "soft-labels": (
            pa.table(wide | {f"y_{k}": targets[:, k] for k in range(4)}),
            {"label_col": "y_*"},
        ),
        "multilabel": (
            pa.table(wide | {f"y_{k}": (rng.random(N) < 0.5).astype(np.int64) for k in range(4)}),
            {"label_col": "y_*", "task": "multilabel"},
        ),
        "regression": (
            pa.table({"y_pred": rng.normal(size=N), "y": rng.normal(size=N), "w": weights}),
            {"task": "regression", "weight_col": "w"},
        ),
        # list columns read as columns (prepare/list_targets.py), on Dask through each task's view
        "binary-list": (pa.table({"probs": pa.array(list(np.c_[1 - p, p])), "label": y}), {}),
        "binary-list-of-one": (
            pa.table({"proba": pa.array(list(p[:, None])), "label": y}),
            {"pred_col": "proba"},
        ),
        "one-hot-label-list": (
            pa.table(wide | {"label": pa.array(list(np.eye(4)[labels]))}),
            {},
        ),
        "soft-label-list": (
            pa.table({"probs": pa.array(list(probs)), "label": pa.array(list(targets))}),
            {"pred_col": "probs"},
        ),
        "label-list-of-one": (pa.table({"prob": p, "label": pa.array(list(y[:, None]))}), {}),
        # predicted labels where the classes are known before any row: binary, or --classes
        "hard-binary": (
            pa.table({"y_true": y, "y_pred": (p > 0.5).astype(np.int64), "region": region}),
            {"task": "binary", "per_class": True, "by": ["region"]},
        ),
        "hard-named": (
            pa.table(
                {
                    "label": np.array(list("abcd"))[labels],
                    "pred": np.array(list("abcd"))[probs.argmax(axis=1)],
                }
            ),
            {"classes": ["a", "b", "c", "d"], "per_class": True},
        ),
    }


TABLES = tables()


def assert_same(local: object, remote: object, path: str = "") -> None:
    """Equal reports: numbers to 1e-12 relative, everything else exactly."""
    if isinstance(local, dict):
        assert isinstance(remote, dict) and local.keys() == remote.keys(), path
        for key in local:
            assert_same(local[key], remote[key], f"{path}/{key}")
    elif isinstance(local, list):
        assert isinstance(remote, list) and len(local) == len(remote), path
        for i, (a, b) in enumerate(zip(local, remote, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(local, float) and not math.isnan(local):
        # mcc and cohen_kappa near 0 are differences of near-equal sums of weights, which the
        # two engines add in other chunks: their last bits may differ by ~1e-15 absolute
        near_zero = 1e-13 if path.rsplit("/", 1)[-1].startswith(("mcc", "cohen_kappa")) else 1e-15
        assert remote == pytest.approx(local, rel=1e-12, abs=near_zero), path
    elif isinstance(local, float):
        assert isinstance(remote, float) and math.isnan(remote), path
    else:
        assert local == remote, path


def both(path: str, cluster: LocalCluster, **options: object) -> tuple[dict, dict]:
    """The local and the Dask engine's reports as dicts, bootstrap replicates included."""
    reports = [
        xentcli.evaluate(path, **options),
        xentcli.evaluate(path, engine="dask", scheduler=cluster.scheduler_address, **options),
    ]
    return tuple(  # type: ignore[return-value]
        report.to_dict()
        | {"replicates": {k: v.tolist() for k, v in (report.replicates or {}).items()}}
        for report in reports
    )


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_layout_equals_the_local_engine(tmp_path, cluster, name):
    table, options = TABLES[name]
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    local, remote = both(str(path), cluster, **options)
    assert remote["rows"]["read"] == N
    assert_same(local, remote)


@pytest.mark.parametrize("name", ["binary", "multiclass-wide"])
def test_breakdowns_equal_the_local_engine(tmp_path, cluster, name):
    table, options = TABLES[name]
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    local, remote = both(
        str(path),
        cluster,
        by=("region",),
        per_class=True,
        calibration=True,
        bootstrap=50,
        worst=25,
        **options,
    )
    assert len(remote["groups"]) == 3 and len(remote["replicates"]["error"]) == 50
    assert len(remote["worst"]["rows"]) == 25
    assert_same(local, remote)


def test_classes_of_rows_of_weight_0_merge_as_the_local_engine_counts_them(tmp_path, cluster):
    """A class met only in rows of weight 0 is in scikit-learn's macro means: its flags merge
    across fragments and groups like the totals (class 3 only in the last fragments here)."""
    from sklearn.metrics import f1_score

    table, _ = TABLES["multiclass-wide"]
    probs = np.column_stack([table[f"p_{k}"].to_numpy() for k in range(4)])
    labels, early = table["label"].to_numpy().copy(), np.arange(N) < N // 2
    probs[early, 3] = 0.0
    probs /= probs.sum(axis=1, keepdims=True)
    labels[early & (labels == 3)] = 0
    predicted = probs.argmax(axis=1)
    w = np.where((labels == 3) | (predicted == 3), 0.0, 1.0)
    columns = {f"p_{k}": probs[:, k] for k in range(4)}
    data = pa.table(columns | {"label": labels, "region": table["region"], "w": w})
    path = tmp_path / "weights.parquet"
    pq.write_table(data, path, row_group_size=ROW_GROUP)
    local, remote = both(str(path), cluster, weight_col="w", by=("region",), per_class=True)
    expected = f1_score(labels, predicted, average="macro", sample_weight=w, zero_division=0)
    assert local["metrics"]["macro_f1"] == pytest.approx(expected, rel=1e-12)
    assert_same(local, remote)


@pytest.mark.parametrize("ranges", [1, 7])
@pytest.mark.parametrize("name", ["binary", "multiclass-wide", "binary-logits", "multilabel"])
def test_ranking_metrics_equal_the_local_engine(tmp_path, cluster, monkeypatch, name, ranges):
    from xentcli.engine import dask_ranking

    table, options = TABLES[name]
    if name == "multilabel":
        options = options | {"average": "micro"}
    if "region" not in table.column_names:
        table = table.append_column("region", pa.array(np.resize(["eu", "us", "asia"], N)))
    entries = N * (1 if name.startswith("binary") else 4 + (name == "multilabel"))
    monkeypatch.setattr(dask_ranking, "RANGE_ENTRIES", -(-entries * 2 // ranges))  # per range
    path = tmp_path / f"{name}.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    local, remote = both(
        str(path), cluster, auc=True, by=("region",), per_class=True, bootstrap=20, **options
    )
    assert "roc_auc" in remote["metrics"] and "curves" in remote
    assert len(remote["replicates"]["roc_auc"]) == 20 and "roc_auc" in remote["intervals"]
    assert_same(local, remote)


def test_hive_dataset_and_glob_equal_the_local_engine(tmp_path, cluster):
    table, _ = TABLES["multiclass-wide"]
    root = tmp_path / "ds"
    for i, region in enumerate(["asia", "eu", "us"]):
        part = table.filter(pa.compute.equal(table["region"], region)).drop_columns(["region"])
        folder = root / f"region={region}"
        folder.mkdir(parents=True)
        pq.write_table(part.slice(0, 700), folder / "a.parquet", row_group_size=300)
        pq.write_table(part.slice(700), folder / f"b{i}.parquet", row_group_size=400)
    (root / "_SUCCESS").write_text("")
    local, remote = both(str(root), cluster, by=("region",), bootstrap=20)
    assert_same(local, remote)
    local, remote = both(str(root / "region=*" / "*.parquet"), cluster)
    assert_same(local, remote)


def test_nan_skip_and_ignored_labels_count_alike(tmp_path, cluster):
    table, _ = TABLES["binary"]
    prob = table["prob"].to_numpy().copy()
    prob[::97] = np.nan
    label = table["label"].to_numpy().copy()
    label[::89] = -100
    path = tmp_path / "holes.parquet"
    pq.write_table(
        table.set_column(0, "prob", pa.array(prob)).set_column(1, "label", pa.array(label)),
        path,
        row_group_size=ROW_GROUP,
    )
    local, remote = both(str(path), cluster, nan="skip", ignore_label="-100", per_class=True)
    assert remote["rows"]["skipped"] > 0 and remote["rows"]["ignored"] > 0
    assert_same(local, remote)


def test_bad_value_names_the_same_row_as_the_local_engine(tmp_path, cluster):
    table, _ = TABLES["binary"]
    prob = table["prob"].to_numpy().copy()
    prob[4321] = 1.5
    path = tmp_path / "bad.parquet"
    pq.write_table(table.set_column(0, "prob", pa.array(prob)), path, row_group_size=ROW_GROUP)
    args = ("eval", str(path))
    local = run_cli(*args)
    remote = run_cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert local.code == remote.code == 2
    assert remote.stderr == local.stderr
    assert "row 4322" in remote.stderr and remote.stdout == ""


def test_a_fragment_that_cannot_be_read_is_named(tmp_path, cluster):
    table, _ = TABLES["multiclass-wide"]
    path = tmp_path / "corrupt.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP, compression="snappy")
    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(7).column(0)
    start = column.data_page_offset
    data = bytearray(path.read_bytes())
    data[start : start + column.total_compressed_size] = np.random.default_rng(0).bytes(
        column.total_compressed_size
    )
    path.write_bytes(bytes(data))
    run = run_cli("eval", str(path), "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert run.code == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0]
    assert "row groups 6-7" in lines[0]


def test_rows_are_counted_against_the_footer(tmp_path):
    table, _ = TABLES["binary"]
    path = tmp_path / "b.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    source = open_source(str(path))
    plan = make_plan(EvalOptions(), layout_of(source, None, EvalOptions()))
    fragment = dask_engine.fragments_of(source)[0]
    claimed = dask_engine.Fragment(fragment.path, fragment.row_groups, 0, fragment.rows + 1)
    with pytest.raises(InputError, match=r"read 1000 rows; the footer lists 1001"):
        dask_engine.run_fragment(claimed, source.name, {}, plan)


def test_a_killed_worker_changes_nothing(tmp_path):
    """A worker process is killed (SIGKILL) once the first fragment is done, holding its result:
    Dask reruns the lost tasks and the report is bit-for-bit the undisturbed one."""
    table, _ = TABLES["multiclass-wide"]
    path = tmp_path / "m.parquet"
    pq.write_table(pa.concat_tables([table] * 4), path, row_group_size=ROW_GROUP)
    options = {"by": ("region",), "bootstrap": 20, "per_class": True}
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as local,
        Client(local) as client,
    ):
        undisturbed = xentcli.evaluate(
            str(path), engine="dask", scheduler=local.scheduler_address, **options
        ).to_dict()
        pids = client.run(os.getpid)
        killed: list[int] = []

        def kill_a_holder(rows: int, fraction: float | None) -> None:
            if killed:
                return
            holders = {w for workers in client.who_has().values() for w in workers}
            victim = sorted(holders)[0]
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(pids[victim])

        opts = EvalOptions(engine="dask", scheduler=local.scheduler_address, **options)
        report = evaluate_with(str(path), None, opts, kill_a_holder)
        assert killed, "no worker was killed"
        with pytest.raises(ProcessLookupError):
            os.kill(killed[0], 0)
    assert report.to_dict() == undisturbed


def test_default_cluster_from_the_command_line(tmp_path):
    """No --scheduler: a LocalCluster of processes is started and stopped by xentcli."""
    path = SAMPLES / "binary.parquet"
    local = run_cli("eval", str(path), "--json")
    remote = run_cli("eval", str(path), "--json", "--engine", "dask", "-q")
    assert remote.code == 0, remote.stderr
    assert_same(json.loads(local.stdout), json.loads(remote.stdout))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "dask", str(SAMPLES / "net1.csv")], "--engine dask reads Parquet"),
        (
            ["--engine", "dask", str(SAMPLES / "binary.parquet"), "--labels", "x.parquet"],
            "--labels needs --engine local",
        ),
        (["--scheduler", "tcp://127.0.0.1:1", str(SAMPLES / "binary.parquet")], "--engine dask"),
    ],
)
def test_usage_errors(args, message):
    run = run_cli("eval", *args)
    assert run.code == 2 and message in run.stderr and run.stdout == ""


def test_unreachable_scheduler_is_named(monkeypatch):
    monkeypatch.setattr(dask_engine, "CONNECT_SECONDS", 1)
    address = "tcp://127.0.0.1:9"
    run = run_cli(
        "eval", str(SAMPLES / "binary.parquet"), "--engine", "dask", "--scheduler", address
    )
    assert run.code == 2 and address in run.stderr and "Traceback" not in run.stderr


def test_usage_error_type():
    with pytest.raises(UsageError, match="--scheduler names a Dask scheduler"):
        evaluate_with(str(SAMPLES / "binary.parquet"), None, EvalOptions(scheduler="tcp://x:1"))


def test_a_scheduler_without_workers_is_an_error(monkeypatch):
    monkeypatch.setattr(dask_engine, "CONNECT_SECONDS", 1)
    with LocalCluster(n_workers=0, processes=True, dashboard_address=":0") as empty:
        run = run_cli(
            "eval",
            str(SAMPLES / "binary.parquet"),
            "--engine",
            "dask",
            "--scheduler",
            empty.scheduler_address,
        )
    assert run.code == 2 and "has no workers" in run.stderr and run.stdout == ""


def test_a_third_label_value_in_another_fragment_is_an_error(tmp_path, cluster):
    """With --positive, each fragment sees its own second value; the merge checks they agree."""
    table, _ = TABLES["binary-positive"]
    labels = table["label"].to_numpy(zero_copy_only=False).copy()
    labels[5000:] = np.where(
        labels[5000:] == "ham", "eggs", labels[5000:]
    )  # from a fragment's start
    path = tmp_path / "three.parquet"
    pq.write_table(table.set_column(1, "label", pa.array(labels)), path, row_group_size=ROW_GROUP)
    args = ("eval", str(path), "--positive", "spam")
    local = run_cli(*args)
    remote = run_cli(*args, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert local.code == remote.code == 2
    assert "row 5001" in local.stderr and "'eggs'" in local.stderr
    assert remote.stderr.startswith(f"xentcli: error: {path}: ")
    assert "'eggs'" in remote.stderr and "'ham'" in remote.stderr


def test_zero_and_minus_one_labels_in_different_fragments_are_refused(tmp_path, cluster):
    """0/1 labels in one fragment and -1/1 in another: three label values, as the local
    engine says (each fragment alone would read its own)."""
    pq.write_table(
        pa.table({"label": [1, 0] * 500 + [1, -1] * 500, "prob": [0.7, 0.4] * 1000}),
        tmp_path / "m.parquet",
        row_group_size=ROW_GROUP,
    )
    signed = xentcli.evaluate(  # -1/1 alone reads as scikit-learn reads it
        pa.table({"label": [1, -1] * 500, "prob": [0.7, 0.4] * 500})
    )
    assert signed.metrics["error"] == pytest.approx(0.0)
    for engine in ({}, {"engine": "dask", "scheduler": cluster.scheduler_address}):
        with pytest.raises(InputError, match="-1"):
            xentcli.evaluate(str(tmp_path / "m.parquet"), **engine)


def test_predicted_labels_of_classes_found_as_they_come_are_refused(tmp_path, cluster):
    """Without --classes each task would find a multiclass problem's classes in its own order:
    a usage error naming --classes, before any task runs."""
    table, _ = TABLES["hard-named"]
    path = tmp_path / "hard.parquet"
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    run = run_cli("eval", str(path), "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert run.code == 2, run.stderr
    assert "--engine dask evaluates predicted labels of several classes only with --classes" in (
        run.stderr
    )
    assert "needs scores" not in run.stderr


def test_list_columns_are_read_as_columns_as_the_local_engine_reads_them(tmp_path, cluster):
    """A list of two probabilities and a label list in one file: each task reads them through
    the view the driver decided on, with the same notes."""
    path = tmp_path / "lists.parquet"
    p = np.linspace(0.05, 0.95, N)
    table = pa.table(
        {
            "label": pa.array(list((p > 0.4).astype(np.int64)[:, None])),
            "probs": pa.array(list(np.c_[1 - p, p])),
        }
    )
    pq.write_table(table, path, row_group_size=ROW_GROUP)
    local, remote = both(str(path), cluster)
    assert_same(local, remote)
    assert remote["task"] == "binary" and remote["rows"]["used"] == N
    run = run_cli("eval", str(path), "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert run.code == 0, run.stderr
    assert "'probs' holds lists of 2 values: read as the two columns probs.0, probs.1" in run.stderr
    assert "'label' holds lists of 1 value: read as the label column label.0" in run.stderr
