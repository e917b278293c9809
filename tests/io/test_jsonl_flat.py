"""Flat JSON lines are read as CSV (io/jsonl_flat.py): the same batches as pyarrow's JSON reader
gives, or NotFlat and the JSON reader from the start; in one block and in blocks of a few lines."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson
import pytest

import xentcli
from xentcli.errors import InputError
from xentcli.io import jsonl, jsonl_flat
from xentcli.io.jsonl import JsonlSource

BASE = b'{"label":1,"prob":0.25}\n{"label":0,"prob":0.5}\n{"label":1,"prob":0.75}\n'
TEXT = b'{"label":"cat","prob":0.25}\n{"label":"dog","prob":0.5}\n'
BOOL = b'{"label":true,"prob":0.25}\n{"label":false,"prob":0.5}\n'


def spaced(text: bytes) -> bytes:
    """The lines as `json.dumps` writes them by default: a space after each `:` and `,`."""
    return text.replace(b'":', b'": ').replace(b',"', b', "')


FLAT = {  # read as CSV to the end
    "compact": BASE,
    "no final newline": BASE.rstrip(b"\n"),
    "crlf": BASE.replace(b"\n", b"\r\n"),
    "blank lines": BASE.replace(b"\n", b"\n\n"),
    "null": BASE + b'{"label":0,"prob":null}\n',
    "exponents and ints": BASE + b'{"label":0,"prob":1e-3}\n{"label":1,"prob":1}\n'
    b'{"label":0,"prob":-0.0}\n{"label":1,"prob":5e-324}\n',
    "unicode key": '{"étiquette":1,"prob":0.25}\n{"étiquette":0,"prob":0.5}\n'.encode(),
    "a float label among ints": BASE + b'{"label":1.5,"prob":0.5}\n',
    "text labels": TEXT + b'{"label":null,"prob":0.5}\n{"label":"","prob":0.5}\n',
    "text with spaces and accents": TEXT + '{"label":"le chat é","prob":0.5}\n'.encode(),
    "text of braces": TEXT + b'{"label":"{x{","prob":0.5}\n',
    "boolean labels": BOOL + b'{"label":null,"prob":0.5}\n',
    "a text id": b'{"id":"a-1","label":1,"prob":0.25}\n{"id":"b-2","label":0,"prob":0.5}\n',
    "more spaces before a number": BASE + b'{"label":  0,"prob":\t0.5}\n',
    "an unused column": b'{"id":7,"label":1,"prob":0.25}\n{"id":8,"label":0,"prob":0.5}\n',
    # one-digit labels are parsed as bytes first (csv_convert.digit_labels); these are not
    "a two-digit label later": BASE + b'{"label":10,"prob":0.5}\n{"label":1,"prob":0.5}\n',
    "a null label later": BASE + b'{"label":null,"prob":0.5}\n{"label":1,"prob":0.5}\n',
    "a negative label later": BASE + b'{"label":-1,"prob":0.5}\n{"label":1,"prob":0.5}\n',
}

NOT_FLAT = {  # the JSON reader reads (or refuses) these
    "spaces": BASE + b'{"label": 0, "prob": 0.5}\n',
    "keys reordered": BASE + b'{"prob":0.5,"label":0}\n',
    "a field missing": BASE + b'{"label":0}\n',
    "a field more": BASE + b'{"label":0,"prob":0.5,"x":1}\n',
    "a key renamed": BASE + b'{"label":0,"prab":0.5}\n',
    "a duplicated key": BASE + b'{"label":0,"prob":0.5,"prob":0.5}\n',
    "text label": BASE + b'{"label":"1","prob":0.5}\n',
    "text value with separators": BASE + b'{"label":0,"prob":"0,5:}"}\n',
    "boolean": BASE + b'{"label":true,"prob":0.5}\n',
    "list value": BASE + b'{"label":0,"prob":[0.5]}\n',
    "object value": BASE + b'{"label":0,"prob":{"p":0.5}}\n',
    "empty object value": BASE + b'{"label":0,"prob":{}}\n',
    "NaN": BASE + b'{"label":0,"prob":NaN}\n',
    "NaN beside a null": BASE + b'{"label":0,"prob":null}\n{"label":0,"prob":NaN}\n',
    "Infinity": BASE + b'{"label":0,"prob":-Infinity}\n',
    "beyond float64": BASE + b'{"label":0,"prob":1e400}\n',
    "escaped key": BASE + b'{"\\u006cabel":0,"prob":0.5}\n',
    "trailing text": BASE + b'{"label":0,"prob":0.5}x\n',
    "no opening brace": BASE + b'"label":0,"prob":0.5}\n',
    "no closing brace": BASE + b'{"label":0,"prob":0.5\n',
    "two objects on a line": BASE + b'{"label":0,"prob":0.5}{"label":0,"prob":0.5}\n',
    "not an object": BASE + b"[0,0.5]\n",
    "a line of spaces": BASE + b"   \n",
    "truncated": BASE + b'{"label":0,"pr',
    "a lone carriage return": BASE + b'{"label":0,"prob":0.5}\r{"label":1,"prob":0.5}\n',
    "a line feed alone in CRLF lines": BASE.replace(b"\n", b"\r\n") + b'{"label":0,"prob":0.5}\n',
    "a carriage return in text": TEXT + b'{"label":"a\rb","prob":0.5}\n',
    "an escaped quote in text": TEXT + b'{"label":"c\\"at","prob":0.5}\n',
    "an escaped slash in text": TEXT + b'{"label":"a\\/b","prob":0.5}\n',
    "a comma in text": TEXT + b'{"label":"a,b","prob":0.5}\n',
    "a colon in text": TEXT + b'{"label":"a:b","prob":0.5}\n',
    "a closing brace in text": TEXT + b'{"label":"a}","prob":0.5}\n',
    "text not UTF-8": TEXT + b'{"label":"\xff","prob":0.5}\n',
    "a number where text was": TEXT + b'{"label":3,"prob":0.5}\n',
    "text unquoted": TEXT + b'{"label":cat,"prob":0.5}\n',
    "text half quoted": TEXT + b'{"label":"cat,"prob":0.5}\n',
    "a compact line among spaced ones": spaced(BASE) + b'{"label":0,"prob":0.5}\n',
    "a text value unspaced among spaced": spaced(TEXT) + b'{"label":"x", "prob": 0.5}\n',
    "a boolean as 1": BOOL + b'{"label":1,"prob":0.5}\n',
    "a boolean capitalized": BOOL + b'{"label":True,"prob":0.5}\n',
    "bytes that are not UTF-8 in a value": BASE + b'{"label":0,"prob":0.\x8d5}\n',
    "bytes that are not UTF-8 in a key": BASE + b'{"label":0,"p\x8drob":0.5}\n',
}


def read(path, flat: bool, monkeypatch) -> list[pa.RecordBatch] | str:
    """The batches of label and prob (as `eval` asks for them), or the error's text."""
    with monkeypatch.context() as patch:
        if not flat:
            patch.setattr(jsonl, "flat_layout", lambda *args: None)
        source = JsonlSource(str(path))
        try:
            label = "étiquette" if "étiquette" in source.column_names else "label"
            return list(source.batches(["prob"], [label], 2))
        except InputError as exc:
            return str(exc)


