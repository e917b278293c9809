"""--by COL: every metric per group value, from per-group sums (Σw·x per statistic and Σw) that
grow with the number of groups, not of rows. Per chunk: dictionary-encode the keys, map the chunk's
distinct values to group ids (a loop over distinct values, never over rows), then bincount."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from xentcli.io.arrow_numpy import arrow_array, filler, int_values
from xentcli.metrics.registry import METRICS

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section

NULL_NAME = "<null>"  # how a null group value is shown
SEPARATOR = "\x1f"  # between the --by columns' values in a group's key
NULL_KEY = "\\0"  # a null value in a key: a value's own backslashes are doubled (_key_text)


def group_keys(columns: list[pa.Array]) -> tuple[np.ndarray, list[str]]:
    """Per row, the index of its key among the chunk's distinct keys (in order of first
    appearance); and those keys as text: the --by columns' values joined, escaped so that no
    two groups share a key (_key_text; key_values reads one back). Values are hashed in their
    own type and only distinct ones become text, never every row."""
    codes, keys = _encoded(columns[0])
    dense = not pa.types.is_dictionary(columns[0].type) and not columns[0].null_count
    for column in columns[1:]:
        more, texts = _encoded(column)
        codes, first = _first_appearance(codes * len(texts) + more)
        keys = [keys[c // len(texts)] + SEPARATOR + texts[c % len(texts)] for c in first.tolist()]
        dense = True
    if not dense:  # a dictionary may hold values this chunk lacks; nulls go where they first are
        codes, first = _first_appearance(codes)
        keys = [keys[c] for c in first.tolist()]
    return codes, keys


def _encoded(column: pa.Array) -> tuple[np.ndarray, list[str]]:
    """Per row an index into the column's distinct values as key text (null last, if any)."""
    if pa.types.is_floating(column.type):  # by value, as pandas groups: -0.0 is 0.0, NaN null
        import pyarrow.compute as pc

        if pa.types.is_float16(column.type):  # no kernels for it; float32 holds it exactly
            column = column.cast(pa.float32())
        column = pc.if_else(
            pc.is_nan(column), pa.nulls(1, column.type)[0], pc.add(column, filler(column.type, 0))
        )
    encoded = column if pa.types.is_dictionary(column.type) else column.dictionary_encode()
    values = encoded.dictionary.cast(pa.string()).to_pylist()
    texts = [
        v if v is not None and "\\" not in v and SEPARATOR not in v else _key_text(v)
        for v in values
    ]
    indices = encoded.indices
    if column.null_count:
        indices = indices.fill_null(filler(indices.type, len(texts)))
        texts.append(NULL_KEY)
    return int_values(indices).astype(np.int64), texts


def _key_text(value: str | None) -> str:
    """A value as part of a group's key: a null is NULL_KEY, a value's backslashes are doubled
    and its SEPARATORs written `\\s`, so a value `<null>`, `\\0` or one holding SEPARATOR
    is a group of its own."""
    if value is None:
        return NULL_KEY
    return value.replace("\\", "\\\\").replace(SEPARATOR, "\\s")


def key_values(key: str) -> list[str]:
    """A group's key as the values it stands for, shown: a null as <null>."""
    return [
        part
        if "\\" not in part
        else NULL_NAME
        if part == NULL_KEY
        else re.sub(r"\\(.)", lambda m: "\\" if m.group(1) == "\\" else SEPARATOR, part)
        for part in key.split(SEPARATOR)
    ]


