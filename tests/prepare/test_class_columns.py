"""Many class columns are converted at once (prepare/values.class_columns, Arrow's to_tensor):
the numbers, missing values and their errors are those of the column-by-column path."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import log_loss

import xentcli
from tests.references import softmax
from xentcli.prepare import values

K = 40


def table(seed: int = 0, n: int = 300) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = softmax(rng.normal(size=(n, K)) * 2)
    y = rng.integers(0, K, n)
    columns = {f"p_{k}": p[:, k] for k in range(K)}
    return pa.table(columns | {"label": y}), p, y


@pytest.fixture(params=["tensor", "column by column"])
def path(request, monkeypatch):
    monkeypatch.setattr(values, "TENSOR_FROM", K if request.param == "tensor" else 10**9)
    return request.param


def test_many_columns_of_mixed_numeric_types_equal_sklearn(tmp_path, path):
    data, p, y = table()
    # a float32 class column, an integer one (all 0), the rest float64
    data = data.set_column(3, "p_3", pa.array(p[:, 3].astype(np.float32)))
    data = data.set_column(7, "p_7", pa.array(np.zeros(len(y), np.int16)))
    p[:, 3], p[:, 7] = p[:, 3].astype(np.float32), 0.0
    pq.write_table(data, tmp_path / "x.parquet", row_group_size=64)
    report = xentcli.evaluate(str(tmp_path / "x.parquet"), renormalize=True, chunk_rows=50)
    q = p / p.sum(axis=1, keepdims=True)
    assert report.metrics["cross_entropy"] == pytest.approx(
        log_loss(y, q, labels=range(K)), rel=1e-12
    )


def test_a_bool_class_column_among_many_reads_as_0_and_1(path):
    data, p, y = table(n=50)
    hot = np.arange(50) % 2 == 0
    data = data.set_column(0, "p_0", pa.array(hot))
    p[:, 0] = hot
    report = xentcli.evaluate(data, renormalize=True, per_class=True)
    q = p / p.sum(axis=1, keepdims=True)
    assert report.metrics["cross_entropy"] == pytest.approx(
        log_loss(y, q, labels=range(K)), rel=1e-12
    )


def test_a_missing_value_among_many_columns_is_named_at_its_row(cli, tmp_path, path):
    data, _, _ = table(n=100)
    cells = data.column("p_37").to_pylist()
    cells[64] = None
    data = data.set_column(37, "p_37", pa.array(cells))
    data.to_pandas().to_csv(tmp_path / "x.csv", index=False)
    run = cli("eval", str(tmp_path / "x.csv"), "--chunk-rows", "30")
    assert run.code == 2 and "row 65, column 'p_37'" in run.stderr, run.stderr
    skipped = cli("eval", str(tmp_path / "x.csv"), "--nan", "skip", "--json")
    assert json.loads(skipped.stdout)["rows"]["skipped"] == 1


def test_many_soft_label_columns(path):
    data, p, _ = table(n=80)
    t = softmax(np.random.default_rng(9).normal(size=(80, K)))
    soft = data.drop_columns(["label"])
    for k in range(K):
        soft = soft.append_column(f"y_{k}", pa.array(t[:, k]))
    report = xentcli.evaluate(soft, label_col="y_*", chunk_rows=33)
    expected = -(t * np.log(p)).sum(axis=1).mean()
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_list_column_of_lists_names_its_type(cli, tmp_path):
    """A list column one level too deep (a (n, 1, K) array saved as lists): its type and what
    is expected, not pyarrow's "Unsupported cast from list<element: double> to double"."""
    nested = pa.array([[[0.1, 0.9]], [[0.8, 0.2]]])
    pq.write_table(pa.table({"label": [1, 0], "probs": nested}), tmp_path / "x.parquet")
    run = cli("eval", str(tmp_path / "x.parquet"))
    assert run.code == 2 and run.stderr.count("\n") == 1
    assert "column 'probs': holds lists of list<element: double> values; expected lists" in (
        run.stderr
    )