def rows(batches: list[pa.RecordBatch] | str) -> object:
    if isinstance(batches, str):
        return batches
    return [(b.schema, b.to_pylist()) for b in batches]


@pytest.fixture
def read_flat_to_the_end(monkeypatch) -> list[bool]:
    """A True for each file the flat reader read to its end (its spy in jsonl.py)."""
    finished: list[bool] = []
    real = jsonl_flat.read_flat

    def spy(*args):
        yield from real(*args)
        finished.append(True)

    monkeypatch.setattr(jsonl, "read_flat", spy)
    return finished


@pytest.fixture(params=[1 << 20, 40], ids=["one block", "blocks of a line or two"])
def block_bytes(request, monkeypatch) -> int:
    monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", request.param)
    return request.param


@pytest.mark.parametrize("style", [bytes, spaced], ids=["compact", "spaced"])
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", FLAT)
def test_flat_lines_are_read_as_csv_with_the_json_readers_values(
    name, packed, style, tmp_path, monkeypatch, block_bytes, read_flat_to_the_end
):
    path = tmp_path / ("p.jsonl.gz" if packed else "p.jsonl")
    text = style(FLAT[name])
    path.write_bytes(gzip.compress(text) if packed else text)
    got = read(path, True, monkeypatch)
    assert read_flat_to_the_end, "the flat reader did not read this file to the end"
    want = read(path, False, monkeypatch)
    assert isinstance(got, list) and sum(b.num_rows for b in got) >= 2
    assert _table(got) == _table(want)


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("name", NOT_FLAT)
def test_other_lines_are_read_by_the_json_reader(name, packed, tmp_path, monkeypatch, block_bytes):
    path = tmp_path / ("p.jsonl.gz" if packed else "p.jsonl")
    path.write_bytes(gzip.compress(NOT_FLAT[name]) if packed else NOT_FLAT[name])
    # the flat lines before the odd one, as if they filled the first 4 MiB: the flat reader
    # with their layout must refuse the file
    crlf = BASE.replace(b"\n", b"\r\n")
    prefixes = (crlf, spaced(BASE), spaced(TEXT), BASE, TEXT, BOOL)
    prefix = next(p for p in prefixes if NOT_FLAT[name].startswith(p))
    sampled = pajson.read_json(io.BytesIO(prefix)).schema
    layout = jsonl_flat.flat_layout(
        ["label", "prob"], sampled, ["prob"], ["prob", "label"], prefix == crlf, b": " in prefix
    )
    assert layout is not None
    with pytest.raises(jsonl_flat.NotFlat):
        if packed:
            spans = jsonl_flat.stream_spans(gzip.open(path, "rb"))  # noqa: SIM115
        else:
            spans = jsonl_flat.file_spans(str(path), path.stat().st_size)
        for _ in jsonl_flat.read_flat(spans, layout):
            pass
    got, want = read(path, True, monkeypatch), read(path, False, monkeypatch)
    if isinstance(want, str):
        assert got == want
    else:
        assert _table(got) == _table(want)


