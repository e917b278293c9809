"""Hugging Face's .safetensors files (docs/inputs.md). The fixtures in tests/data/safetensors
were written by make_fixtures.py there with the safetensors library, beside values.npz: the
numbers they hold and torch's own cross_entropy of them."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import log_loss

from tests.conftest import metrics_of, saved_values
from tests.references import softmax

DATA = Path(__file__).parent.parent / "data" / "safetensors"


@pytest.fixture(scope="module")
def values() -> dict[str, np.ndarray]:
    return saved_values(DATA)


def test_logits_and_labels(cli, values):
    run = cli("eval", str(DATA / "logits.safetensors"), "--logits", "--chunk-rows", "77", "--json")
    metrics = metrics_of(run)
    assert metrics["cross_entropy"] == pytest.approx(float(values["torch_ce"]), rel=1e-12)
    expected = log_loss(values["labels"], softmax(values["logits"]))
    assert metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_bfloat16_logits(cli, values):
    run = cli("eval", str(DATA / "bfloat16.safetensors"), "--logits", "--json")
    expected = float(values["torch_ce_bf16"])
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_probabilities_saved_from_numpy(cli, values):
    run = cli("eval", str(DATA / "probs.safetensors"), "--json")
    expected = log_loss(values["labels"], softmax(values["logits"]))
    assert metrics_of(run)["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def _file(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xff" * 8 + b"{}", "not a safetensors file (no header)"),
        (_file({"probs": {"dtype": "F64", "shape": [4], "data_offsets": [0, 32]}}, bytes(16)),
         "the tensor 'probs' is not described as safetensors are"),
        (_file({"probs": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}, bytes(4)),
         "the tensor 'probs' holds F8_E4M3 values"),
        (_file({"probs": {"dtype": "F64", "shape": [-4], "data_offsets": [0, 32]}}, bytes(32)),
         "the tensor 'probs' is not described as safetensors are"),
        (_file({"probs": {"dtype": "F64", "shape": [8], "data_offsets": [0, 32]}}, bytes(32)),
         "the array 'probs' is cut short: 8 rows stored, 4 there"),
        (_file({"__metadata__": {"a": "b"}}, b""), "the file holds no tensor"),
        (_file({"probs": {"dtype": ["F64"], "shape": [4], "data_offsets": [0, 32]}}, bytes(32)),
         "the tensor 'probs' is not described as safetensors are"),
        (_file({"probs": [1, 2]}, bytes(32)), "the tensor 'probs' is not described"),
        (b"\x05\x00\x00\x00\x00\x00\x00\x00[1,2]", "its header is not an object"),
    ],
)  # fmt: skip
def test_files_that_are_not_read_are_one_clear_line(cli, tmp_path, content, said):
    path = tmp_path / "preds.safetensors"
    path.write_bytes(content)
    run = cli("eval", str(path), "--task", "regression", "--label-col", "probs")
    assert run.code == 2 and said in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1
