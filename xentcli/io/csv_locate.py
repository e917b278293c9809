"""Error path only: find the row and column of a CSV problem pyarrow reports without them."""

from __future__ import annotations

import csv
import io
import re

import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli.io import storage

# pyarrow's own null spellings: these read as missing values, not as parse errors.
NULL_TEXT = frozenset(pacsv.ConvertOptions().null_values)


def locate_csv_error(
    path: str,
    compression: str | None,
    delimiter: str,
    header: list[str],
    numeric: list[str],
    has_header: bool = True,
    decimal: str = ".",
) -> tuple[int | None, str | None, str] | None:
    """The first (1-based data row, column, message) that is ragged or not a number, if any
    (`header`: the column names, from the file's first line unless it has none)."""
    positions = [(header.index(c), c) for c in numeric]
    try:
        with storage.open_stream(path, compression) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
            rows = csv.reader(text, delimiter=delimiter)
            if has_header:  # the first line that is not blank, as split_header finds it
                next((cells for cells in rows if "".join(cells).strip()), None)
            number = 0
            for cells in rows:
                if not cells:
                    continue  # pyarrow skips blank lines: they are not data rows
                number += 1
                if len(cells) != len(header):
                    return (
                        number,
                        None,
                        f"expected {len(header)} fields, found {len(cells)} (ragged row)",
                    )
                for index, column in positions:
                    cell = cells[index].strip()
                    if cell not in NULL_TEXT and not _reads_as_number(cell, decimal):
                        other = "." if decimal == "," else ","
                        mixed = delimiter == ";" and _reads_as_number(cell, other)
                        said = _other_decimal(cells[index], other) if mixed else None
                        return number, column, said or not_a_number(cells[index])
    except (OSError, EOFError, csv.Error, pa.ArrowException) as exc:
        return None, None, f"cannot decompress or read the file ({exc})"
    return None


def not_a_number(cell: str) -> str:
    """What is said of a cell that should be a number; a record written as text (pandas'
    to_csv of a column of dicts) with the way to keep it as columns (docs/inputs.md)."""
    if cell.strip().startswith("{"):
        return (
            f"{cell!r} is not a number: records written as text are not read; save them with "
            "to_parquet (a column of dicts is read by field, probs.cat) or flatten them first "
            "(pd.json_normalize)"
        )
    return f"{cell!r} is not a number"


def _reads_as_number(cell: str, decimal: str) -> bool:
    """Whether pyarrow reads the cell as a number with this decimal separator (with `,`, a
    point is no number)."""
    if decimal == ",":
        if "." in cell:
            return False
        cell = cell.replace(",", ".")
    return _is_number(cell)


def _other_decimal(cell: str, decimal: str) -> str:
    """A number of a semicolon-separated file written with the other decimal separator than
    the file's first rows (64 KiB) were read with (docs/inputs.md)."""
    found, first = ("a decimal comma", "decimal points or no fractions")
    if decimal == ".":
        found, first = ("a decimal point", "decimal commas")
    return (
        f"{cell!r} is not a number: {found}, where the file's first rows (64 KiB) wrote "
        f"{first}; write every number with the same decimal separator"
    )


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return "_" not in cell


RAGGED = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)")
NOT_A_NUMBER = re.compile(
    r"In CSV column #(\d+): Row #(\d+): CSV conversion error to \w+: invalid value '(.*)'"
)

NOT_UTF8 = re.compile(
    r"In CSV column #(\d+): Row #(\d+): CSV conversion error to \w+: invalid UTF8"
)
NOT_UTF8_TEXT = (
    "text that is not UTF-8 (a Windows-1252 or Latin-1 file?): save it as UTF-8 (Excel: "
    "CSV UTF-8; or iconv -f cp1252 -t utf-8)"
)


def explain_csv_message(
    message: str, rows_before: int, header: list[str]
) -> tuple[int | None, str | None, str] | None:
    """(1-based data row, column, message) from pyarrow's words for a block's error (rows
    numbered from 1 in the block), for input that cannot be read again (stdin, a pipe)."""
    if found := RAGGED.search(message):
        row, expected, got = map(int, found.groups())
        return rows_before + row, None, f"expected {expected} fields, found {got} (ragged row)"
    if found := NOT_A_NUMBER.search(message):
        index, row = int(found.group(1)), int(found.group(2))
        column = header[index] if index < len(header) else None
        return rows_before + row, column, not_a_number(found.group(3))
    if found := NOT_UTF8.search(message):
        index, row = int(found.group(1)), int(found.group(2))
        column = header[index] if index < len(header) else None
        return rows_before + row, column, NOT_UTF8_TEXT
    return None