def _table(batches: list[pa.RecordBatch]) -> tuple[pa.Schema, str]:
    """The schema and the values, NaN equal to NaN (text as bytes: the JSON reader lets text
    that is not UTF-8 through)."""
    table = pa.Table.from_batches(batches)
    as_bytes = [c.cast(pa.binary()) if c.type == pa.string() else c for c in table.columns]
    return table.schema, repr(pa.table(as_bytes, names=table.column_names).to_pylist())


def test_a_late_block_that_is_not_flat_rereads_without_losing_or_repeating_rows(
    tmp_path, monkeypatch
):
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 5000), rng.random(5000)
    lines = [
        json.dumps({"label": int(a), "prob": float(b)}, separators=(",", ":"))
        for a, b in zip(y, p, strict=True)
    ]
    lines[4990] = json.dumps({"label": int(y[4990]), "prob": float(p[4990])})  # with spaces
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", 4096)
    got = pa.Table.from_batches(read(path, True, monkeypatch))
    assert got.num_rows == 5000
    assert np.array_equal(got.column("prob").to_numpy(), p)
    assert np.array_equal(got.column("label").to_numpy(), y)


def test_eval_reads_compact_and_spaced_json_lines_alike(cli, tmp_path):
    rng = np.random.default_rng(4)
    n = 3000
    raw = rng.random((n, 3)) + 0.01
    p = raw / raw.sum(axis=1, keepdims=True)
    records = [
        {"id": i, "label": int(rng.integers(0, 3)), **{f"p_{j}": float(p[i, j]) for j in range(3)}}
        for i in range(n)
    ]
    compact, spaced = tmp_path / "compact.jsonl", tmp_path / "spaced.jsonl"
    compact.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))
    spaced.write_text("".join(json.dumps(r) + "\n" for r in records))
    args = ["--json", "--per-class", "--worst", "3", "--chunk-rows", "500"]
    a, b = cli("eval", str(compact), *args), cli("eval", str(spaced), *args)
    assert a.code == b.code == 0, a.stderr + b.stderr
    ra, rb = json.loads(a.stdout), json.loads(b.stdout)
    for report in (ra, rb):
        report.pop("inputs")
    assert ra == rb
    y = np.array([r["label"] for r in records])
    expected = -np.log(np.clip(p[np.arange(n), y], 2.220446049250313e-16, 1)).mean()
    assert ra["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")], ids=["flat", "spaced"])
