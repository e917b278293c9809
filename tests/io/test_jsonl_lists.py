"""JSON lines whose lists start with a null: pyarrow's JSON reader, inferring the type, builds a
list array whose offsets run past its values (pyarrow 26), which numpy then read out of place
("cannot reshape", or worse). Top-level lists of numbers are typed up front; a nested one
pyarrow cannot read is exit 2 naming the rows."""

from __future__ import annotations

import json

import pytest
from sklearn.metrics import log_loss


def write_lines(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return str(path)


def test_a_list_whose_first_value_is_null_is_read_as_written(cli, tmp_path):
    rows = [
        {"label": 2, "proba": [None, 0.2, 0.8]},
        {"label": 0, "proba": [0.8, 0.1, 0.1]},
        {"label": 1, "proba": [0.3, 0.6, 0.1]},
    ]
    path = write_lines(tmp_path / "n.jsonl", rows)
    run = cli("eval", path)
    assert run.code == 2 and "row 1, column 'proba': a missing value" in run.stderr
    run = cli("eval", path, "--nan", "skip", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["skipped"] == 1
    expected = log_loss([0, 1], [[0.8, 0.1, 0.1], [0.3, 0.6, 0.1]], labels=[0, 1, 2])
    assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_nested_list_pyarrow_cannot_read_is_named(cli, tmp_path):
    rows = [
        {"label": 1, "prob": 0.9, "meta": {"v": [None, 0.9]}},
        {"label": 0, "prob": 0.2, "meta": {"v": [0.8, 0.2]}},
    ]
    path = write_lines(tmp_path / "m.jsonl", rows)
    run = cli("eval", path, "--worst", "1", "--keep-col", "meta.v")
    assert run.code == 2
    assert "could not read the lists in rows 1..2" in run.stderr
    assert len(run.stderr.splitlines()) == 1
