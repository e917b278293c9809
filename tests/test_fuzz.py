"""The project's fuzz test (docs/reliability.md): valid inputs in every format and layout, mutated
by hypothesis — bytes flipped, cut, doubled, NULs, BOMs, huge and subnormal numbers, cells
emptied — must end in exit 0 with the numbers an independent reader computes from the same bytes,
or in exit 2 with one line naming the file; never 1 or 3, never a traceback, never a stray warning
(pytest turns warnings into errors, which the CLI would report as exit 3).

The default run tries a few dozen cases (seconds); `pytest -m slow` runs thousands."""

from __future__ import annotations

import gzip
import io
import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli

FORMATS = ("csv", "tsv", "jsonl", "ndjson", "parquet", "arrow", "csv.gz", "jsonl.gz")
FROM_STDIN = ("-csv", "-tsv", "-jsonl")  # the same bytes on stdin, with --input-format
LAYOUTS = ("binary", "multiclass", "list")
TEXT = ("csv", "tsv", "jsonl", "ndjson")
EXTRA = (  # sections on top: each must keep the invariant too
    (),
    ("--auc",),
    ("--worst", "3"),
    ("--per-class",),
    ("--calibration", "--bins", "3"),
    ("--by", "label"),
    ("--bootstrap", "5"),
    ("--rows-out", "{tmp}/rows.parquet"),
)
MUTATIONS = (
    "none",
    "flip",
    "cut",
    "double",
    "nul",
    "bom",
    "delete",
    "insert",
    "huge",
    "tiny",
    "empty_cell",
)