def test_progress_counts_the_bytes_read(separators, tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", 4096)
    path = tmp_path / "p.jsonl"
    rows = [{"label": i % 2, "prob": i / 3000} for i in range(3000)]
    path.write_text("".join(json.dumps(r, separators=separators) + "\n" for r in rows))
    source = JsonlSource(str(path))
    seen = [source.consumed(0)]
    for batch in source.batches(["prob"], ["label"], 100):
        seen.append(source.consumed(batch.num_rows))
    assert seen[-1] == 1.0
    assert all(0 <= a <= b <= 1 for a, b in zip(seen, seen[1:], strict=False))
    if separators == (",", ":"):
        assert len(set(seen)) > 10  # the flat reader moves block by block


KINDS = {  # values a column holds, and the odd ones a line may carry instead
    "numbers": [b"0.5", b"1", b"-2", b"1e-3", b"2.5E+3", b"-0.0", b"null", b"5e-324"],
    "integers": [b"0", b"1", b"2", b"-7", b"null"],
    "text": [b'"x"', b'""', b'"a b"', b'"{y"', b'"\xc3\xa9"', b"null"],
    "booleans": [b"true", b"false", b"null"],
}
ODD = [
    b"NaN",
    b"-Infinity",
    b"1e400",
    b".5",
    b"01",
    b'"\\u00e9"',
    b'"a,b"',
    b'"a:b"',
    b"[1]",
    b"{}",
    b'"\xff"',
    b"True",
    b'"c\\"d"',
    b"1.5",
    b'"7"',
    b"x",
    b"",
]


def test_random_lines_read_as_the_json_reader_reads_them(
    tmp_path, monkeypatch, read_flat_to_the_end
):
    """Random files of two columns, now and then a line spaced, with its keys swapped or an odd
    value: the flat reader gives what pyarrow's JSON reader gives, or the same error. `.5` and
    `01` are what JSON does not allow and flat lines read (docs/inputs.md): where they are, the
    flat reader may read what the JSON reader refuses."""
    rng = np.random.default_rng(11)
    for case in range(300):
        kinds = [rng.choice(list(KINDS)) for _ in range(2)]
        style = bool(rng.random() < 0.5)  # json.dumps' spaces, now and then a line without
        lines, odd = [], False
        for i in range(int(rng.integers(1, 14))):
            values = [KINDS[k][rng.integers(len(KINDS[k]))] for k in kinds]
            if i and rng.random() < 0.04:
                values[int(rng.integers(2))] = ODD[rng.integers(len(ODD))]
                odd = True
            sep = b", " if style != bool(i and rng.random() < 0.03) else b","
            colon = b": " if style != bool(i and rng.random() < 0.03) else b":"
            pairs = [b'"label"' + colon + values[0], b'"prob"' + colon + values[1]]
            if i and rng.random() < 0.03:
                pairs.reverse()
            lines.append(b"{" + sep.join(pairs) + b"}\n")
        path = tmp_path / f"r{case}.jsonl"
        path.write_bytes(b"".join(lines))
        monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", int(rng.choice([30, 1 << 20])))
        try:
            JsonlSource(str(path))
        except InputError:
            continue
        got = read(path, True, monkeypatch)
        want = read(path, False, monkeypatch)  # never flat: the spy is not reached
        lenient = odd and any(b":.5" in line or b":01" in line for line in lines)
        if isinstance(want, str) and lenient and not isinstance(got, str):
            continue
        case_text = b"".join(lines).decode("utf-8", "replace")
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, case_text
        else:
            assert _table(got) == _table(want), case_text
    assert len(read_flat_to_the_end) > 60, len(read_flat_to_the_end)  # read flat to the end


@pytest.mark.parametrize("suffix", [".csv.gz", ".jsonl.gz"])
def test_an_error_midway_in_a_stream_read_ahead_stops_its_reader_first(
    tmp_path, monkeypatch, suffix
):
    """A bad value halfway through a gzip file read in small blocks, on a thread of its own: the
    error names its row, every time (a reading thread left running on the closed stream would
    crash the process, or fail now and then)."""
    from xentcli.io import csv as csv_source

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 512)
    monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", 512)
    if suffix == ".csv.gz":
        text = "label,prob\n" + "".join(
            f"{i % 2},{'x' if i == 3000 else 0.5}\n" for i in range(6000)
        )
    else:
        values = ['"x"' if i == 3000 else "0.5" for i in range(6000)]
        text = "".join(f'{{"label":{i % 2},"prob":{v}}}\n' for i, v in enumerate(values))
    path = tmp_path / f"p{suffix}"
    path.write_bytes(gzip.compress(text.encode()))
    for _ in range(20):
        with pytest.raises(InputError, match="row 3001, column 'prob'"):
            xentcli.evaluate(str(path))


