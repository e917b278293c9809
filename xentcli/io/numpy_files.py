"""Files of arrays, read a block of rows at a time (never memory-mapped: a file cut shorter while
mapped would kill the process): numpy's `.npy` (np.save) and `.npz` (np.savez, compressed or
not), PyTorch's `.pt` (torch.save, its tensors found by torch_files.py) and `.safetensors`
(safetensors.py) (docs/inputs.md)."""

from __future__ import annotations

import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, BinaryIO

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io import storage
from xentcli.io.arrow_numpy import arrow_array
from xentcli.io.source import BAD_FILE, StoredSchema

HOW = "np.ascontiguousarray(values)"
# what reading a damaged array raises: a bad zip member (its inflation too), a header numpy
# cannot parse, and what any file read raises
BAD_ARRAY = (
    *BAD_FILE,
    zipfile.BadZipFile,
    zlib.error,
    tokenize.TokenError,
    SyntaxError,
    NotImplementedError,  # a zip member compressed by a method zipfile lacks
)
MAX_COLUMNS = 100_000  # one array's columns; a named array's rows are lists, of any length


class StoredArray:
    """One stored array of one or two dimensions, C order: its rows read in order from a stream
    positioned at its first row (a .npy array, an .npz member, a torch.save tensor)."""

    def __init__(
        self,
        stream: BinaryIO | IO[bytes],
        file: str,
        name: str,
        shape: tuple[int, ...],
        dtype: np.dtype,
        available: int | None,
        decode: tuple[Callable[[np.ndarray], np.ndarray], type] | None = None,
    ) -> None:
        self.stream, self.file, self.name = stream, file, name
        self.stored = dtype
        # stored values to what they mean, and its type (bfloat16's bits to float32)
        self.decode, self.dtype = (
            decode[0] if decode else None,
            np.dtype(decode[1] if decode else dtype),
        )
        if len(shape) not in (1, 2):
            raise InputError(
                f"the array{self.member} has shape {shape}: one row per sample is read from an "
                "array of one or two dimensions",
                file=file,
            )
        self.rows = shape[0]
        self.width = shape[1] if len(shape) == 2 else None
        self.row_bytes = self.stored.itemsize * (self.width or 1)
        if available is not None and self.rows * self.row_bytes > available:  # before any read
            raise InputError(
                f"the array{self.member} is cut short: {self.rows} rows stored, "
                f"{available // max(self.row_bytes, 1)} there",
                file=file,
            )

    @property
    def member(self) -> str:
        """The array's name as said in a message, if it has one."""
        return f" {self.name!r}" if self.name else ""

    def read(self, rows: int, before: int) -> np.ndarray:
        """The next `rows` rows (`before` rows read already): a cut file is an error."""
        data = self.stream.read(rows * self.row_bytes)
        if len(data) < rows * self.row_bytes:
            raise InputError(
                f"the array{self.member} is cut short: {self.rows} rows stored, "
                f"{before + len(data) // self.row_bytes} there",
                file=self.file,
            )
        shape = (rows, self.width) if self.width is not None else (rows,)
        values = np.frombuffer(data, dtype=self.stored).reshape(shape)
        return self.decode(values) if self.decode is not None else values


def bfloat16(bits: np.ndarray) -> np.ndarray:
    """bfloat16 values (their 16 bits) as the float32 they are: the upper half of its bits."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _npy_array(stream: BinaryIO | IO[bytes], file: str, name: str, size: int) -> StoredArray:
    """A .npy array (a file, or an .npz member, of `size` bytes) from its header."""
    member = f" {name!r}" if name else ""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(stream)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read_header(stream)
    except (*BAD_ARRAY, ValueError) as exc:
        raise InputError(f"not a readable .npy array{member} ({exc})", file=file) from None
    if dtype.hasobject:
        raise InputError(
            f"the array{member} holds Python objects (loading it could run code); save numbers "
            "or text (np.array(values, dtype=str))",
            file=file,
        )
    if fortran and len(shape) == 2:
        raise InputError(f"the array{member} is stored in Fortran order; save {HOW}", file=file)
    return StoredArray(stream, file, name, shape, dtype, size - stream.tell())


def _arrow_type(array: StoredArray) -> pa.DataType:
    """What a stored array's column holds: its values, or a list of its row's values."""
    kind = array.dtype
    if kind.names:  # a structured array: one column per field, not yet
        raise InputError(
            f"the array{array.member} is a structured (record) array: save each field as an "
            "array of its own (np.savez(path, label=..., prob=...))",
            file=array.file,
        )
    if kind.kind not in "biufUS":  # complex numbers, dates, raw bytes
        raise InputError(
            f"the array{array.member} holds {kind} values: save numbers, booleans or text",
            file=array.file,
        )
    value = pa.string() if kind.kind in "US" else pa.from_numpy_dtype(kind.newbyteorder("="))
    return pa.list_(value, array.width) if array.width is not None else value


def _column(values: np.ndarray) -> pa.Array:
    """A column of an array's rows (a 2-D block as a fixed-size list)."""
    if values.dtype.kind == "S":
        values = np.char.decode(values, "utf-8")
    if not values.dtype.isnative:
        values = values.astype(values.dtype.newbyteorder("="))
    if values.ndim == 2:
        flat = _flat(values.reshape(-1))
        return pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
    return _flat(values)


