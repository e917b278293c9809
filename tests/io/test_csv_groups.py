"""Past GROUPED_FROM columns a CSV block is parsed a group of columns at a time (io/csv.py,
column_groups): the report, the inferred types and the errors are those of one parse."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.references import softmax
from xentcli.io import csv as csv_source
from xentcli.io import text as text_input

K = 11


@pytest.fixture(params=["grouped", "whole"])
def grouping(request, monkeypatch):
    if request.param == "grouped":
        monkeypatch.setattr(csv_source, "GROUPED_FROM", 4)
        monkeypatch.setattr(csv_source, "PARSE_COLUMN_BUDGET", 3)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)
    widths: list[int] = []  # the columns each parse of a block or the sample converted
    read_csv = csv_source.pacsv.read_csv

    def counted(*args, **kwargs):
        table = read_csv(*args, **kwargs)
        widths.append(table.num_columns)
        return table

    monkeypatch.setattr(csv_source.pacsv, "read_csv", counted)
    yield request.param
    if request.param == "grouped":
        assert len(widths) > 20 and max(widths) <= 3
    else:
        assert max(widths) == K + 1


def write(tmp_path, labels, rows=400, bad=None):
    p = np.round(softmax(np.random.default_rng(2).normal(size=(rows, K))), 6)
    lines = ["label," + ",".join(f"p_{k}" for k in range(K))]
    for i in range(rows):
        cells = [f"{v:.6f}" for v in p[i]]
        if bad is not None and i == bad[0]:
            cells[bad[1]] = "oops"
        lines.append(f"{labels[i]}," + ",".join(cells))
    path = tmp_path / "x.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, p


def test_groups_give_the_report_of_one_parse(cli, tmp_path, grouping):
    labels = [str(i % K) for i in range(400)]
    labels[300] = "10"  # integer labels throughout: the int64 tier
    path, p = write(tmp_path, labels)
    report = json.loads(cli("eval", str(path), "--json", "--renormalize").stdout)
    y = np.array([int(v) for v in labels])
    expected = -np.log(p[np.arange(400), y] / p.sum(axis=1)).mean()
    assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-9)
    assert report["rows"]["read"] == 400 and report["classes"] == [str(k) for k in range(K)]


def test_groups_fall_back_to_text_labels_and_name_a_bad_cell(cli, tmp_path, grouping):
    labels = [str(i % K) for i in range(400)]
    labels[350] = "x"  # not an integer: the later blocks are read with text labels
    path, _ = write(tmp_path, labels)
    run = cli("eval", str(path))
    assert run.code == 2 and "row 351, column 'label': label 'x' maps to no class" in run.stderr
    path, _ = write(tmp_path, [str(i % K) for i in range(400)], bad=(250, 9))
    run = cli("eval", str(path))
    assert run.code == 2 and "row 251, column 'p_9': 'oops' is not a number" in run.stderr
    inspect = json.loads(cli("inspect", str(path), "--format", "json").stdout)
    assert [c["type"] for c in inspect["columns"]] == ["int64"] + ["double"] * K  # a sample
