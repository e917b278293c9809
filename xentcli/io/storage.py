"""Where input files live: the local disk, or an object store named by URL.

s3://, gs:// (gcs://) and abfs:// (abfss://) go through pyarrow.fs; any other URL with a scheme
goes through fsspec (the `remote` extra). Credentials and endpoints come from each store's own
environment and config files (AWS_* and ~/.aws, GOOGLE_APPLICATION_CREDENTIALS, AZURE_* ...),
never from xentcli's options.
"""

from __future__ import annotations

import io
import os
import re
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from xentcli.errors import InputError, UsageError

if TYPE_CHECKING:  # pyarrow.fs is slow to import: imported only for URLs
    import pyarrow.fs as pafs

ARROW_SCHEMES = {"s3", "gs", "gcs", "abfs", "abfss"}
URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
WILDCARDS = "*?["


def is_url(path: str) -> bool:
    """A `scheme://...` location rather than a local path."""
    return URL.match(path) is not None


def locate(url: str) -> tuple[pafs.FileSystem, str]:
    """(the store's filesystem, the path inside it) for a URL."""
    import pyarrow.fs as pafs

    match = URL.match(url)
    assert match is not None
    scheme = match.group(1).lower()
    if scheme in ARROW_SCHEMES:
        try:
            return pafs.FileSystem.from_uri(url)  # type: ignore[no-any-return]
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise InputError(f"cannot reach the store ({exc})", file=url) from None
    try:
        import fsspec
    except ImportError:
        raise UsageError(
            f"{url}: {scheme}:// needs fsspec; install it with: pip install 'xentcli[remote]'"
        ) from None
    try:
        store, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise UsageError(f"{url}: no filesystem for {scheme}:// ({exc})") from None
    return pafs.PyFileSystem(pafs.FSSpecHandler(store)), path


def kind(path: str) -> str:
    """'file', 'directory' or 'missing' (a local path or a URL)."""
    if not is_url(path):
        if os.path.isdir(path):
            return "directory"
        return "file" if os.path.exists(path) else "missing"
    import pyarrow.fs as pafs

    store, inner = locate(path)
    info = _info(store, inner, path)
    if info.type == pafs.FileType.File:
        return "file"
    return "directory" if info.type == pafs.FileType.Directory else "missing"


def size(path: str) -> int:
    """The size of a file in bytes."""
    if not is_url(path):
        return os.path.getsize(path)
    store, inner = locate(path)
    return int(_info(store, inner, path).size or 0)


def open_random(path: str) -> Any:
    """Something pyarrow reads with random access: a local path as it is, or a remote file."""
    if not is_url(path):
        return path
    store, inner = locate(path)
    try:
        return store.open_input_file(inner)
    except FileNotFoundError:
        raise InputError("no such object", file=path) from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot open ({exc})", file=path) from None


def open_stream(path: str, compression: str | None) -> Any:
    """A sequential byte stream of the file, decompressed (a local gzip file by ISA-L's inflate
    when the `fast-gzip` extra is installed: 2.3× pyarrow's zlib, benchmarks/README.md)."""
    if not is_url(path):
        if compression == "gzip" and os.path.isfile(path) and (fast := _fast_gzip(path)):
            return fast
        if os.path.isfile(path) or not os.path.exists(path):
            return pa.input_stream(path, compression=compression)
        pipe = open(path, "rb")  # noqa: SIM115 -- a named pipe cannot seek; closed with the stream
        return pa.input_stream(pipe, compression=compression)
    store, inner = locate(path)
    try:
        return store.open_input_stream(inner, compression=compression)
    except FileNotFoundError:
        raise InputError("no such object", file=path) from None


def list_remote(target: str) -> tuple[list[str], str]:
    """The files under a remote folder, or matching a remote glob, as sorted URLs; and the
    folder they hang from. Hidden names (_SUCCESS, .crc) are left out."""
    import pyarrow.fs as pafs

    store, inner = locate(target)
    folder, pattern, url_folder = inner.rstrip("/"), None, target.rstrip("/")
    if any(c in inner for c in WILDCARDS):
        pattern = inner.split("/")
        first = next(i for i, part in enumerate(pattern) if any(c in part for c in WILDCARDS))
        folder = "/".join(pattern[:first])
        url_folder = "/".join(target.split("/")[: first - len(pattern)])
    try:
        infos = store.get_file_info(pafs.FileSelector(folder, recursive=True))
    except FileNotFoundError:
        raise InputError("no such folder or bucket", file=target) from None
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot list ({exc})", file=target) from None
    paths = sorted(
        info.path
        for info in infos
        if info.type == pafs.FileType.File
        and not _hidden(info.path[len(folder) :])
        and (pattern is None or _glob_match(pattern, info.path.split("/")))
    )
    if not paths:
        what = "the pattern matches no object" if pattern else "the folder holds no data files"
        raise InputError(what, file=target)
    return [url_folder + p[len(folder) :] for p in paths], url_folder


def _info(store: pafs.FileSystem, inner: str, url: str) -> pafs.FileInfo:
    try:
        return store.get_file_info(inner)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"cannot reach ({exc})", file=url) from None


# what Hugging Face's Dataset.save_to_disk writes beside its Arrow files: not data
METADATA = ("dataset_info.json", "state.json", "dataset_dict.json")


def _hidden(relative: str) -> bool:
    """Not data: a name starting with `_` or `.` (_SUCCESS, .crc) on the way, or metadata."""
    parts = [part for part in relative.split("/") if part]
    return any(p.startswith(("_", ".")) for p in parts) or bool(parts and parts[-1] in METADATA)


def _glob_match(pattern: list[str], parts: list[str]) -> bool:
    """Path components against glob components: `*` stays within one, `**` spans any number."""
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_glob_match(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], pattern[0]) and _glob_match(pattern[1:], parts[1:])


def _fast_gzip(path: str) -> Any:
    """The gzip file through ISA-L (python-isal), or None when it is not installed."""
    try:
        from isal import igzip
    except ImportError:
        return None
    return _Inflated(igzip.open(path, "rb"))


class _Inflated(io.RawIOBase):
    """ISA-L's gzip reader, its errors raised as pyarrow's are (OSError, the same words for a
    cut stream), so messages do not depend on which inflater read the file. A raw stream: it
    can be read as text (the error locators) and closed by a `with`."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._guard(self._stream.read, size)  # type: ignore[no-any-return]

    def readinto(self, buffer: Any) -> int:
        return self._guard(self._stream.readinto, buffer)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._stream.close()
        super().close()

    @staticmethod
    def _guard(read: Any, argument: Any) -> Any:
        try:
            return read(argument)
        except EOFError:
            raise OSError("Truncated compressed stream") from None
        except OSError:
            raise
        except Exception as exc:  # isal's IsalError: corrupt deflate data
            raise OSError(f"gzip inflate failed: {exc}") from None
