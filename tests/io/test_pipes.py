"""Inputs from a pipe (`<(zcat preds.jsonl.gz)`, a named pipe) are read once, front to back:
never opened a second time, which would read nothing or wait for a writer that never comes
(io/open.read_once). Each run is a subprocess with a timeout, so a hang fails the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

RNG = np.random.default_rng(12)
N = 60
PROBS = RNG.dirichlet(np.ones(3), N)
LABELS = RNG.integers(0, 3, N)
PAIRS = RNG.uniform(0.05, 0.95, N)
BINARY = (RNG.random(N) < PAIRS).astype(int)


def flat_jsonl() -> str:
    rows = [{"label": int(y), "prob": float(p)} for y, p in zip(BINARY, PAIRS, strict=True)]
    return "".join(json.dumps(r) + "\n" for r in rows)


def pair_lists_csv() -> str:
    lists = [json.dumps([1 - p, p]) for p in PAIRS.tolist()]
    return pd.DataFrame({"label": BINARY, "proba": lists}).to_csv(index=False)


def soft_labels_csv() -> str:
    targets = [json.dumps(row) for row in np.eye(3)[LABELS].tolist()]
    frame = pd.DataFrame({"y_true": targets} | {f"p_{k}": PROBS[:, k] for k in range(3)})
    return frame.to_csv(index=False)


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "xentcli", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


def through_a_pipe(tmp_path: Path, name: str, data: str | bytes) -> Path:
    """A named pipe that a thread fills with `data` once a reader opens it."""
    pipe = tmp_path / name
    os.mkfifo(pipe)
    raw = data.encode() if isinstance(data, str) else data
    threading.Thread(target=lambda: pipe.write_bytes(raw), daemon=True).start()
    return pipe


@pytest.mark.parametrize(
    ("name", "make", "fmt"),
    [
        ("flat.jsonl", flat_jsonl, "jsonl"),  # was "no data rows": the flat reader reopened it
        ("pairs.csv", pair_lists_csv, "csv"),  # the run read again over the lists' columns
        ("soft.csv", soft_labels_csv, "csv"),  # ... over the label lists' targets
    ],
)
def test_a_pipe_reads_as_the_file_does(tmp_path, name, make, fmt):
    text = make()
    (tmp_path / f"file.{fmt}").write_text(text)
    expected = run(["eval", f"file.{fmt}", "--json", "-q"], tmp_path)
    assert expected.returncode == 0, expected.stderr
    pipe = through_a_pipe(tmp_path, name, text)
    got = run(["eval", str(pipe), "--json", "-q"], tmp_path)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["metrics"] == json.loads(expected.stdout)["metrics"]


def test_a_bad_line_from_a_pipe_is_named_without_waiting(tmp_path):
    text = flat_jsonl().replace('"prob": ', '"prob": [', 1)  # the first line is not JSON
    pipe = through_a_pipe(tmp_path, "bad.jsonl", text)
    got = run(["eval", str(pipe)], tmp_path)
    assert got.returncode == 2
    assert got.stderr.startswith(f"xentcli: error: {pipe}, row 1"), got.stderr


def test_compare_copies_a_pipe(tmp_path):
    text = pair_lists_csv()
    (tmp_path / "b.csv").write_text(text)
    pipe = through_a_pipe(tmp_path, "a.csv", text)
    got = run(["compare", str(pipe), "b.csv", "--json", "--bootstrap", "20"], tmp_path)
    assert got.returncode == 0, got.stderr
    report = json.loads(got.stdout)
    assert all(d["difference"] == 0 for d in report["differences"])
    assert report["a"]["inputs"]["predictions"] == str(pipe)


def test_parquet_from_a_pipe_is_read_again_from_its_copy(tmp_path):
    """Parquet through a pipe is copied to a file (its footer is at its end); a list column of
    two probabilities makes the run start again over its columns: from that copy (it read the
    pipe again: "the file is empty")."""
    table = pa.table({"label": BINARY, "proba": pa.array([[1 - p, p] for p in PAIRS.tolist()])})
    pq.write_table(table, tmp_path / "file.parquet")
    expected = run(["eval", "file.parquet", "--json", "-q"], tmp_path)
    assert expected.returncode == 0, expected.stderr
    pipe = through_a_pipe(tmp_path, "pairs", (tmp_path / "file.parquet").read_bytes())
    got = run(["eval", str(pipe), "--input-format", "parquet", "--json", "-q"], tmp_path)
    assert got.returncode == 0, got.stderr
    assert json.loads(got.stdout)["metrics"] == json.loads(expected.stdout)["metrics"]
