"""Sources: a file, a directory or glob of files, stdin or an in-memory table, read as a stream of
Arrow record batches. This module picks the reader; each format has its own module."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO

import pyarrow as pa

from xentcli.errors import InputError, UsageError, XentError
from xentcli.io import storage
from xentcli.io.arrow import ArrowFileSource, TableSource
from xentcli.io.csv import CsvSource
from xentcli.io.dataset import DatasetSource, dataset_paths
from xentcli.io.frames import FRAME, frame_table, is_frame
from xentcli.io.json_document import open_json
from xentcli.io.jsonl import JsonlSource
from xentcli.io.numpy_files import NumpySource
from xentcli.io.orc import OrcSource
from xentcli.io.parquet import ParquetSource
from xentcli.io.source import Source
from xentcli.io.text import COMPRESSIONS, STDIN, stdin_format

STDIN_NAME = "<stdin>"
COPY_BYTES = 1 << 20  # stdin is copied to its temporary file this much at a time

SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".arrows": "arrow",  # the stream format's own suffix
    ".feather": "arrow",
    ".ipc": "arrow",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".npy": "npy",
    ".npz": "npz",
    ".pt": "pt",
    ".pth": "pt",
    ".orc": "orc",
    ".safetensors": "safetensors",
}
TEXT_FORMATS = (
    "csv",
    "tsv",
    "jsonl",
    "json",
)  # the formats that may be compressed, or come on stdin
# formats people save predictions in that are not read, each named in the error
OTHER_FORMATS = {
    ".pkl": "pickle (loading one can run any code)",
    ".pickle": "pickle (loading one can run any code)",
    ".xlsx": "Excel",
    ".xls": "Excel",
    ".h5": "HDF5",
    ".hdf5": "HDF5",
    ".avro": "Avro",
}
UNSUPPORTED_COMPRESSIONS = (".xz", ".br", ".lzma", ".zip", ".7z", ".z", ".sz")
OPENERS: dict[str, Callable[[str], Any]] = {
    "csv": CsvSource,
    "tsv": lambda path: CsvSource(path, delimiter="\t"),
    "parquet": ParquetSource,
    "arrow": ArrowFileSource,
    "jsonl": JsonlSource,
    "json": open_json,
    "npy": NumpySource,
    "npz": lambda path: NumpySource(path, "npz"),
    "pt": lambda path: NumpySource(path, "pt"),
    "orc": OrcSource,
    "safetensors": lambda path: NumpySource(path, "safetensors"),
}


def open_source(source: Any, input_format: str | None = None, tmp_dir: str | None = None) -> Source:
    """Open a path, a directory, a glob, '-', a pandas or polars DataFrame, a dict of columns or
    a pyarrow Table. stdin in a format read from a file is copied to one in `tmp_dir` first."""
    if isinstance(source, pa.Table):
        metadata = source.schema.metadata or {}
        name = metadata.get(b"xentcli.name", b"<Table>").decode()
        note = metadata.get(b"xentcli.note")  # how evaluate(y_true=, y_prob=) read the arrays
        return TableSource(source, name, note=note.decode() if note is not None else None)
    if is_frame(source):
        return TableSource(frame_table(source), FRAME)
    if not isinstance(source, str | os.PathLike):
        raise UsageError(f"cannot read predictions from a {type(source).__name__}")
    path = os.fspath(source)
    if path == STDIN:
        fmt = input_format or stdin_format() or "csv"
        if fmt not in TEXT_FORMATS:
            return _spooled(fmt, tmp_dir, sys.stdin.buffer, STDIN_NAME)
        return OPENERS[fmt](path)  # type: ignore[no-any-return]
    found = storage.kind(path)
    if found == "directory" or (found == "missing" and any(c in path for c in storage.WILDCARDS)):
        paths, base = dataset_paths(path)
        formats = {input_format or detect_format(p) for p in paths}
        if len(formats) > 1:
            raise UsageError(f"{path}: the files are of several formats ({', '.join(formats)})")
        fmt = formats.pop()
        if fmt in TEXT_FORMATS and not storage.is_url(path):
            # an empty text part (a writer's empty partition) holds no rows; an empty Parquet
            # or Arrow file is corrupt, and its reader says so
            paths = [p for p in paths if os.path.getsize(p)]
            if not paths:
                raise InputError("every file is empty", file=path)
        return DatasetSource(path, paths, base, OPENERS[fmt])
    if found == "missing":
        raise InputError("no such object" if storage.is_url(path) else "no such file", file=path)
    fmt = input_format or detect_format(path)
    if fmt not in TEXT_FORMATS and _is_pipe(path):  # `<(zcat preds.parquet.gz)`: no seeking
        with open(path, "rb") as pipe:
            return _spooled(fmt, tmp_dir, pipe, path)
    if isinstance(path, Copy):  # read under the name of the stdin or pipe it copies
        return _opened_as(fmt, path, path.name)
    return OPENERS[fmt](path)  # type: ignore[no-any-return]


def read_once(source: Source) -> bool:
    """Text read as it comes, from stdin or a pipe: it cannot be read a second time."""
    if source.format not in TEXT_FORMATS:  # other formats are copied to a file first
        return False
    path = getattr(source, "path", None)
    return source.name == STDIN_NAME or (isinstance(path, str) and _is_pipe(path))


def copied_input(given: Any) -> bool:
    """stdin or a pipe, which a reader of another format than text copies to a file first."""
    return isinstance(given, str) and (given == STDIN or _is_pipe(given))


def _is_pipe(path: str) -> bool:
    """A named pipe or a process substitution's /dev/fd/N: read once, front to back."""
    try:
        return not storage.is_url(path) and stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


