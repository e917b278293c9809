"""--worst N: the N used rows with the highest loss, held in memory bounded by N. Per chunk only
the rows that beat the N-th loss held so far are taken (np.argpartition), so after the first
chunks almost none are. Order: loss from high to low, equal losses by row number."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xentcli.io.arrow_numpy import arrow_array
from xentcli.io.numbers import INTEGER, NUMBER
from xentcli.metrics.rows import kept_name, loss_of, row_columns
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


ORDER = ("row", "loss", "label", "predicted", "confidence", "correct", "weight")


def _typed(values: list[Any], kind: str) -> list[Any]:
    """Text values of a column the input's first rows type as `kind` (int64, double, bool) in
    that type — as the binary formats and pandas would show them — when every value fits;
    otherwise as they are."""
    converters: dict[str, Callable[[str], Any]] = {
        "int64": _integer,
        "double": _number,
        "bool": _boolean,
    }
    convert = converters.get(kind)
    if convert is None:
        return values
    try:
        return [None if v is None else convert(v) for v in values]
    except (TypeError, ValueError):
        return values


def _integer(text: str) -> int:
    if not INTEGER.fullmatch(text):  # int() takes "1_000" and non-ASCII digits too
        raise ValueError(text)
    return int(text)


def _number(text: str) -> float:
    if not NUMBER.fullmatch(text):
        raise ValueError(text)
    return float(text)


def _boolean(text: str) -> bool:
    lowered = text.lower()  # pyarrow's CSV reader: true/false in any case, and 1/0
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(text)


def _plain(value: Any) -> Any:
    """A kept value as JSON holds it: numbers, text, true/false or null (NaN as null)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


@dataclass(frozen=True)
class WorstRows:
    """The worst section: the kept columns' names, the loss's metric, and one dict per row."""

    columns: tuple[str, ...]
    metric: str
    rows: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """The section as the JSON report holds it."""
        return {"metric": self.metric, "columns": list(self.columns), "rows": list(self.rows)}


@dataclass
class Worst:
    """The highest-loss rows seen so far: their per-row columns, and the kept columns' values."""

    count: int
    keep: tuple[str, ...]
    task: Task
    logits: bool
    held: dict[str, np.ndarray] = field(default_factory=dict)
    kept: dict[str, list[Any]] = field(default_factory=dict)
    hard: bool = False
    types: tuple[tuple[str, str], ...] = ()  # BreakdownRequest.text_types

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Worst | None:
        """A fresh state when --worst N is given."""
        if not request.worst:
            return None
        keep = tuple(dict.fromkeys(request.keep + request.by))  # the groups' columns too
        return cls(request.worst, keep, request.task, request.logits, types=request.text_types)

    def update(self, scored: Scored) -> None:
        """Take this chunk's rows that beat the N-th highest loss held; only those get their
        other columns (label, prediction, confidence: row_columns of the rows picked)."""
        self.hard = scored.chunk.hard
        loss = np.asarray(scored.scores.stats[loss_of(self.task, self.hard)[0]], np.float64)
        if self.held and len(self.held["loss"]) >= self.count:
            floor = self.held["loss"][-1]  # the N-th: only a higher loss can enter
            at = np.flatnonzero(loss > floor)
        elif len(loss) > self.count:
            at = np.argpartition(-loss, self.count - 1)[: self.count]
            floor = loss[at].min()
            at = np.flatnonzero(loss >= floor)  # every row tied with the N-th, for the order
        else:
            at = np.arange(len(loss))
        if not at.size:
            return
        picked = row_columns(scored, self.task, self.logits, at)
        kept = {name: scored.column(name).take(arrow_array(at)).to_pylist() for name in self.keep}
        self._take(picked, kept)

    def _take(self, picked: dict[str, np.ndarray], kept: dict[str, list[Any]]) -> None:
        """Add rows to those held and keep the N worst, in report order."""
        if self.held:
            picked = {n: np.concatenate([self.held[n], v]) for n, v in picked.items()}
            kept = {n: self.kept[n] + v for n, v in kept.items()}
        order = np.lexsort((picked["row"], -picked["loss"]))[: self.count]
        self.held = {name: values[order] for name, values in picked.items()}
        self.kept = {name: [values[i] for i in order.tolist()] for name, values in kept.items()}

    def merge(self, other: Worst) -> None:
        """Fold in the worst rows of another part of the input."""
        if other.held:
            self.hard = self.hard or other.hard
            self._take(other.held, other.kept)

    def result(self, finished: Finished) -> dict[str, Section]:
        """The worst section, labels and predictions named by the classes."""
        names = finished.classes or finished.binary_classes  # binary 0/1: the codes
        named = names is not None and self.task != Task.REGRESSION
        rows = []
        types = dict(self.types)
        kept = {n: _typed(v, types[n]) if n in types else v for n, v in self.kept.items()}
        for i in range(len(self.held.get("loss", ()))):
            row: dict[str, Any] = {}
            for name in ORDER:
                if name in self.held:
                    value = self.held[name][i].item()
                    if named and name in ("label", "predicted"):
                        value = names[value]  # type: ignore[index]
                    row[name] = value
            row["columns"] = {kept_name(name): _plain(values[i]) for name, values in kept.items()}
            rows.append(row)
        metric = loss_of(self.task, self.hard)[1]
        return {"worst": WorstRows(tuple(map(kept_name, self.keep)), metric, tuple(rows))}
