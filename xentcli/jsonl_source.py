"""JSON lines (.jsonl, .ndjson, maybe compressed, or stdin), read by pyarrow's streaming reader."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.json as pajson

from xentcli.csv_source import COMPRESSIONS, STDIN, split_header
from xentcli.errors import InputError

BLOCK_BYTES = 1 << 20


class JsonlSource:
    """One JSON object per line; the first object's keys are the column names."""

    format = "jsonl"

    def __init__(self, path: str) -> None:
        self.path = path
        self.name = "<stdin>" if path == STDIN else path
        self.num_rows: int | None = None
        self._stream = self._open()
        first, rest = split_header(self._stream, self.name)
        self._head = first + rest
        try:
            record = json.loads(first)
        except ValueError as exc:
            raise InputError(f"not a JSON object ({exc})", file=self.name, row=1) from None
        if not isinstance(record, dict):
            raise InputError("not a JSON object", file=self.name, row=1)
        self.column_names = list(record)

    def column_types(self) -> dict[str, str]:
        """Column → the type pyarrow infers from the rows already read (the first block)."""
        try:
            table = pajson.read_json(io.BytesIO(self._head[: self._head.rfind(b"\n") + 1]))
        except pa.ArrowException:  # a bad line in the sample: eval will name it
            return dict.fromkeys(self.column_names, "unknown")
        return {f.name: str(f.type) for f in table.schema}

    def batches(
        self, numeric: list[str], labels: list[str], chunk_rows: int, keys: Sequence[str] = ()
    ) -> Iterator[pa.RecordBatch]:
        """The named columns: numeric ones as float64, labels as pyarrow infers them."""
        wanted = numeric + labels + list(keys)
        parse = pajson.ParseOptions(
            explicit_schema=pa.schema([(c, pa.float64()) for c in numeric]),
            unexpected_field_behavior="infer",
        )
        rows = 0
        try:
            reader = pajson.open_json(
                _Prefixed(self._head, self._stream),
                read_options=pajson.ReadOptions(block_size=BLOCK_BYTES),
                parse_options=parse,
            )
            for batch in reader:
                absent = [c for c in wanted if c not in batch.schema.names]
                if absent:
                    raise InputError(
                        f"no field {', '.join(map(repr, absent))} in rows {rows + 1}.."
                        f"{rows + batch.num_rows}",
                        file=self.name,
                    )
                selected = batch.select(wanted)
                for start in range(0, selected.num_rows, chunk_rows):
                    yield selected.slice(start, chunk_rows)
                rows += batch.num_rows
        except pa.ArrowCancelled:  # pyarrow's form of Ctrl-C
            raise KeyboardInterrupt from None
        except (pa.ArrowException, OSError, EOFError) as exc:
            raise self._located(exc, rows, numeric) from None
        finally:
            self._stream.close()

    def _open(self) -> BinaryIO:
        if self.path == STDIN:
            return sys.stdin.buffer
        compression = COMPRESSIONS.get(os.path.splitext(self.path.lower())[1])
        try:
            return pa.input_stream(self.path, compression=compression)  # type: ignore[no-any-return]
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"cannot open ({exc})", file=self.name) from None

    def _located(self, exc: Exception, rows: int, numeric: list[str]) -> InputError:
        """pyarrow counts rows per block; find the line from the start (error path only)."""
        if self.path != STDIN:
            try:
                found = locate_json_error(self._open(), numeric)
            except (pa.ArrowException, OSError, EOFError) as read_error:
                return InputError(f"cannot decompress or read ({read_error})", file=self.name)
            if found is not None:
                row, column, message = found
                return InputError(message, file=self.name, row=row, column=column)
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return InputError(f"cannot parse the data after row {rows}: {text}", file=self.name)


def locate_json_error(stream: BinaryIO, numeric: list[str]) -> tuple[int, str | None, str] | None:
    """The first (row, column, message): a line that is not a JSON object, or a field that
    should be a number and is not."""
    row = 0
    with stream:
        for line in io.TextIOWrapper(stream, encoding="utf-8", errors="replace"):
            if not line.strip():
                continue
            row += 1
            try:
                record = json.loads(line)
            except ValueError as exc:
                return row, None, f"not valid JSON ({getattr(exc, 'msg', exc)})"
            if not isinstance(record, dict):
                return row, None, "not a JSON object"
            for column in numeric:
                value = record.get(column)
                if value is not None and (isinstance(value, bool | str | list | dict)):
                    return row, column, f"{value!r} is not a number"
    return None


class _Prefixed(io.RawIOBase):
    """Bytes already read from a stream, followed by the rest of that stream."""

    def __init__(self, prefix: bytes, rest: Any) -> None:
        self._prefix = memoryview(prefix)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