def table(layout: str, rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if layout == "binary":
        p = np.round(rng.random(rows), 4)
        return pd.DataFrame({"label": (rng.random(rows) < 0.5).astype(int), "prob": p})
    raw = rng.random((rows, 3)) + 0.05
    p = np.round(raw / raw.sum(axis=1, keepdims=True), 6)
    p[:, 2] = 1.0 - p[:, 0] - p[:, 1]
    y = rng.integers(0, 3, rows)
    if layout == "multiclass":
        return pd.DataFrame({"label": y, "p_0": p[:, 0], "p_1": p[:, 1], "p_2": p[:, 2]})
    return pd.DataFrame({"label": y, "probs": [list(map(float, r)) for r in p]})


def encoded(data: pd.DataFrame, fmt: str) -> bytes:
    if fmt in ("csv", "tsv"):
        if "probs" in data:
            data = data.assign(probs=[json.dumps(v) for v in data["probs"]])
        return data.to_csv(index=False, sep="," if fmt == "csv" else "\t").encode()
    if fmt == "jsonl":  # pandas' compact lines
        return data.to_json(orient="records", lines=True).encode()
    if fmt == "ndjson":  # json.dumps' default spacing, as a Python loop writes lines
        records = json.loads(data.to_json(orient="records"))
        return "".join(json.dumps(r) + "\n" for r in records).encode()
    sink = io.BytesIO()
    arrow = pa.Table.from_pandas(data, preserve_index=False)
    if fmt == "parquet":
        pq.write_table(arrow, sink)
    else:
        feather.write_feather(arrow, sink)
    return sink.getvalue()


def mutated(raw: bytes, how: str, at: float, fmt: str) -> bytes:
    """One mutation at a relative position `at` in [0, 1)."""
    i = min(len(raw) - 1, int(at * len(raw)))
    if how == "flip":
        return raw[:i] + bytes([raw[i] ^ 0xFF]) + raw[i + 1 :]
    if how == "cut":
        return raw[:i]
    if how == "double":
        return raw[:i] + raw[i:] + raw[i:]
    if how == "nul":
        return raw[:i] + b"\x00" + raw[i:]
    if how == "bom":
        return b"\xef\xbb\xbf" + raw
    if how == "delete":
        return raw[:i] + raw[i + 1 :]
    if how == "insert":
        return raw[:i] + b',"x' + raw[i:]
    if fmt not in TEXT:  # the rest edit numbers in text
        return raw
    text = raw.decode("utf-8", "replace")
    if how in ("huge", "tiny", "empty_cell"):
        digits = [k for k, c in enumerate(text) if c == "."]
        if not digits:
            return raw
        k = digits[min(len(digits) - 1, int(at * len(digits)))]
        start = k
        while start > 0 and text[start - 1].isdigit():
            start -= 1
        end = k + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        new = {"huge": "1e308", "tiny": "5e-324", "empty_cell": ""}[how]
        text = text[:start] + new + text[end:]
    return text.encode()


def read_frame(path: str, fmt: str) -> pd.DataFrame:
    """The file as pandas or pyarrow read it (the reference reader)."""
    if fmt in ("csv", "tsv"):
        return pd.read_csv(path, sep="," if fmt == "csv" else "\t", encoding="utf-8")
    if fmt in ("jsonl", "ndjson"):
        return pd.read_json(path, lines=True)
    if fmt == "parquet":
        return pq.read_table(path).to_pandas()
    return feather.read_table(path).to_pandas()


def independent(path: str, fmt: str, layout: str) -> dict[str, float] | None:
    """What pandas or pyarrow make of the bytes: the metrics, or None when they cannot read
    them as a clean table of this layout (then only the exit code and message are checked)."""
    try:
        data = read_frame(path, fmt)
    except Exception:  # noqa: BLE001 - whatever the reference cannot read, it does not judge
        return None
    return reference_metrics(data, layout)


def reference_metrics(data: pd.DataFrame, layout: str) -> dict[str, float] | None:
    """The metrics numpy computes from a clean table of this layout, else None."""
    try:
        y = data["label"].to_numpy()
        if layout == "binary":
            p = data["prob"].to_numpy(dtype=np.float64)
        elif layout == "multiclass":
            p = data[["p_0", "p_1", "p_2"]].to_numpy(dtype=np.float64)
        else:
            cells = data["probs"]
            rows = [json.loads(c) if isinstance(c, str) else list(c) for c in cells]
            p = np.array(rows, dtype=np.float64)
        if data.columns.duplicated().any() or not np.issubdtype(y.dtype, np.integer):
            return None
    except Exception:  # noqa: BLE001 - whatever the reference cannot read, it does not judge
        return None
    if len(y) == 0 or not np.isfinite(p).all() or p.min() < 0 or p.max() > 1:
        return None
    eps = np.finfo(np.float64).eps
    if layout == "binary":
        if not set(np.unique(y)) <= {0, 1}:
            return None
        q = np.clip(np.where(y == 1, p, 1 - p), eps, 1 - eps)
        return {"binary_cross_entropy": float(np.mean(-np.log(q)))}
    if p.ndim != 2 or p.shape[1] != 3 or not set(np.unique(y)) <= {0, 1, 2}:
        return None
    if np.abs(p.sum(axis=1) - 1).max() > 1e-4:
        return None
    q = np.clip(p[np.arange(len(y)), y], eps, 1 - eps)
    return {"cross_entropy": float(np.mean(-np.log(q)))}


def check(
    tmp_path, fmt: str, layout: str, how: str, at: float, rows: int, seed: int, extra=()
) -> None:
    data = table(layout, rows, seed)
    plain = fmt.removesuffix(".gz").removeprefix("-")  # compressed: the text mutated first
    raw = mutated(encoded(data, plain), how, at, plain)
    path = tmp_path / f"in.{plain if fmt.startswith('-') else fmt}"
    path.write_bytes(gzip.compress(raw) if fmt.endswith(".gz") else raw)
    flags = ["--pred-col", "probs"] if layout == "list" else []
    flags += [flag.replace("{tmp}", str(tmp_path)) for flag in extra]
    if fmt.startswith("-"):
        flags += ["--input-format", plain]
        run = run_cli("eval", "-", *flags, "--json", input=raw)
    else:
        run = run_cli("eval", str(path), *flags, "--json")
    named = "<stdin>" if fmt.startswith("-") else str(path)
    case = f"{fmt} {layout} {how}@{at!r} rows={rows} seed={seed} {' '.join(extra)}"
    assert run.code in (0, 2), f"{case}: exit {run.code}: {run.stderr}"
    assert "Traceback" not in run.stderr, f"{case}: {run.stderr}"
    if run.code == 2:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("xentcli: error: "), f"{case}: {lines}"
        assert named in lines[0], f"{case}: the file is not named: {lines[0]}"
        assert run.stdout == "", f"{case}: a number was printed"
        return
    report = json.loads(run.stdout)
    reference = independent(str(path), plain, layout)
    if how == "none":
        assert reference is not None, case
    if reference is None:
        return
    for name, value in reference.items():
        got = report["metrics"][name]
        assert math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12), (
            f"{case}: {name} {got!r}, the reference {value!r}"
        )