class Copy(str):
    """The path of a temporary copy of stdin or a pipe, read under the name of what it copies."""

    name: str


def readable_twice(path: Any, input_format: str | None, tmp_dir: str | None) -> Any:
    """`path`, or for stdin and pipes (read once, front to back) a Copy of it: for a command
    that reads an input twice (`compare`: the labels' check, then the evaluation)."""
    if not copied_input(path):
        return path
    name = STDIN_NAME if path == STDIN else path
    fmt = input_format or (stdin_format() or "csv" if path == STDIN else detect_format(path))
    if path == STDIN:
        copy = Copy(_copied(fmt, tmp_dir, sys.stdin.buffer, name))
    else:
        with open(path, "rb") as pipe:
            copy = Copy(_copied(fmt, tmp_dir, pipe, name))
    copy.name = name
    return copy


def _spooled(fmt: str, tmp_dir: str | None, stream: BinaryIO, name: str) -> Source:
    """stdin or a pipe in a format read from a file (Parquet's footer is at its end, numpy's
    and ORC's readers seek): copied to a temporary file in `tmp_dir` (the system's by default)
    in constant memory, removed at exit, and read as that file under its own `name`."""
    return _opened_as(fmt, _copied(fmt, tmp_dir, stream, name), name)


def _opened_as(fmt: str, path: str, name: str) -> Source:
    """The file at `path` (a copy) read under the `name` of what it copies, errors too."""
    try:
        source: Source = OPENERS[fmt](path)
    except XentError as exc:
        exc.file = name if exc.file == path else exc.file
        raise
    source.name = name
    return source


def _copied(fmt: str, tmp_dir: str | None, stream: BinaryIO, name: str) -> str:
    """A temporary file in `tmp_dir` holding the stream, named `.fmt`, removed at exit."""
    try:
        handle, spool = tempfile.mkstemp(prefix="xentcli-stdin-", suffix=f".{fmt}", dir=tmp_dir)
    except OSError as exc:
        raise InputError(
            f"cannot copy {fmt} data to a temporary file ({exc.strerror}): pass --tmp-dir "
            "with a writable folder, or the file by name",
            file=name,
        ) from None
    atexit.register(_removed, spool)
    with os.fdopen(handle, "wb") as out:
        try:
            shutil.copyfileobj(stream, out, COPY_BYTES)
        except OSError as exc:  # a full disk
            raise InputError(
                f"cannot copy {fmt} data to {spool} ({exc.strerror}): pass --tmp-dir with room "
                "for it, or the file by name",
                file=name,
            ) from None
    if not os.path.getsize(spool):
        raise InputError("the file is empty", file=name)
    return spool


def _removed(path: str) -> None:
    with contextlib.suppress(OSError):
        os.remove(path)


def detect_format(path: str) -> str:
    """The input format named by a path's suffix (compression suffixes looked through)."""
    stem, suffix = os.path.splitext(path.lower())
    if suffix in UNSUPPORTED_COMPRESSIONS:
        raise UsageError(
            f"{path}: {suffix} compression is not supported (gz, bz2, zst and lz4 are); "
            f"decompress it, e.g. `xz -dc {path} | xentcli eval - --input-format csv`"
        )
    compressed = suffix in COMPRESSIONS
    if compressed:
        stem, suffix = os.path.splitext(stem)
    fmt = SUFFIX_FORMATS.get(suffix)
    if fmt is None and suffix in OTHER_FORMATS:
        raise UsageError(
            f"{path}: {OTHER_FORMATS[suffix]} files are not read; save the predictions with "
            "pandas' to_parquet (or to_csv, numpy's np.save or torch.save) and evaluate that"
        )
    if fmt is None:
        raise UsageError(
            f"{path}: cannot tell the format from the name; "
            "pass --input-format csv|tsv|parquet|arrow|orc|jsonl|json|npy|npz|pt|safetensors"
        )
    if compressed and fmt not in TEXT_FORMATS:
        raise UsageError(f"{path}: a compressed {fmt} file is not supported; decompress it first")
    return fmt
