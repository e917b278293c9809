"""Text in an Arrow IPC file that is not UTF-8 is named by row and column, as in Parquet; a file
whose buffers are out of bounds is still called corrupt (io/arrow.py)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from tests.conftest import run_cli

LABELS = [b"cat", b"dog", b"cat", b"dog", b"cat", b"\xffdog"]  # row 6 is not UTF-8


def _labels(dictionary: bool) -> pa.Array:
    text = pa.array(LABELS, pa.binary()).view(pa.string())  # no check on the way in
    if not dictionary:
        return text
    values = pa.array([b"cat", b"dog", b"\xffdog"], pa.binary()).view(pa.string())
    return pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, 1, 0, 2], pa.int32()), values)


def _write(path, table: pa.Table, stream: bool) -> None:
    new = ipc.new_stream if stream else ipc.new_file
    with new(str(path), table.schema) as writer:
        for batch in table.to_batches(max_chunksize=4):  # the bad row in the second batch
            writer.write_batch(batch)


@pytest.mark.parametrize("dictionary", [False, True])
@pytest.mark.parametrize("stream", [False, True])
def test_text_that_is_not_utf8_is_named_by_row_and_column(tmp_path, dictionary, stream):
    table = pa.table({"label": _labels(dictionary), "p_cat": [0.7, 0.2, 0.9, 0.4, 0.6, 0.3]})
    table = table.append_column("p_dog", pa.array([0.3, 0.8, 0.1, 0.6, 0.4, 0.7]))
    path = tmp_path / ("preds.arrows" if stream else "preds.arrow")
    _write(path, table, stream)
    run = run_cli("eval", str(path), "--input-format", "arrow")
    assert run.code == 2, run.stderr
    assert f"{path.name}, row 6, column 'label': text that is not UTF-8" in run.stderr
    assert "corrupt" not in run.stderr and run.stdout == ""


def test_a_dictionary_entry_no_row_uses_is_no_error_until_a_row_does(tmp_path):
    """A file's dictionary serves every batch: the first batch's rows are read although the
    dictionary holds the bad text; the row that uses it is named."""
    table = pa.table({"label": _labels(dictionary=True), "p_cat": [0.5] * 6, "p_dog": [0.5] * 6})
    path = tmp_path / "preds.arrow"
    _write(path, table, stream=False)
    run = run_cli("eval", str(path))
    assert run.code == 2 and "row 6, column 'label': text that is not UTF-8" in run.stderr
    good = pa.table({"label": _labels(dictionary=True)[:4], "p_cat": [0.5] * 4, "p_dog": [0.5] * 4})
    _write(path, good, stream=False)  # its dictionary still holds the bad entry
    assert b"\xffdog" in path.read_bytes()
    run = run_cli("eval", str(path), "--json", "--task", "multiclass")
    assert run.code == 0, run.stderr
    assert '"cross_entropy": 0.6931471805599453' in run.stdout


def test_offsets_out_of_bounds_are_still_a_corrupt_file(tmp_path):
    labels = pa.array(["cat", "dog"] * 3)
    table = pa.table({"label": labels, "p_cat": [0.5] * 6, "p_dog": [0.5] * 6})
    path = tmp_path / "preds.arrow"
    _write(path, table, stream=False)
    offsets = pa.array([0, 3, 6, 9, 12], pa.int32()).buffers()[1].to_pybytes()  # batch 1
    data = path.read_bytes()
    assert data.count(offsets) == 1
    path.write_bytes(data.replace(offsets, offsets[:16] + (999).to_bytes(4, "little")))
    run = run_cli("eval", str(path))
    assert run.code == 2, run.stderr
    assert "corrupt or truncated Arrow data" in run.stderr and "Traceback" not in run.stderr
