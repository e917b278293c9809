"""One-digit labels are parsed as bytes and made integers from their buffer (csv_convert,
digit_labels); any other label in a block sends it, and the blocks after it, to the integer or
text parse, with the same report."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import log_loss

import xentcli
from xentcli.io import csv as csv_source
from xentcli.io import text as text_input
from xentcli.io.csv_convert import DIGITS, digit_labels


def digit_labels_of(table: pa.Table) -> pa.Table:
    return digit_labels(table, ["label"])


def table_of(values: list[bytes | None]) -> pa.Table:
    return pa.table({"label": pa.array(values, DIGITS), "prob": np.full(len(values), 0.5)})


def test_one_digit_labels_become_their_integers() -> None:
    table = digit_labels_of(table_of([b"0", b"9", b"1", b"7"]))
    assert table.schema.field("label").type == pa.int64()
    assert table.column("label").to_pylist() == [0, 9, 1, 7]
    assert table.column("prob").type == pa.float64()
    sliced = digit_labels_of(table_of([b"12", b"3", b"4"]).slice(1))
    assert sliced.column("label").to_pylist() == [3, 4]
    assert digit_labels_of(table_of([])).column("label").to_pylist() == []


@pytest.mark.parametrize("odd", [b"/", b":", b"a", b"10", b" 1", b"+1", b"-1", b"\xff", b"", None])
def test_any_other_label_fails_the_tier(odd: bytes | None) -> None:
    with pytest.raises(pa.ArrowInvalid):
        digit_labels_of(table_of([b"1", odd, b"0"]))


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 256)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)


@pytest.mark.parametrize("late", ['" 1"', "+1", "01", '"1"', "1.0", "true"])
def test_labels_spelled_otherwise_in_a_later_block(tmp_path, small_blocks, late: str) -> None:
    rng = np.random.default_rng(5)
    prob = rng.random(400).round(6)
    label = (rng.random(400) < prob).astype(int)
    cells = [str(v) for v in label]
    for at in (250, 390):
        if label[at] == 1:
            cells[at] = late
    path = tmp_path / "late.csv"
    lines = ["label,prob"] + [f"{c},{p}" for c, p in zip(cells, prob, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = xentcli.evaluate(str(path))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(label, prob), rel=1e-12)


def test_ten_classes_and_a_late_two_digit_label(tmp_path, small_blocks) -> None:
    rng = np.random.default_rng(6)
    k = 11
    probs = rng.dirichlet(np.ones(k), size=300).round(12)
    probs /= probs.sum(axis=1, keepdims=True)
    label = rng.integers(0, 10, size=300)
    label[280] = 10  # past the first blocks: they were read as one digit each
    header = "label," + ",".join(f"p_{j}" for j in range(k))
    rows = [
        f"{y}," + ",".join(repr(float(v)) for v in row) for y, row in zip(label, probs, strict=True)
    ]
    path = tmp_path / "classes.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    report = xentcli.evaluate(str(path))
    expected = log_loss(label, probs, labels=list(range(k)))
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    missing = tmp_path / "missing.csv"
    rows[290] = "," + rows[290].split(",", 1)[1]
    missing.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(xentcli.InputError, match="row 291, column 'label': a missing value"):
        xentcli.evaluate(str(missing))
