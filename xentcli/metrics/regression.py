"""r2 for regression: scikit-learn's r2_score, weighted, in one pass (docs/metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.bootstrap import Intervals, percentile_interval, replicate_blocks
from xentcli.metrics.groups import group_keys
from xentcli.metrics.registry import GroupValues, MetricValues
from xentcli.metrics.sums import RowSum
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass
class Spread:
    """Σw, Σw(y − c), Σw(y − c)² and Σw(y − ŷ)², c the first target seen (a shift that keeps the
    variance from cancelling), each a RowSum: bit for bit the same for any chunking."""

    shift: float | None = None
    weight: RowSum = field(default_factory=RowSum)
    first: RowSum = field(default_factory=RowSum)
    second: RowSum = field(default_factory=RowSum)
    residual: RowSum = field(default_factory=RowSum)
    by: tuple[str, ...] = ()  # --by: the four sums per group (rows of `grouped`)
    group_ids: dict[str, int] = field(default_factory=dict)
    grouped: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    replicates: int = 0  # --bootstrap: the four sums per replicate
    seed: int = 0
    confidence: float = 0.95
    resampled: np.ndarray | None = None  # (replicates, 4)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Spread | None:
        """Always, for regression."""
        if request.task != Task.REGRESSION:
            return None
        return cls(
            **request.resampling(),
        )

    def update(self, scored: Scored) -> None:
        """Add one chunk's targets and squared errors."""
        chunk = scored.chunk
        assert chunk.targets is not None
        y = chunk.targets
        if not y.size:
            return
        if self.shift is None:
            self.shift = float(y[0])
        w = np.ones(y.size) if chunk.weights is None else chunk.weights
        d = y - self.shift
        sums = np.stack([w, w * d, w * d * d, w * scored.scores.stats["sq"]])
        for total, values in zip(
            (self.weight, self.first, self.second, self.residual), sums, strict=True
        ):
            total.update(values)
        if self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            group = ids[codes]
            size = len(self.group_ids)
            grown = np.zeros((size, 4))
            grown[: len(self.grouped)] = self.grouped
            for j in range(4):
                grown[:, j] += np.bincount(group, sums[j], minlength=size)
            self.grouped = grown
        if self.replicates:
            if self.resampled is None:
                self.resampled = np.zeros((self.replicates, 4))
            rows = scored.rows()
            for block, draws in replicate_blocks(self.seed, self.replicates, rows):
                self.resampled[block] += draws @ sums.T

    def merge(self, other: Spread) -> None:
        """Fold another part in, re-shifted to this one's c."""
        if other.shift is None:
            return
        if self.shift is None:
            self.shift = other.shift
        delta = other.shift - self.shift  # y − c_self = (y − c_other) + delta
        theirs = np.array(
            [[s.value() for s in (other.weight, other.first, other.second, other.residual)]]
        )
        for mine, value in zip(
            (self.weight, self.first, self.second, self.residual),
            _reshifted(theirs, delta)[0],
            strict=True,
        ):
            mine.total.add(float(value))
        if len(other.grouped):
            mapping = [self.group_ids.setdefault(n, len(self.group_ids)) for n in other.group_ids]
            grown = np.zeros((len(self.group_ids), 4))
            grown[: len(self.grouped)] = self.grouped
            np.add.at(grown, mapping, _reshifted(other.grouped, delta))
            self.grouped = grown
        if other.resampled is not None:
            moved = _reshifted(other.resampled, delta)
            self.resampled = moved if self.resampled is None else self.resampled + moved

    def result(self, finished: Finished) -> dict[str, Section]:
        """r2 = 1 − Σw(y − ŷ)² / Σw(y − ȳ)²; constant targets: 1 if predicted exactly, else 0,
        as r2_score's force_finite."""
        sums = [s.value() for s in (self.weight, self.first, self.second, self.residual)]
        made: dict[str, Section] = {"metrics": MetricValues({"r2": _r2(*sums)})}
        if self.group_ids:
            made["group_metrics"] = GroupValues(
                {key: {"r2": _r2(*self.grouped[g])} for key, g in self.group_ids.items()}
            )
        if self.resampled is not None:
            values = np.array([_r2(*row) for row in self.resampled])
            bounds = {"r2": percentile_interval(values, self.confidence)}
            made["intervals"] = Intervals(bounds, {"r2": values})
        return made


def _r2(weight: float, first: float, second: float, residual: float) -> float:
    """1 − residual / Σw(y − ȳ)² from the shifted sums; constant targets as force_finite."""
    squares = second - first * first / weight if weight else 0.0
    if squares <= 0:
        return 1.0 if residual == 0 else 0.0
    return float(1.0 - residual / squares)


def _reshifted(sums: np.ndarray, delta: float) -> np.ndarray:
    """Rows of (Σw, Σw·d, Σw·d², residual) about c_other, moved to c_self = c_other − delta."""
    weight, first, second, residual = sums.T
    moved = np.stack(
        [
            weight,
            first + delta * weight,
            second + 2 * delta * first + delta * delta * weight,
            residual,
        ]
    )
    return moved.T
