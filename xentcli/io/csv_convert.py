"""How a CSV block's columns are converted: explicit types for the columns used, in tiers from
the fastest (io/csv parses a block with the first tier that reads it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from xentcli.io.arrow_numpy import int_values

# null strings of a numbers-only parse (conversions): of pyarrow's defaults, those a number parse
# would otherwise take as NaN, and the empty one
NUMBER_NULLS = ["", "NaN", "nan", "-NaN", "-nan"]
DIGITS = pa.binary()  # one-digit labels' type in the first tier (digit_labels)


def conversions(
    types: dict[str, pa.DataType],
    integers: list[str],
    decimal: str = ".",
    digits: Sequence[str] = (),
) -> list[pacsv.ConvertOptions]:
    """How a block is parsed, fastest first; a block one tier cannot parse is parsed by the
    next, and so is every later block (a file of mixed labels is not parsed twice throughout).

    Labels written as one digit each (`digits`: 0/1, the classes 0..9) are first parsed as
    bytes, a third of the cost of integers (pyarrow's per-value work, not the digit), and
    made integers from their buffer (digit_labels); a block with another label fails that
    tier.

    Integer labels parse faster than dictionary text (the mapper takes both). With numbers
    only, the null strings are the empty one and NaN's spellings: pyarrow tries each null
    string on every value, and its other ones (NA, NULL, #N/A, ...) are no number, so a value
    spelled so fails this tier and the next, with all of them, reads it as null — the table is
    the same either way, 7% faster to parse on the binary benchmark file."""
    tiers = []
    with_digits = types | dict.fromkeys(integers, pa.int64()) | dict.fromkeys(digits, DIGITS)
    if digits and _numbers_only(with_digits, DIGITS):
        tiers.append(_convert_options(with_digits, NUMBER_NULLS))
    if integers:
        with_ints = types | dict.fromkeys(integers, pa.int64())
        if _numbers_only(with_ints):
            tiers.append(_convert_options(with_ints, NUMBER_NULLS))
        tiers.append(_convert_options(with_ints))
    elif _numbers_only(types):
        tiers.append(_convert_options(types, NUMBER_NULLS))
    tiers.append(_convert_options(types))
    for tier in tiers:
        tier.decimal_point = decimal  # `,` in a semicolon-separated file that writes it so
    return tiers


def _numbers_only(types: dict[str, pa.DataType], *more: pa.DataType) -> bool:
    return all(t in (pa.float64(), pa.int64(), *more) for t in types.values())


def digit_labels(
    table: pa.Table, names: Sequence[str], lead: int = 0, empty_is_null: bool = True
) -> pa.Table:
    """The columns `names` of a block parsed by a digits tier (typed DIGITS) as int64: each
    value `lead` spaces and one digit (JSON lines' `{"label": 3}` has one space);
    pa.ArrowInvalid (the next tier parses the block) where one is missing or not so. Where
    empty text is null (CSV), no value is empty, so n values of n × (lead + 1) bytes are each
    that long."""
    for name in names:
        at = table.schema.get_field_index(name)
        if at >= 0 and table.schema.field(at).type == DIGITS:
            column = table.column(at).combine_chunks()
            table = table.set_column(at, name, _digits(column, lead, empty_is_null))
    return table


def _digits(column: pa.Array, lead: int, empty_is_null: bool) -> pa.Array:
    n, width = len(column), lead + 1
    if column.null_count:
        raise pa.ArrowInvalid("a missing label")
    if not n:
        return pa.Array.from_buffers(pa.int64(), 0, [None, pa.allocate_buffer(0)])
    offsets = np.frombuffer(column.buffers()[1], np.int32, n + 1, column.offset * 4)
    if offsets[n] - offsets[0] != n * width:
        raise pa.ArrowInvalid("a label of another length")
    if not empty_is_null and (np.diff(offsets) != width).any():
        raise pa.ArrowInvalid("a label of another length")
    chars = np.frombuffer(column.buffers()[2], np.uint8, n * width, offsets[0])
    chars = chars.reshape(n, width)
    if lead and (chars[:, :lead] != ord(" ")).any():
        raise pa.ArrowInvalid("a label without its space")
    digits = pa.allocate_buffer(8 * n)  # from Arrow's pool, as the parse's own buffers
    values = np.frombuffer(digits, np.int64)
    np.subtract(chars[:, lead], np.uint8(ord("0")), out=values, casting="unsafe")
    if values.max() > 9:  # a character below '0' wraps past 9 too
        raise pa.ArrowInvalid("a label that is not a digit")
    return pa.Array.from_buffers(pa.int64(), n, [None, digits])


def one_digit(column: pa.ChunkedArray) -> bool:
    """Integers 0..9 only, none missing (of a sample: a later block may fail the tier)."""
    if column.null_count or not len(column) or not pa.types.is_integer(column.type):
        return False
    values = np.concatenate([int_values(chunk) for chunk in column.chunks])
    return bool(values.min() >= 0 and values.max() <= 9)


def _convert_options(
    types: dict[str, pa.DataType], nulls: list[str] | None = None
) -> pacsv.ConvertOptions:
    """Parse exactly these columns as these types; empty text is null in text columns too."""
    options = pacsv.ConvertOptions(
        column_types=types, include_columns=list(types), strings_can_be_null=True
    )
    if nulls is not None:
        options.null_values = nulls
    return options
