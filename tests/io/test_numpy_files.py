"""numpy's own files (docs/inputs.md): `.npy` arrays as pandas names a DataFrame of them, `.npz`
archives a column per array; the numbers scikit-learn gives on the same arrays."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import brier_score_loss, log_loss, top_k_accuracy_score

from tests.conftest import metrics_of
from tests.references import softmax


@pytest.fixture
def arrays() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    n, k = 9000, 4
    return rng.integers(0, k, n), softmax(rng.normal(size=(n, k)) * 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, ">f4"])
def test_predict_proba_and_labels_saved_with_np_save(cli, tmp_path, arrays, dtype):
    y, p = arrays
    p = p.astype(dtype).astype(np.float64)  # the values the file holds
    np.save(tmp_path / "probs.npy", p.astype(dtype))
    np.save(tmp_path / "y.npy", y)
    run = cli(
        "eval", str(tmp_path / "probs.npy"), "--labels", str(tmp_path / "y.npy"),
        "--top-k", "2", "--chunk-rows", "1000", "--json",
    )  # fmt: skip
    metrics = metrics_of(run)
    expected = -np.mean(np.log(p[np.arange(len(y)), y]))  # log_loss, which warns on float32 sums
    assert metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    expected_top2 = 1 - top_k_accuracy_score(y, p, k=2, labels=range(4))
    assert metrics["top_k_error"] == pytest.approx(expected_top2, rel=1e-12)
    assert json.loads(run.stdout)["classes"] == ["0", "1", "2", "3"]


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_an_npz_archive_is_a_column_per_array(cli, tmp_path, arrays, save):
    y, p = arrays
    w = np.random.default_rng(3).random(len(y))
    features = np.random.default_rng(4).random((len(y), 50))  # not read: no column wanted
    save(tmp_path / "preds.npz", x=features, y_true=y, y_prob=p, w=w)
    run = cli("eval", str(tmp_path / "preds.npz"), "--weight-col", "w", "--json")
    expected = log_loss(y, p, sample_weight=w)
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_binary_column_and_text_labels(cli, tmp_path):
    rng = np.random.default_rng(4)
    p = rng.random(5000).astype(np.float32)
    y = np.where(rng.random(5000) < p, "spam", "ham")
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "y.npy", y)  # a <U4 array
    run = cli(
        "eval", str(tmp_path / "p.npy"), "--labels", str(tmp_path / "y.npy"),
        "--positive", "spam", "--json",
    )  # fmt: skip
    metrics = metrics_of(run)
    truth = y == "spam"
    p64 = p.astype(np.float64)
    assert metrics["binary_cross_entropy"] == pytest.approx(log_loss(truth, p64), rel=1e-12)
    assert metrics["mse"] == pytest.approx(brier_score_loss(truth, p64), rel=1e-12)


def test_two_columns_of_predict_proba_are_a_binary_problem(cli, tmp_path):
    """(n, 2) predict_proba saved with np.save: columns 0 and 1, reported on 1 (SPEC §4.3)."""
    rng = np.random.default_rng(6)
    q = rng.random(300)
    y = (rng.random(300) < q).astype(np.int8)
    np.save(tmp_path / "p.npy", np.column_stack([1 - q, q]))
    np.save(tmp_path / "y.npy", y)
    run = cli("eval", str(tmp_path / "p.npy"), "--labels", str(tmp_path / "y.npy"), "--json")
    assert metrics_of(run)["binary_cross_entropy"] == pytest.approx(log_loss(y, q), rel=1e-12)


def test_big_endian_arrays_read_as_their_values(cli, tmp_path):
    np.save(tmp_path / "p.npy", np.array([0.2, 0.7, 0.9], dtype=">f8"))
    np.save(tmp_path / "y.npy", np.array([0, 1, 1], dtype=">i4"))
    run = cli("eval", str(tmp_path / "p.npy"), "--labels", str(tmp_path / "y.npy"), "--json")
    expected = log_loss([0, 1, 1], [0.2, 0.7, 0.9])
    assert metrics_of(run)["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_missing_value_is_named_at_its_row_and_column(cli, tmp_path, arrays):
    y, p = arrays
    p = p.copy()
    p[4321, 2] = np.nan
    np.save(tmp_path / "probs.npy", p)
    np.save(tmp_path / "y.npy", y)
    run = cli("eval", str(tmp_path / "probs.npy"), "--labels", str(tmp_path / "y.npy"))
    assert run.code == 2
    assert "probs.npy, row 4322, column '2'" in run.stderr and "--nan skip" in run.stderr


def _bad(path, kind: str) -> None:
    if kind == "objects":
        np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    elif kind == "3-d":
        np.save(path, np.zeros((2, 2, 2)))
    elif kind == "fortran":
        np.save(path, np.asfortranarray(np.full((4, 3), 1 / 3)))
    elif kind == "structured":
        np.save(path, np.array([(1, 0.5)], dtype=[("label", "i8"), ("prob", "f8")]))
    elif kind == "cut":
        np.save(path, np.full((1000, 3), 1 / 3))
        path.write_bytes(path.read_bytes()[:5000])
    elif kind == "a header that claims 16 GB":
        with open(path, "wb") as file:
            header = {"descr": "<f8", "fortran_order": False, "shape": (2, 10**9)}
            np.lib.format.write_array_header_1_0(file, header)
            file.write(bytes(64))
    elif kind == "complex":
        np.save(path, np.array([[1 + 2j, 3j], [0j, 1 + 0j]]))
    elif kind == "too wide":
        np.save(path, np.zeros((2, 100_001)))
    else:  # not numpy's at all
        path.write_bytes(b"label,prob\n1,0.5\n")


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("objects", "holds Python objects"),
        ("3-d", "has shape (2, 2, 2)"),
        ("fortran", "np.ascontiguousarray"),
        ("structured", "structured (record) array"),
        ("cut", "is cut short: 1000 rows stored, 203 there"),
        ("text", "not a readable .npy array"),
        ("a header that claims 16 GB", "is cut short: 2 rows stored, 0 there"),
        ("too wide", "has 100001 columns: more than 100000 are read as a list column"),
        ("complex", "holds complex128 values: save numbers, booleans or text"),
    ],
)
def test_arrays_that_cannot_be_read_are_one_clear_line(cli, tmp_path, kind, said):
    path = tmp_path / "preds.npy"
    _bad(path, kind)
    run = cli("eval", str(path), "--label-col", "0", "--pred-col", "1,2")
    assert run.code == 2, run.stdout
    assert said in run.stderr and "preds.npy" in run.stderr
    assert len(run.stderr.splitlines()) == 1 and "Traceback" not in run.stderr


def test_arrays_of_an_archive_with_different_row_counts(cli, tmp_path):
    np.savez(tmp_path / "preds.npz", y_true=np.array([0, 1, 1]), y_prob=np.array([0.1, 0.2]))
    run = cli("eval", str(tmp_path / "preds.npz"))
    assert run.code == 2
    assert "different row counts (y_true 3, y_prob 2)" in run.stderr


def test_not_an_npz_archive(cli, tmp_path):
    (tmp_path / "preds.npz").write_bytes(b"PK\x03\x04 cut")
    run = cli("eval", str(tmp_path / "preds.npz"))
    assert run.code == 2 and "not a readable .npz archive" in run.stderr


def test_inspect_counts_the_rows_of_an_npz_archive(cli, tmp_path, arrays):
    y, p = arrays
    np.savez(tmp_path / "preds.npz", y_true=y, y_prob=p)
    run = cli("inspect", str(tmp_path / "preds.npz"), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"] == len(y) and report["label"] == "y_true"
    assert report["predictions"] == ["y_prob"] and report["list"] is True


@pytest.mark.parametrize("at", [0.3, 0.5, 0.7, 0.9])
def test_a_damaged_compressed_archive_is_one_clear_line(cli, tmp_path, arrays, at):
    """Bytes changed inside a compressed member: its inflation fails, or its checksum does."""
    y, p = arrays
    np.savez_compressed(tmp_path / "preds.npz", y_true=y, y_prob=p)
    data = bytearray((tmp_path / "preds.npz").read_bytes())
    start = int(len(data) * at)
    data[start : start + 16] = bytes(range(16))
    (tmp_path / "preds.npz").write_bytes(bytes(data))
    run = cli("eval", str(tmp_path / "preds.npz"))
    assert run.code == 2, run.stderr
    assert "preds.npz" in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_header_numpy_cannot_parse(cli, tmp_path):
    path = tmp_path / "preds.npy"
    np.save(path, np.full(10, 0.5))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"'descr': '<f8'", b"'descr': ('<f8"))
    run = cli("eval", str(path), "--label-col", "0")
    assert run.code == 2 and "not a readable .npy array" in run.stderr
