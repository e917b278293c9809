"""How text spells a number, as people write them and as float() reads them — ASCII digits,
no `_`, no `inf`/`nan` — for the CSV header check (io/csv_header), the worst rows' kept values
(metrics/worst) and gate limits (report/gates). Match with fullmatch."""

from __future__ import annotations

import re

INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
WHOLE_FLOAT = re.compile(r"-?[0-9]+\.0")  # a float class name as str(float) writes it: `1.0`
