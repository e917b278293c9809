"""Entries kept sorted by (segment, score from high to low) in bounded memory: in memory up to a
capacity, then as sorted runs spilled to files in a temporary folder, merged block by block when
read back (docs/metrics.md#ranking). A segment is one (group, target) pair of the ranking metrics.

Within a run, entries of equal (segment, score) are added into one, so a run holds each score of a
segment once; that is what lets the merge cut every block at a score no other block can still hold.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from xentcli.errors import InputError

ENTRY = np.dtype([("segment", "<i8"), ("score", "<f8"), ("pos", "<f8"), ("neg", "<f8")])
CAPACITY = int(os.environ.get("XENTCLI_SPILL_ENTRIES", 1 << 20))  # entries in memory (32 MiB)
MERGE_BUDGET = 1 << 21  # entries read into memory at once while merging, over all runs


@dataclass
class Run:
    """One spilled run: its file and, per segment it holds, where that segment's entries are."""

    path: str
    segments: np.ndarray  # segment ids, ascending
    starts: np.ndarray  # first entry of each segment
    counts: np.ndarray  # entries of each segment

    def read(self, at: int, start: int, count: int) -> np.ndarray:
        """`count` entries of the segment at index `at`, from its `start`-th one."""
        offset = (int(self.starts[at]) + start) * ENTRY.itemsize
        return np.fromfile(self.path, dtype=ENTRY, count=count, offset=offset)


def sort_entries(entries: np.ndarray) -> np.ndarray:
    """Entries sorted by segment, then score from high to low, equal (segment, score) added."""
    if not entries.size:
        return entries
    order = np.lexsort((-entries["score"], entries["segment"]))
    entries = entries[order]
    new = np.empty(entries.size, bool)
    new[0] = True
    new[1:] = (entries["segment"][1:] != entries["segment"][:-1]) | (
        entries["score"][1:] != entries["score"][:-1]
    )
    if new.all():
        return entries
    starts = np.flatnonzero(new)
    merged = entries[starts]  # a copy: fancy indexing
    merged["pos"] = np.add.reduceat(entries["pos"], starts)
    merged["neg"] = np.add.reduceat(entries["neg"], starts)
    return merged


class SortedRuns:
    """Entries added in any order, read back per segment in sorted blocks."""

    def __init__(self, tmp_dir: str | None = None, capacity: int | None = None) -> None:
        self.tmp_dir = tmp_dir
        self.capacity = capacity or CAPACITY
        self.pending: list[np.ndarray] = []
        self.pending_size = 0
        self.runs: list[Run] = []
        self.folder: str | None = None
        self._keep: list[SortedRuns] = []  # merged-in states whose files this one reads

    def add(self, entries: np.ndarray) -> None:
        """Add entries (ENTRY records); a full buffer is sorted and spilled."""
        self.pending.append(entries)
        self.pending_size += entries.size
        if self.pending_size >= self.capacity:
            self.spill()

    def _sorted_pending(self) -> np.ndarray:
        joined = np.concatenate(self.pending) if self.pending else np.empty(0, ENTRY)
        self.pending, self.pending_size = [], 0
        return sort_entries(joined)

    def spill(self) -> None:
        """Write the buffered entries as one sorted run."""
        entries = self._sorted_pending()
        if not entries.size:
            return
        if self.folder is None:
            self.folder = _temporary_folder(self.tmp_dir)
            weakref.finalize(self, shutil.rmtree, self.folder, True)
        path = os.path.join(self.folder, f"run-{len(self.runs)}.bin")
        try:
            entries.tofile(path)
        except OSError as exc:
            raise InputError(
                f"cannot write sorted scores for the ranking metrics ({exc.strerror}); "
                "pass --tmp-dir with a folder that has room",
                file=self.folder,
            ) from None
        self.runs.append(_index(path, entries))

    def remap(self, mapping: np.ndarray) -> None:
        """Renumber segments: old id i becomes mapping[i] (another state's groups merged in)."""
        for run in self.runs:
            run.segments = mapping[run.segments]
            order = np.argsort(run.segments, kind="stable")
            run.segments, run.starts, run.counts = (
                run.segments[order],
                run.starts[order],
                run.counts[order],
            )
        for part in self.pending:
            part["segment"] = mapping[part["segment"]]

    def merge(self, other: SortedRuns) -> None:
        """Take in another's entries (its files stay where they are, removed with it)."""
        self.pending += other.pending
        self.pending_size += other.pending_size
        self.runs += other.runs
        self._keep.append(other)  # its folder lives as long as this one
        if self.pending_size >= self.capacity:
            self.spill()

    def segments(self) -> Iterator[tuple[int, Iterator[np.ndarray]]]:
        """Each segment id in order, with its entries as blocks sorted by score, high to low,
        every score in one block only."""
        memory = _index("", self._sorted_pending(), keep=True)
        sources = [*self.runs, memory]
        ids = np.unique(np.concatenate([s.segments for s in sources] or [np.empty(0, np.int64)]))
        for segment in ids.tolist():
            parts = []
            for source in sources:
                at = int(np.searchsorted(source.segments, segment))
                if at < len(source.segments) and source.segments[at] == segment:
                    parts.append((source, at))
            yield segment, _merged(parts)

    def __getstate__(self) -> dict:
        """Pickled (to another process): the spilled runs travel as data."""
        entries = [p for p in self.pending]
        for run in self.runs:
            for at in range(len(run.segments)):
                entries.append(run.read(at, 0, int(run.counts[at])))
        return {"tmp_dir": self.tmp_dir, "capacity": self.capacity, "entries": entries}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["tmp_dir"], state["capacity"])  # type: ignore[misc]
        self.pending = state["entries"]
        self.pending_size = sum(p.size for p in self.pending)


