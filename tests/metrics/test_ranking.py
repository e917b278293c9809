"""--auc: roc_auc and average_precision equal scikit-learn's to 1e-12 on every layout, with weights
and heavy ties, whatever the chunk size, spilled to disk or not (docs/metrics.md#ranking)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve
from sklearn.preprocessing import label_binarize

import xentcli
from tests.references import softmax
from xentcli.errors import InputError, UsageError
from xentcli.metrics import runs

N = 2000


def binary(seed=0, n=N, digits=2):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), digits)  # two digits: heavy ties
    y = (rng.random(n) < p).astype(int)
    return pd.DataFrame({"y": y, "prob": p, "w": rng.random(n)})


def multiclass(seed=1, n=N, k=4):
    rng = np.random.default_rng(seed)
    p = np.round(softmax(rng.normal(size=(n, k))), 3)
    p /= p.sum(axis=1, keepdims=True)
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)})
    data["label"], data["w"] = rng.integers(0, k, n), rng.random(n)
    return data, p


def multilabel(seed=2, n=N, k=3):
    rng = np.random.default_rng(seed)
    s, t = np.round(rng.random((n, k)), 2), (rng.random((n, k)) < 0.4).astype(int)
    data = pd.DataFrame(
        {f"p_{j}": s[:, j] for j in range(k)} | {f"y_{j}": t[:, j] for j in range(k)}
    )
    data["w"] = rng.random(n)
    return data, s, t


def close(a, b):
    assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_against_sklearn(weighted):
    data = binary()
    w = data["w"].to_numpy() if weighted else None
    report = xentcli.evaluate(data, auc=True, weight_col="w" if weighted else None)
    y, p = data["y"], data["prob"]
    close(report.metrics["roc_auc"], roc_auc_score(y, p, sample_weight=w))
    close(report.metrics["average_precision"], average_precision_score(y, p, sample_weight=w))


def test_all_ties_and_perfect_ranking():
    tied = pd.DataFrame({"y": [0, 1, 0, 1, 1], "prob": [0.5] * 5})
    report = xentcli.evaluate(tied, auc=True)
    assert report.metrics["roc_auc"] == roc_auc_score(tied["y"], tied["prob"]) == 0.5
    close(report.metrics["average_precision"], average_precision_score(tied["y"], tied["prob"]))
    perfect = pd.DataFrame({"y": [0, 0, 1, 1], "prob": [0.1, 0.4, 0.35, 0.8]})
    # scikit-learn's docstring example of roc_auc_score / average_precision_score
    report = xentcli.evaluate(perfect, auc=True)
    assert report.metrics["roc_auc"] == pytest.approx(0.75)
    assert report.metrics["average_precision"] == pytest.approx(0.8333333333333333)


def test_one_class_absent_is_an_error():
    data = pd.DataFrame({"y": [1, 1, 1], "prob": [0.2, 0.6, 0.9]})
    with pytest.raises(InputError, match="need positive and negative rows of the positive class"):
        xentcli.evaluate(data, auc=True)
    data, _ = multiclass()
    data = data[data["label"] != 2]
    with pytest.raises(InputError, match="class '2'"):
        xentcli.evaluate(data.drop(columns="w"), auc=True)


def test_a_class_without_positives_is_refused_before_the_sorted_runs_are_walked(monkeypatch):
    from xentcli.metrics import ranking

    def walked(self):
        raise AssertionError("walked")

    monkeypatch.setattr(ranking.Ranking, "_walked", walked)
    data, _ = multiclass()
    with pytest.raises(InputError, match="class '2'"):
        xentcli.evaluate(data[data["label"] != 2].drop(columns="w"), auc=True)
    zero = data.assign(w=np.where(data["label"] == 1, 0.0, data["w"]))  # class 1's weight is 0
    with pytest.raises(InputError, match="class '1'"):
        xentcli.evaluate(zero, auc=True, weight_col="w")
    with pytest.raises(AssertionError, match="walked"):  # defined: the walk comes
        xentcli.evaluate(data.drop(columns="w"), auc=True)


@pytest.mark.parametrize("average", ["macro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_one_vs_rest(average, weighted):
    data, p = multiclass()
    y, w = data["label"].to_numpy(), data["w"].to_numpy() if weighted else None
    report = xentcli.evaluate(data, auc=True, average=average, weight_col="w" if weighted else None)
    expected = roc_auc_score(y, p, multi_class="ovr", average=average, sample_weight=w)
    close(report.metrics["roc_auc"], expected)
    onehot = label_binarize(y, classes=range(p.shape[1]))
    ap = average_precision_score(onehot, p, average=average, sample_weight=w)
    close(report.metrics["average_precision"], ap)


def test_multiclass_from_logits_ranks_by_softmax():
    data, p = multiclass()
    logits = pd.DataFrame({f"logit_{j}": np.log(p[:, j] + 1e-3) for j in range(p.shape[1])})
    logits["label"] = data["label"]
    report = xentcli.evaluate(logits, auc=True, logits=True)
    probs = softmax(logits.drop(columns="label").to_numpy())
    close(report.metrics["roc_auc"], roc_auc_score(data["label"], probs, multi_class="ovr"))


@pytest.mark.parametrize("average", ["macro", "weighted", "micro"])
def test_multilabel(average):
    data, s, t = multilabel()
    report = xentcli.evaluate(
        data,
        task="multilabel",
        label_col="y_*",
        pred_col="p_*",
        auc=True,
        average=average,
        weight_col="w",
    )
    w = data["w"].to_numpy()
    close(report.metrics["roc_auc"], roc_auc_score(t, s, average=average, sample_weight=w))
    ap = average_precision_score(t, s, average=average, sample_weight=w)
    close(report.metrics["average_precision"], ap)


def test_float32_parquet_and_string_labels(tmp_path):
    data = binary(seed=5)
    table = pa.table(
        {
            "y": pa.array(np.where(data["y"] == 1, "spam", "ham")),
            "prob": pa.array(data["prob"].to_numpy(np.float32)),
        }
    )
    path = tmp_path / "f32.parquet"
    pq.write_table(table, path)
    report = xentcli.evaluate(str(path), auc=True, positive="spam")
    p32 = data["prob"].to_numpy(np.float32)
    close(report.metrics["roc_auc"], roc_auc_score(data["y"], p32))
    close(report.metrics["average_precision"], average_precision_score(data["y"], p32))


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_chunks_and_spills_change_nothing(monkeypatch, tmp_path, chunk):
    data, _ = multiclass(n=1500)
    whole = xentcli.evaluate(data, auc=True, weight_col="w", average="weighted")
    monkeypatch.setattr(runs, "CAPACITY", 997)  # many sorted runs on disk
    monkeypatch.setattr(runs, "MERGE_BUDGET", 1500)  # merged a block at a time
    spilled = xentcli.evaluate(
        data, auc=True, weight_col="w", average="weighted", chunk_rows=chunk, tmp_dir=str(tmp_path)
    )
    for name in ("roc_auc", "average_precision"):
        close(spilled.metrics[name], whole.metrics[name])
    assert os.listdir(tmp_path) == []  # removed once the report is made


def test_split_and_merged_equals_one_pass(monkeypatch):
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored
    from xentcli.metrics.ranking import Ranking

    monkeypatch.setattr(runs, "CAPACITY", 500)
    data = binary(n=3000)
    report = xentcli.evaluate(data, auc=True)
    request = BreakdownRequest(task=xentcli.tasks.Task.BINARY, auc=True)
    parts = []
    for lo, hi in ((0, 1234), (1234, 3000)):
        state = Ranking.asked(request)
        chunk = _chunk(data.iloc[lo:hi])
        state.update(Scored(chunk, None, lo, None, None))
        parts.append(state)
    parts[0].merge(parts[1])
    finished = Finished(xentcli.tasks.Task.BINARY, ("roc_auc", "average_precision"), None)
    merged = parts[0].result(finished)["metrics"].values
    close(merged["roc_auc"], report.metrics["roc_auc"])
    close(merged["average_precision"], report.metrics["average_precision"])


def _chunk(frame):
    from xentcli.prepare.chunk import Chunk

    codes = frame["y"].to_numpy(np.int64)
    return Chunk(frame["prob"].to_numpy(), codes, None, None, len(frame), 0, 0)


def test_by_equals_each_group_alone():
    data = binary(n=3000)
    data["g"] = np.random.default_rng(9).choice(["a", "b", "c"], len(data))
    report = xentcli.evaluate(data, auc=True, by="g", weight_col="w")
    close(
        report.metrics["roc_auc"], roc_auc_score(data["y"], data["prob"], sample_weight=data["w"])
    )
    for group in report.groups:
        rows = data[data["g"] == group.group["g"]]
        alone = xentcli.evaluate(rows.drop(columns="g"), auc=True, weight_col="w")
        close(group.metrics["roc_auc"], alone.metrics["roc_auc"])
        close(group.metrics["average_precision"], alone.metrics["average_precision"])


def test_per_class_values_and_exact_curve_points():
    data, p = multiclass()
    report = xentcli.evaluate(data, auc=True, per_class=True, curve_points=50).to_dict()
    y = data["label"].to_numpy()
    for k, row in enumerate(report["per_class"]):
        close(row["roc_auc"], roc_auc_score(y == k, p[:, k]))
        close(row["average_precision"], average_precision_score(y == k, p[:, k]))
        curve = report["curves"][str(k)]["roc"]
        assert len(curve["fpr"]) <= 50
        fpr, tpr, thresholds = roc_curve(y == k, p[:, k], drop_intermediate=False)
        exact = {float(t): (f, r) for f, r, t in zip(fpr, tpr, thresholds, strict=True)}
        for f, r, t in zip(
            curve["fpr"][1:], curve["tpr"][1:], curve["thresholds"][1:], strict=True
        ):
            assert exact[t] == pytest.approx((f, r), rel=1e-12)
        assert (curve["fpr"][-1], curve["tpr"][-1]) == (1.0, 1.0)


def test_curve_points_is_an_upper_bound_from_three():
    data, _ = multiclass()
    for points in (3, 4, 7):
        curves = xentcli.evaluate(data, auc=True, curve_points=points).to_dict()["curves"]
        for curve in curves.values():
            assert 3 <= len(curve["roc"]["fpr"]) <= points
            assert 2 <= len(curve["pr"]["recall"]) <= points
    assert "curves" not in xentcli.evaluate(data, auc=True, curve_points=0).to_dict()
    for points in (1, 2):  # a curve cannot keep both ends in fewer points
        with pytest.raises(UsageError, match="curve_points= must be 0 .* or at least 3"):
            xentcli.evaluate(data, auc=True, curve_points=points)


def test_usage_errors():
    data, _ = multiclass()
    with pytest.raises(UsageError, match="average='micro' applies to multilabel"):
        xentcli.evaluate(data, auc=True, average="micro")
    with pytest.raises(UsageError, match="pass auc="):
        xentcli.evaluate(data, average="weighted")
    with pytest.raises(UsageError, match="not to regression"):
        xentcli.evaluate(
            pd.DataFrame({"y": [1.0, 2.0], "pred": [1.5, 2.5]}), task="regression", auc=True
        )


def test_gates_diff_and_formats_know_the_metrics(cli, tmp_path):
    path = tmp_path / "b.csv"
    binary().drop(columns="w").to_csv(path, index=False)
    run = cli("eval", str(path), "--auc", "--min", "roc_auc=0.99", "--json")
    assert run.code == 1 and "roc_auc = " in run.stderr
    report = json.loads(run.stdout)
    assert {"roc_auc", "average_precision"} <= set(report["metrics"]) and "curves" in report
    (tmp_path / "r.json").write_text(run.stdout)
    diff = cli(
        "diff", str(tmp_path / "r.json"), str(tmp_path / "r.json"), "--all", "--format", "csv"
    )
    assert "roc_auc" in diff.stdout
    table = cli("eval", str(path), "--auc", "--format", "markdown").stdout
    assert "average_precision" in table
    inspect = json.loads(cli("inspect", str(path), "--json").stdout)
    assert "--auc" in inspect["flags"]["metrics"] and "mse" in inspect["metrics"]


def test_temporary_files_go_on_error_and_on_sigint(tmp_path):
    env = os.environ | {"XENTCLI_SPILL_ENTRIES": "1000"}
    spill = tmp_path / "spill"
    spill.mkdir()
    bad = tmp_path / "bad.csv"
    rows = "\n".join(f"{i % 2},{(i % 97) / 97}" for i in range(20000))
    bad.write_text("y,prob\n" + rows + "\n1,abc\n")
    run = subprocess.run(
        [sys.executable, "-m", "xentcli", "eval", str(bad), "--auc", "--tmp-dir", str(spill)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 2 and "abc" in run.stderr
    assert os.listdir(spill) == []
    proc = subprocess.Popen(
        [sys.executable, "-m", "xentcli", "eval", "-", "--auc", "--tmp-dir", str(spill)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdin.write(b"y,prob\n")
    start = time.monotonic()
    while time.monotonic() - start < 20 and not os.listdir(spill):  # until a run is spilled
        proc.stdin.write(b"1,0.5\n0,0.25\n" * 20000)
    assert os.listdir(spill), "nothing was spilled"
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert os.listdir(spill) == []


def test_a_full_disk_is_a_clear_error(monkeypatch, tmp_path):
    import errno

    def full(values, path):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(runs, "_write", full)
    monkeypatch.setattr(runs, "CAPACITY", 100)
    with pytest.raises(InputError, match="No space left on device.*pass tmp_dir="):
        xentcli.evaluate(binary(), auc=True, tmp_dir=str(tmp_path))
    with pytest.raises(UsageError, match="tmp_dir= .*missing: no such folder"):
        xentcli.evaluate(binary(), auc=True, tmp_dir=str(tmp_path / "missing"))


def poisson(seed: int, replicates: int, n: int, w: np.ndarray | None = None) -> np.ndarray:
    """Each replicate's row weights as every interval draws them (bootstrap.poisson_weights)."""
    from xentcli.metrics.bootstrap import poisson_weights

    draws = poisson_weights(seed, np.arange(replicates), np.arange(n))
    return draws if w is None else draws * w