def _first_appearance(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered 0.. in order of first appearance, and the old code of each new one."""
    encoded = arrow_array(codes).dictionary_encode()
    return int_values(encoded.indices).astype(np.int64), int_values(encoded.dictionary)


@dataclass(frozen=True)
class GroupRow:
    """One group: its key values, rows used and every metric."""

    group: dict[str, str]
    rows: int
    metrics: dict[str, float | None]
    intervals: dict[str, list[float | None]] | None = None  # with --bootstrap
    key: str = ""  # as the breakdowns know the group (group_keys)

    def to_json(self) -> dict[str, Any]:
        """The group as the JSON report holds it."""
        shown = {"group": self.group, "rows": self.rows, "metrics": self.metrics}
        return shown | ({"intervals": self.intervals} if self.intervals is not None else {})


@dataclass(frozen=True)
class GroupsTable:
    """The groups section, in order of first appearance."""

    columns: tuple[str, ...]
    rows: tuple[GroupRow, ...]

    def __iter__(self) -> Iterator[GroupRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> GroupRow:
        return self.rows[index]

    def to_json(self) -> list[dict[str, Any]]:
        """The groups as the JSON report holds them."""
        return [row.to_json() for row in self.rows]

    def ordered(self, names: list[str]) -> GroupsTable:
        """The table with each group's metrics in this order (others after)."""
        rows = []
        for row in self.rows:
            first = {n: row.metrics[n] for n in names if n in row.metrics}
            intervals = row.intervals
            if intervals is not None:
                intervals = {n: intervals[n] for n in first if n in intervals}
            rows.append(GroupRow(row.group, row.rows, first | row.metrics, intervals, row.key))
        return GroupsTable(self.columns, tuple(rows))

    def with_intervals(self, bounds: dict[str, dict[str, list[float | None]]]) -> GroupsTable:
        """The table with each group's --bootstrap intervals (group key → metric → bounds)."""
        rows = [
            GroupRow(row.group, row.rows, row.metrics, bounds.get(row.key), row.key)
            for row in self.rows
        ]
        return GroupsTable(self.columns, tuple(rows))

    def with_metrics(self, values: dict[str, dict[str, float | None]]) -> GroupsTable:
        """The table with more metrics per group (group key → name → value)."""
        rows = []
        for row in self.rows:
            extra = values.get(row.key, {})
            rows.append(GroupRow(row.group, row.rows, row.metrics | extra, row.intervals, row.key))
        return GroupsTable(self.columns, tuple(rows))


@dataclass
class Groups:
    """Per-group weighted sums of every per-row statistic."""

    columns: tuple[str, ...]
    ids: dict[str, int] = field(default_factory=dict)
    numerators: dict[str, np.ndarray] = field(default_factory=dict)
    weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Groups | None:
        """A fresh state when --by names columns."""
        return cls(request.by) if request.by else None

    def update(self, scored: Scored) -> None:
        """Add one chunk: each row's group and statistics."""
        keys = group_keys([scored.column(c) for c in self.columns])
        self.add(keys, scored.scores.stats, scored.chunk.weights)

    def add(
        self,
        keys: tuple[np.ndarray, list[str]],
        stats: dict[str, np.ndarray],
        weights: np.ndarray | None,
    ) -> None:
        """Add rows: each row's group (group_keys) and statistics."""
        codes, names = keys
        local = np.array([self.ids.setdefault(k, len(self.ids)) for k in names], np.int64)
        group = local[codes]
        size = len(self.ids)
        rows = np.bincount(group, minlength=size)
        weight = rows if weights is None else np.bincount(group, weights, minlength=size)
        self.weight = _grow(self.weight, size) + weight
        self.rows = _grow(self.rows, size) + rows
        for name, values in stats.items():
            weighted = values if weights is None else values * weights
            total = np.bincount(group, weighted.astype(np.float64), minlength=size)
            self.numerators[name] = _grow(self.numerators.get(name, np.zeros(0)), size) + total

    def merge(self, other: Groups) -> None:
        """Fold another accumulator in (its groups mapped onto this one's ids)."""
        mapping = np.array([self.ids.setdefault(k, len(self.ids)) for k in other.ids], np.int64)
        size = len(self.ids)
        self.weight = _grow(self.weight, size)
        self.rows = _grow(self.rows, size)
        np.add.at(self.weight, mapping, other.weight)
        np.add.at(self.rows, mapping, other.rows)
        for name, values in other.numerators.items():
            mine = self.numerators[name] = _grow(self.numerators.get(name, np.zeros(0)), size)
            np.add.at(mine, mapping, values)

    def result(self, finished: Finished) -> dict[str, Section]:
        """The groups section: key values, rows and metrics per group."""
        entries = []
        for key, g in self.ids.items():
            metrics = {}
            for name in finished.metrics:
                metric = METRICS[name]
                if metric.statistic is None:
                    continue  # a breakdown's metric (ranking) adds its own value
                mean = (
                    self.numerators[metric.statistic][g] / self.weight[g]
                    if self.weight[g]
                    else None
                )
                metrics[name] = metric.final(mean) if mean is not None else None
            values = key.split(SEPARATOR) if "\\" not in key else key_values(key)  # most keys
            group = dict(zip(self.columns, values, strict=True))
            entries.append(GroupRow(group, int(self.rows[g]), metrics, key=key))
        return {"groups": GroupsTable(self.columns, tuple(entries))}


def _grow(array: np.ndarray, size: int) -> np.ndarray:
    """The array zero-padded to `size` entries (new groups start at zero)."""
    if len(array) >= size:
        return array
    return np.concatenate([array, np.zeros(size - len(array), array.dtype)])
