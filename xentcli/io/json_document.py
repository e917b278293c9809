""".json files: what pandas' `DataFrame.to_json` writes by default (`orient="columns"`: one object
of columns, each an object of index → value) and with its other orients (`records`, `index`,
`split`, `table`), read as one table; JSON lines in a `.json` file are read as JSON lines.

A JSON document is one value: it is read whole, into memory (docs/inputs.md): JSON lines stream.
Numbers are parsed by Python's json module, exactly (pandas' own reader rounds by default)."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from xentcli.errors import InputError
from xentcli.io.arrow import TableSource
from xentcli.io.jsonl import JsonlSource
from xentcli.io.source import check_distinct, mixed_types
from xentcli.io.text import STDIN, open_text

SPLIT_KEYS = {"columns", "data"}  # and "index", "name"
TABLE_KEYS = {"schema", "data"}


def open_json(path: str) -> JsonlSource | TableSource:
    """A JSON-lines source when the file holds JSON lines, else the document as a table."""
    name = "<stdin>" if path == STDIN else path
    with open_text(path, name) as stream:
        text = stream.read()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if path != STDIN and _json_lines(text):
            return JsonlSource(path)
        raise InputError(
            f"not a JSON document (line {exc.lineno}: {exc.msg}); for one object per line "
            "pass --input-format jsonl",
            file=name,
        ) from None
    except (UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"not a JSON document ({type(exc).__name__})", file=name) from None
    table = pa.Table.from_pydict(_columns(document, name))
    return TableSource(table, name, "json")


def _json_lines(text: bytes) -> bool:
    """Whether the text is JSON lines: its first line one whole object, more lines after it."""
    first, _, rest = text.lstrip().partition(b"\n")
    try:
        return isinstance(json.loads(first), dict) and bool(rest.strip())
    except json.JSONDecodeError:
        return False


def _columns(document: Any, name: str) -> dict[str, pa.Array]:
    """The document's columns, whichever of pandas' orients wrote it."""
    if isinstance(document, list):  # records: [{column: value}, ...]
        if not all(isinstance(row, dict) for row in document):
            raise InputError(
                "a JSON array of rows without column names (pandas' orient='values'); write "
                "it with orient='records' or as JSON lines",
                file=name,
            )
        return _arrays(_by_column(document), name)
    if not isinstance(document, dict):
        raise InputError("not a table: the JSON document is a single value", file=name)
    keys = set(document)
    if keys >= SPLIT_KEYS and keys <= SPLIT_KEYS | {"index", "name"}:  # orient="split"
        names = [str(c) for c in document["columns"]]
        rows = document["data"]
        return _arrays({c: [row[i] for row in rows] for i, c in enumerate(names)}, name)
    if keys == TABLE_KEYS and isinstance(document["data"], list):  # orient="table"
        schema = document["schema"]
        index = schema.get("primaryKey", []) if isinstance(schema, dict) else []
        rows = [{k: v for k, v in row.items() if k not in index} for row in document["data"]]
        return _arrays(_by_column(rows), name)
    inner = list(document.values())
    if not inner or not all(isinstance(v, dict) for v in inner):
        raise InputError(
            "not a table pandas writes: expected an object of columns (DataFrame.to_json)",
            file=name,
        )
    if _positions(list(document)) and not _positions(list(inner[0])):  # orient="index"
        return _arrays(_by_column(inner), name)
    return _arrays({str(c): list(values.values()) for c, values in document.items()}, name)


def _positions(keys: list[str]) -> bool:
    """Whether the keys are pandas' default index, 0..n-1."""
    return keys == [str(i) for i in range(len(keys))]


def _by_column(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Rows of objects as columns, the first row's keys first; a key a row leaves out is null."""
    names = list(dict.fromkeys(key for row in rows for key in row))
    return {str(c): [row.get(c) for row in rows] for c in names}


def _arrays(columns: dict[str, list[Any]], name: str) -> dict[str, pa.Array]:
    check_distinct(list(columns), name)
    arrays = {}
    for column, values in columns.items():
        try:
            arrays[column] = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
            found = mixed_types(values, name, column)
            raise found or InputError(f"cannot read ({exc})", file=name, column=column) from None
    return arrays