def test_bootstrap_replicates_are_sklearn_on_each_resample(monkeypatch):
    from xentcli.metrics import ranking

    monkeypatch.setattr(runs, "CAPACITY", 700)  # runs spilled with their row numbers
    monkeypatch.setattr(ranking, "PIECE_ENTRIES", 37)  # draws in pieces cut between scores
    data = binary()
    draws = poisson(9, 30, N, data["w"].to_numpy())
    for chunk in (7, 1000):
        report = xentcli.evaluate(
            data, label_col="y", weight_col="w", auc=True, bootstrap=30, seed=9, chunk_rows=chunk
        )
        for k in range(30):
            close(
                report.replicates["roc_auc"][k],
                roc_auc_score(data.y, data.prob, sample_weight=draws[k]),
            )
            close(
                report.replicates["average_precision"][k],
                average_precision_score(data.y, data.prob, sample_weight=draws[k]),
            )
        low, high = np.quantile(report.replicates["roc_auc"], [0.025, 0.975])
        assert report.intervals["roc_auc"] == pytest.approx([low, high], rel=1e-12)


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_bootstrap_of_one_vs_rest_and_per_group(average):
    data, p = multiclass()
    data["g"] = np.where(np.arange(N) % 3 == 0, "x", "y")
    draws = poisson(4, 12, N)
    report = xentcli.evaluate(data, auc=True, bootstrap=12, seed=4, average=average, by="g")
    expected = [
        roc_auc_score(data.label, p, multi_class="ovr", average=average, sample_weight=draws[k])
        for k in range(12)
    ]
    assert report.replicates["roc_auc"] == pytest.approx(expected, rel=1e-12)
    group = next(g for g in report.groups if g.group["g"] == "x")
    mine = (data["g"] == "x").to_numpy()
    in_group = [
        roc_auc_score(
            data.label[mine],
            p[mine],
            multi_class="ovr",
            average=average,
            sample_weight=draws[k][mine],
        )
        for k in range(12)
    ]
    assert group.intervals["roc_auc"] == pytest.approx(
        np.quantile(in_group, [0.025, 0.975]), rel=1e-12
    )
    assert group.intervals["cross_entropy"] is not None  # the other metrics' intervals stay


