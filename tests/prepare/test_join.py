"""--labels FILE --on KEY: a join gives the row-aligned result whatever the order; missing and
duplicated keys are errors naming the key, or dropped and counted with --missing skip."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import xentcli
from tests.references import softmax


@pytest.fixture
def frames(tmp_path):
    rng = np.random.default_rng(9)
    n, k = 5000, 3
    p = softmax(rng.normal(size=(n, k)))
    preds = pd.DataFrame({"id": np.arange(n)} | {f"p_{j}": p[:, j] for j in range(k)})
    labels = pd.DataFrame({"id": np.arange(n), "label": rng.integers(0, k, n), "w": rng.random(n)})
    return preds, labels


def test_join_equals_row_aligned(tmp_path, frames):
    preds, labels = frames
    expected = xentcli.evaluate(preds.merge(labels, on="id"), weight_col="w").metrics
    shuffled = labels.sample(frac=1.0, random_state=1)  # another order entirely
    pq.write_table(
        pa.Table.from_pandas(preds, preserve_index=False),
        tmp_path / "p.parquet",
        row_group_size=700,
    )
    shuffled.to_csv(tmp_path / "labels.csv", index=False)  # int keys in Parquet, text in CSV
    for chunk in [None, 333]:
        report = xentcli.evaluate(
            str(tmp_path / "p.parquet"),
            labels=str(tmp_path / "labels.csv"),
            on="id",
            weight_col="w",
            chunk_rows=chunk,
        )
        assert report.metrics == pytest.approx(expected, rel=1e-12)
        assert report.rows.used == len(preds) and report.rows.missing == 0
    assert report.columns["predictions"] == ["p_0", "p_1", "p_2"]  # the key is not a prediction


def test_missing_label_is_an_error_or_skipped(cli, tmp_path, frames):
    preds, labels = frames
    preds.to_csv(tmp_path / "p.csv", index=False)
    labels[labels.id != 4321].to_csv(tmp_path / "l.csv", index=False)
    args = ["eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "l.csv"), "--on", "id"]
    run = cli(*args)
    assert run.code == 2
    assert run.stderr == (
        f"xentcli: error: {tmp_path / 'p.csv'}, row 4322, column 'id': key '4321' has no label in "
        f"{tmp_path / 'l.csv'}; pass --missing skip to drop such rows\n"
    )
    run = cli(*args, "--missing", "skip", "--json")
    assert run.code == 0, run.stderr
    rows = json.loads(run.stdout)["rows"]
    assert rows == {"read": 5000, "used": 4999, "skipped": 0, "ignored": 0, "missing": 1}
    kept = preds[preds.id != 4321].merge(labels, on="id")
    expected = xentcli.evaluate(kept).metrics["cross_entropy"]
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("side", ["labels", "predictions", "predictions-later-chunk"])
def test_duplicated_keys_are_errors(cli, tmp_path, frames, side):
    preds, labels = frames
    if side == "labels":
        labels = pd.concat([labels, labels.iloc[[17]]])
    else:
        twin = 3 if side == "predictions" else 4999
        preds = pd.concat([preds.iloc[:10], preds.iloc[[twin]], preds.iloc[10:]])
        if side == "predictions-later-chunk":
            preds = pd.concat([preds.iloc[11:], preds.iloc[[10]]])  # 4999 again, at the end
    preds.to_csv(tmp_path / "p.csv", index=False)
    labels.to_csv(tmp_path / "l.csv", index=False)
    run = cli(
        "eval",
        str(tmp_path / "p.csv"),
        "--labels",
        str(tmp_path / "l.csv"),
        "--on",
        "id",
        "--chunk-rows",
        "1000",
    )
    assert run.code == 2
    if side == "labels":
        assert run.stderr == (
            f"xentcli: error: {tmp_path / 'l.csv'}, column 'id': key '17' appears twice\n"
        )
    else:
        assert "appears twice among the predictions" in run.stderr
        assert run.stderr.startswith(f"xentcli: error: {tmp_path / 'p.csv'}, row ")


def test_on_needs_labels_and_an_existing_key(cli, tmp_path, frames):
    preds, _ = frames
    preds.to_csv(tmp_path / "p.csv", index=False)
    run = cli("eval", str(tmp_path / "p.csv"), "--on", "id")
    assert run.stderr == "xentcli: error: --on KEY joins with a labels file: pass --labels FILE\n"
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "p.csv"), "--on", "nope")
    assert run.code == 2 and "no key column 'nope'" in run.stderr


def test_text_hashes_follow_the_text_not_the_buffers():
    from xentcli.prepare.keyhash import text_hashes

    words = pa.array(["", "a", "ab", "ba", "abc", "", "a" * 40, "é", "ab"])
    hashes = text_hashes(words)
    assert hashes[2] == hashes[8] and len(set(hashes[[0, 1, 2, 3, 4, 6, 7]].tolist())) == 7
    assert hashes[0] == hashes[5]
    assert (text_hashes(words.slice(2, 5)) == hashes[2:7]).all()  # offsets into shared buffers


def test_hash_collisions_fall_back_to_exact_lookup(tmp_path, frames, monkeypatch):
    from xentcli.prepare import join

    preds, labels = frames
    expected = xentcli.evaluate(preds.merge(labels, on="id")).metrics
    preds.to_csv(tmp_path / "p.csv", index=False)
    labels.sample(frac=1.0, random_state=3).to_csv(tmp_path / "l.csv", index=False)
    monkeypatch.setattr(join, "text_hashes", lambda text: np.zeros(len(text), np.uint64))
    report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "l.csv"), on="id")
    assert report.metrics == pytest.approx(expected, rel=1e-12)
    twice = pd.concat([labels.iloc[:5], labels.iloc[[2]], labels.iloc[5:]])  # not adjacent
    twice.to_csv(tmp_path / "l2.csv", index=False)
    with pytest.raises(xentcli.InputError, match="key '2' appears twice"):
        xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "l2.csv"), on="id")


def test_a_kaggle_submission_against_its_solution_file(cli, tmp_path):
    """`id,target` predictions joined to `id,target` labels: the same name on both sides, the
    labels file's by its name, the predictions file's as its one column beside the key."""
    from sklearn.metrics import log_loss

    (tmp_path / "submission.csv").write_text("id,target\n3,0.9\n1,0.2\n2,0.6\n")
    (tmp_path / "solution.csv").write_text("id,target\n1,0\n2,1\n3,1\n")
    run = cli(
        "eval",
        str(tmp_path / "submission.csv"),
        "--labels",
        str(tmp_path / "solution.csv"),
        "--on",
        "id",
        "--json",
    )
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["columns"]["predictions"] == ["target"]
    expected = log_loss([1, 0, 1], [0.9, 0.2, 0.6])  # joined on id: rows 3, 1, 2
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_ids_written_as_floats_on_one_side_are_named_so(cli, tmp_path):
    """pandas writes an id column as 1.0, 2.0 once it held a NaN: keys are compared as written,
    so key 1 has no label — the error says the labels write it as '1.0' and how to fix it,
    either way round; a key truly absent keeps the plain message."""
    pd.DataFrame({"id": [1, 2, 3], "prob": [0.9, 0.2, 0.6]}).to_parquet(tmp_path / "p.parquet")
    pd.DataFrame({"id": [3.0, 1.0, 2.0], "label": [1, 1, 0]}).to_csv(
        tmp_path / "f.csv", index=False
    )
    pd.DataFrame({"id": [3, 1, 5], "label": [1, 1, 0]}).to_csv(tmp_path / "i.csv", index=False)
    run = cli(
        "eval", str(tmp_path / "p.parquet"), "--labels", str(tmp_path / "f.csv"), "--on", "id"
    )
    assert run.code == 2 and "key 1 has no label in" in run.stderr
    assert "which writes it as '1.0'" in run.stderr and ".astype('Int64')" in run.stderr
    pd.DataFrame({"id": [1.0, 2.0], "prob": [0.9, 0.2]}).to_csv(tmp_path / "p.csv", index=False)
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "i.csv"), "--on", "id")
    assert run.code == 2 and "key '1.0' has no label" in run.stderr
    assert "which writes it as '1'" in run.stderr
    run = cli(
        "eval", str(tmp_path / "p.parquet"), "--labels", str(tmp_path / "i.csv"), "--on", "id"
    )
    assert run.code == 2 and "key 2 has no label" in run.stderr and "--missing skip" in run.stderr
