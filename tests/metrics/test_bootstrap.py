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
