"""--auc on a Dask cluster, distributed by score range (docs/scale-out.md#ranking): no task gathers
every score.

1. Each fragment's task keeps its sorted entries on its worker; the merge tree gets its state
   without them (totals and groups only), and the client a sketch: every STEP-th score of each
   sorted run, per segment.
2. The client cuts each segment's scores into ranges of about RANGE_ENTRIES entries from the
   sketches (equal scores never split), and each fragment's entries are split by range on their
   worker.
3. One task per range merges that range's parts from every fragment (a 1/ranges share of the
   scores) and totals its positive and negative weight per segment (per replicate too).
4. From those totals the client knows, for each range, the weight of the ranges above it; one
   task per range walks its thresholds from that prefix (exact sums, the curve points, the
   replicates), and the client joins the walks in range order: the same sums the local engine's
   single walk makes, so the numbers equal it to 1e-12.
"""

from __future__ import annotations

import copy
import math
import operator
from typing import Any

import numpy as np

from xentcli.engine.accumulate import Accumulator
from xentcli.metrics.bootstrap import replicate_blocks
from xentcli.metrics.ranking import PIECE_ENTRIES, Ranking, Replicates, Walk
from xentcli.metrics.runs import SortedRuns, added

RANGE_ENTRIES = 1 << 22  # entries per score range: one range task's share (~128 MiB at most)

Parts = dict[int, np.ndarray]  # segment → its entries in one range (sorted, score high to low)


def without_entries(acc: Accumulator) -> Accumulator:
    """The state the merge tree takes: the ranking's totals and groups, not its entries."""
    stripped = copy.copy(acc)
    stripped.breakdowns = dict(acc.breakdowns)
    ranking = copy.copy(acc.breakdowns["ranking"])
    assert isinstance(ranking, Ranking)
    ranking.runs = SortedRuns(ranking.runs.tmp_dir, rows=ranking.runs.rows)
    stripped.breakdowns["ranking"] = ranking
    return stripped


def sketch_of(
    acc: Accumulator,
) -> tuple[dict[str, int], int, dict[int, np.ndarray], dict[int, int]]:
    """A fragment's groups (key → its own id), targets per group, sketch and entry counts."""
    ranking = acc.breakdowns["ranking"]
    assert isinstance(ranking, Ranking)
    keys, counts = ranking.runs.sketch()
    return dict(ranking.ids), ranking.width or 0, keys, counts


def split(
    acc: Accumulator, mapping: np.ndarray, cuts: dict[int, np.ndarray], ranges: int
) -> list[Parts]:
    """A fragment's entries, renumbered to the whole input's segments, split by score range."""
    ranking = acc.breakdowns["ranking"]
    assert isinstance(ranking, Ranking)
    runs = copy.copy(ranking.runs)  # renumbered in a copy: a task's input stays as it was
    runs.runs = [copy.copy(r) for r in runs.runs]
    runs.pending = [dict(p) for p in runs.pending]
    runs.remap(mapping)
    parts: list[Parts] = [{} for _ in range(ranges)]
    empty = np.empty(0)
    for segment, blocks in runs.segments():
        pieces: list[list[np.ndarray]] = [[] for _ in range(ranges)]
        cut = cuts.get(segment, empty)
        for block in blocks:
            index = np.searchsorted(cut, -block["score"], side="left")  # ascending: keys are
            bounds = np.searchsorted(index, np.arange(ranges + 1), side="left")
            for j in range(ranges):
                if bounds[j] < bounds[j + 1]:
                    pieces[j].append(block[bounds[j] : bounds[j + 1]])
        for j, found in enumerate(pieces):
            if found:
                parts[j][segment] = np.concatenate(found)
    return parts


def merge_range(*fragments: Parts) -> Parts:
    """One range's entries from every fragment, each segment's sorted (score high to low)."""
    joined: dict[int, list[np.ndarray]] = {}
    for parts in fragments:
        for segment, entries in parts.items():
            joined.setdefault(segment, []).append(entries)
    merged: Parts = {}
    for segment, pieces in joined.items():
        entries = np.concatenate(pieces)
        entries = entries[np.argsort(-entries["score"], kind="stable")]
        merged[segment] = entries if _has_rows(entries) else added(entries)
    return merged


def totals(parts: Parts, replicates: int, seed: int, resampled: set[int]) -> dict[int, Any]:
    """Per segment of a range: (positive weight, negative weight, and per replicate the same)."""
    found: dict[int, Any] = {}
    for segment, entries in parts.items():
        tp, fp = float(entries["pos"].sum()), float(entries["neg"].sum())
        per_replicate = None
        if segment in resampled:
            rep_tp, rep_fp = np.zeros(replicates), np.zeros(replicates)
            for lo in range(0, entries.size, PIECE_ENTRIES):  # bounded draws, as Replicates.add
                piece = entries[lo : lo + PIECE_ENTRIES]
                rows = piece["row"].astype(np.int64)
                for block, draws in replicate_blocks(seed, replicates, rows):
                    rep_tp[block] += (draws * piece["pos"]).sum(axis=1)
                    rep_fp[block] += (draws * piece["neg"]).sum(axis=1)
            per_replicate = (rep_tp, rep_fp)
        found[segment] = (tp, fp, per_replicate)
    return found


