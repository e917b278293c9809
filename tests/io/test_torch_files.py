"""PyTorch's torch.save files read without torch and without running their pickle
(docs/inputs.md). The fixtures in tests/data/torch were written by make_fixtures.py there, with
torch 2.13, beside values.npz: the numbers they hold and torch's own cross_entropy of them."""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import log_loss

from tests.conftest import metrics_of, saved_values
from tests.references import softmax

DATA = Path(__file__).parent.parent / "data" / "torch"


@pytest.fixture(scope="module")
def values() -> dict[str, np.ndarray]:
    return saved_values(DATA)


def test_a_dict_of_logits_and_labels(cli, values):
    run = cli("eval", str(DATA / "dict_logits.pt"), "--logits", "--json")
    metrics = metrics_of(run)
    assert metrics["cross_entropy"] == pytest.approx(float(values["torch_ce"]), rel=1e-12)
    expected = log_loss(values["labels"], softmax(values["logits"]))
    assert metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_float32_probabilities_beside_other_entries(cli, values):
    """Entries that are not tensors (an epoch, a name) are not columns."""
    run = cli("eval", str(DATA / "dict_probs.pt"), "--json")
    labels, probs = values["labels"], values["probs_f32"]
    expected = -np.mean(np.log(probs[np.arange(len(labels)), labels]))
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_bfloat16_logits_are_read_as_the_values_they_are(cli, values):
    run = cli("eval", str(DATA / "bfloat16.pt"), "--logits", "--json")
    expected = float(values["torch_ce_bf16"])
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert expected != pytest.approx(float(values["torch_ce"]), rel=1e-6)  # bf16 rounds


def test_one_tensor_is_its_columns_and_labels_in_another_file(cli, values):
    run = cli("eval", str(DATA / "single.pt"), "--labels", str(DATA / "single_labels.pt"), "--json")
    expected = log_loss(values["labels"], softmax(values["logits"]))
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert json.loads(run.stdout)["classes"] == ["0", "1", "2", "3"]


@pytest.mark.parametrize(("name", "start"), [("parameter.pt", 0), ("offset.pt", 10)])
def test_a_parameter_and_a_tensor_that_starts_inside_its_storage(cli, values, name, start):
    run = cli("eval", str(DATA / name), "--logits", "--json", "--chunk-rows", "37")
    labels, logits = values["labels"][start:], values["logits"][start:]
    expected = log_loss(labels, softmax(logits), labels=range(4))
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_binary_dict(cli, values):
    run = cli("eval", str(DATA / "binary.pt"), "--json")
    truth = values["labels"] == 1
    prob = 1 / (1 + np.exp(-values["logits"][:, 0]))
    expected = log_loss(truth, prob)
    assert metrics_of(run)["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("not_contiguous.pt", "tensor.contiguous()"),
        ("numpy_inside.pt", "numpy._core.multiarray._reconstruct objects, which are not read"),
        ("a_list.pt", "holds a list, not a tensor or a dict of tensors"),
        ("legacy.pt", "not a torch.save zip archive"),
    ],
)
def test_what_is_not_read_is_one_clear_line(cli, name, said):
    run = cli("eval", str(DATA / name), "--logits")
    assert run.code == 2 and said in run.stderr and name in run.stderr
    assert len(run.stderr.splitlines()) == 1


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.makedirs, (str(self.marker),))


def test_a_pickle_that_would_run_code_is_refused_unrun(cli, tmp_path):
    """torch.load without weights_only would run this; the file is refused before anything."""
    marker = tmp_path / "ran"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folder:
        folder.writestr("preds/data.pkl", pickle.dumps({"logits": _Payload(marker)}, protocol=2))
    path = tmp_path / "preds.pt"
    path.write_bytes(archive.getvalue())
    run = cli("eval", str(path))
    assert run.code == 2 and "os.makedirs objects, which are not read" in run.stderr
    assert not marker.exists()


