"""--bootstrap N: percentile intervals from Poisson(1) replicate weights, in one streaming pass.

Replicate r gives row i the weight Poisson(1) drawn from a hash of (seed, r, i) — a counter-based
draw, so a row's weights do not depend on how rows arrive. Rows are folded into the replicate sums
in fixed segments of SEGMENT_ROWS rows, as the means are, so intervals are bit for bit the same for
any chunk size. Memory: O(N replicates × statistics), not O(rows).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.groups import group_keys
from xentcli.metrics.registry import METRICS
from xentcli.metrics.sums import SEGMENT_ROWS

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section

GROUP_CELLS = 2_000_000  # groups × replicates resampled per group at most (8 bytes per statistic)
REPLICATE_BLOCK = 64  # replicates hashed at a time: bounds the (block × segment) scratch
FIRST_COUNTS = 5  # Poisson(1) counts 0..4 by comparison: 99.6% of draws
_POISSON_CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])
_GOLDEN, _MIX1, _MIX2 = (
    np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB)
)
_ROW, _REPLICATE = np.uint64(0xD1B54A32D192ED03), np.uint64(0xABC98388FB8FAC03)


def poisson_weights(seed: int, replicates: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(R, n) Poisson(1) counts, a pure function of (seed, replicate, row): splitmix64 of the
    pair, in place (fresh temporaries per step cost a quarter of the time)."""
    with np.errstate(over="ignore"):
        x = np.bitwise_xor.outer(
            replicates.astype(np.uint64) * _REPLICATE, rows.astype(np.uint64) * _ROW
        )
        x ^= np.uint64(seed) * _GOLDEN
        x += _GOLDEN  # splitmix64's finaliser
        shifted = np.empty_like(x)
        for shift, multiplier in ((30, _MIX1), (27, _MIX2), (31, None)):
            np.right_shift(x, np.uint64(shift), out=shifted)
            x ^= shifted
            if multiplier is not None:
                x *= multiplier
        np.right_shift(x, np.uint64(11), out=x)
    uniform = shifted.view(np.float64)  # 53 random bits as a float in [0, 1)
    np.multiply(x, 2.0**-53, out=uniform, casting="unsafe")
    return _poisson_counts(uniform)