def walk_range(parts: Parts, starts: dict[int, Any], replicates: int, seed: int) -> dict[int, Any]:
    """Each segment of a range walked from the weight of the ranges above it."""
    walked: dict[int, Any] = {}
    for segment, entries in parts.items():
        points, total_pos, total_neg, tp, fp, per_replicate = starts[segment]
        walk = Walk.after(points, total_pos, total_neg, tp, fp)
        resampling = None
        if per_replicate is not None:
            resampling = Replicates.after(replicates, seed, *per_replicate)
            resampling.add(entries)
        walk.feed(added(entries) if _has_rows(entries) else entries)
        walked[segment] = (walk, resampling)
    return walked


def rank_on_cluster(client: Any, run: str, fragments: list[Any], acc: Accumulator) -> None:
    """Walk the merged state's segments on the cluster, by score range; the result is set as
    the ranking's walk (Ranking.walked)."""
    ranking = acc.breakdowns["ranking"]
    assert isinstance(ranking, Ranking)
    sketches = client.gather(
        [client.submit(sketch_of, f, key=f"xentcli-{run}-s{i}") for i, f in enumerate(fragments)]
    )
    width = ranking.width or 1
    mappings: list[np.ndarray] = []
    samples: dict[int, list[np.ndarray]] = {}
    total = 0
    for ids, _, keys, counts in sketches:
        groups = np.zeros(len(ids) + 1, np.int64)
        for key, own in ids.items():
            groups[own] = ranking.ids[key]
        local = np.arange((len(ids) + 1) * width)
        mapping = groups[local // width] * width + local % width
        mappings.append(mapping)
        for segment, sample in keys.items():
            samples.setdefault(int(mapping[segment]), []).append(sample)
        total += sum(counts.values())
    ranges = max(1, math.ceil(total / RANGE_ENTRIES))
    cuts = {s: _cuts(np.concatenate(v), ranges) for s, v in samples.items()}
    split_parts = [
        client.submit(split, f, m, cuts, ranges, key=f"xentcli-{run}-p{i}")
        for i, (f, m) in enumerate(zip(fragments, mappings, strict=True))
    ]
    per_range = [
        client.submit(
            merge_range,
            *[
                client.submit(operator.getitem, p, j, key=f"xentcli-{run}-p{i}-{j}")
                for i, p in enumerate(split_parts)
            ],
            key=f"xentcli-{run}-r{j}",
        )
        for j in range(ranges)
    ]
    resampled = {s for s in range(ranking.pos.size) if ranking.walks(s)[1]}
    sums = client.gather(
        [
            client.submit(
                totals, r, ranking.replicates, ranking.seed, resampled, key=f"xentcli-{run}-t{j}"
            )
            for j, r in enumerate(per_range)
        ]
    )
    starts: list[dict[int, Any]] = []
    above: dict[int, Any] = {}  # segment → weight of the ranges walked so far
    for found in sums:
        start = {}
        for segment, (tp, fp, per_replicate) in found.items():
            prior = above.get(segment)
            if prior is None:
                zeros = np.zeros(ranking.replicates)
                prior = (0.0, 0.0, (zeros, zeros) if per_replicate is not None else None)
            points = ranking.walks(segment)[0]
            pos, neg = float(ranking.pos[segment]), float(ranking.neg[segment])
            start[segment] = (points, pos, neg, prior[0], prior[1], prior[2])
            more = None
            if per_replicate is not None and prior[2] is not None:
                more = (prior[2][0] + per_replicate[0], prior[2][1] + per_replicate[1])
            above[segment] = (prior[0] + tp, prior[1] + fp, more)
        starts.append(start)
    walks = client.gather(
        [
            client.submit(
                walk_range, r, s, ranking.replicates, ranking.seed, key=f"xentcli-{run}-w{j}"
            )
            for j, (r, s) in enumerate(zip(per_range, starts, strict=True))
        ]
    )
    joined: dict[int, tuple[Walk, Replicates | None]] = {}
    for walked in walks:  # ranges in order, highest scores first
        for segment, (walk, replicates) in walked.items():
            if segment not in joined:
                joined[segment] = (walk, replicates)
                continue
            mine, theirs = joined[segment]
            mine.then(walk)
            if theirs is not None and replicates is not None:
                theirs.then(replicates)
    ranking.walked = joined


def _cuts(sample: np.ndarray, ranges: int) -> np.ndarray:
    """Up to ranges − 1 keys that cut a segment's sampled keys into even shares."""
    if ranges == 1 or not sample.size:
        return np.empty(0)
    sample = np.sort(sample)
    at = (np.arange(1, ranges) * sample.size) // ranges
    return np.unique(sample[np.minimum(at, sample.size - 1)])


def _has_rows(entries: np.ndarray) -> bool:
    """Entries that keep their row numbers (--bootstrap): equal scores are not added."""
    return "row" in (entries.dtype.names or ())
