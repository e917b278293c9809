"""--worst N and --rows-out FILE against numpy: the per-row losses of an independent reference,
np.argsort for the order, in chunks, with weights, --by, logits and every task (SPEC §11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import xentcli
from tests.references import sigmoid, softmax

N = 600


def frame(kind: str) -> tuple[pd.DataFrame, dict, np.ndarray, np.ndarray | None]:
    """A table, the options that read it, the reference per-row loss, and weights (or None)."""
    rng = np.random.default_rng(11)
    ids = np.array([f"r{i:04d}" for i in range(N)])
    group = rng.choice(["a", "b", "c"], N)
    w = rng.random(N) * 2
    if kind in ("multiclass", "multiclass-logits"):
        z = rng.normal(size=(N, 4)) * 2
        p = softmax(z)
        y = rng.integers(0, 4, N)
        data = pd.DataFrame(
            {f"p_{k}": (z if kind.endswith("logits") else p)[:, k] for k in range(4)}
        )
        data["label"], data["id"], data["g"], data["w"] = y, ids, group, w
        options = {"logits": kind.endswith("logits"), "weight_col": "w"}
        return data, options, -np.log(p[np.arange(N), y]), w
    if kind in ("binary", "binary-logits"):
        z = rng.normal(size=N) * 3
        p = sigmoid(z)
        y = (rng.random(N) < p).astype(int)
        data = pd.DataFrame(
            {"score" if kind.endswith("logits") else "prob": z if kind.endswith("logits") else p}
        )
        data["label"], data["id"], data["g"] = y, ids, group
        options = {"logits": True, "pred_col": "score"} if kind.endswith("logits") else {}
        loss = -(y * np.log(p) + (1 - y) * np.log1p(-p))
        return data, options, loss, None
    if kind == "regression":
        pred, target = rng.normal(size=N), rng.normal(size=N)
        data = pd.DataFrame({"pred": pred, "target": target, "id": ids, "g": group, "w": w})
        options = {
            "task": "regression",
            "label_col": "target",
            "pred_col": "pred",
            "weight_col": "w",
        }
        return data, options, (pred - target) ** 2, w
    raise ValueError(kind)


KINDS = ["binary", "binary-logits", "multiclass", "multiclass-logits", "regression"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_worst_rows_are_numpys_argsort_of_the_loss(tmp_path, kind, chunk_rows):
    data, options, loss, _ = frame(kind)
    top = int(np.argmax(loss))
    ties = [17, 300]  # copies of the worst row: equal losses, kept in row order
    columns = [c for c in data.columns if c not in ("id", "g")]
    data.loc[ties, columns] = data.loc[[top, top], columns].to_numpy()
    loss[ties] = loss[top]
    path = tmp_path / "p.parquet"
    data.to_parquet(path)
    report = xentcli.evaluate(str(path), worst=20, chunk_rows=chunk_rows, by="g", **options)
    order = np.argsort(-loss, kind="stable")[:20]
    worst = report.sections["worst"].to_json()
    assert [r["row"] for r in worst["rows"]] == (order + 1).tolist()
    assert [r["loss"] for r in worst["rows"]] == pytest.approx(loss[order], rel=1e-12)
    assert [r["columns"]["id"] for r in worst["rows"]] == data["id"].to_numpy()[order].tolist()
    assert [r["columns"]["g"] for r in worst["rows"]] == data["g"].to_numpy()[order].tolist()
    assert worst["columns"] == ["id", "g"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_rows_out_holds_every_row_and_its_loss(tmp_path, kind, suffix):
    data, options, loss, w = frame(kind)
    path = tmp_path / "p.parquet"
    data.to_parquet(path)
    out = tmp_path / f"rows.{suffix}"
    report = xentcli.evaluate(
        str(path), rows_out=str(out), chunk_rows=97, keep_col=["id", "g"], by="g", **options
    )
    rows = pq.read_table(out).to_pandas() if suffix == "parquet" else pd.read_csv(out)
    for group in report.groups:  # each group's metric is its rows' weighted mean loss too
        mine = rows[rows["g"] == group.group["g"]]
        name = next(iter(group.metrics))
        mean = float(np.sum(mine["weight"] * mine["loss"]) / np.sum(mine["weight"]))
        assert mean == pytest.approx(group.metrics[name], rel=1e-12)
    assert len(rows) == N == report.sections["rows_out"].rows
    assert rows["row"].tolist() == list(range(1, N + 1))
    assert rows["loss"].to_numpy() == pytest.approx(loss, rel=1e-12)
    assert rows["id"].tolist() == data["id"].tolist() and rows["g"].tolist() == data["g"].tolist()
    weight = rows["weight"].to_numpy()
    assert weight == pytest.approx(w if w is not None else np.ones(N))
    metric = {"regression": "mse", "multiclass": "cross_entropy"}.get(
        kind.split("-")[0], "binary_cross_entropy"
    )
    mean = float(np.sum(weight * rows["loss"]) / np.sum(weight))
    assert mean == pytest.approx(report.metrics[metric], rel=1e-12)
    if kind != "regression":
        assert np.average(rows["correct"], weights=weight) == pytest.approx(
            report.metrics["accuracy"], rel=1e-12
        )


def test_rows_out_names_classes_and_gives_the_confidence(tmp_path):
    data = pd.DataFrame(
        {"label": ["cat", "dog", "cat"], "p_cat": [0.7, 0.6, 0.2], "p_dog": [0.3, 0.4, 0.8]}
    )
    path = tmp_path / "p.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "rows.csv"
    xentcli.evaluate(str(path), rows_out=str(out), task="multiclass")
    rows = pd.read_csv(out)
    assert rows["label"].tolist() == ["cat", "dog", "cat"]
    assert rows["predicted"].tolist() == ["cat", "cat", "dog"]
    assert rows["confidence"].tolist() == pytest.approx([0.7, 0.6, 0.8])
    assert rows["correct"].tolist() == [True, False, False]
    assert rows["loss"].to_numpy() == pytest.approx(
        [
            log_loss([y], [p], labels=["cat", "dog"])
            for y, p in zip(data["label"], data[["p_cat", "p_dog"]].to_numpy(), strict=True)
        ]
    )


def test_skipped_rows_keep_their_row_numbers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,label,prob\na,1,0.9\nb,0,\nc,0,0.4\nd,1,0.05\n")
    report = xentcli.evaluate(str(path), worst=2, nan="skip", rows_out=str(tmp_path / "r.csv"))
    assert [r["row"] for r in report.sections["worst"].to_json()["rows"]] == [4, 3]
    assert pd.read_csv(tmp_path / "r.csv")["row"].tolist() == [1, 3, 4]
    assert report.sections["worst"].to_json()["rows"][0]["columns"] == {"id": "d"}


def test_a_failed_run_leaves_no_rows_file_and_the_old_one_untouched(tmp_path, cli):
    path = tmp_path / "p.csv"
    good = "label,prob\n" + "1,0.9\n" * 5000
    path.write_text(good + "0,abc\n")
    out = tmp_path / "rows.parquet"
    out.write_bytes(b"old")
    run = cli("eval", str(path), "--rows-out", str(out), "--chunk-rows", "100")
    assert run.code == 2 and "abc" in run.stderr
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv", "rows.parquet"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--rows-out", "rows.txt"], "name a .parquet or .csv file"),
        (["--keep-col", "id"], "--keep-col names columns for --worst"),
        (["--worst", "3", "--keep-col", "nope"], "no --keep-col column 'nope'"),
        (["--worst", "0"], "--worst"),
        (["--rows-out", "nodir/rows.csv"], "cannot write"),
    ],
)
def test_bad_row_flags_are_one_clear_line(tmp_path, cli, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "p.csv"
    path.write_text("id,label,prob\na,1,0.9\nb,0,0.2\n")
    run = cli("eval", str(path), *flags)
    assert run.code == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


def interrupted_while_streaming(tmp_path, signum: int, suffix: str) -> tuple[int, bytes, list]:
    """Stream rows into `eval - --rows-out`, send `signum` once the temporary file is there;
    (exit code, stderr, what is left in the output folder)."""
    import os
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "xentcli", "eval", "-", "--rows-out", str(out / f"rows.{suffix}")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(b"label,prob\n")
    start = time.monotonic()
    while time.monotonic() - start < 20 and not os.listdir(out):  # the temporary file
        proc.stdin.write(b"1,0.5\n0,0.25\n" * 20000)
    written = os.listdir(out)
    assert written and written[0].startswith(".xentcli-"), written
    proc.stdin.write(b"1,0.5\n0,0.25\n" * 40000)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err, os.listdir(out)


def test_ctrl_c_while_rows_stream_leaves_no_file(tmp_path):
    import signal

    code, err, left = interrupted_while_streaming(tmp_path, signal.SIGINT, "parquet")
    assert code == 130 and left == [] and b"Traceback" not in err


def test_a_full_disk_while_rows_stream_is_a_clear_error(tmp_path, monkeypatch, cli):
    from xentcli.engine import rows_out

    class Full:
        def write_batch(self, batch):
            raise OSError(28, "No space left on device")

        def close(self):
            pass

    monkeypatch.setattr(rows_out.RowsOut, "_open", lambda self, schema: Full())
    path = tmp_path / "p.csv"
    path.write_text("label,prob\n" + "1,0.9\n0,0.2\n" * 3000)
    run = cli("eval", str(path), "--rows-out", str(tmp_path / "rows.parquet"), "--chunk-rows", "50")
    assert run.code == 2, run.stderr
    assert "No space left on device" in run.stderr and "rows.parquet" in run.stderr
    assert run.stdout == "" and sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]


def test_sigterm_while_rows_stream_leaves_no_file_and_exits_143(tmp_path):
    import signal

    code, err, left = interrupted_while_streaming(tmp_path, signal.SIGTERM, "csv")
    assert code == 143, err
    assert left == [] and b"Traceback" not in err


def test_worst_predicted_labels_are_the_wrong_rows_in_row_order(tmp_path):
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"label": rng.choice(["a", "b", "c"], 3000)})
    data["pred"] = np.where(rng.random(3000) < 0.7, data["label"], "b")
    path = tmp_path / "hard.csv"
    data.to_csv(path, index=False)
    report = xentcli.evaluate(str(path), worst=25, chunk_rows=100)
    wrong = (data["label"] != data["pred"]).to_numpy().astype(float)
    order = np.argsort(-wrong, kind="stable")[:25]
    worst = report.sections["worst"].to_json()
    assert worst["metric"] == "error"
    assert [r["row"] for r in worst["rows"]] == (order + 1).tolist()
    assert [r["predicted"] for r in worst["rows"]] == data["pred"].to_numpy()[order].tolist()


def test_worst_kept_columns_have_the_same_types_from_csv_as_from_parquet(tmp_path):
    """A CSV id of integers shows as 17 in the worst rows, as from Parquet and JSON lines
    (docs/reports.md#rows); a column whose shown values do not all fit stays text."""
    rng = np.random.default_rng(8)
    n = 400
    frame = pd.DataFrame(
        {
            "label": rng.integers(0, 2, n),
            "prob": rng.random(n),
            "id": np.arange(1000, 1000 + n),
            "margin": rng.random(n).round(3),
            "flag": rng.random(n) < 0.5,
            "name": [f"r{i}" for i in range(n)],
        }
    )
    frame.to_csv(tmp_path / "p.csv", index=False)
    frame.to_parquet(tmp_path / "p.parquet")
    frame.to_json(tmp_path / "p.jsonl", orient="records", lines=True)
    keep = ["id", "margin", "flag", "name"]
    shown = {
        suffix: [
            row["columns"]
            for row in xentcli.evaluate(
                str(tmp_path / f"p.{suffix}"), worst=5, keep_col=keep
            ).to_dict()["worst"]["rows"]
        ]
        for suffix in ("csv", "parquet", "jsonl")
    }
    assert shown["csv"] == shown["parquet"] == shown["jsonl"]
    assert isinstance(shown["csv"][0]["id"], int) and isinstance(shown["csv"][0]["flag"], bool)
    worst_row = int(np.argmax(-np.log(np.where(frame.label == 1, frame.prob, 1 - frame.prob))))
    assert shown["csv"][0]["id"] == 1000 + worst_row
    mixed = frame.assign(id=frame["id"].astype(str))
    mixed.loc[worst_row, "id"] = "x-1"  # the first rows are integers, a shown one is not
    mixed.to_csv(tmp_path / "mixed.csv", index=False)
    rows = xentcli.evaluate(str(tmp_path / "mixed.csv"), worst=3, keep_col=["id"]).to_dict()
    assert [r["columns"]["id"] for r in rows["worst"]["rows"]][0] == "x-1"
    assert all(isinstance(r["columns"]["id"], str) for r in rows["worst"]["rows"])


def test_a_kept_column_named_like_a_fixed_one_is_shown_as_in_the_rows_file(tmp_path, cli):
    """`--keep-col label` beside the worst rows' own label: the table names it `label_input`,
    as the --rows-out file does, not a second `label`."""
    path = tmp_path / "p.csv"
    pd.DataFrame({"label": [0, 1, 1], "prob": [0.9, 0.2, 0.6]}).to_csv(path, index=False)
    out = tmp_path / "rows.csv"
    run = cli(
        "eval",
        str(path),
        "--worst",
        "2",
        "--keep-col",
        "label",
        "--no-color",
        "--rows-out",
        str(out),
        env={"COLUMNS": "200"},
    )
    header = next(line for line in run.stdout.splitlines() if "┃ row" in line)
    assert [cell.strip() for cell in header.strip("┃").split("┃")][-2:] == ["weight", "label_input"]
    assert "label_input" in pd.read_csv(out).columns
