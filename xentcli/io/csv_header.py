"""A CSV's first line: column names, or a row (numpy's savetxt writes no header), or a file
separated otherwise; and what to say when that guess is the likely cause of an error
(docs/inputs.md)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from xentcli.errors import InputError
from xentcli.io.numbers import INTEGER, NUMBER, WHOLE_FLOAT


def names_of(line: bytes, delimiter: str) -> list[str]:
    """The column names of a header line, quoted as CSV quotes them (`"a,b"`, `""` for a
    quote), a BOM dropped. Read with Python's csv module: pyarrow's reader would build a
    converter per column for a line of names, ~8 KiB each (170 MiB at 20,000 columns)."""
    text = line.decode("utf-8").removeprefix("\ufeff")  # UnicodeDecodeError: not UTF-8
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:  # a name longer than csv's field limit (128 KiB): pyarrow has none
        import pyarrow as pa
        import pyarrow.csv as pacsv

        try:
            table = pacsv.read_csv(
                io.BytesIO(line),
                read_options=pacsv.ReadOptions(block_size=max(1 << 20, 2 * len(line))),
                parse_options=pacsv.ParseOptions(delimiter=delimiter),
            )
        except pa.ArrowException as exc:
            raise csv.Error(str(exc)) from None
        return list(table.column_names)


def looks_like_data(names: list[str]) -> bool:
    """Whether a CSV's first line is a row of numbers rather than column names: numpy's
    `savetxt` writes no header. Distinct integers stay names (pandas names columns 0..K-1, and
    predict_proba's frames the classes), and so do two or more distinct `1.0`-style floats
    (float class names as pandas writes them); a number with a fraction or an exponent
    (`0.25`, `2.5e-01`), or a number repeated (`0,1,0`: no header names a column twice), is
    data."""
    cells = [name.strip() for name in names]
    if not all(NUMBER.fullmatch(cell) for cell in cells):
        return False
    if len(set(cells)) < len(cells):
        return True
    if all(INTEGER.fullmatch(cell) for cell in cells):
        return False
    return not (len(cells) >= 2 and all(WHOLE_FLOAT.fullmatch(cell) for cell in cells))


def headerless_beside(preds: Any, labels: Any) -> None:
    """numpy's savetxt pair: labels written with fmt="%d" beside CSV predictions with no header
    line — a first line of integers there is a row too, not the labels' column names."""
    if getattr(preds, "has_header", True) or not getattr(labels, "has_header", False):
        return
    names = labels.column_names
    if all(INTEGER.fullmatch(name.strip()) for name in names):
        labels.read_first_line_as_a_row(f"its first line is integers, and {preds.name} has none")
        labels.first_line = ",".join(names)  # for the row-count error, if it was names


def header_of_numbers(source: Any) -> str | None:
    """For a CSV whose first line of integers was kept as column names (looks_like_data), or
    read as a row beside headerless predictions (headerless_beside), the words that say it may
    be the other — for an error about row counts."""
    return read_as_a_row(source) or _read_as_names(source)


def read_as_a_row(source: Any) -> str | None:
    """For labels whose first line of integers was read as a row (headerless_beside), the words
    that say how to read it as names — for an error at its row 1 or about row counts."""
    first = getattr(source, "first_line", None)
    if first is None:
        return None
    named = first if "," not in first else f"'{first}'"  # K label columns: all of them
    return (
        f"{source.name}'s first line ({first}) was read as a row, as the predictions have "
        f"no header line: if it names the columns, pass --label-col {named}"
    )


def _read_as_names(source: Any) -> str | None:
    if not getattr(source, "has_header", False):
        return None
    names = source.column_names
    if not all(NUMBER.fullmatch(name.strip()) for name in names):
        return None
    return (
        f"{source.name}'s first line ({','.join(names)}) was read as its column names: if it "
        "is a row, give the file a header line (e.g. `label`)"
    )


SEMICOLON_DECIMAL = re.compile(
    rb"(?:^|;)\s*[+-]?[0-9]+,[0-9]+(?:[eE][+-]?[0-9]+)?\s*(?=;|\r?$)", re.M
)


# what else a file so named may be separated by: a spreadsheet's `;`, tabs, a database's `|`
SEPARATORS = {",": (";", "\t", "|"), "\t": (",", "|")}
SEPARATOR_NAMES = {";": "semicolons", "\t": "tabs", ",": "commas", "|": "vertical bars"}


def separated_otherwise(line: bytes, names: list[str], delimiter: str, rows: bytes) -> str | None:
    """The separator of a file named as CSV (or TSV) that is separated otherwise — `;` in a
    spreadsheet's CSV wherever the decimal separator is the comma, tabs in a `.csv`: its
    header line splits into more columns at it (a name may hold the named separator), and so
    does its first row, if there is one."""
    for other in SEPARATORS.get(delimiter, ()):
        if other.encode() not in line:
            continue
        split = names_of(line, other)
        if len(split) <= len(names):
            continue
        first = rows.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
        try:
            if not first.strip() or len(names_of(first, other)) == len(split):
                return other
        except (UnicodeDecodeError, csv.Error):  # the row's own error is named when read
            return other
    return None


def decimal_of(sample: bytes) -> str:
    """The decimal separator of a semicolon-separated file's first rows: `,` where a value
    is written so (`0,25`), `.` otherwise (docs/inputs.md)."""
    return "," if SEMICOLON_DECIMAL.search(sample) else "."


def check_delimiter(names: list[str], delimiter: str, file: str) -> None:
    """A header of one column holding another separator (a spreadsheet's `label;prob`,
    savetxt's spaces) is a file separated otherwise: an error that says so, not a hunt for
    columns."""
    if len(names) != 1:
        return
    cells = [cell for cell in names[0].split(" ") if cell]  # not split(): tabs are below
    if len(cells) >= 2 and all(NUMBER.fullmatch(cell) for cell in cells):
        raise InputError(
            f"the first line is {len(cells)} numbers separated by spaces (numpy's savetxt "
            "without delimiter=','); xentcli reads comma-separated CSV and tab-separated TSV: "
            "write it with np.savetxt(path, values, delimiter=',')",
            file=file,
        )
    found = next((s for s in (";", "|", "\t", ",") if s != delimiter and s in names[0]), None)
    if found is None:
        return
    fixes = {"\t": "pass --input-format tsv", ",": "pass --input-format csv"}
    decimal = ", decimal=','" if found == ";" else ""  # where ; separates, , is the point
    fix = fixes.get(
        found, f"convert it first (pandas: read_csv(path, sep={found!r}{decimal}).to_csv(...))"
    )
    raise InputError(
        f"the header is one column, {names[0]!r}, separated by "
        f"{'tabs' if found == chr(9) else repr(found)}; xentcli reads comma-separated CSV and "
        f"tab-separated TSV: {fix}",
        file=file,
    )
