"""--by: every group's metrics equal evaluating that group's rows on their own."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import xentcli
from tests.references import softmax


def frame(n=6000, seed=14):
    rng = np.random.default_rng(seed)
    p = softmax(rng.normal(size=(n, 3)) * 2)
    data = pd.DataFrame({f"p_{j}": p[:, j] for j in range(3)})
    data["label"] = rng.integers(0, 3, n)
    data["region"] = rng.choice(["north", "south", "east"], n)
    data["day"] = rng.integers(1, 4, n)
    data["w"] = rng.random(n)
    return data


@pytest.mark.parametrize("weighted", [False, True])
def test_each_group_equals_its_rows_alone(weighted):
    data = frame()
    options = {"weight_col": "w"} if weighted else {}
    report = xentcli.evaluate(data, by="region", top_k=2, **options)
    assert [g.group["region"] for g in report.groups] == list(dict.fromkeys(data["region"]))
    for group in report.groups:
        rows = data[data["region"] == group.group["region"]].drop(columns="region")
        alone = xentcli.evaluate(rows, top_k=2, **options)
        assert group.rows == len(rows)
        assert group.metrics == pytest.approx(alone.metrics, rel=1e-12)
    assert (
        report.metrics == xentcli.evaluate(data.drop(columns="region"), top_k=2, **options).metrics
    )


def test_combinations_skipped_rows_and_chunking(tmp_path):
    data = frame()
    data.loc[[5, 50, 500], "p_1"] = np.nan
    report = xentcli.evaluate(data, by=("region", "day"), nan="skip", chunk_rows=1000)
    assert len(report.groups) == 9
    assert sum(g.rows for g in report.groups) == len(data) - 3
    for group in report.groups:
        key = group.group
        rows = data[(data["region"] == key["region"]) & (data["day"].astype(str) == key["day"])]
        alone = xentcli.evaluate(rows.drop(columns=["region", "day"]), nan="skip")
        assert group.metrics == pytest.approx(alone.metrics, rel=1e-12)
    one_chunk = xentcli.evaluate(data, by=("region", "day"), nan="skip")
    for a, b in zip(report.groups, one_chunk.groups, strict=True):
        assert a.metrics == pytest.approx(b.metrics, rel=1e-12)


def test_by_the_label_column_and_many_groups(cli, tmp_path):
    data = frame(n=3000)
    per_label = xentcli.evaluate(data, by="label")
    assert [g.group["label"] for g in per_label.groups] == [
        str(v) for v in dict.fromkeys(data["label"])
    ]
    n = 120_000
    rng = np.random.default_rng(15)
    many = pd.DataFrame(
        {"y": rng.integers(0, 2, n), "prob": rng.random(n), "user": rng.permutation(n) // 1}
    )  # 120k groups of one row
    report = xentcli.evaluate(many, by="user")
    assert len(report.groups) == n
    first = report.groups[0]
    row = many[many["user"] == int(first.group["user"])]
    assert first.metrics["mse"] == pytest.approx(((row["prob"] - row["y"]) ** 2).iloc[0])
    path = tmp_path / "g.csv"
    data.to_csv(path, index=False)
    lines = cli("eval", str(path), "--by", "region", "--format", "jsonl").stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["group"] for r in records][-1] is None and len(records) == 4
    bad = cli("eval", str(path), "--by", "nope")
    assert bad.code == 2 and "no --by column 'nope'" in bad.stderr


def test_null_keys_text_labels_and_first_appearance_order(tmp_path):
    """CSV: empty cells are the group <null>; a chunk cut from a parsed block never shows a group
    it has no rows of; groups and combinations come in order of first appearance."""
    data = frame(n=3000, seed=3)
    data["label"] = np.array(["a", "b", "c"])[data["label"]]
    data.loc[data.index % 7 == 3, "region"] = None
    path = tmp_path / "grouped.csv"
    data.to_csv(path, index=False)
    report = xentcli.evaluate(str(path), by=("region", "day"), classes="a,b,c", chunk_rows=100)
    keys = data["region"].fillna("<null>") + "|" + data["day"].astype(str)
    expected = list(dict.fromkeys(keys))
    assert ["|".join(g.group.values()) for g in report.groups] == expected
    assert {g.group["region"] for g in report.groups} == {"north", "south", "east", "<null>"}
    counts = keys.value_counts()
    assert all(g.rows == counts["|".join(g.group.values())] for g in report.groups)
    by_label = xentcli.evaluate(str(path), by="label", classes="a,b,c", chunk_rows=100)
    assert [g.group["label"] for g in by_label.groups] == list(dict.fromkeys(data["label"]))


@pytest.mark.parametrize("kind", ["float64", "float32", "float16"])
def test_float_keys_group_by_value_as_pandas_does(tmp_path, kind):
    """-0.0 is 0.0 and NaN is missing (pandas' groupby, with dropna=False): -0.0 was a group of
    its own, and a float16 column an internal error."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    g = np.array([0.0, -0.0, np.nan, 1.5, 1.5, -0.0, np.nan, 0.0], dtype=kind)
    table = pa.table(
        {
            "label": [1, 0, 1, 0, 1, 1, 0, 0],
            "prob": [0.9, 0.2, 0.6, 0.3, 0.8, 0.7, 0.4, 0.1],
            "g": pa.array(g, from_pandas=False),  # NaN stays a NaN value, not a null
        }
    )
    pq.write_table(table, tmp_path / "f.parquet")
    report = xentcli.evaluate(str(tmp_path / "f.parquet"), by="g", chunk_rows=3)
    keys = pd.Series(g.astype(np.float64))  # pandas has no float16 index
    expected = keys.groupby(keys, dropna=False, sort=False).size()
    assert [g.rows for g in report.groups] == expected.tolist() == [4, 2, 2]
    assert [g.group["g"] for g in report.groups] == ["0", "<null>", "1.5"]


def test_a_value_spelled_like_a_null_or_holding_the_key_separator_is_a_group_of_its_own():
    """Group keys are the --by values joined: a null and the text `<null>` were one group (their
    rows merged, silently), and a value holding the join character with two --by columns was an
    internal error. Each is its own group, with its own metrics, AUC and intervals, equal to
    its rows evaluated alone."""
    from sklearn.metrics import log_loss

    g = ["x\x1fy", "a", "a", None, "<null>", "\\0", None, "<null>", "a\\s"]
    data = pd.DataFrame(
        {
            "g": g,
            "h": ["1", "2", "2", "3", None, "4", "3", None, "5"],
            "label": [0, 1, 1, 0, 1, 0, 1, 0, 1],
            "prob": [0.2, 0.3, 0.9, 0.4, 0.6, 0.1, 0.8, 0.7, 0.6],
        }
    )
    for by in (["g"], ["g", "h"]):
        report = xentcli.evaluate(data, by=by, bootstrap=20, auc=True)
        keys = [tuple(None if pd.isna(v) else v for v in row) for row in data[by].itertuples(False)]
        expected = list(dict.fromkeys(keys))
        assert len(report.groups) == len(expected)
        for group, values in zip(report.groups, expected, strict=True):
            shown = tuple("<null>" if v is None else v for v in values)
            assert tuple(group.group.values()) == shown
            alone = data[[key == values for key in keys]]
            assert group.rows == len(alone)
            expected_loss = log_loss(alone["label"], alone["prob"], labels=[0, 1])
            assert group.metrics["binary_cross_entropy"] == pytest.approx(expected_loss)
            assert group.intervals is not None and "binary_cross_entropy" in group.intervals
    nulls = [grp for grp in xentcli.evaluate(data, by="g").groups if grp.group["g"] == "<null>"]
    assert [grp.rows for grp in nulls] == [2, 2]  # the nulls, and the text <null>


def test_groups_whose_rows_were_all_skipped_do_not_appear(tmp_path):
    data = frame(n=2000, seed=4)
    data["label"] = np.array(["a", "b", "c"])[data["label"]]
    data.loc[0, "label"] = "a"
    data.loc[data["label"] == "c", "p_0"] = np.nan
    data.loc[0, "region"] = None  # the first row's group: <null> comes first
    path = tmp_path / "skipped.csv"
    data.to_csv(path, index=False)
    by_label = xentcli.evaluate(str(path), by="label", classes="a,b,c", nan="skip")
    assert [g.group["label"] for g in by_label.groups] == list(
        dict.fromkeys(data["label"][data["label"] != "c"])
    )
    by_region = xentcli.evaluate(str(path), by="region", classes="a,b,c", nan="skip")
    assert by_region.groups[0].group["region"] == "<null>"
    assert by_region.groups[0].rows == 1
