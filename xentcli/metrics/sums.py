"""Mergeable float64 sums whose value does not depend on how the rows arrive in chunks."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class CompensatedSum:
    """A float64 sum with Neumaier compensation: the error stays at one rounding, not n."""

    total: float = 0.0
    compensation: float = 0.0

    def add(self, x: float) -> None:
        """Add one partial sum."""
        t = self.total + x
        if abs(self.total) >= abs(x):
            self.compensation += (self.total - t) + x
        else:
            self.compensation += (x - t) + self.total
        self.total = t

    def merge(self, other: CompensatedSum) -> None:
        """Fold another sum into this one."""
        self.add(other.total)
        self.add(other.compensation)

    def value(self) -> float:
        """The compensated total."""
        return self.total + self.compensation


SEGMENT_ROWS = 4096


@dataclass
class RowSum:
    """Σ of per-row values, bitwise the same however the rows arrive in chunks.

    Rows are summed in fixed segments of SEGMENT_ROWS consecutive rows (numpy's pairwise sum),
    and the segment sums are added in order with Neumaier compensation; the rows of an unfinished
    segment wait for the next chunk. So CSV blocks, Parquet row groups and --chunk-rows cannot
    change a single bit of the result.
    """

    total: CompensatedSum = field(default_factory=CompensatedSum)
    pending: np.ndarray = field(default_factory=lambda: np.empty(0))

    def update(self, values: np.ndarray) -> None:
        """Add one chunk's per-row values."""
        if self.pending.size:
            head = values[: SEGMENT_ROWS - self.pending.size]
            values = values[head.size :]
            self.pending = np.concatenate([self.pending, head.astype(np.float64)])
            if self.pending.size < SEGMENT_ROWS:
                return
            self.total.add(float(self.pending.sum()))
        whole = values.size - values.size % SEGMENT_ROWS
        if whole:
            for segment_sum in values[:whole].reshape(-1, SEGMENT_ROWS).sum(axis=1).tolist():
                self.total.add(float(segment_sum))
        self.pending = values[whole:].astype(np.float64)  # a copy: values may be scratch memory

    def merge(self, other: RowSum) -> None:
        """Fold another sum into this one (exact to rounding, not bitwise)."""
        self.total.add(self.pending_sum())
        self.total.add(other.pending_sum())
        self.total.merge(other.total)
        self.pending = np.empty(0)

    def pending_sum(self) -> float:
        """The sum of the rows still waiting for their segment to fill."""
        return float(self.pending.sum())

    def value(self) -> float:
        """The sum of every row seen."""
        return self.total.value() + self.pending_sum()


@dataclass
class WeightedMean:
    """Σ w·x and Σ w over every row seen (w = 1 without weights)."""

    numerator: RowSum = field(default_factory=RowSum)
    denominator: RowSum = field(default_factory=RowSum)

    def update(self, values: np.ndarray, weights: np.ndarray | None) -> None:
        """Add one chunk's per-row values."""
        if weights is None:
            if values.dtype == bool:  # a count: exact in any order
                self.numerator.total.add(float(np.count_nonzero(values)))
            else:
                self.numerator.update(values)
            self.denominator.total.add(float(values.size))
        else:
            self.numerator.update(values * weights)
            self.denominator.update(weights)

    def merge(self, other: WeightedMean) -> None:
        """Fold another mean's sums into this one."""
        self.numerator.merge(other.numerator)
        self.denominator.merge(other.denominator)

    def result(self) -> float:
        """Σwx / Σw."""
        return self.numerator.value() / self.denominator.value()
