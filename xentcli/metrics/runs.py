"""Entries kept sorted by (segment, score from high to low) in bounded memory: in memory up to a
capacity, then as sorted runs spilled to files in a temporary folder, and read back one score
range at a time (docs/metrics.md#ranking). A segment is one (group, target) pair of the ranking
metrics.

Within a run, entries of equal (segment, score) are added into one, so one score of a segment is at
most one entry per run: a range cut at a score never splits it, and never holds more than one entry
per run for any one score, however many rows share it.

With rows (--bootstrap), each entry also keeps its row number (the replicates weigh rows, not
scores), so equal scores are not added: a range then holds every entry of each of its scores.
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
from xentcli.io.atomic import reason

ENTRY_FIELDS = ("segment", "score", "pos", "neg")  # what add() takes: arrays of one length
BLOCK = np.dtype([("score", "<f8"), ("pos", "<f8"), ("neg", "<f8")])
ROW_BLOCK = np.dtype([("score", "<f8"), ("pos", "<f8"), ("neg", "<f8"), ("row", "<f8")])
CAPACITY = int(os.environ.get("XENTCLI_SPILL_ENTRIES", 1 << 19))  # entries in memory (16 MiB)
MERGE_BUDGET = 1 << 19  # entries read back at once, over all runs
STEP = 256  # one key in this many is kept in memory per run, to find scores in its files
FIELDS = ("key", "pos", "neg")  # a run's files: key = -score (ascending), the two weights
ROW_FIELDS = (*FIELDS, "row")  # … and each entry's row number, with rows


@dataclass
class Run:
    """One sorted run: per field a file (or, for the entries still in memory, an array), per
    segment where its entries are, and every STEP-th key of each segment, kept in memory, to find
    a score in the file with one short read."""

    files: dict[str, str]
    arrays: dict[str, np.ndarray]
    segments: np.ndarray  # segment ids, ascending
    starts: np.ndarray  # first entry of each segment
    counts: np.ndarray  # entries of each segment
    sparse: list[np.ndarray]  # per segment: its keys at 0, STEP, 2·STEP, …

    def read(self, name: str, start: int, stop: int) -> np.ndarray:
        """Entries [start, stop) of one field (whole-run positions)."""
        if name in self.arrays:
            return self.arrays[name][start:stop]
        count = max(0, stop - start)
        return np.fromfile(self.files[name], np.float64, count=count, offset=start * 8)


@dataclass
class Part:
    """One segment's entries in one run."""

    run: Run
    at: int  # the segment's index in the run

    @property
    def start(self) -> int:
        return int(self.run.starts[self.at])

    @property
    def size(self) -> int:
        return int(self.run.counts[self.at])

    def after(self, cut: float) -> int:
        """How many of the part's keys are ≤ cut (its scores ≥ -cut)."""
        sparse = self.run.sparse[self.at]
        j = int(np.searchsorted(sparse, cut, side="right"))  # sparse[j-1] <= cut < sparse[j]
        if j == 0:
            return 0
        low = (j - 1) * STEP
        high = min(j * STEP, self.size)
        keys = self.run.read("key", self.start + low, self.start + high)
        return low + int(np.searchsorted(keys, cut, side="right"))


