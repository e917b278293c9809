"""Chunking must not change results beyond 1e-12 relative; split-and-merge equals one pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import xentcli
from tests.references import softmax
from xentcli.metrics.breakdown import Finished
from xentcli.metrics.kernels import binary_from_probs, multiclass_from_probs
from xentcli.metrics.registry import Totals, metrics_for
from xentcli.metrics.sums import CompensatedSum
from xentcli.options import MACHINE_EPS, MAX_CHUNK_ROWS
from xentcli.tasks import Task

CHUNKS = [1, 7, 1000, MAX_CHUNK_ROWS]


def multiclass_table(n: int, k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = softmax(rng.normal(size=(n, k)) * 3)
    return pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)} | {"label": rng.integers(0, k, n)})


def assert_close(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == pytest.approx(b[name], rel=1e-12, abs=1e-15), name


@pytest.mark.parametrize("weighted", [False, True])
def test_chunk_sizes_agree_bit_for_bit(weighted):
    """Rows are summed in fixed segments, so any chunking gives the very same bits."""
    df = multiclass_table(3 * 4096 + 1234, 5, 0)
    df["w"] = np.random.default_rng(1).random(len(df))
    options = {"weight_col": "w"} if weighted else {}
    results = [xentcli.evaluate(df, chunk_rows=c, **options).metrics for c in CHUNKS + [4096, 5000]]
    for other in results[1:]:
        assert other == results[0]


def test_split_and_merged_equals_one_pass():
    df = multiclass_table(2000, 4, 3)
    p = df[[f"p_{j}" for j in range(4)]].to_numpy().T.copy()
    y = df["label"].to_numpy()
    whole = Totals()
    whole.update(multiclass_from_probs(p, y, MACHINE_EPS), None)
    parts = []
    for lo, hi in [(0, 1), (1, 700), (700, 1333), (1333, 2000)]:
        part = Totals()
        part.update(multiclass_from_probs(p[:, lo:hi].copy(), y[lo:hi], MACHINE_EPS), None)
        parts.append(part)
    merged = Totals()
    for part in reversed(parts):  # merge order must not matter either
        merged.merge(part)
    names = metrics_for(Task.MULTICLASS)
    assert_close(whole.result(names), merged.result(names))
    assert merged.means["loss"].denominator.value() == 2000


def test_compensated_sum_beats_naive_accumulation():
    values = [1.0] + [1e-16] * 10_000
    total = CompensatedSum()
    for v in values:
        total.add(v)
    assert total.value() == pytest.approx(1.0 + 1e-12, rel=1e-15)
    naive = 0.0
    for v in values:
        naive += v
    assert naive == 1.0  # the uncompensated sum loses every small term


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 400),
    k=st.integers(2, 7),
    chunk=st.integers(1, 64),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.1, 1.0, 10.0, 100.0]),
    logits=st.booleans(),
)
def test_random_shapes_are_chunk_invariant(n, k, chunk, seed, scale, logits):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, k)) * scale
    values = z if logits else softmax(z)
    table = pa.table({f"p_{j}": values[:, j] for j in range(k)} | {"y": rng.integers(0, k, n)})
    one = xentcli.evaluate(table, logits=logits, task="multiclass", pred_col="p_*")
    many = xentcli.evaluate(
        table, logits=logits, task="multiclass", pred_col="p_*", chunk_rows=chunk
    )
    assert_close(one.metrics, many.metrics)
    assert one.clipped == many.clipped


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    chunk=st.integers(1, 50),
    seed=st.integers(0, 2**32 - 1),
    edge=st.floats(0.0, 1.0),
)
def test_random_binary_is_chunk_invariant(n, chunk, seed, edge):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    p[rng.random(n) < 0.1] = edge  # exact values, including 0 and 1, at random places
    y = rng.integers(0, 2, n)
    whole = Totals()
    whole.update(binary_from_probs(p, y, MACHINE_EPS, 0.5), None)
    table = pa.table({"y": y, "p": p})
    many = xentcli.evaluate(table, chunk_rows=chunk)
    assert_close(whole.result(metrics_for(Task.BINARY)), many.metrics)
    assert many.clipped == whole.clipped


def test_groups_and_bootstrap_split_and_merged_equal_one_pass():
    from xentcli.metrics.bootstrap import Bootstrap
    from xentcli.metrics.groups import Groups, group_keys

    rng = np.random.default_rng(30)
    n = 10_000
    keys = pa.array(rng.choice(["a", "b", "c", "d"], n))
    stats = {"loss": rng.random(n), "sq": rng.random(n), "wrong": rng.random(n) < 0.3}
    weights = rng.random(n)
    whole, first, second = Groups(("k",)), Groups(("k",)), Groups(("k",))
    whole.add(group_keys([keys]), stats, weights)
    head = {k: v[:6000] for k, v in stats.items()}
    first.add(group_keys([keys.slice(0, 6000)]), head, weights[:6000])
    tail = {k: v[6000:] for k, v in stats.items()}
    second.add(group_keys([keys.slice(6000)]), tail, weights[6000:])
    first.merge(second)
    finished = Finished(Task.BINARY, tuple(metrics_for(Task.BINARY)), None)
    one = whole.result(finished)["groups"]
    merged = {g.group["k"]: g for g in first.result(finished)["groups"]}
    for group in one:
        other = merged[group.group["k"]]
        assert group.rows == other.rows
        for name, value in group.metrics.items():
            assert value == pytest.approx(other.metrics[name], rel=1e-12)
    rows = np.arange(n)
    boot_whole, boot_a, boot_b = Bootstrap(30, 1), Bootstrap(30, 1), Bootstrap(30, 1)
    boot_whole.add(rows, stats, weights)
    boot_a.add(rows[:3333], {k: v[:3333] for k, v in stats.items()}, weights[:3333])
    boot_b.add(rows[3333:], {k: v[3333:] for k, v in stats.items()}, weights[3333:])
    boot_a.merge(boot_b)
    names = metrics_for(Task.BINARY)
    for name, values in boot_whole.replicate_metrics(names).items():
        merged_values = boot_a.replicate_metrics(names)[name]
        assert np.allclose(values, merged_values, rtol=1e-12), name
