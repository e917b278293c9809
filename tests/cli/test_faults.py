"""Faults while xentcli runs (SPEC §7, docs/reliability.md): a file cut shorter while it is read,
in every format — exit 2 with one line naming the file, never a signal, never a number. Each run
is its own process (a signal would end it, not the test run)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pytest

N = 200_000

# runs the CLI with the input cut to a tenth of its size once the first chunk is scored
TRUNCATE_AFTER_FIRST_CHUNK = """
import os, sys
from xentcli.engine import accumulate
from xentcli.cli import main

path = sys.argv[1]
original = accumulate.Accumulator.add
state = {"cut": False}

def add(self, scored):
    original(self, scored)
    if not state["cut"]:
        state["cut"] = True
        os.truncate(path, os.path.getsize(path) // 10)

accumulate.Accumulator.add = add
sys.argv = ["xentcli", "eval", path, "--chunk-rows", "4096", "--json"]
main()
"""


def frame(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    p = rng.random(n)
    return pd.DataFrame({"label": (rng.random(n) < p).astype(np.int64), "prob": p})


def write(data: pd.DataFrame, path, fmt: str) -> None:
    if fmt == "csv":
        data.to_csv(path, index=False)
    elif fmt == "parquet":
        data.to_parquet(path, row_group_size=8192)
    elif fmt == "arrow":
        feather.write_feather(pa.Table.from_pandas(data), path, chunksize=8192)
    elif fmt == "arrow-stream":
        table = pa.Table.from_pandas(data)
        with pa.ipc.new_stream(path, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=8192):
                writer.write_batch(batch)
    else:
        data.to_json(path, orient="records", lines=True)


@pytest.mark.parametrize(
    ("fmt", "suffix"),
    [
        ("csv", "csv"),
        ("parquet", "parquet"),
        ("arrow", "arrow"),
        ("arrow-stream", "arrows"),
        ("jsonl", "jsonl"),
    ],
)
def test_a_file_cut_shorter_while_read_is_exit_2(tmp_path, fmt, suffix):
    path = tmp_path / f"preds.{suffix}"
    # text is read ahead in 4 MiB blocks: a file several times that is cut while still read
    write(frame(N * 10 if fmt in ("csv", "jsonl") else N), path, fmt)
    extra = ["--input-format", "arrow"] if suffix == "arrows" else []
    code = TRUNCATE_AFTER_FIRST_CHUNK.replace('"--json"]', f'"--json", *{extra!r}]')
    run = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])  # a signal is negative
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xentcli: error: "), run.stderr
    assert str(path) in lines[0] and "Traceback" not in run.stderr
    assert run.stdout == ""


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 KiB tmpfs filled to the brim. Mounting needs root: CI has it (and the
    test fails there if the mount does); elsewhere the test says it needs root."""
    import os

    folder = tmp_path / "full"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and can mount a tmpfs: {mounted.stderr!r}")
        pytest.skip("mounting a tmpfs needs root (CI runs this)")
    try:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:  # ENOSPC: full
            pass
        finally:
            os.close(fd)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.parametrize(
    "flags",
    [
        ["-o", "{full}/report.json"],
        ["--rows-out", "{full}/rows.parquet"],
        ["--auc", "--tmp-dir", "{full}"],
    ],
    ids=["report", "rows-out", "auc-spill"],
)
def test_a_full_disk_is_exit_2_naming_where(tmp_path, full_disk, flags):
    import os

    path = tmp_path / "preds.parquet"
    write(frame(), path, "parquet")
    args = [flag.replace("{full}", str(full_disk)) for flag in flags]
    env = os.environ | {"XENTCLI_SPILL_ENTRIES": "10000"}
    run = subprocess.run(
        [sys.executable, "-m", "xentcli", "eval", str(path), *args, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], run.stderr
    assert str(full_disk) in lines[0] and run.stdout == ""
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]  # nothing half-written