def sort_entries(entries: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Entries (arrays segment, score, pos, neg, and row if rows are kept) sorted by segment,
    then score from high to low, equal (segment, score) added unless rows are kept; as the arrays
    a run keeps: segment, key (= -score), pos, neg (, row)."""
    segment, key = entries["segment"], np.negative(entries["score"])
    rest: dict[str, np.ndarray] = {n: entries[n] for n in ("pos", "neg", "row") if n in entries}
    if not key.size:
        return {"segment": segment, "key": key, **rest}
    # not stable: entries of equal key are added together anyway, and quicksort is ~3x faster
    order = np.argsort(key)
    if not (segment[0] == segment[-1] and (segment == segment[0]).all()):
        order = order[np.argsort(segment[order], kind="stable")]  # radix sort on the integers
    segment, key = segment[order], key[order]
    if "row" in rest:  # rows kept: nothing is added
        return {"segment": segment, "key": key, **{n: v[order] for n, v in rest.items()}}
    pos, neg = rest["pos"][order], rest["neg"][order]
    new = np.empty(key.size, bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    new[1:] |= segment[1:] != segment[:-1]
    if not new.all():
        starts = np.flatnonzero(new)
        segment, key = segment[starts], key[starts]
        pos, neg = np.add.reduceat(pos, starts), np.add.reduceat(neg, starts)
    return {"segment": segment, "key": key, "pos": pos, "neg": neg}


class SortedRuns:
    """Entries added in any order, read back per segment in sorted blocks."""

    def __init__(
        self, tmp_dir: str | None = None, capacity: int | None = None, rows: bool = False
    ) -> None:
        self.tmp_dir = tmp_dir
        self.capacity = capacity or CAPACITY
        self.rows = rows  # entries keep their row numbers (and equal scores stay apart)
        self.fields = ROW_FIELDS if rows else FIELDS
        self.pending: list[dict[str, np.ndarray]] = []
        self.pending_size = 0
        self.runs: list[Run] = []
        self.folder: str | None = None
        self._keep: list[SortedRuns] = []  # merged-in states whose files this one reads

    def add(self, entries: dict[str, np.ndarray]) -> None:
        """Add entries (arrays named by ENTRY_FIELDS); a full buffer is sorted and spilled."""
        self.pending.append(entries)
        self.pending_size += entries["score"].size
        if self.pending_size >= self.capacity:
            self.spill()

    def _sorted_pending(self) -> dict[str, np.ndarray]:
        joined = {
            name: np.concatenate([p[name] for p in self.pending])
            if self.pending
            else np.empty(0, np.int64 if name == "segment" else np.float64)
            for name in ENTRY_FIELDS + (("row",) if self.rows else ())
        }
        self.pending, self.pending_size = [], 0
        return sort_entries(joined)

    def spill(self) -> None:
        """Write the buffered entries as one sorted run."""
        entries = self._sorted_pending()
        if not entries["key"].size:
            return
        if self.folder is None:
            self.folder = _temporary_folder(self.tmp_dir)
            weakref.finalize(self, shutil.rmtree, self.folder, True)
        columns = {name: entries[name] for name in self.fields}
        files = {}
        for name, values in columns.items():
            path = os.path.join(self.folder, f"run-{len(self.runs)}.{name}")
            try:
                _write(values, path)
            except OSError as exc:
                raise InputError(
                    f"cannot write sorted scores for the ranking metrics ({reason(exc)}); "
                    "pass --tmp-dir with a folder that has room",
                    file=self.folder,
                ) from None
            files[name] = path
        run = _index(columns, entries["segment"])
        self.runs.append(Run(files, {}, run.segments, run.starts, run.counts, run.sparse))

    def remap(self, mapping: np.ndarray) -> None:
        """Renumber segments: old id i becomes mapping[i] (another state's groups merged in)."""
        for run in self.runs:
            segments = mapping[run.segments]
            order = np.argsort(segments, kind="stable")
            run.segments, run.starts, run.counts = (
                segments[order],
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

    def sketch(self) -> tuple[dict[int, np.ndarray], dict[int, int]]:
        """Per segment, every STEP-th key of each sorted run (each stands for STEP entries) and
        the entry count: where to cut the scores into ranges of even size (the Dask engine)."""
        if self.pending:  # sorted into a run kept in memory
            entries = self._sorted_pending()
            self.runs.append(_index({n: entries[n] for n in self.fields}, entries["segment"]))
        keys: dict[int, list[np.ndarray]] = {}
        counts: dict[int, int] = {}
        for run in self.runs:
            for at, segment in enumerate(run.segments.tolist()):
                keys.setdefault(segment, []).append(run.sparse[at])
                counts[segment] = counts.get(segment, 0) + int(run.counts[at])
        return {s: np.concatenate(v) for s, v in keys.items()}, counts

    def segments(self) -> Iterator[tuple[int, Iterator[np.ndarray]]]:
        """Each segment id in order, with its entries as BLOCK arrays sorted by score, high to
        low, every score in one block only."""
        sorted_pending = self._sorted_pending()
        memory = _index(
            {name: sorted_pending[name] for name in self.fields}, sorted_pending["segment"]
        )
        sources = [*self.runs, memory]
        ids = np.unique(np.concatenate([s.segments for s in sources]))
        for segment in ids.tolist():
            parts = []
            for source in sources:
                at = int(np.searchsorted(source.segments, segment))
                if at < len(source.segments) and source.segments[at] == segment:
                    parts.append(Part(source, at))
            yield segment, _ranges(parts, self.fields)

    def __getstate__(self) -> dict:
        """Pickled (to another process): the spilled runs travel as data."""
        entries = list(self.pending)
        for run in self.runs:
            for at, segment in enumerate(run.segments.tolist()):
                part = Part(run, at)
                lo, hi = part.start, part.start + part.size
                entry = {"segment": np.full(part.size, segment, np.int64)}
                entry |= {name: run.read(name, lo, hi) for name in self.fields}
                entry["score"] = -entry.pop("key")
                entries.append(entry)
        return {
            "tmp_dir": self.tmp_dir,
            "capacity": self.capacity,
            "rows": self.rows,
            "entries": entries,
        }

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["tmp_dir"], state["capacity"], state["rows"])  # type: ignore[misc]
        self.pending = state["entries"]
        self.pending_size = sum(p["score"].size for p in self.pending)


def _index(columns: dict[str, np.ndarray], segment: np.ndarray) -> Run:
    """A run of sorted entries in memory, indexed by segment."""
    segments, starts, counts = np.unique(segment, return_index=True, return_counts=True)
    keys = columns["key"]
    sparse = [keys[s : s + c : STEP].copy() for s, c in zip(starts, counts, strict=True)]
    return Run({}, columns, segments, starts, counts, sparse)


def _ranges(parts: list[Part], fields: tuple[str, ...] = FIELDS) -> Iterator[np.ndarray]:
    """One segment's sorted parts merged a score range at a time: cut points from the parts'
    sparse keys, so each range holds about MERGE_BUDGET entries; each part's share of a range is
    a contiguous slice of its files."""
    total = sum(p.size for p in parts)
    cuts: list[float] = []
    if total > MERGE_BUDGET:
        sample = np.sort(np.concatenate([p.run.sparse[p.at] for p in parts]))
        per_range = max(1, MERGE_BUDGET // STEP)  # each sparse key stands for STEP entries
        cuts = np.unique(sample[per_range - 1 :: per_range]).tolist()
    begin = [0] * len(parts)
    for cut in [*cuts, None]:
        read: dict[str, list[np.ndarray]] = {name: [] for name in fields}
        for i, part in enumerate(parts):
            end = part.size if cut is None else part.after(cut)
            if end > begin[i]:
                lo, hi = part.start + begin[i], part.start + end
                for name in fields:
                    read[name].append(part.run.read(name, lo, hi))
            begin[i] = end
        if read["key"]:
            yield _block(read)


def _block(read: dict[str, list[np.ndarray]]) -> np.ndarray:
    """Slices of sorted parts as one BLOCK, sorted, equal scores added (a ROW_BLOCK, with rows:
    sorted, nothing added)."""
    key = np.concatenate(read["key"])
    rows = "row" in read
    block = np.empty(key.size, ROW_BLOCK if rows else BLOCK)
    rest = [name for name in read if name != "key"]
    if len(read["key"]) > 1:
        order = np.argsort(key, kind="stable" if rows else "quicksort")
        key = key[order]
        for name in rest:
            block[name] = np.concatenate(read[name])[order]
    else:
        for name in rest:
            block[name] = read[name][0]
    np.negative(key, out=block["score"])
    if rows:
        return block
    return added(block)


def added(block: np.ndarray) -> np.ndarray:
    """A sorted block with the entries of equal score added into one (a BLOCK)."""
    key = block["score"]
    if block.dtype != BLOCK:
        plain = np.empty(block.size, BLOCK)
        for name in ("score", "pos", "neg"):
            plain[name] = block[name]
        block = plain
    new = np.empty(key.size, bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    if new.all():
        return block
    starts = np.flatnonzero(new)
    merged = block[starts]
    merged["pos"] = np.add.reduceat(block["pos"], starts)
    merged["neg"] = np.add.reduceat(block["neg"], starts)
    return merged


def _write(values: np.ndarray, path: str) -> None:
    """One field of a run to its file (a full disk raises ENOSPC, which numpy's tofile hides)."""
    with open(path, "wb") as out:
        out.write(np.ascontiguousarray(values).data)


def _temporary_folder(tmp_dir: str | None) -> str:
    try:
        return tempfile.mkdtemp(prefix="xentcli-", dir=tmp_dir)
    except OSError as exc:
        raise InputError(
            f"cannot make a temporary folder ({reason(exc)}); pass --tmp-dir with a writable "
            "folder",
            file=tmp_dir or tempfile.gettempdir(),
        ) from None
