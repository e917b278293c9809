"""The breakdown protocol: every optional section of a report (per class, per group, calibration,
bootstrap intervals) is a state that takes scored chunks, merges with another of its kind, and
gives its sections at the end. The accumulator, the Dask engine and the report builder loop over
BREAKDOWNS and know none of them by name (docs/architecture.md).

A new breakdown is one module with a class following Breakdown and one line in BREAKDOWNS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

import numpy as np
import pyarrow as pa

from xentcli.io.arrow_numpy import arrow_array, filler, int_values
from xentcli.metrics.bootstrap import Bootstrap
from xentcli.metrics.calibration import Calibration
from xentcli.metrics.groups import Groups
from xentcli.metrics.kernels import RowScores
from xentcli.metrics.per_class import PerClass
from xentcli.metrics.per_label import PerLabel
from xentcli.metrics.ranking import Ranking
from xentcli.metrics.regression import Spread
from xentcli.metrics.worst import Worst
from xentcli.prepare.chunk import Chunk
from xentcli.prepare.join import LABEL_ROW
from xentcli.tasks import Task


@dataclass(frozen=True)
class BreakdownRequest:
    """What the breakdowns were asked for (built by the plan); each reads its own fields."""

    task: Task
    logits: bool = False
    metrics: tuple[str, ...] = ()
    per_class: bool = False
    normalize: str | None = None
    by: tuple[str, ...] = ()
    calibration: bool = False
    bins: int = 15
    bootstrap: int | None = None
    seed: int = 0
    confidence: float = 0.95
    auc: bool = False
    average: str = "macro"
    curve_points: int = 200
    tmp_dir: str | None = None
    threshold: float = 0.5
    eps: float = 2.220446049250313e-16
    worst: int | None = None
    keep: tuple[str, ...] = ()  # columns the worst rows carry
    # kept columns a text format reads as text, with the type its first rows give them (CSV:
    # an id column of integers): the worst rows show them in that type when every value fits
    text_types: tuple[tuple[str, str], ...] = ()

    def resampling(self) -> dict[str, Any]:
        """What a breakdown that keeps its own groups and replicates takes from the request."""
        return {
            "by": self.by,
            "replicates": self.bootstrap or 0,
            "seed": self.seed,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Scored:
    """One prepared chunk with its per-row scores, where its rows sit in the input, and the Arrow
    batches it came from (for breakdowns keyed by other columns)."""

    chunk: Chunk
    scores: RowScores
    start: int  # 0-based index in the input of the chunk's first row
    predictions: pa.RecordBatch
    labels: pa.RecordBatch

    def rows(self) -> np.ndarray:
        """The 0-based index of every row kept: in the input, or, for rows joined by key, in
        the labels file (so two models joined to the same labels resample the same rows)."""
        kept = self.chunk.kept if self.chunk.kept is not None else np.arange(self.chunk.read)
        if LABEL_ROW in self.labels.schema.names:
            positions = self.labels.column(LABEL_ROW)
            positions = positions.fill_null(filler(positions.type, -1))
            return int_values(positions).astype(np.int64)[kept]
        return self.start + kept

    def column(self, name: str) -> pa.Array:
        """A column of the kept rows: the predictions' batch, or else the labels'."""
        batch = self.predictions if name in self.predictions.schema.names else self.labels
        column = batch.column(name)
        return column if self.chunk.kept is None else column.take(arrow_array(self.chunk.kept))


@dataclass(frozen=True)
class Finished:
    """What every breakdown's result may need once all rows are in."""

    task: Task
    metrics: tuple[str, ...]
    classes: tuple[str, ...] | None
    name: str = ""  # the input, for errors
    # binary: the two classes as the labels name them (negative, positive), when not 0 and 1
    binary_classes: tuple[str, str] | None = None
    sections: Mapping[str, Section] = field(default_factory=dict)  # made by earlier breakdowns


class Section(Protocol):
    """A typed part of a report that writes itself as JSON."""

    def to_json(self) -> Any: ...


class Breakdown(Protocol):
    """update(scored chunk), merge(another of the same kind), result() → named report sections."""

    def update(self, scored: Scored) -> None: ...

    def merge(self, other: Self) -> None: ...

    def result(self, finished: Finished) -> Mapping[str, Section]: ...


# name → factory (None when not asked for); the order is the order of the report's sections
BREAKDOWNS: dict[str, Callable[[BreakdownRequest], Breakdown | None]] = {
    "per_class": PerClass.asked,
    "per_label": PerLabel.asked,
    "calibration": Calibration.asked,
    "groups": Groups.asked,
    "bootstrap": Bootstrap.asked,
    "ranking": Ranking.asked,
    "regression": Spread.asked,
    "worst": Worst.asked,
}


def breakdowns_for(request: BreakdownRequest) -> dict[str, Breakdown]:
    """A fresh state of every breakdown the request asks for, in report order."""
    made = {name: make(request) for name, make in BREAKDOWNS.items()}
    return {name: state for name, state in made.items() if state is not None}