def test_a_cut_archive(cli, tmp_path):
    data = (DATA / "dict_logits.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    run = cli("eval", str(tmp_path / "cut.pt"), "--logits")
    assert run.code == 2 and "cut.pt: a cut or corrupt torch.save archive" in run.stderr
    assert len(run.stderr.splitlines()) == 1


def _crafted(
    offset: int,
    size: tuple[int, ...],
    storage: bytes = b"FloatStorage",
    stride: tuple[int, ...] = (1,),
) -> bytes:
    """A torch.save archive whose one tensor claims this offset, size and stride (pickle
    opcodes by hand, as a crafted file would write them)."""

    def number(v: int) -> bytes:
        return b"J" + v.to_bytes(4, "little", signed=True)

    body = (
        b"\x80\x02}(X\x01\x00\x00\x00zctorch._utils\n_rebuild_tensor_v2\n("
        b"(X\x07\x00\x00\x00storagectorch\n" + storage + b"\nX\x01\x00\x00\x000"
        b"X\x03\x00\x00\x00cpuK\x10tQ"
        + number(offset)
        + b"("
        + b"".join(map(number, size))
        + b"t("
        + b"".join(map(number, stride))
        + b"t\x89ccollections\nOrderedDict\n)RtRu."
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as folder:
        folder.writestr("p/data.pkl", body)
        folder.writestr("p/data/0", np.full(16, 0.5, dtype="<f4").tobytes())
    return archive.getvalue()


@pytest.mark.parametrize(
    ("offset", "size", "said"),
    [
        (-3, (4,), "a tensor whose storage or layout is not one torch writes"),
        (0, (-4,), "a tensor whose storage or layout is not one torch writes"),
        (0, (1_000_000_000,), "is cut short: 1000000000 rows stored, 16 there"),
    ],
)
def test_a_crafted_layout_is_an_input_error(cli, tmp_path, offset, size, said):
    path = tmp_path / "preds.pt"
    path.write_bytes(_crafted(offset, size))
    np.save(tmp_path / "y.npy", np.zeros(16, dtype=int))
    run = cli("eval", str(path), "--labels", str(tmp_path / "y.npy"), "--task", "regression")
    assert run.code == 2 and said in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_a_crafted_archive_that_is_well_formed_reads(cli, tmp_path):
    path = tmp_path / "preds.pt"
    path.write_bytes(_crafted(0, (16,)))
    np.save(tmp_path / "y.npy", np.ones(16))
    run = cli(
        "eval", str(path), "--labels", str(tmp_path / "y.npy"), "--task", "regression", "--json"
    )
    assert metrics_of(run)["mse"] == pytest.approx(0.25, rel=1e-12)


def test_complex_tensors_are_named_as_such(cli, tmp_path):
    path = tmp_path / "preds.pt"
    path.write_bytes(_crafted(0, (4,), b"ComplexFloatStorage"))
    run = cli("eval", str(path), "--label-col", "z")
    assert run.code == 2 and "tensors of ComplexFloatStorage" in run.stderr
    assert "could run code" not in run.stderr


@pytest.mark.parametrize(
    ("size", "stride"),
    [((4, 1), (2, 1)), ((8,), (2,)), ((4, 2), (1, 4))],  # z[:, :1], z[:, 0], z.T
)
def test_a_tensor_not_stored_row_by_row_is_refused(cli, tmp_path, size, stride):
    """A column slice of shape (n, 1) strides over the columns it left out: read row by row,
    its values would be the wrong ones (it was read so before)."""
    path = tmp_path / "preds.pt"
    path.write_bytes(_crafted(0, size, stride=stride))
    np.save(tmp_path / "y.npy", np.zeros(size[0]))
    run = cli("eval", str(path), "--labels", str(tmp_path / "y.npy"), "--task", "regression")
    assert run.code == 2 and "is not stored row by row" in run.stderr, run.stderr


def test_a_tensor_whose_sizes_and_strides_differ_in_number(cli, tmp_path):
    path = tmp_path / "preds.pt"
    path.write_bytes(_crafted(0, (4,), stride=(1, 1)))
    run = cli("eval", str(path), "--label-col", "z")
    assert run.code == 2 and "not a readable torch.save file" in run.stderr