def _flat(values: np.ndarray) -> pa.Array:
    """Text through pyarrow's conversion, numbers from their buffer (io/arrow_numpy)."""
    return pa.array(values) if values.dtype.kind in "UO" else arrow_array(values)


class NumpySource(StoredSchema):
    """One array — a `.npy` file, a torch.save tensor — is its columns `0..K-1`, as pandas names
    a DataFrame of it (one column `0` if it has one dimension); named arrays — an `.npz`
    archive, a torch.save dict of tensors — are a column each, a 2-D array a list column."""

    def __init__(self, path: str, fmt: str = "npy") -> None:
        self.path = path  # where it is read from; `name`, how messages name it, may differ
        self.name = path
        self.format = fmt
        arrays = self._open()
        rows = {a.rows for a in arrays}
        if len(rows) > 1:
            counts = ", ".join(f"{a.name} {a.rows}" for a in arrays)
            raise InputError(f"the arrays have different row counts ({counts})", file=path)
        self.num_rows: int | None = rows.pop() if rows else 0
        fields = []
        for array in arrays:
            kind = _arrow_type(array)
            if not array.name and (array.width or 0) > MAX_COLUMNS:
                raise InputError(
                    f"the array has {array.width} columns: more than {MAX_COLUMNS} are read as a "
                    "list column of a named array (np.savez(path, probs=values, label=labels))",
                    file=path,
                )
            if not array.name and array.width is not None:  # one array: K columns
                fields += [pa.field(str(j), kind.value_type) for j in range(array.width)]
            else:
                fields.append(pa.field(array.name or "0", kind))
        self.schema = pa.schema(fields)
        self.column_names = list(self.schema.names)
        self._close(arrays)

    def _open(self) -> list[StoredArray]:
        """Every stored array, each on a stream of its own, positioned at its first row."""
        try:
            if self.format == "npy":
                stream = storage.open_stream(self.path, None)
                return [_npy_array(stream, self.name, "", storage.size(self.path))]
            if self.format == "pt":
                from xentcli.io.torch_files import tensors

                return tensors(self.name, storage.open_random(self.path))
            if self.format == "safetensors":
                from xentcli.io import safetensors

                return safetensors.tensors(self.path)
            archive = zipfile.ZipFile(storage.open_random(self.path))
            members = [m for m in archive.namelist() if m.endswith(".npy")]
            if not members:
                raise InputError("the archive holds no .npy array", file=self.name)
            arrays = [
                _npy_array(
                    archive.open(m), self.name, m[: -len(".npy")], archive.getinfo(m).file_size
                )
                for m in members
            ]
            archive.close()  # the file closes when its members' streams are
            return arrays
        except zipfile.BadZipFile as exc:
            raise InputError(f"not a readable .npz archive ({exc})", file=self.name) from None
        except BAD_ARRAY as exc:
            raise InputError(f"cannot read ({exc})", file=self.name) from None

    @staticmethod
    def _close(arrays: list[StoredArray]) -> None:
        for array in arrays:
            array.stream.close()

    def values_per_row(self, column: str) -> int | None:
        """A list column's values per row (what sizes chunks by values, docs/inputs.md)."""
        kind = self.schema.field(column).type if column in self.column_names else None
        return kind.list_size if isinstance(kind, pa.FixedSizeListType) else None

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The named columns, chunk_rows rows at a time."""
        wanted = numeric + labels + list(keys)
        opened = self._open()
        arrays = [a for a in opened if not a.name or a.name in wanted]  # the others: not read
        try:
            done = 0
            while done < (self.num_rows or 0):
                rows = min(chunk_rows, (self.num_rows or 0) - done)
                columns: dict[str, Any] = {}
                for array in arrays:
                    block = array.read(rows, done)
                    if not array.name and block.ndim == 2:
                        # one transpose (and cast) for all K columns, each then contiguous: a
                        # strided copy and a cast per column cost three times as much
                        wide = block.dtype.kind == "f" and block.dtype.itemsize < 8
                        by_column = np.ascontiguousarray(
                            block.T, dtype=np.float64 if wide else block.dtype.newbyteorder("=")
                        )
                        columns |= {str(j): by_column[j] for j in range(block.shape[1])}
                    else:
                        columns[array.name or "0"] = block
                yield pa.RecordBatch.from_arrays(
                    [_column(columns[c]) for c in wanted], names=wanted
                )
                done += rows
        except BAD_ARRAY as exc:
            raise InputError(f"cannot read ({exc})", file=self.name) from None
        finally:
            self._close(opened)