CASE = dict(
    fmt=st.sampled_from(FORMATS + FROM_STDIN),
    layout=st.sampled_from(LAYOUTS),
    how=st.sampled_from(MUTATIONS),
    at=st.floats(0, 1, exclude_max=True),
    rows=st.integers(1, 40),
    seed=st.integers(0, 2**16),
    extra=st.sampled_from(EXTRA),
)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=60, derandomize=True, **SETTINGS)
@given(**CASE)
def test_mutated_inputs_are_right_or_exit_2(tmp_path, fmt, layout, how, at, rows, seed, extra):
    check(tmp_path, fmt, layout, how, at, rows, seed, extra)


@pytest.mark.slow
@settings(max_examples=3000, **SETTINGS)
@given(**CASE)
def test_mutated_inputs_long_run(tmp_path, fmt, layout, how, at, rows, seed, extra):
    check(tmp_path, fmt, layout, how, at, rows, seed, extra)


@pytest.mark.parametrize(
    ("fmt", "layout", "how", "at", "rows", "seed"),
    [
        # a flipped byte in an Arrow file's list offsets: computing the list's width from the
        # first batch read them out of bounds (an abort, or SystemError), before any validation
        ("arrow", "list", "flip", 0.5617997350349133, 1, 0),
    ],
)
def test_cases_the_fuzzer_found(tmp_path, fmt, layout, how, at, rows, seed):
    check(tmp_path, fmt, layout, how, at, rows, seed)


TWO_FILES = ("csv", "tsv", "jsonl", "parquet", "arrow")


@settings(max_examples=40, derandomize=True, **SETTINGS)
@given(
    pred_fmt=st.sampled_from(TWO_FILES),
    label_fmt=st.sampled_from(TWO_FILES),
    layout=st.sampled_from(LAYOUTS),
    how=st.sampled_from(MUTATIONS),
    at=st.floats(0, 1, exclude_max=True),
    in_labels=st.booleans(),
    rows=st.integers(1, 30),
    seed=st.integers(0, 2**16),
)
def test_mutated_label_files_are_right_or_exit_2(
    tmp_path, pred_fmt, label_fmt, layout, how, at, in_labels, rows, seed
):
    """Predictions and labels in two files (`--labels`), one of them mutated: exit 0 with the
    numbers of the two files paired row by row, or exit 2 naming one of the files."""
    data = table(layout, rows, seed)
    parts = {
        "preds": (data.drop(columns="label"), pred_fmt),
        "labels": (data[["label"]], label_fmt),
    }
    paths = {}
    for role, (frame, fmt) in parts.items():
        raw = encoded(frame, fmt)
        if (role == "labels") == in_labels:
            raw = mutated(raw, how, at, fmt)
        paths[role] = tmp_path / f"{role}.{fmt}"
        paths[role].write_bytes(raw)
    flags = ["--pred-col", "probs"] if layout == "list" else []
    run = run_cli("eval", str(paths["preds"]), "--labels", str(paths["labels"]), *flags, "--json")
    case = f"{pred_fmt}+{label_fmt} {layout} {how}@{at!r} labels={in_labels} rows={rows} {seed}"
    assert run.code in (0, 2), f"{case}: exit {run.code}: {run.stderr}"
    if run.code == 2:
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("xentcli: error: "), f"{case}: {lines}"
        assert any(str(p) in lines[0] for p in paths.values()), f"{case}: {lines[0]}"
        assert run.stdout == "", f"{case}: a number was printed"
        return
    try:
        preds = read_frame(str(paths["preds"]), pred_fmt)
        labels = read_frame(str(paths["labels"]), label_fmt)
    except Exception:  # noqa: BLE001 - whatever the reference cannot read, it does not judge
        return
    if len(preds) != len(labels) or "label" in preds:
        return
    reference = reference_metrics(pd.concat([preds, labels], axis=1), layout)
    if how == "none":
        assert reference is not None, case
    for name, value in (reference or {}).items():
        got = json.loads(run.stdout)["metrics"][name]
        assert math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12), (
            f"{case}: {name} {got!r}, the reference {value!r}"
        )
