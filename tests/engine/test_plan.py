"""The plan sizes chunks by values (rows × classes), list columns too (docs/inputs.md)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import xentcli
from xentcli.engine.plan import layout_of, list_width, make_plan, open_inputs
from xentcli.options import MAX_CHUNK_VALUES, EvalOptions, default_chunk_rows


@pytest.mark.parametrize("k", [3, 10, 1000, 20_000])
def test_list_columns_are_chunked_by_their_length(tmp_path, k):
    rng = np.random.default_rng(k)
    p = rng.dirichlet(np.ones(k), 64).astype(np.float32)
    table = pa.table({"label": rng.integers(0, k, 64), "probs": pa.array(list(p))})
    pq.write_table(table, tmp_path / "lists.parquet")
    opts = EvalOptions(sum_tol=1e-3)
    source, _ = open_inputs(str(tmp_path / "lists.parquet"), None, opts)
    layout = layout_of(source, None, opts)
    assert layout.pred_list and list_width(source, layout) == k
    plan = make_plan(opts, layout, list_width(source, layout))
    assert plan.reading.chunk_rows == default_chunk_rows(k)
    assert plan.reading.chunk_rows * k <= MAX_CHUNK_VALUES  # memory flat in K, 20,000 too
    report = xentcli.evaluate(str(tmp_path / "lists.parquet"), sum_tol=1e-3)
    expected = -np.log(p[np.arange(64), table["label"].to_numpy()]).mean()
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-6)  # float32 input


@pytest.mark.parametrize("k", [4, 600])
def test_soft_label_columns_count_as_values_too(tmp_path, k):
    rng = np.random.default_rng(k)
    p, q = rng.dirichlet(np.ones(k), 32), rng.dirichlet(np.ones(k), 32)
    columns = {f"t_{j}": q[:, j] for j in range(k)} | {f"p_{j}": p[:, j] for j in range(k)}
    pq.write_table(pa.table(columns), tmp_path / "soft.parquet")
    opts = EvalOptions(label_col="t_*")
    source, _ = open_inputs(str(tmp_path / "soft.parquet"), None, opts)
    layout = layout_of(source, None, opts)
    assert len(layout.target_cols) == len(layout.pred_cols) == k
    assert make_plan(opts, layout, None).reading.chunk_rows == default_chunk_rows(2 * k)


@pytest.mark.parametrize("kind", ["arrow-file", "table"])
def test_arrow_list_columns_are_chunked_by_their_length_too(tmp_path, kind):
    import pyarrow.feather as feather

    k = 20_000
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(k), 8)
    table = pa.table({"label": rng.integers(0, k, 8), "probs": pa.array(list(p))})
    source: object = table.to_pandas()
    if kind == "arrow-file":
        feather.write_feather(table, tmp_path / "lists.arrow")
        source = str(tmp_path / "lists.arrow")
    opts = EvalOptions()
    preds, _ = open_inputs(source, None, opts)
    layout = layout_of(preds, None, opts)
    assert list_width(preds, layout) == k
    assert make_plan(opts, layout, k).reading.chunk_rows * k <= MAX_CHUNK_VALUES