def test_bootstrap_of_multilabel_micro():
    data, s, t = multilabel()
    draws = poisson(2, 10, N)
    report = xentcli.evaluate(
        data,
        task="multilabel",
        label_col="y_*",
        pred_col="p_*",
        auc=True,
        average="micro",
        bootstrap=10,
        seed=2,
    )
    expected = [
        average_precision_score(t, s, average="micro", sample_weight=draws[k]) for k in range(10)
    ]
    assert report.replicates["average_precision"] == pytest.approx(expected, rel=1e-12)


def test_compare_pairs_the_ranking_replicates(cli, tmp_path):
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, N)
    good = np.clip(y * 0.6 + rng.random(N) * 0.4, 0, 1)
    bad = rng.random(N)
    paths = []
    for name, prob in (("a", bad), ("b", good)):
        path = tmp_path / f"{name}.csv"
        pd.DataFrame({"label": y, "prob": prob}).to_csv(path, index=False)
        paths.append(str(path))
    run = cli("compare", *paths, "--auc", "--bootstrap", "50", "--json")
    assert run.code == 0, run.stderr
    rows = {d["metric"]: d for d in json.loads(run.stdout)["differences"]}
    expected = roc_auc_score(y, good) - roc_auc_score(y, bad)
    close(rows["roc_auc"]["difference"], expected)
    assert rows["roc_auc"]["verdict"] == "B better" and rows["roc_auc"]["p_value"] < 0.05
    assert rows["roc_auc"]["interval"][0] > 0
