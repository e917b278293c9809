"""Labels to class codes, vectorized per chunk (docs/inputs.md#labels)."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pyarrow as pa

from xentcli.errors import InputError, ListLabels, SchemaError, listed
from xentcli.io.arrow_numpy import filler, float_values, int_values, null_mask

UNMAPPED, MISSING, IGNORED = -1, -2, -3
MODEL_ID = re.compile(r"LABEL_(\d+)")  # how transformers names class k without an id2label
BOOLEAN_TEXT = {"true": 1, "false": 0}  # any case; and any text that reads as the number 0 or 1


class LabelMapper:
    """Maps one label column's values to codes: 0/1 (binary) or a class index (multiclass)."""

    def __init__(
        self,
        classes: tuple[str, ...] | None,
        positive: str | None,
        ignore_label: str | None,
        file: str,
        column: str,
        strict: bool = False,
        negative: str | None = None,
    ) -> None:
        self.classes = classes
        self.positive = positive
        self.strict = strict  # the user named the positive label: numbers that it is not are wrong
        self.file = file
        self.column = column
        self.ignore_text = ignore_label
        self.ignore_number = _as_number(ignore_label)
        self.positive_number = _as_number(positive)
        # with --positive: the one other label value seen so far; two complementary columns
        # name it (their other class), and a label must name one of the two
        self.negative: Any = negative
        self.named = negative is not None
        # without --positive: how the negative class is written, 0 or -1 (scikit-learn's -1/1
        # labels), once a label has said it; both in one column is an error
        self.negative_number: int | None = None
        self.int_names: dict[int, int] | None = None
        if classes is not None and all(_as_int(c) is not None for c in classes):
            self.int_names = {int(c): i for i, c in enumerate(classes)}
        self.lookup = self._integer_lookup()
        self.identity = self.lookup is not None and bool(
            self.lookup[0] == 0 and np.array_equal(self.lookup[1], np.arange(len(self.lookup[1])))
        )

    def _integer_lookup(self) -> tuple[int, np.ndarray] | None:
        """(lowest label, codes of lowest..highest) for the common integer-label cases: 0/1,
        classes 0..K-1 or named by integers, and two complementary columns named so (`p_0,
        p_1`: both classes known before any row)."""
        if self.ignore_text is not None:
            return None
        if self.positive is not None:
            negative = _as_int(str(self.negative)) if self.named else None
            positive = _as_int(self.positive)
            if negative is None or positive is None:
                return None
            slots = {negative: 0, positive: 1}
        elif self.classes is None:
            return 0, np.array([0, 1], np.int64)
        elif self.int_names is None:
            return 0, np.arange(len(self.classes), dtype=np.int64)
        else:
            slots = self.int_names
        low, high = min(slots), max(slots)
        if high - low > 1 << 20:
            return None
        table = np.full(high - low + 1, UNMAPPED, np.int64)
        for name, slot in slots.items():
            table[name - low] = slot
        return low, table

    def encode(self, labels: pa.Array, offset: int) -> np.ndarray:
        """Codes per row: class index, or MISSING / IGNORED; an unmappable label raises."""
        codes = self._codes_by_lookup(labels)
        if codes is None:
            codes = self._codes_in_general(labels)
        if labels.null_count:
            codes[null_mask(labels)] = MISSING
        bad = np.flatnonzero(codes == UNMAPPED)
        if bad.size:
            raise self._unmapped(labels[int(bad[0])].as_py(), offset + int(bad[0]) + 1)
        return codes

    def _codes_in_general(self, labels: pa.Array) -> np.ndarray:
        """Any label type: text through its dictionary, numbers through _codes_of_numbers."""
        kind = labels.type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            labels = labels.dictionary_encode()
            kind = labels.type
        if pa.types.is_dictionary(kind):
            table = np.array([self._code_of(v) for v in labels.dictionary.to_pylist()], np.int64)
            if not len(table):
                return np.full(len(labels), MISSING, np.int64)
            return table[int_values(labels.indices)]
        if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
            return self._codes_of_numbers(float_values(labels))
        if (
            pa.types.is_list(kind)
            or pa.types.is_large_list(kind)
            or pa.types.is_fixed_size_list(kind)
        ):
            present = labels.drop_null()
            if not len(present):  # every list null: missing labels; a later chunk tells K
                return np.full(len(labels), MISSING, np.int64)
            width = len(present[0].values)
            if not width:
                raise InputError(
                    "holds an empty list; a label list holds the label, or K one-hot or soft "
                    "targets",
                    file=self.file,
                    column=self.column,
                )
            raise ListLabels(
                f"holds lists ({kind}); {TARGETS_AS_COLUMNS}",
                file=self.file,
                column=self.column,
                width=width,
            )
        raise SchemaError(
            f"labels of type {kind} are not supported; use integers, strings or booleans",
            file=self.file,
            column=self.column,
        )

    def _codes_by_lookup(self, labels: pa.Array) -> np.ndarray | None:
        """Integer labels all within the lookup table: one gather (the caller marks nulls)."""
        if self.lookup is None or not pa.types.is_integer(labels.type) or not len(labels):
            return None
        if pa.types.is_unsigned_integer(labels.type):
            try:
                labels = labels.cast(pa.int64())
            except pa.ArrowInvalid:  # beyond int64: not a class index; the general path names it
                return None
        values = int_values(labels)
        low, table = self.lookup
        lowest = values.min()
        if lowest < low or values.max() >= low + len(table):
            return None
        if self.classes is None and low == 0 and lowest == 0:  # 0/1 labels: 0 is negative
            self.negative_number = 0
        if self.identity and values.dtype == np.int64 and not labels.null_count:
            return values  # labels 0..K-1 are their own codes: no gather (a read-only view)
        return table[values - low] if low else table[values]

    def _codes_of_numbers(self, values: np.ndarray) -> np.ndarray:
        codes = np.full(values.shape, UNMAPPED, np.int64)
        finite = np.isfinite(values)
        codes[~finite] = MISSING
        whole = finite & (values == np.floor(values))
        if self.classes is None:
            if self.positive_number is not None:
                is_pos = whole & (values == self.positive_number)
                codes[is_pos] = 1
                for value in np.unique(values[whole & ~is_pos]):
                    if self._negative_ok(int(value)):
                        codes[values == value] = 0
            elif self.positive is not None and self.strict and values.size:
                raise InputError(
                    f"--positive {self.positive!r} is no label value here: the labels are "
                    f"numbers (such as {values[0]:g}); pass --positive 1, or leave it out for 0/1 "
                    "labels",
                    file=self.file,
                    column=self.column,
                )
            else:
                codes[whole & (values == 1)] = 1
                self._negatives(values, whole, codes)
        elif self.int_names is not None:
            names = np.array(sorted(self.int_names), np.float64)
            slots = np.array([self.int_names[int(n)] for n in names], np.int64)
            at = np.minimum(np.searchsorted(names, values), len(names) - 1)
            hit = whole & (names[at] == values)
            codes[hit] = slots[at[hit]]
        else:
            hit = whole & (values >= 0) & (values < len(self.classes))
            codes[hit] = values[hit].astype(np.int64)
        if self.ignore_number is not None:
            codes[values == self.ignore_number] = IGNORED
        return codes

    def _negatives(self, values: np.ndarray, whole: np.ndarray, codes: np.ndarray) -> None:
        """Code 0 for the negative labels: 0, or -1 where no 0 came first (scikit-learn's -1/1
        labels, 1 the positive class, as its binary metrics take them); the other spelling
        stays unmapped, an error."""
        zero = whole & (values == 0)
        minus = whole & (values == -1)
        if self.ignore_number == -1:  # --ignore-label -1: rows left out, not a class
            minus[:] = False
        if self.negative_number is None and (zero.any() or minus.any()):  # the first one seen
            self.negative_number = 0 if _first(zero) < _first(minus) else -1
            if self.negative_number == -1 and self.lookup is not None:  # -1/1 by a lookup too
                self.lookup, self.identity = (-1, np.array([0, UNMAPPED, 1], np.int64)), False
        codes[zero if self.negative_number == 0 else minus] = 0

    def _code_of(self, value: Any) -> int:
        """The code of one distinct label value (a dictionary entry)."""
        if value is None:
            return MISSING
        if self.ignore_text is not None and (
            str(value) == self.ignore_text
            or (self.ignore_number is not None and _as_number(value) == self.ignore_number)
        ):
            return IGNORED
        if isinstance(value, str):
            return self._code_of_text(value)
        number = float(value)
        if not math.isfinite(number):
            return MISSING
        return int(self._codes_of_numbers(np.array([number]))[0])

    def _code_of_text(self, text: str) -> int:
        if self.classes is None:
            if self.positive is not None:
                number = _as_number(text)
                if text == self.positive or (number is not None and number == self.positive_number):
                    return 1
                if number is not None and math.isfinite(number):  # as in a numeric column
                    return int(self._codes_of_numbers(np.array([number]))[0])
                return 0 if self._negative_ok(text) else UNMAPPED
            low = text.strip().lower()
            if low in BOOLEAN_TEXT:
                return BOOLEAN_TEXT[low]
            number = _as_number(low)  # "1", "1.0", "+1", "-1": as in a numeric column
            if number is None or not math.isfinite(number):
                return UNMAPPED
            return int(self._codes_of_numbers(np.array([number]))[0])
        if text in self.classes:
            return self.classes.index(text)
        number = _as_number(text)
        if number is None or not math.isfinite(number):
            return UNMAPPED
        return int(self._codes_of_numbers(np.array([number]))[0])

    def _negative_ok(self, value: Any) -> bool:
        if self.negative is None:
            self.negative = value
        if self.named and self.negative != value:  # a class name read as a number: 0 is "0"
            number = _as_number(str(value))
            return number is not None and number == _as_number(str(self.negative))
        return bool(self.negative == value)

    def _unmapped(self, value: Any, row: int) -> InputError:
        text = str(value).strip()
        if text.startswith("[") and text.endswith("]"):  # a JSON array: a row's K targets
            message = f"label {value!r} is a list; {TARGETS_AS_COLUMNS}"
            width = text.count(",") + 1 if text[1:-1].strip() else 0
            return ListLabels(message, file=self.file, row=row, column=self.column, width=width)
        if self.classes is not None:
            rule = (
                "labels name a class"
                if self.int_names is not None
                else "a string label names a class, an integer label is a 0-based position"
            )
            fix = _ignore_hint(value) or (
                "pass --classes with the class of each prediction column, in column order"
            )
            message = (
                f"label {value!r} maps to no class (classes: "
                f"{listed(self.classes, 'classes')}; {rule}); " + fix
            )
            positions = [str(k) for k in range(len(self.classes))]
            if list(self.classes) == positions and _as_number(str(value)) is None:
                message += (  # text labels beside pd.DataFrame(predict_proba(X))'s columns
                    " (columns named 0..K-1 hold predict_proba's columns: the model's "
                    "classes_, its labels sorted)"
                )
        elif self.named:
            message = (
                f"label {value!r} names neither class of the two probability columns "
                f"({self.negative!r}, {self.positive!r}); pass --classes with the labels' "
                "names for the columns, in column order"
            )
        elif self.positive is not None:
            message = (
                f"label {value!r} is a third value: binary labels here are "
                f"{str(self.positive)!r} and {str(self.negative)!r}"
            )
        elif self.negative_number is not None and _as_number(str(value)) in (0, -1):
            message = (
                f"label {value!r} beside labels {self.negative_number} and 1: the negative "
                "class is written 0 (0/1 labels) or -1 (-1/1 labels), not both; pass "
                "--ignore-label -1 if -1 marks rows to leave out"
            )
        elif _as_number(str(value)) == -100:  # -1 may be a class (-1/1 labels): -100 only
            message = f"label {value!r} is not 0/1, -1/1 or true/false; {_ignore_hint(value)}"
        else:
            message = f"label {value!r} is not 0/1, -1/1 or true/false; pass --positive VALUE"
            if _as_number(value) is not None:  # a number: most often a regression target
                message += " for two label values, or --task regression for a numeric target"
        return InputError(message, file=self.file, row=row, column=self.column)


