"""A text input cut into blocks at line ends: every byte of the rows arrives once, in order, each
block ending at a line end; a file cut shorter while it is read is an error, not a signal."""

from __future__ import annotations

import io

import pytest

from xentcli.io.blocks import file_blocks, read_blocks

TEXTS = {
    "line end at the end": b"a,b\n1,2\n33,44\n555,666\n",
    "no line end at the end": b"a,b\n1,2\n33,44\n555,666",
    "blank tail": b"a,b\n1,2\n33,44\n  ",
    "a line longer than a block": b"a,b\n" + b"7" * 5000 + b",1\n2,3\n",
    "one line": b"a,b",
}


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
@pytest.mark.parametrize("size", [1, 3, 16, 4096, 1 << 20])
@pytest.mark.parametrize("start", [0, 4, 6])
def test_blocks_hold_every_row_once(text, size, start):
    rows = text[start:].rstrip(b" ")
    stream = io.BytesIO(text[start + 2 :])
    blocks = [bytes(b) for b in read_blocks(stream, text[start : start + 2], size, ring=3)]
    assert b"".join(blocks) == rows
    assert all(b.endswith(b"\n") for b in blocks[:-1])
    assert all(blocks)


@pytest.mark.parametrize("text", TEXTS.values(), ids=TEXTS.keys())
@pytest.mark.parametrize("size", [1, 3, 16, 4096, 1 << 20])
@pytest.mark.parametrize("start", [0, 4, 6])
def test_file_spans_hold_every_row_once(tmp_path, text, size, start):
    if start and text[start - 1 : start] != b"\n":
        start = text.find(b"\n") + 1 or len(text)  # spans begin at a line start
    path = tmp_path / "t.csv"
    path.write_bytes(text)
    spans = [span() for span in file_blocks(str(path), start, len(text), size)]
    blocks = [bytes(b) for b in spans if b is not None]
    assert b"".join(blocks).rstrip(b" ") == text[start:].rstrip(b" ")
    assert all(b.endswith(b"\n") for b in blocks[:-1])


def test_a_file_cut_shorter_than_its_spans_is_an_error(tmp_path):
    from xentcli.errors import InputError

    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 1000)
    spans = list(file_blocks(str(path), 4, 4004, 1000))
    path.write_bytes(b"a,b\n" + b"1,2\n" * 10)
    with pytest.raises(InputError, match="shorter than when it was opened"):
        for span in spans:
            span()


def test_a_block_in_use_is_not_refilled_while_a_long_record_is_read(monkeypatch):
    """A record longer than a block takes several reads before a block is handed out; the
    ring's buffer moves on only when one is, so the ring - 1 blocks handed out last stay intact
    — here a stray quote (`5" screen`) makes every newline after it look quoted until the next
    one, as a quoted CSV value holding newlines does."""
    from xentcli.io import blocks as blocks_module

    monkeypatch.setattr(blocks_module, "SLACK", 16)
    lines = [b"%d,0.5,%s" % (i, b'5" screen' if i % 97 == 0 else b"5in") for i in range(2000)]
    text = b"\n".join(lines) + b"\n"
    held: list[tuple[object, bytes]] = []
    seen = []
    for block in read_blocks(io.BytesIO(text), b"", 97, ring=3, quoted=b","):
        for view, copy in held:
            assert bytes(view) == copy  # not overwritten by a later read
        held = (held + [(block, bytes(block))])[-2:]  # ring - 1 blocks in use at once
        seen.append(bytes(block))
    assert b"".join(seen) == text
