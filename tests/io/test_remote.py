"""Remote inputs: an S3-compatible server (moto) on 127.0.0.1, reached through pyarrow.fs with the
endpoint and credentials from the standard AWS environment; other URLs through fsspec."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import boto3
import fsspec
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

import xentcli
from tests.conftest import SAMPLES, run_cli
from xentcli.io import storage

BUCKET = "preds"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A fresh S3 server with one bucket of files; the AWS_* environment points at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    table = pq.read_table(SAMPLES / "multiclass10.parquet")
    local = tmp_path_factory.mktemp("s3")
    pacsv.write_csv(table, local / "m.csv")
    pq.write_table(table, local / "m.parquet", row_group_size=700)
    objects = {
        "m.csv": (local / "m.csv").read_bytes(),
        "m.csv.gz": gzip.compress((local / "m.csv").read_bytes()),
        "m.parquet": (local / "m.parquet").read_bytes(),
        "binary.parquet": (SAMPLES / "binary.parquet").read_bytes(),
    }
    half = table.num_rows // 2
    for split, part in (("a", table.slice(0, half)), ("b", table.slice(half))):
        sink = pa.BufferOutputStream()
        pq.write_table(part, sink)
        objects[f"ds/split={split}/part.parquet"] = sink.getvalue().to_pybytes()
    objects["ds/_SUCCESS"] = b""
    for key, body in objects.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    yield local
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def metrics(*args: str) -> dict:
    run = run_cli("eval", *args, "--json")
    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["metrics"]


@pytest.mark.parametrize("name", ["m.csv", "m.csv.gz", "m.parquet"])
def test_s3_file_equals_the_local_file(s3: Path, name: str) -> None:
    local = s3 / "m.csv" if name.startswith("m.csv") else s3 / name
    assert metrics(f"s3://{BUCKET}/{name}") == metrics(str(local))


def test_s3_directory_and_glob_read_every_part(s3: Path) -> None:
    whole = metrics(str(s3 / "m.parquet"))
    by_folder = metrics(f"s3://{BUCKET}/ds")
    by_glob = metrics(f"s3://{BUCKET}/ds/split=*/*.parquet")
    for name, value in whole.items():
        assert by_folder[name] == pytest.approx(value, rel=1e-12)
        assert by_glob[name] == by_folder[name]


def test_s3_hive_partition_is_a_column(s3: Path) -> None:
    run = run_cli("eval", f"s3://{BUCKET}/ds", "--by", "split", "--json")
    assert run.code == 0, run.stderr
    groups = json.loads(run.stdout)["groups"]
    assert sorted(g["group"]["split"] for g in groups) == ["a", "b"]


def test_missing_object_names_the_url(s3: Path) -> None:
    url = f"s3://{BUCKET}/nope.parquet"
    run = run_cli("eval", url)
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"xentcli: error: {url}: no such object"]


def test_missing_bucket_names_the_url(s3: Path) -> None:
    url = "s3://no-such-bucket/preds.csv"
    run = run_cli("eval", url)
    assert run.code == 2
    assert url in run.stderr and "Traceback" not in run.stderr


def test_glob_matching_nothing(s3: Path) -> None:
    run = run_cli("eval", f"s3://{BUCKET}/ds/*.csv")
    assert run.code == 2
    assert "matches no object" in run.stderr


def test_fsspec_url() -> None:
    """A scheme pyarrow.fs does not know (here fsspec's in-memory store) goes through fsspec."""
    store = fsspec.filesystem("memory")
    store.pipe("/xentcli-test/binary.parquet", (SAMPLES / "binary.parquet").read_bytes())
    remote = xentcli.evaluate("memory://xentcli-test/binary.parquet")
    local = xentcli.evaluate(str(SAMPLES / "binary.parquet"))
    assert remote.metrics == local.metrics


def test_s3_dataset_on_the_dask_engine(s3: Path) -> None:
    """Workers read the fragments from the store themselves, with the same AWS_* environment."""
    whole = metrics(f"s3://{BUCKET}/ds")
    on_dask = metrics(f"s3://{BUCKET}/ds", "--engine", "dask", "-q")
    for name, value in whole.items():
        assert on_dask[name] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("b/ds/*.parquet", "b/ds/x.parquet", True),
        ("b/ds/*.parquet", "b/ds/k=1/x.parquet", False),  # * stays within one folder
        ("b/ds/**/*.parquet", "b/ds/x.parquet", True),  # ** may match no folder
        ("b/ds/**/*.parquet", "b/ds/k=1/j=2/x.parquet", True),
        ("b/ds/k=?/*.pq", "b/ds/k=1/x.pq", True),
        ("b/ds/k=[ab]/*.pq", "b/ds/k=c/x.pq", False),
    ],
)
def test_remote_globs_match_like_local_ones(pattern: str, path: str, matches: bool) -> None:
    assert storage._glob_match(pattern.split("/"), path.split("/")) is matches


def test_s3_recursive_glob(s3: Path) -> None:
    by_folder = metrics(f"s3://{BUCKET}/ds")
    assert metrics(f"s3://{BUCKET}/**/part.parquet") == by_folder


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("s3://b/k", True),
        ("gs://b/k", True),
        ("memory://x", True),
        ("preds.csv", False),
        ("./s3:/x", False),
        ("C:/data/x.csv", False),
    ],
)
def test_what_counts_as_a_url(text: str, url: bool) -> None:
    assert storage.is_url(text) is url