def replicate_blocks(
    seed: int, replicates: int, rows: np.ndarray
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(replicate indices, their Poisson(1) draws for these rows), REPLICATE_BLOCK replicates at a
    time: the draws every breakdown's intervals use, so all resample the same rows."""
    for first in range(0, replicates, REPLICATE_BLOCK):
        block = np.arange(first, min(first + REPLICATE_BLOCK, replicates))
        yield block, poisson_weights(seed, block, rows)


def _poisson_counts(uniform: np.ndarray) -> np.ndarray:
    """The Poisson(1) count whose CDF interval holds each uniform: how many CDF values are ≤ it.
    Compared with the first FIRST_COUNTS values for all, searched only for the 0.4% beyond (a
    searchsorted over all is several times slower)."""
    counts = np.zeros(uniform.shape, np.uint8)
    beyond = np.empty(uniform.shape, bool)
    for threshold in _POISSON_CDF[:FIRST_COUNTS]:
        np.greater_equal(uniform, threshold, out=beyond)
        counts += beyond.view(np.uint8)
    tail = np.flatnonzero(beyond)  # beyond the last threshold compared
    if tail.size:
        flat = uniform.reshape(-1)[tail]
        counts.reshape(-1)[tail] = np.searchsorted(_POISSON_CDF, flat, side="right")
    return counts.astype(np.float64)


@dataclass(frozen=True)
class Intervals:
    """The intervals section: each metric's percentile interval, and its value in every replicate
    (kept for `compare`'s paired differences; not part of the JSON)."""

    bounds: dict[str, list[float | None]]
    replicates: dict[str, np.ndarray]

    def to_json(self) -> dict[str, list[float | None]]:
        """Metric → [low, high]."""
        return self.bounds


@dataclass(frozen=True)
class GroupIntervals:
    """Each --by group's intervals (group key → metric → [low, high]); the report builder puts
    them in the groups section."""

    bounds: dict[str, dict[str, list[float | None]]]

    def to_json(self) -> dict[str, dict[str, list[float | None]]]:
        return self.bounds


@dataclass(frozen=True)
class Notes:
    """What a breakdown says the reader should know (the builder adds them to the report's)."""

    lines: tuple[str, ...]

    def to_json(self) -> list[str]:
        return list(self.lines)


@dataclass
class Bootstrap:
    """Per replicate: Σ w_r·w·x for each statistic and Σ w_r·w."""

    replicates: int
    seed: int
    confidence: float = 0.95
    numerators: dict[str, np.ndarray] = field(default_factory=dict)
    denominator: np.ndarray = field(init=False)
    pending: dict[str, list[np.ndarray]] = field(default_factory=dict)
    by: tuple[str, ...] = ()  # --by: intervals per group too
    group_ids: dict[str, int] = field(default_factory=dict)
    grouped: dict[str, np.ndarray] = field(default_factory=dict)  # name → (groups, replicates)
    too_many: bool = False  # more groups × replicates than GROUP_CELLS: no group intervals

    def __post_init__(self) -> None:
        self.denominator = np.zeros(self.replicates)

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Bootstrap | None:
        """A fresh state when --bootstrap N is on."""
        if request.bootstrap is None:
            return None
        return cls(request.bootstrap, request.seed, request.confidence, by=request.by)

    def update(self, scored: Scored) -> None:
        """Add one chunk: each kept row's index in the input, statistics, weight and group."""
        group = None
        if self.by and self.too_many:  # every pending row has a group id, if only 0
            group = np.zeros(len(scored.chunk.codes), np.int64)
        elif self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            ids = np.array([self.group_ids.setdefault(n, len(self.group_ids)) for n in names])
            group = ids[codes]
            self.too_many = len(self.group_ids) * self.replicates > GROUP_CELLS
        self.add(scored.rows(), scored.scores.stats, scored.chunk.weights, group)

    def add(
        self,
        rows: np.ndarray,
        stats: dict[str, np.ndarray],
        weights: np.ndarray | None,
        group: np.ndarray | None = None,
    ) -> None:
        """Add rows: each one's index in the input, statistics, weight and group id."""
        given = {"_rows": rows.astype(np.float64)} | ({} if weights is None else {"_w": weights})
        if group is not None:
            given["_g"] = group.astype(np.float64)
        for name, values in (given | stats).items():
            # a copy: the kernels' arrays are scratch memory, reused by the next chunk
            self.pending.setdefault(name, []).append(np.array(values, np.float64))
        waiting = sum(len(a) for a in self.pending["_rows"])
        if waiting >= SEGMENT_ROWS:
            self._fold(waiting - waiting % SEGMENT_ROWS)

    def _fold(self, count: int) -> None:
        """Fold the first `count` pending rows (whole segments) into the replicate sums."""
        joined = {k: np.concatenate(v) for k, v in self.pending.items()}
        self.pending = {k: [v[count:]] for k, v in joined.items()}
        for start in range(0, count, SEGMENT_ROWS):
            part = slice(start, start + SEGMENT_ROWS)
            self._segment(
                joined["_rows"][part].astype(np.int64),
                joined["_w"][part] if "_w" in joined else None,
                {k: v[part] for k, v in joined.items() if not k.startswith("_")},
                joined["_g"][part].astype(np.int64) if "_g" in joined else None,
            )

    def _segment(
        self,
        rows: np.ndarray,
        w: np.ndarray | None,
        stats: dict[str, np.ndarray],
        group: np.ndarray | None,
    ) -> None:
        if self.too_many:
            self.grouped, group = {}, None
        for first in range(0, self.replicates, REPLICATE_BLOCK):
            block = np.arange(first, min(first + REPLICATE_BLOCK, self.replicates))
            weights = poisson_weights(self.seed, block, rows)
            if w is not None:  # sample weights: the replicate's count times the row's weight
                weights *= w
            self.denominator[block] += weights.sum(axis=1)
            for name, values in stats.items():
                total = self.numerators.setdefault(name, np.zeros(self.replicates))
                total[block] += (weights * values).sum(axis=1)
            if group is not None:
                self._by_group(block, weights, stats, group)

    def _by_group(
        self,
        block: np.ndarray,
        weights: np.ndarray,
        stats: dict[str, np.ndarray],
        group: np.ndarray,
    ) -> None:
        """Per group and replicate sums, one bincount over (replicate, group) cells per
        statistic (a loop over statistics, never over rows)."""
        size = len(self.group_ids)
        cells = (np.arange(len(block))[:, None] * size + group[None, :]).reshape(-1)
        for name, values in {"_w": None, **stats}.items():
            x = weights if values is None else weights * values
            sums = np.bincount(cells, x.reshape(-1), minlength=len(block) * size)
            held = self._grown(name, size)
            held[:, block] += sums.reshape(len(block), size).T

    def _grown(self, name: str, size: int) -> np.ndarray:
        """The (groups, replicates) sums of a statistic, with room for `size` groups."""
        held = self.grouped.get(name, np.zeros((0, self.replicates)))
        if held.shape[0] < size:
            held = np.concatenate([held, np.zeros((size - held.shape[0], self.replicates))])
            self.grouped[name] = held
        return held

    def merge(self, other: Bootstrap) -> None:
        """Fold another accumulator with the same replicates and seed in."""
        for accumulator in (self, other):
            rest = sum(len(a) for a in accumulator.pending.get("_rows", []))
            if rest:
                accumulator._fold(rest)
        self.denominator += other.denominator
        for name, values in other.numerators.items():
            self.numerators[name] = self.numerators.get(name, np.zeros(self.replicates)) + values
        if self.by:
            mapping = np.array(
                [self.group_ids.setdefault(k, len(self.group_ids)) for k in other.group_ids],
                np.int64,
            )
            self.too_many |= other.too_many or len(self.group_ids) * self.replicates > GROUP_CELLS
            for name, values in other.grouped.items():
                np.add.at(self._grown(name, len(self.group_ids)), mapping, values)
            if self.too_many:
                self.grouped = {}

    def result(self, finished: Finished) -> dict[str, Section]:
        """The intervals section."""
        replicates = self.replicate_metrics(finished.metrics)
        bounds = {
            name: percentile_interval(values, self.confidence)
            for name, values in replicates.items()
        }
        sections: dict[str, Section] = {"intervals": Intervals(bounds, replicates)}
        if self.by and self.too_many:
            sections["notes"] = Notes(
                (
                    f"no per-group intervals: {len(self.group_ids)} groups × {self.replicates} "
                    f"replicates exceed {GROUP_CELLS:,} (fewer --bootstrap replicates, or "
                    "coarser --by columns, give them)",
                )
            )
        elif self.by:
            sections["group_intervals"] = self._group_intervals(finished.metrics)
        return sections

    def _group_intervals(self, names: Sequence[str]) -> GroupIntervals:
        """Every group's interval of every metric that is a mean of rows."""
        weight = self.grouped.get("_w", np.zeros((0, self.replicates)))
        found: dict[str, dict[str, list[float | None]]] = {}
        for key, g in self.group_ids.items():
            bounds = {}
            for name in names:
                metric = METRICS[name]
                if metric.statistic is None or metric.statistic not in self.grouped:
                    continue
                with np.errstate(invalid="ignore", divide="ignore"):
                    means = self.grouped[metric.statistic][g] / weight[g]
                values = np.array([metric.final(m) if np.isfinite(m) else np.nan for m in means])
                bounds[name] = percentile_interval(values, self.confidence)
            found[key] = bounds
        return GroupIntervals(found)

    def replicate_metrics(self, names: Sequence[str]) -> dict[str, np.ndarray]:
        """Every metric's value in each replicate (NaN where a replicate drew no row)."""
        rest = sum(len(a) for a in self.pending.get("_rows", []))
        if rest:
            self._fold(rest)
        result = {}
        for name in names:
            metric = METRICS[name]
            if metric.statistic is None:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                means = self.numerators[metric.statistic] / self.denominator
            result[name] = np.array([metric.final(m) if np.isfinite(m) else np.nan for m in means])
        return result


def percentile_interval(values: np.ndarray, confidence: float) -> list[float | None]:
    """The central `confidence` interval of the finite values."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return [None, None]
    low, high = (1 - confidence) / 2, (1 + confidence) / 2
    return [float(np.quantile(finite, low)), float(np.quantile(finite, high))]
