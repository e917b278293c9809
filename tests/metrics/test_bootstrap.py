"""--bootstrap: reproducible for a seed whatever the chunking, and honest about coverage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import xentcli
from tests.conftest import SAMPLES
from xentcli.metrics.bootstrap import poisson_weights


def calibrated(n: int, seed: int) -> pd.DataFrame:
    """p ~ U(0, 1), y ~ Bernoulli(p): the population BCE is E[H(p)] = 1/2 exactly."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return pd.DataFrame({"y": (rng.random(n) < p).astype(int), "prob": p, "w": rng.random(n)})


def test_same_seed_same_intervals_whatever_the_chunking():
    data = calibrated(60_000, 0)
    small = xentcli.evaluate(data, bootstrap=50, seed=3, chunk_rows=1000)
    large = xentcli.evaluate(data, bootstrap=50, seed=3, chunk_rows=50_000)
    assert small.intervals == large.intervals  # bit for bit
    other = xentcli.evaluate(data, bootstrap=50, seed=4)
    assert other.intervals != small.intervals
    for name, (low, high) in small.intervals.items():
        assert low <= small.metrics[name] <= high, name


def test_weights_nan_skip_and_json(cli, tmp_path):
    data = calibrated(5000, 1)
    data.loc[[3, 30], "prob"] = np.nan
    a = xentcli.evaluate(data, bootstrap=40, nan="skip", weight_col="w", chunk_rows=333)
    b = xentcli.evaluate(data, bootstrap=40, nan="skip", weight_col="w")
    assert a.intervals == b.intervals
    run = cli("eval", str(SAMPLES / "net1.csv"), "--bootstrap", "20", "--json")
    report = json.loads(run.stdout)
    assert set(report["intervals"]) == set(report["metrics"])
    assert report["signature"].endswith("|bootstrap:poisson,n=20,seed=0,conf=0.95")


def test_poisson_weights_are_poisson_one_and_counter_based():
    w = poisson_weights(5, np.arange(50), np.arange(20_000))
    assert w.mean() == pytest.approx(1.0, abs=0.01) and w.var() == pytest.approx(1.0, abs=0.02)
    assert (
        poisson_weights(5, np.arange(3, 5), np.arange(100, 110)) == w[3:5, 100:110]
    ).all()  # a row's weight depends only on (seed, replicate, row)


def test_poisson_counts_are_the_inverse_cdf_including_at_its_steps():
    from math import exp, factorial

    from xentcli.metrics.bootstrap import _poisson_counts

    cdf = np.cumsum([exp(-1) / factorial(k) for k in range(20)])
    steps = np.concatenate([cdf, np.nextafter(cdf, 0), np.nextafter(cdf, 1)])
    uniform = np.concatenate([np.random.default_rng(2).random(300_000), steps, [0.0]])
    uniform = uniform[uniform < 1.0].reshape(1, -1)
    expected = np.searchsorted(cdf, uniform, side="right")
    np.testing.assert_array_equal(_poisson_counts(uniform), expected)
    frequencies = np.bincount(expected.reshape(-1)[:300_000]) / 300_000
    np.testing.assert_allclose(
        frequencies[:5], [exp(-1) / factorial(k) for k in range(5)], atol=3e-3
    )


@pytest.mark.slow
def test_95_percent_intervals_cover_the_true_value():
    covered = 0
    for trial in range(100):
        report = xentcli.evaluate(calibrated(2000, 100 + trial), bootstrap=200, seed=trial)
        low, high = report.intervals["binary_cross_entropy"]
        covered += low <= 0.5 <= high
    assert covered >= 90


def _grouped_frame(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(21)
    p = rng.random(n)
    return pd.DataFrame(
        {
            "label": (rng.random(n) < p).astype(int),
            "prob": p,
            "g": rng.choice(["a", "b", "c"], n),
            "w": rng.random(n),
        }
    )


def test_group_intervals_are_the_percentiles_of_each_groups_replicates(tmp_path):
    data = _grouped_frame()
    path = tmp_path / "p.parquet"
    data.to_parquet(path)
    report = xentcli.evaluate(str(path), by="g", bootstrap=40, seed=3, weight_col="w")
    rows = np.arange(len(data))
    draws = poisson_weights(3, np.arange(40), rows) * data["w"].to_numpy()
    p, y = data["prob"].to_numpy(), data["label"].to_numpy()
    loss = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    for group in report.groups:
        mine = (data["g"] == group.group["g"]).to_numpy()
        replicates = (draws[:, mine] * loss[mine]).sum(axis=1) / draws[:, mine].sum(axis=1)
        expected = np.quantile(replicates, [0.025, 0.975])
        assert group.intervals["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)
        low, high = group.intervals["error"]
        assert low <= group.metrics["error"] <= high or low == high


def test_one_group_has_the_overall_intervals_and_chunks_change_nothing(tmp_path):
    data = _grouped_frame().assign(g="all")
    path = tmp_path / "p.parquet"
    data.to_parquet(path)
    reports = [
        xentcli.evaluate(str(path), by="g", bootstrap=30, chunk_rows=rows) for rows in (7, 5000)
    ]
    for report in reports:
        (group,) = report.groups
        assert group.intervals.keys() == report.intervals.keys()
        for name, bounds in report.intervals.items():
            assert group.intervals[name] == pytest.approx(bounds, rel=1e-12)
    assert reports[0].groups[0].intervals == reports[1].groups[0].intervals


def test_too_many_groups_for_intervals_is_said_not_silent(tmp_path, monkeypatch):
    from xentcli.metrics import bootstrap

    monkeypatch.setattr(bootstrap, "GROUP_CELLS", 50)
    path = tmp_path / "p.parquet"
    _grouped_frame().to_parquet(path)
    report = xentcli.evaluate(str(path), by="g", bootstrap=20, chunk_rows=100)
    assert all(group.intervals is None for group in report.groups)
    assert any("no per-group intervals" in note for note in report.notes)
    assert report.intervals is not None