# a label column of lists (one-hot or soft targets) where it cannot be read as K target columns
# (prepare/list_targets.py)
TARGETS_AS_COLUMNS = (
    "one-hot or soft targets are read as K target columns where the input can be read again "
    "or its first list tells K (stdin, --engine dask); here neither: write them as "
    "y_0..y_K-1 and pass --label-col 'y_*' (or write each row's class, the argmax, as its label)"
)


def _first(mask: np.ndarray) -> int:
    """The position of the first True (the length when there is none)."""
    return int(np.argmax(mask)) if mask.any() else len(mask)


def _ignore_hint(value: Any) -> str | None:
    """A negative integer label is most often a marker of rows to leave out (PyTorch's
    ignore_index, -100 by default, as Hugging Face pads its labels): the flag that drops them."""
    number = _as_number(str(value))
    if number is None or not math.isfinite(number) or number >= 0 or number != int(number):
        return None
    return (
        f"pass --ignore-label {int(number)} to drop rows with it (like PyTorch's ignore_index, "
        "-100 by default)"
    )


class ClassIndex:
    """Class names found as they come — predicted labels without --classes: every distinct value
    of the labels and the predictions, in order of first appearance — and codes into them."""

    def __init__(self, ignore_label: str | None) -> None:
        self.names: list[str] = []
        self.ids: dict[str, int] = {}
        self.ignore = ignore_label
        self.labelled: set[str] = set()  # the names the labels use
        # predictions named LABEL_0, LABEL_1, … (a Hugging Face model without id2label) beside
        # integer labels: LABEL_k is the label k (decided on the first such prediction)
        self.model_ids: bool | None = None

    def encode(self, column: pa.Array, labels: bool) -> np.ndarray:
        """Codes per row (MISSING for nulls; IGNORED for --ignore-label among the labels)."""
        encoded = column if pa.types.is_dictionary(column.type) else column.dictionary_encode()
        table = np.array(
            [self._code(value, labels) for value in encoded.dictionary.to_pylist()] or [MISSING],
            np.int64,
        )
        indices = encoded.indices.fill_null(filler(encoded.indices.type, len(table)))
        table = np.append(table, MISSING)
        return table[int_values(indices).astype(np.int64)]

    def _code(self, value: Any, labels: bool) -> int:
        if value is None:
            return MISSING
        number = _as_number(value) if not isinstance(value, bool) else None
        if number is not None and math.isfinite(number) and number.is_integer():
            value = int(number)  # 1, 1.0 and "1.0" are one class, as in a numeric column
        text = str(value)
        if labels and self.ignore is not None and text == self.ignore:
            return IGNORED
        if labels:
            self.labelled.add(text)
        elif (model_id := MODEL_ID.fullmatch(text)) is not None and self._model_ids():
            text = str(int(model_id.group(1)))
        return self.ids.setdefault(text, len(self.ids))

    def _model_ids(self) -> bool:
        """Whether a prediction LABEL_k names the label k: the labels are integers, none of
        them named LABEL_… themselves."""
        if self.model_ids is None:
            self.model_ids = any(_as_int(name) is not None for name in self.labelled) and not any(
                MODEL_ID.fullmatch(name) for name in self.labelled
            )
        return self.model_ids

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names so far."""
        return tuple(sorted(self.ids, key=self.ids.__getitem__))


def reads_by_itself(text: str) -> bool:
    """Whether a binary label written as text is read without --positive, as _code_of_text
    reads it: true/false in any case, or a number (0/1, -1/1)."""
    low = text.strip().lower()
    return low in BOOLEAN_TEXT or _as_number(low) is not None


def _as_number(text: Any) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
