"""What the text formats (CSV, TSV, JSON lines) share: opening files, compressed files or stdin;
the header line; and turning a pyarrow parse error into one that names the row and column."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from typing import BinaryIO

import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io import storage
from xentcli.io.blocks import ends_quoted
from xentcli.io.source import BAD_FILE, not_the_file

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
STDIN = "-"
HEAD_BYTES = 4 << 20
BOM = b"\xef\xbb\xbf"
QUOTED_HEADER_LINES = 64  # line ends a header's quoted names may hold

Found = tuple[int | None, str | None, str]  # (1-based row, column, message)


def compression_of(path: str) -> str | None:
    """pyarrow's name for the compression a file's suffix says, or None."""
    return COMPRESSIONS.get(os.path.splitext(path.lower())[1])


# what a compressed stream starts with: stdin has no suffix to tell it (`cat x.csv.gz | …`);
# none of them starts a line of text (bzip2's with its block magic, pi's digits)
MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\x04\x22\x4d\x18": "lz4",
}
BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
# and formats read from a file, not a stream (a Parquet file's footer is at its end): on stdin
# by their magic (Parquet's then a binary page header, not a CSV header that starts so)
FILE_MAGIC = {
    "parquet": re.compile(rb"PAR1[^\x20-\x7e]"),
    "arrow": re.compile(rb"ARROW1\x00\x00"),
    "npy": re.compile(rb"\x93NUMPY"),
}


def open_text(path: str, name: str) -> BinaryIO:
    """A byte stream of the file, decompressed; '-' is stdin, decompressed when it starts as a
    gzip, bz2, zstd or lz4 stream does."""
    if path == STDIN:
        return _stdin(name)
    try:
        return storage.open_stream(path, compression_of(path))  # type: ignore[no-any-return]
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot open ({exc})", file=name) from None


def stdin_format() -> str | None:
    """The format stdin's first bytes name when it is one read from a file (FILE_MAGIC)."""
    head = _stdin_head()
    return next((kind for kind, magic in FILE_MAGIC.items() if magic.match(head)), None)


def _stdin_head() -> bytes:
    peek = getattr(sys.stdin.buffer, "peek", None)  # a test's replacement may not buffer
    return peek(16)[:16] if peek is not None else b""  # what one read gave; never waits


def _stdin(name: str) -> BinaryIO:
    stream = sys.stdin.buffer
    head = _stdin_head()
    for kind, magic in FILE_MAGIC.items():  # read as text only when --input-format said so
        if magic.match(head):
            raise InputError(
                f"this is {kind} data, read as text as --input-format says: drop the flag",
                file=name,
            )
    compression = next((kind for magic, kind in MAGIC.items() if head.startswith(magic)), None)
    if compression is None and BZIP2.match(head):
        compression = "bz2"
    if compression is None:
        return stream
    return pa.input_stream(stream, compression=compression)  # type: ignore[no-any-return]


def local_size(path: str) -> int | None:
    """The size of a local, uncompressed regular file (whose bytes can be counted as read), or
    None: stdin, a pipe, a compressed or a remote file."""
    if path == STDIN or compression_of(path) is not None or storage.is_url(path):
        return None
    return os.path.getsize(path) if os.path.isfile(path) else None


def check_read_whole(read: int, size: int | None, name: str) -> None:
    """A local file that ended before the size it had when opened was cut while it was read:
    an error, not a report of the rows that were left (docs/reliability.md)."""
    if size is not None and read < size:
        raise InputError(
            f"the file is shorter than when it was opened ({read} of {size} bytes): it "
            "changed while it was read",
            file=name,
        )


def split_header(
    stream: BinaryIO, name: str, delimiter: bytes | None = None
) -> tuple[bytes, bytes]:
    """(the first line that is not blank, with the blank lines before it; the bytes read after
    it) — pandas skips blank lines before a CSV's header, and JSON allows them; empty input is
    an error. With a CSV's `delimiter`, a line end inside a quoted name (pandas quotes a
    column name's newline) is no line end. header_line() gives the line alone."""
    try:
        head = stream.read(HEAD_BYTES)
        while head and not _line_end(head.lstrip(), delimiter)[0]:
            more = stream.read(HEAD_BYTES)
            if not more:
                break
            head += more
    except BAD_FILE as exc:
        raise InputError(f"cannot read ({exc})", file=name) from None
    if not head.strip():
        raise InputError("the file is empty", file=name)
    start = _line_start(head)
    end, closed = _line_end(head[start:], delimiter)  # LF, CRLF, or a lone CR (old Mac files)
    if not closed:
        raise InputError(
            f"the header line opens a quote that no line end of its first {QUOTED_HEADER_LINES} "
            "closes: a quote is missing (pandas: EOF inside string)",
            file=name,
        )
    cut = start + end if end else len(head)
    return head[:cut], head[cut:]


def _line_start(head: bytes) -> int:
    """Where the first line that is not blank starts (a BOM before blank lines is skipped)."""
    bom = len(BOM) if head.startswith(BOM) else 0  # a spreadsheet's, before blank lines too
    start = len(head) - len(head[bom:].lstrip())
    if start == bom:
        return 0
    return max(bom, head.rfind(b"\n", 0, start) + 1, head.rfind(b"\r", 0, start) + 1)


def _line_end(data: bytes, delimiter: bytes | None = None) -> tuple[int, bool]:
    """(just past the first line end — LF, CRLF or a lone CR — of data, or 0 when there is
    none; True) — with a CSV's `delimiter`, the first one outside a quoted value among the
    first QUOTED_HEADER_LINES, and (the first line end, False) when each is inside a quote."""
    first = at = -1
    for _ in range(QUOTED_HEADER_LINES if delimiter is not None else 1):
        ends = [e for e in (data.find(b"\n", at + 1), data.find(b"\r", at + 1)) if e >= 0]
        if not ends:
            break
        at = min(ends)
        first = at if first < 0 else first
        if delimiter is None or not ends_quoted(data[:at], delimiter):
            return (at + 2 if data[at : at + 2] == b"\r\n" else at + 1), True
    if first < 0:
        return 0, True
    return (first + 2 if data[first : first + 2] == b"\r\n" else first + 1), False


def header_line(header: bytes) -> bytes:
    """The header line of what split_header returned, without the blank lines before it (and
    the BOM, when they were between)."""
    start = _line_start(header)
    return header[start:] if start else header


def guarded(
    batches: Iterator[pa.RecordBatch],
    stream: BinaryIO,
    name: str,
    locate: Callable[[], Found | None] | None,
    explain: Callable[[str, int], Found | None] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The batches; a parse error becomes an InputError naming row and column, found by
    `locate` (re-reading the file: error path only; None for stdin, which cannot be re-read),
    or else by `explain` from pyarrow's message and the rows handed out before it."""
    rows = 0
    try:
        for batch in batches:
            yield batch
            rows += batch.num_rows
    except pa.ArrowCancelled:  # pyarrow's form of Ctrl-C
        raise KeyboardInterrupt from None
    except BAD_FILE as exc:
        not_the_file(exc, name)
        found = locate() if locate is not None else None
        if found is None and explain is not None:
            found = explain(str(exc), rows)
        if found is not None:
            row, column, message = found
            raise InputError(message, file=name, row=row, column=column) from None
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot parse the data after row {rows}: {text}", file=name) from None
    finally:
        close = getattr(batches, "close", None)  # its reading threads stop before the stream
        if close is not None:  # is closed under them
            close()
        stream.close()
