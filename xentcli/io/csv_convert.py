"""How a CSV block's columns are converted: explicit types for the columns used, in tiers from
the fastest (io/csv parses a block with the first tier that reads it)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pacsv

# null strings of a numbers-only parse (conversions): of pyarrow's defaults, those a number parse
# would otherwise take as NaN, and the empty one
NUMBER_NULLS = ["", "NaN", "nan", "-NaN", "-nan"]


def conversions(
    types: dict[str, pa.DataType], integers: list[str], decimal: str = "."
) -> list[pacsv.ConvertOptions]:
    """How a block is parsed, fastest first; a block one tier cannot parse is parsed by the
    next, and so is every later block (a file of mixed labels is not parsed twice throughout).

    Integer labels parse faster than dictionary text (the mapper takes both). With numbers
    only, the null strings are the empty one and NaN's spellings: pyarrow tries each null
    string on every value, and its other ones (NA, NULL, #N/A, ...) are no number, so a value
    spelled so fails this tier and the next, with all of them, reads it as null — the table is
    the same either way, 7% faster to parse on the binary benchmark file."""
    tiers = []
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


def _numbers_only(types: dict[str, pa.DataType]) -> bool:
    return all(t in (pa.float64(), pa.int64()) for t in types.values())


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