class _MemoryRun(Run):
    """The entries still in memory, read like a run."""

    def __init__(
        self, entries: np.ndarray, segments: np.ndarray, starts: np.ndarray, counts: np.ndarray
    ) -> None:
        super().__init__("", segments, starts, counts)
        self.entries = entries

    def read(self, at: int, start: int, count: int) -> np.ndarray:
        first = int(self.starts[at]) + start
        return self.entries[first : first + count]


def _index(path: str, entries: np.ndarray, keep: bool = False) -> Run:
    """The per-segment index of sorted entries."""
    segments, starts, counts = np.unique(entries["segment"], return_index=True, return_counts=True)
    if keep:
        return _MemoryRun(entries, segments, starts, counts)
    return Run(path, segments, starts, counts)


def _merged(parts: list[tuple[Run, int]]) -> Iterator[np.ndarray]:
    """The k-way merge of one segment's sorted parts, block by block: each block takes from every
    part the scores above the highest of the parts' current lowest, so no score is split."""
    block = max(1024, MERGE_BUDGET // max(1, len(parts)))
    total = [int(run.counts[at]) for run, at in parts]
    if sum(total) <= block:
        joined = [run.read(at, 0, n) for (run, at), n in zip(parts, total, strict=True)]
        yield sort_entries(np.concatenate(joined))
        return
    read = [0] * len(parts)
    held: list[np.ndarray] = [np.empty(0, ENTRY) for _ in parts]
    while True:
        for i, (run, at) in enumerate(parts):
            if held[i].size <= 1 and read[i] < total[i]:
                count = min(block, total[i] - read[i])
                held[i] = np.concatenate([held[i], run.read(at, read[i], count)])
                read[i] += count
        if not any(h.size for h in held):
            return
        # a part with more to read can still hold scores at or below its lowest held one
        lows = [h["score"][-1] for h, r, n in zip(held, read, total, strict=True) if r < n]
        cut = max(lows) if lows else -np.inf
        taken = []
        for i, h in enumerate(held):
            above = int(np.searchsorted(-h["score"], -cut, side="left"))  # scores > cut
            if not lows:
                above = h.size
            taken.append(h[:above])
            held[i] = h[above:]
        out = np.concatenate(taken)
        if out.size:
            yield sort_entries(out)


def _temporary_folder(tmp_dir: str | None) -> str:
    try:
        return tempfile.mkdtemp(prefix="xentcli-", dir=tmp_dir)
    except OSError as exc:
        raise InputError(
            f"cannot make a temporary folder ({exc.strerror}); pass --tmp-dir with a writable "
            "folder",
            file=tmp_dir or tempfile.gettempdir(),
        ) from None
