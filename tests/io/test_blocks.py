"""A text input cut into blocks at line ends: every byte of the rows arrives once, in order, each
block ending at a line end; a file cut shorter while it is read is an error, not a signal."""

from __future__ import annotations

import io

import pytest

from xentcli.io.blocks import read_blocks

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