def test_group_keep_and_join_columns_are_read_flat_too(cli, tmp_path, read_flat_to_the_end):
    """--by, --keep-col and --on read their columns from flat lines as the JSON reader types
    them: the same report as from lines the flat reader does not take."""
    rng = np.random.default_rng(8)
    n = 3000
    order = rng.permutation(n)
    rows = [
        {"id": int(i), "region": ["eu", "us", "asia"][i % 3], "prob": float(rng.random())}
        for i in order
    ]
    labels = [{"id": i, "label": int(rng.integers(0, 2))} for i in range(n)]
    files = {}
    for style, (sep, colon) in {"flat": (",", ":"), "other": (",", ":  ")}.items():
        for name, records in (("preds", rows), ("labels", labels)):
            path = tmp_path / f"{name}-{style}.jsonl"
            text = "".join(json.dumps(r, separators=(sep, colon)) + "\n" for r in records)
            path.write_text(text)
            files[name, style] = str(path)
    reports = {}
    for style in ("flat", "other"):
        read_flat_to_the_end.clear()
        args = ["--labels", files["labels", style], "--on", "id", "--by", "region", "--worst", "3"]
        run = cli("eval", files["preds", style], *args, "--keep-col", "region", "--json")
        assert run.code == 0, run.stderr
        assert len(read_flat_to_the_end) == (2 if style == "flat" else 0)  # both, or neither
        reports[style] = json.loads(run.stdout)
    flat, other = reports["flat"], reports["other"]
    assert flat["metrics"] == other["metrics"]
    assert flat["worst"]["rows"] == other["worst"]["rows"]
    for a, b in zip(flat["groups"], other["groups"], strict=True):
        assert a["group"] == b["group"]
        for name, value in a["metrics"].items():
            assert value == pytest.approx(b["metrics"][name], rel=1e-12)


@pytest.mark.parametrize("style", [bytes, spaced], ids=["compact", "spaced"])
def test_one_digit_labels_are_parsed_as_bytes(style, tmp_path, monkeypatch):
    """The labels 0..9 of flat lines take the digits tier (bytes made integers), compact and
    spaced; a block with another label, and the blocks parsed after it, the integer parse."""
    from xentcli.io import text as text_input

    monkeypatch.setattr(jsonl_flat, "BLOCK_BYTES", 64)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 64)  # the sample: labels 0 and 1
    tiers: list[bool] = []
    real = jsonl_flat.digit_labels

    def spy(table, names, lead, empty_is_null):
        try:
            converted = real(table, names, lead, empty_is_null)
        except pa.ArrowInvalid:
            tiers.append(False)
            raise
        tiers.append(True)
        return converted

    monkeypatch.setattr(jsonl_flat, "digit_labels", spy)
    text = style(BASE * 4 + b'{"label":12,"prob":0.5}\n' + BASE * 4)
    path = tmp_path / "p.jsonl"
    path.write_bytes(text)
    got = read(path, True, monkeypatch)
    assert _table(got) == _table(read(path, False, monkeypatch))
    # blocks parsed at once may take the digits tier after the one that failed it
    assert tiers.count(True) >= 1 and tiers.count(False) == 1
