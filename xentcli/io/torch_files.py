"""PyTorch's `torch.save` files (.pt, .pth) read without torch and without running their pickle:
its unpickler makes tensors of what `torch.load(weights_only=True)` would allow and refuses
any other object, then each tensor's rows are read from its storage's member of the zip
archive, a block at a time (docs/inputs.md)."""

from __future__ import annotations

import contextlib
import math
import pickle
import zipfile
from typing import Any, Literal, NamedTuple

import numpy as np

from xentcli.errors import InputError
from xentcli.io.numpy_files import StoredArray, bfloat16

# storage classes by name → numpy type ("bf16": bfloat16, read as its 16 bits)
STORAGES = {
    "DoubleStorage": "f8",
    "FloatStorage": "f4",
    "HalfStorage": "f2",
    "BFloat16Storage": "bf16",
    "LongStorage": "i8",
    "IntStorage": "i4",
    "ShortStorage": "i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}
HOW = "torch.save({'logits': logits, 'labels': labels}, path)"


class _StorageType(NamedTuple):
    name: str


class _Storage(NamedTuple):
    key: str
    kind: str


class Tensor(NamedTuple):
    """What a saved tensor is: where its values are, and their layout."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _tensor(storage: Any, offset: Any, size: Any, stride: Any, *_: Any) -> Tensor:
    """A tensor as _rebuild_tensor_v2 is asked to make it, its layout checked (a crafted file
    could say anything)."""
    tensor = Tensor(storage, offset, tuple(size), tuple(stride))
    numbers = (offset, *tensor.size, *tensor.stride)
    numbers_ok = all(type(n) is int and n >= 0 for n in numbers)
    same_length = len(tensor.size) == len(tensor.stride)
    if not isinstance(storage, _Storage) or not numbers_ok or not same_length:
        raise ValueError("a tensor whose storage or layout is not one torch writes")
    return tensor


def _parameter(data: Any, *_: Any) -> Any:
    return data  # an nn.Parameter: its tensor


class _Refused(Exception):
    """The pickle asks for something other than tensors and plain containers."""


class _Unpickler(pickle.Unpickler):
    ALLOWED = {
        ("torch._utils", "_rebuild_tensor_v2"): _tensor,
        ("torch._utils", "_rebuild_tensor"): _tensor,
        ("torch._utils", "_rebuild_parameter"): _parameter,
        ("collections", "OrderedDict"): dict,
    }

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        found = self.ALLOWED.get((module, name))
        if found is None and module == "torch" and name.endswith("Storage"):
            raise _Refused(f"tensors of {name} (complex or quantized numbers), which are not read")
        if found is None:
            raise _Refused(
                f"{module}.{name} objects, which are not read (loading them could run code)"
            )
        return found

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) == 5 and isinstance(pid[1], _StorageType)):
            raise _Refused("a storage of another kind, which is not read")
        return _Storage(str(pid[2]), pid[1].name)


def _saved(archive: zipfile.ZipFile, file: str) -> tuple[Any, str]:
    """The unpickled object (tensors as Tensor) and the archive's folder name."""
    pickles = [n for n in archive.namelist() if n.endswith("/data.pkl")]
    if len(pickles) != 1:
        raise InputError("not a torch.save file (no data.pkl in the archive)", file=file)
    try:
        saved = _Unpickler(archive.open(pickles[0])).load()
    except _Refused as exc:
        raise InputError(
            f"holds {exc}; save tensors of numbers, one or a dict of them: {HOW}",
            file=file,
        ) from None
    except Exception as exc:  # a damaged pickle fails in any way: unreadable
        raise InputError(f"not a readable torch.save file ({exc})", file=file) from None
    return saved, pickles[0][: -len("data.pkl")]


def tensors(path: str, opened: Any) -> list[StoredArray]:
    """A torch.save file's tensors: one tensor (named ''), or a dict of them by name (entries
    that are not tensors are left out); each positioned at its first row."""
    try:
        archive = zipfile.ZipFile(opened)
    except zipfile.BadZipFile as exc:
        with open(opened, "rb") if isinstance(opened, str) else contextlib.nullcontext(opened) as f:
            f.seek(0)
            zipped = f.read(4) == b"PK\x03\x04"
        raise InputError(
            f"a cut or corrupt torch.save archive ({exc})"
            if zipped
            else "not a torch.save zip archive (torch's old format before 1.6, or another "
            f"file): save it again with a current torch, {HOW}",
            file=path,
        ) from None
    saved, folder = _saved(archive, path)
    if isinstance(saved, Tensor):
        named = {"": saved}
    elif isinstance(saved, dict) and any(isinstance(v, Tensor) for v in saved.values()):
        named = {str(k): v for k, v in saved.items() if isinstance(v, Tensor)}
    else:
        raise InputError(
            f"holds a {type(saved).__name__}, not a tensor or a dict of tensors: save {HOW}",
            file=path,
        )
    order: Literal["<", ">"] = "<" if _byteorder(archive, folder) == "little" else ">"
    arrays = [_array(archive, folder, path, name, t, order) for name, t in named.items()]
    archive.close()  # the file closes when its members' streams are
    return arrays


def _byteorder(archive: zipfile.ZipFile, folder: str) -> str:
    try:
        return archive.read(f"{folder}byteorder").decode().strip()
    except KeyError:  # written before torch recorded it: little-endian machines
        return "little"


def _array(
    archive: zipfile.ZipFile,
    folder: str,
    path: str,
    name: str,
    tensor: Tensor,
    order: Literal["<", ">"],
) -> StoredArray:
    """One tensor as a stored array, its stream at its first value."""
    what = f"the tensor {name!r}" if name else "the tensor"
    kind = STORAGES[tensor.storage.kind]
    dtype = np.dtype("u2" if kind == "bf16" else kind).newbyteorder(order)
    # row by row: each dimension of more than one value strides over the ones after it (a
    # column slice z[:, :1] is (n, 1) with strides (K, 1): not row by row though its last
    # dimension has one value)
    expected = [math.prod(tensor.size[i + 1 :]) for i in range(len(tensor.size))]
    row_by_row = all(
        step == want
        for size, step, want in zip(tensor.size, tensor.stride, expected, strict=True)
        if size > 1
    )
    if len(tensor.size) in (1, 2) and not row_by_row:
        raise InputError(
            f"{what} is not stored row by row (strides {tensor.stride}): save tensor.contiguous()",
            file=path,
        )
    member = f"{folder}data/{tensor.storage.key}"
    try:
        stream, size = archive.open(member), archive.getinfo(member).file_size
    except KeyError:
        raise InputError(f"{what}'s storage is missing from the archive", file=path) from None
    start = tensor.offset * dtype.itemsize
    if start > size:
        raise InputError(f"{what} starts after the end of its storage", file=path)
    stream.seek(start)
    decode = (bfloat16, np.float32) if kind == "bf16" else None
    return StoredArray(stream, path, name, tensor.size, dtype, size - start, decode)
