"""Quoted CSV values that hold newlines — pandas quotes a text column's newlines, commas and
quotes so — read right wherever a block is cut (docs/inputs.md): a span that ends inside a
quoted value makes the rest of the file be read as a stream cut where records end."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss

from xentcli.io import blocks, text
from xentcli.io import csv as csv_source
from xentcli.io.blocks import read_blocks, record_end

TEXTS = np.array(["plain", "two\nlines", 'say "hi", then\nleave', "a,b", "", "\n"], dtype=object)


def _text_file(tmp_path, rows: int = 3000, seed: int = 0, **write) -> tuple[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "text": TEXTS[rng.integers(0, len(TEXTS), rows)],
            "label": rng.integers(0, 2, rows),
            "prob": rng.random(rows),
        }
    )
    path = tmp_path / "texts.csv"
    frame.to_csv(path, index=False, **write)
    return str(path), frame


@pytest.fixture(params=[97, 512, 4096])
def small_blocks(request, monkeypatch):
    """Blocks of a few lines, so that cuts fall inside quoted values many times over (the
    header's read, and the slack past a block, small too)."""
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", request.param)
    monkeypatch.setattr(text, "HEAD_BYTES", 64)
    monkeypatch.setattr(blocks, "SLACK", 16)
    return request.param


def _expected(frame: pd.DataFrame) -> float:
    return log_loss(frame["label"], frame["prob"])


def test_quoted_newlines_read_wherever_the_blocks_are_cut(cli, tmp_path, small_blocks):
    path, frame = _text_file(tmp_path)
    run = cli("eval", path, "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["read"] == len(frame)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(_expected(frame), rel=1e-12)


def test_quoted_newlines_in_compressed_files_and_on_stdin(cli, tmp_path, small_blocks):
    path, frame = _text_file(tmp_path, seed=1)
    raw = Path(path).read_bytes()
    (tmp_path / "texts.csv.gz").write_bytes(gzip.compress(raw))
    for args, given in (([str(tmp_path / "texts.csv.gz")], None), (["-"], raw)):
        run = cli("eval", *args, "--json", input=given)
        assert run.code == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["rows"]["read"] == len(frame)
        assert report["metrics"]["binary_cross_entropy"] == pytest.approx(
            _expected(frame), rel=1e-12
        )


def test_a_quoted_value_longer_than_many_blocks(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(text, "HEAD_BYTES", 64)
    monkeypatch.setattr(blocks, "SLACK", 16)
    rng = np.random.default_rng(2)
    texts = np.array(["short"] * 400, dtype=object)
    texts[150] = "a line of a long review\n" * 2000  # ~48 KiB: dozens of blocks
    texts[0] = "the first record outlasts what is read with the header\n" * 50
    frame = pd.DataFrame({"text": texts, "label": rng.integers(0, 2, 400), "prob": rng.random(400)})
    frame.to_csv(tmp_path / "long.csv", index=False)
    for where in (str(tmp_path / "long.csv"), "-"):
        given = (tmp_path / "long.csv").read_bytes() if where == "-" else None
        run = cli("eval", where, "--json", "--worst", "1", "--keep-col", "text", input=given)
        assert run.code == 0, run.stderr
        report = json.loads(run.stdout)
        assert report["rows"]["read"] == 400
        expected = _expected(frame)
        assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)
        worst = int(
            np.argmax(-np.log(np.where(frame["label"] == 1, frame["prob"], 1 - frame["prob"])))
        )
        assert report["worst"]["rows"][0]["columns"]["text"] == texts[worst]


def test_stray_quotes_in_unquoted_values_read_as_pandas_reads_them(cli, tmp_path, small_blocks):
    """`5" screen` is not quoting (a quote inside an unquoted value is literal to pandas and
    to pyarrow), though it makes every later newline look quoted by count."""
    rng = np.random.default_rng(3)
    lines = ["label,prob,desc"] + [
        f"{rng.integers(0, 2)},{rng.random():.6f},{'5in' if i % 97 else '5' + chr(34) + ' screen'}"
        for i in range(2000)
    ]
    (tmp_path / "stray.csv").write_text("\n".join(lines) + "\n")
    frame = pd.read_csv(tmp_path / "stray.csv")
    assert frame["desc"].str.contains('"').sum() > 10
    run = cli("eval", str(tmp_path / "stray.csv"), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["read"] == len(frame)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(_expected(frame), rel=1e-12)


def test_a_bad_value_after_quoted_newlines_is_named_at_its_row(cli, tmp_path, small_blocks):
    path, frame = _text_file(tmp_path, rows=800, seed=4)
    frame["prob"] = frame["prob"].astype(object)
    frame.loc[700, "prob"] = "oops"
    frame.to_csv(path, index=False)
    run = cli("eval", path)
    assert run.code == 2
    assert "row 701, column 'prob'" in run.stderr and "'oops'" in run.stderr
    piped = cli("eval", "-", input=Path(path).read_bytes())
    assert piped.code == 2 and "row 701" in piped.stderr


def test_tsv_with_quoted_newlines(cli, tmp_path, small_blocks):
    path, frame = _text_file(tmp_path, rows=1500, seed=5, sep="\t")
    tsv = tmp_path / "texts.tsv"
    tsv.write_bytes(Path(path).read_bytes())
    run = cli("eval", str(tsv), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["rows"]["read"] == len(frame)


@pytest.mark.parametrize(
    ("data", "end"),
    [
        (b'1,"a\nb"\n2,x\n', 12),  # the last newline is outside quotes
        (b'1,"a\nb"\n2,"x\ny', 8),  # the last newline is inside an open value: the one before
        (b'1,"say ""hi""\nthen"\n2,x', 20),  # doubled quotes inside a value toggle twice
        (b'1,"open\nstill\nopen', 0),  # no record ends
        (b"1,2\n3,4", 4),
        (b"no newline", 0),
    ],
)
def test_record_end(data, end):
    assert record_end(data, len(data)) == end


@pytest.mark.parametrize("size", [37, 50, 64])
def test_stream_blocks_are_cut_where_records_end(size):
    text = b"".join(b'%d,"a\nb long tail of the value",x\n' % i for i in range(20_000))
    blocks = [bytes(b) for b in read_blocks(io.BytesIO(text), b"", size, ring=3, quoted=b",")]
    assert b"".join(blocks) == text
    assert all(block.count(b'"') % 2 == 0 for block in blocks)
    plain = [bytes(b) for b in read_blocks(io.BytesIO(text), b"", size, ring=3)]
    assert any(block.count(b'"') % 2 for block in plain)  # what `quoted` is for


def test_a_file_cut_shorter_while_read_as_a_stream_is_an_error(tmp_path, small_blocks):
    """After a span ends inside a quoted value the rest is read as a stream: a file cut shorter
    meanwhile is an error there too, not fewer rows."""
    from xentcli.errors import InputError

    path, frame = _text_file(tmp_path, rows=2000, seed=6)
    source = csv_source.CsvSource(path)
    whole = Path(path).read_bytes()
    Path(path).write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match="shorter than when it was opened"):
        for _ in source.batches(["prob"], ["label"], 1 << 16):
            pass


def test_rows_appended_while_read_as_a_stream_are_not_read(tmp_path, small_blocks):
    """The spans read a file up to its size when opened; so does the stream after a recut."""
    path, frame = _text_file(tmp_path, rows=500, seed=7)
    source = csv_source.CsvSource(path)
    with open(path, "a") as grown:
        grown.write('"appended",1,0.5\n' * 50)
    rows = sum(b.num_rows for b in source.batches(["prob"], ["label"], 1 << 16))
    assert rows == len(frame)


@pytest.mark.parametrize("where", ["file", "stdin", "gzip"])
def test_a_file_that_ends_inside_a_quoted_value_is_an_error(cli, tmp_path, small_blocks, where):
    """pyarrow reads an unclosed quote to the end of the input as one value, the rows after it
    lost without a word (pandas: "EOF inside string"): exit 2 naming the file."""
    path, _ = _text_file(tmp_path, rows=300, seed=8)
    (tmp_path / "open.csv").write_bytes(
        Path(path).read_bytes() + b'"never closed,1,0.5\nlost,0,0.25\nmore,1,0.5\n'
    )
    (tmp_path / "open.csv.gz").write_bytes(gzip.compress((tmp_path / "open.csv").read_bytes()))
    if where == "file":
        run = cli("eval", str(tmp_path / "open.csv"))
    elif where == "gzip":
        run = cli("eval", str(tmp_path / "open.csv.gz"))
    else:
        run = cli("eval", "-", input=(tmp_path / "open.csv").read_bytes())
    assert run.code == 2, run.stdout
    assert "ends inside a quoted value" in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("data", "open_"),
    [
        (b'1,"abc\n2,x\n', True),
        (b'1,5" screen\n2,x\n', False),  # a quote inside an unquoted value is text
        (b'1,"a""b",x\n', False),
        (b'1,"a""', True),  # a doubled quote is a quote: the value is still open
        (b'"x"\n"y', True),
        (b"plain,text\n", False),
    ],
)
def test_ends_quoted(data, open_):
    assert blocks.ends_quoted(data, b",") is open_
