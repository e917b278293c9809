"""--auc: ROC AUC and average precision, exact, in bounded memory (docs/metrics.md#ranking).

Every row gives one entry (score, positive weight, negative weight) per target — the positive class
(binary), each class one-vs-rest (multiclass), each label (multilabel; and all cells together for
`--average micro`) — and, under --by, once more in its group. Entries are kept sorted in bounded
memory (runs.py); at the end each (group, target) segment is read from the highest score down, and
ROC AUC (the trapezoids between distinct thresholds, as scikit-learn's roc_auc_score) and average
precision (Σ ΔTP·precision / P, as average_precision_score) are summed on the way, with at most
--curve-points exact points of each curve kept.

With --bootstrap, every entry keeps its row number, and each replicate's curve is summed on the
same pass, each row weighed by its Poisson(1) draw (the hash of seed, replicate, row that every
interval uses), so roc_auc and average_precision get intervals, paired in `compare`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xentcli.errors import InputError
from xentcli.metrics.bootstrap import (
    GROUP_CELLS,
    GroupIntervals,
    Intervals,
    Notes,
    percentile_interval,
    replicate_blocks,
)
from xentcli.metrics.groups import group_keys
from xentcli.metrics.per_class import PerClassTable
from xentcli.metrics.registry import GroupValues, MetricValues
from xentcli.metrics.runs import SortedRuns, added
from xentcli.metrics.sums import CompensatedSum
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import BreakdownRequest, Finished, Scored, Section


@dataclass(frozen=True)
class Curves:
    """The curves section: ROC and PR points per target (exact points of the full curves)."""

    by_target: dict[str, dict[str, dict[str, list[float | None]]]]  # target → roc/pr → columns
    single: bool  # binary: one target, written without its name

    def to_json(self) -> dict[str, Any]:
        if self.single:
            return next(iter(self.by_target.values()))
        return self.by_target


@dataclass
class Walk:
    """One segment's curve walked from the highest threshold down, block after block: the
    running sums of ROC AUC and average precision, and the curve points kept. A walk may start
    after thresholds walked elsewhere (a score range of the Dask engine): `tp`, `fp` and the
    steps are then the prefix of the higher ranges, and its sums its share of the whole."""

    points: int
    total_pos: float
    total_neg: float
    tp: float = 0.0
    fp: float = 0.0
    area: CompensatedSum = field(default_factory=CompensatedSum)  # Σ ΔFP·(TP + TP_prev)
    precision: CompensatedSum = field(default_factory=CompensatedSum)  # Σ ΔTP·precision
    roc: dict[str, list[float | None]] = field(
        default_factory=lambda: {"fpr": [], "tpr": [], "thresholds": []}
    )
    pr: dict[str, list[float | None]] = field(
        default_factory=lambda: {"precision": [], "recall": [], "thresholds": []}
    )
    roc_step: int = -1
    pr_step: int = -1
    last: tuple[float, float, float] | None = None  # (score, fp, tp) of the last threshold

    @classmethod
    def after(cls, points: int, total_pos: float, total_neg: float, tp: float, fp: float) -> Walk:
        """A walk that starts below thresholds holding tp and fp (the steps they reached)."""
        walk = cls(points, total_pos, total_neg, tp, fp)
        if (tp > 0 or fp > 0) and total_pos > 0 and total_neg > 0 and points:
            scale = max(1, points - 2)
            walk.roc_step = int(np.floor((fp / total_neg + tp / total_pos) / 2 * scale))
            walk.pr_step = int(np.floor(tp / total_pos * scale))
        return walk

    def feed(self, block: np.ndarray) -> None:
        """One block of distinct thresholds (a BLOCK), from high to low."""
        dp, dn = block["pos"], block["neg"]
        weighed = (dp > 0) | (dn > 0)  # thresholds of zero weight only are not points at all
        if not weighed.all():
            block, dp, dn = block[weighed], dp[weighed], dn[weighed]
        if not block.size:
            return
        tps = np.cumsum(dp)
        tps += self.tp
        fps = np.cumsum(dn)
        fps += self.fp
        tp_before = np.concatenate(([self.tp], tps[:-1]))
        fp_before = np.concatenate(([self.fp], fps[:-1]))
        self.area.add(float(np.sum((fps - fp_before) * (tps + tp_before))))
        self.precision.add(float(np.sum(dp * (tps / (tps + fps)))))
        self.tp, self.fp = float(tps[-1]), float(fps[-1])
        total_pos, total_neg, points = self.total_pos, self.total_neg, self.points
        if points and total_pos > 0 and total_neg > 0:
            self.roc_step = _sample(
                self.roc,
                block["score"],
                fps / total_neg,
                tps / total_pos,
                self.roc_step,
                points,
                ("fpr", "tpr"),
            )
            self.pr_step = _sample(
                self.pr,
                block["score"],
                tps / (tps + fps),
                tps / total_pos,
                self.pr_step,
                points,
                ("precision", "recall"),
                by_second=True,
            )
            self.last = (float(block["score"][-1]), float(fps[-1]), float(tps[-1]))

    def then(self, lower: Walk) -> None:
        """Take in the walk of the next lower range (started after this one's thresholds)."""
        self.area.add(lower.area.value())
        self.precision.add(lower.precision.value())
        self.tp, self.fp = lower.tp, lower.fp
        for mine, theirs in ((self.roc, lower.roc), (self.pr, lower.pr)):
            for name, values in theirs.items():
                mine[name] += values
        self.roc_step, self.pr_step = lower.roc_step, lower.pr_step
        self.last = lower.last or self.last

    def result(self) -> tuple[float, float, dict[str, dict[str, list[float | None]]] | None]:
        """(roc_auc, average_precision, curves or None); NaN where undefined."""
        tp, fp = self.tp, self.fp
        auc = self.area.value() / (2 * tp * fp) if tp > 0 and fp > 0 else math.nan
        ap = self.precision.value() / tp if tp > 0 else math.nan
        if not self.points or self.last is None:
            return auc, ap, None
        roc = {"fpr": [0.0, *self.roc["fpr"]], "tpr": [0.0, *self.roc["tpr"]]}
        roc["thresholds"] = [None, *self.roc["thresholds"]]
        pr = {name: list(values) for name, values in self.pr.items()}
        threshold, fp, tp = self.last
        if roc["thresholds"][-1] != threshold:  # the last point, (1, 1), always
            roc["fpr"].append(fp / self.total_neg)
            roc["tpr"].append(tp / self.total_pos)
            roc["thresholds"].append(threshold)
        if not pr["thresholds"] or pr["thresholds"][-1] != threshold:
            pr["precision"].append(tp / (tp + fp))
            pr["recall"].append(tp / self.total_pos)
            pr["thresholds"].append(threshold)
        roc_area: dict[str, Any] = {"roc_auc": _value(auc)}  # each curve's area: its legend
        pr_area: dict[str, Any] = {"average_precision": _value(ap)}
        return auc, ap, {"roc": roc | roc_area, "pr": pr | pr_area}


def _sample(
    curve: dict[str, list[float | None]],
    scores: np.ndarray,
    first: np.ndarray,
    second: np.ndarray,
    step: int,
    points: int,
    names: tuple[str, str],
    by_second: bool = False,
) -> int:
    """Keep the thresholds where the curve has moved on by one step of at most `points` (along
    fpr + tpr for ROC, along recall for PR); returns the last step reached."""
    progress = second if by_second else (first + second) / 2
    steps = np.floor(progress * max(1, points - 2)).astype(np.int64)
    previous = np.concatenate(([step], steps[:-1]))
    keep = np.flatnonzero(steps > previous)
    curve[names[0]] += first[keep].tolist()
    curve[names[1]] += second[keep].tolist()
    curve["thresholds"] += scores[keep].tolist()
    return int(steps[-1]) if steps.size else step


@dataclass
class Ranking:
    """Sorted entries of every (group, target) segment and their weight totals."""

    task: Task
    average: str = "macro"
    by: tuple[str, ...] = ()
    points: int = 200
    logits: bool = False
    runs: SortedRuns = field(default_factory=SortedRuns)
    ids: dict[str, int] = field(default_factory=dict)  # group key → 1.. (0: all rows)
    width: int | None = None  # targets per group
    pos: np.ndarray = field(default_factory=lambda: np.zeros(0))
    neg: np.ndarray = field(default_factory=lambda: np.zeros(0))
    replicates: int = 0  # --bootstrap
    seed: int = 0
    confidence: float = 0.95
    # each segment's walk when it was walked elsewhere (by score range, on a Dask cluster)
    walked: dict[int, tuple[Walk, Replicates | None]] | None = None

    @classmethod
    def asked(cls, request: BreakdownRequest) -> Ranking | None:
        """A fresh state when --auc is on."""
        if not request.auc:
            return None
        replicates = request.bootstrap or 0
        runs = SortedRuns(request.tmp_dir, rows=replicates > 0)
        return cls(
            request.task,
            request.average,
            request.by,
            request.curve_points,
            request.logits,
            runs,
            replicates=replicates,
            seed=request.seed,
            confidence=request.confidence,
        )

    def update(self, scored: Scored) -> None:
        """Add one chunk's entries: every row once per target, and once more in its group."""
        chunk = scored.chunk
        n = chunk.codes.size
        w = np.ones(n) if chunk.weights is None else chunk.weights
        group = np.zeros(n, np.int64)
        if self.by:
            codes, names = group_keys([scored.column(c) for c in self.by])
            local = np.array([self.ids.setdefault(k, len(self.ids) + 1) for k in names], np.int64)
            group = local[codes]
        scores, positive, target, width = self._targets(scored)
        if self.width is None:
            self.width = width
        cells = scores.size // n if n else 1  # entries per row: one per target (micro: K more)
        weight = np.tile(w, cells) if cells > 1 else w
        rows = scored.rows().astype(np.float64) if self.replicates else None
        for in_group in (False, True) if self.by else (False,):
            g = np.tile(group, cells) if in_group else np.zeros(scores.size, np.int64)
            entries = {
                "segment": g * self.width + target,
                "score": np.array(scores, np.float64),  # a copy: chunks are scratch memory
                "pos": np.where(positive, weight, 0.0),
                "neg": np.where(positive, 0.0, weight),
            }
            if rows is not None:
                entries["row"] = np.tile(rows, cells) if cells > 1 else rows
            self._count(entries)
            self.runs.add(entries)

    def _targets(self, scored: Scored) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """(scores, is-positive, target index) of every row of every target, flat and target
        after target (all K classes of a chunk at once: a loop over targets made ~50,000 small
        arrays per chunk for a vocabulary), and how many targets there are."""
        chunk = scored.chunk
        n = chunk.codes.size
        if self.task == Task.BINARY:
            return chunk.preds, chunk.codes == 1, np.zeros(n, np.int64), 1
        if self.task == Task.MULTILABEL:
            assert chunk.targets is not None
            scores, positive = chunk.preds.reshape(-1), (chunk.targets >= 0.5).reshape(-1)
            k = len(chunk.preds)
            target = np.repeat(np.arange(k), n)
            if self.average == "micro":  # every cell together, as one more target (label-major)
                scores, positive = np.tile(scores, 2), np.tile(positive, 2)
                target = np.concatenate([target, np.full(k * n, k)])
                return scores, positive, target, k + 1
            return scores, positive, target, k
        probabilities = chunk.preds
        if self.logits:  # one-vs-rest ranks by probability: softmax first
            e = np.exp(chunk.preds - chunk.preds.max(axis=0))
            probabilities = e / e.sum(axis=0)
        k = len(probabilities)
        positive = chunk.codes[None, :] == np.arange(k)[:, None]
        return probabilities.reshape(-1), positive.reshape(-1), np.repeat(np.arange(k), n), k

    def _count(self, entries: dict[str, np.ndarray]) -> None:
        size = int(entries["segment"].max()) + 1 if entries["segment"].size else 0
        if size > self.pos.size:
            self.pos = np.concatenate([self.pos, np.zeros(size - self.pos.size)])
            self.neg = np.concatenate([self.neg, np.zeros(size - self.neg.size)])
        self.pos += np.bincount(entries["segment"], entries["pos"], minlength=self.pos.size)
        self.neg += np.bincount(entries["segment"], entries["neg"], minlength=self.neg.size)

    def merge(self, other: Ranking) -> None:
        """Fold another state in (its groups mapped onto this one's ids)."""
        if self.width is None:
            self.width = other.width
        if other.width is None:
            return
        width = other.width
        mapping_groups = np.zeros(len(other.ids) + 1, np.int64)
        for key, g in other.ids.items():
            mapping_groups[g] = self.ids.setdefault(key, len(self.ids) + 1)
        segments = np.arange(other.pos.size)
        mapping = mapping_groups[segments // width] * width + segments % width
        other.runs.remap(mapping)
        size = int(mapping.max()) + 1 if mapping.size else 0
        for name in ("pos", "neg"):
            mine = getattr(self, name)
            if size > mine.size:
                mine = np.concatenate([mine, np.zeros(size - mine.size)])
            np.add.at(mine, mapping, getattr(other, name))
            setattr(self, name, mine)
        self.runs.merge(other.runs)

    def result(self, finished: Finished) -> dict[str, Section]:
        """roc_auc and average_precision, per class and per group where those sections are."""
        width = self.width or 1
        auc = np.full(self.pos.size, np.nan)
        ap = np.full(self.pos.size, np.nan)
        curves: dict[str, dict[str, dict[str, list[float | None]]]] = {}
        names = self._target_names(finished, width)
        resampled = bool(self.replicates) and self.resampled()
        # before the walk (the longer half of the work): a target without both classes
        both = np.zeros(width, bool)
        seen = min(width, self.pos.size)
        both[:seen] = (self.pos[:seen] > 0) & (self.neg[:seen] > 0)
        self._refuse_undefined(both, names, finished)
        walked = self.walked if self.walked is not None else self._walked()
        replicated: dict[int, Replicates] = {}
        for segment, (walk, replicates) in sorted(walked.items()):
            auc[segment], ap[segment], curve = walk.result()
            if curve is not None:
                curves[names[segment % width]] = curve
            if replicates is not None:
                replicated[segment] = replicates
        overall = self._averaged(auc[:width], ap[:width], self.pos[:width], names, finished)
        sections: dict[str, Section] = {"metrics": MetricValues(overall)}
        if self.replicates:
            sections |= self._intervals(replicated, width, bool(resampled))
        per_class = finished.sections.get("per_class")
        if isinstance(per_class, PerClassTable) and self.task != Task.BINARY:
            rows = tuple(
                dataclasses.replace(
                    row, extra={"roc_auc": _value(auc[k]), "average_precision": _value(ap[k])}
                )
                for k, row in enumerate(per_class.rows)
            )
            sections["per_class"] = PerClassTable(rows)
        if self.ids:
            sections["group_metrics"] = GroupValues(
                {key: self._group_values(g, auc, ap, width) for key, g in self.ids.items()}
            )
        if curves:
            sections["curves"] = Curves(curves, self.task == Task.BINARY)
        return sections

    def resampled(self) -> bool:
        """Whether every segment's replicates are kept (groups too): within GROUP_CELLS."""
        return self.pos.size * self.replicates <= GROUP_CELLS

    def walks(self, segment: int) -> tuple[int, bool]:
        """(curve points, whether replicates are summed) of a segment's walk."""
        group = segment // (self.width or 1)
        return (self.points if group == 0 else 0), bool(self.replicates) and (
            group == 0 or self.resampled()
        )

    def _walked(self) -> dict[int, tuple[Walk, Replicates | None]]:
        """Every segment walked here, from its sorted entries."""
        walked: dict[int, tuple[Walk, Replicates | None]] = {}
        for segment, blocks in self.runs.segments():
            points, resampling = self.walks(segment)
            walk = Walk(points, float(self.pos[segment]), float(self.neg[segment]))
            replicates = Replicates(self.replicates, self.seed) if resampling else None
            if replicates is not None:
                blocks = replicates.through(blocks)
            elif self.replicates:
                blocks = (added(block) for block in blocks)
            for block in blocks:
                walk.feed(block)
            walked[segment] = (walk, replicates)
        return walked

    def _intervals(
        self, replicated: dict[int, Replicates], width: int, per_group: bool
    ) -> dict[str, Section]:
        """Each replicate's averaged roc_auc and average_precision: the intervals, overall and
        per group (when groups × replicates stay within GROUP_CELLS)."""
        values = self._replicate_values(replicated, 0, width)
        bounds = {n: percentile_interval(v, self.confidence) for n, v in values.items()}
        sections: dict[str, Section] = {"intervals": Intervals(bounds, values)}
        if not self.ids:
            return sections
        if not per_group:
            sections["notes"] = Notes(
                (
                    f"no per-group intervals of roc_auc and average_precision: {len(self.ids)} "
                    f"groups × {width} targets × {self.replicates} replicates exceed "
                    f"{GROUP_CELLS:,}",
                )
            )
            return sections
        sections["group_intervals"] = GroupIntervals(
            {
                key: {
                    n: percentile_interval(v, self.confidence)
                    for n, v in self._replicate_values(replicated, g, width).items()
                }
                for key, g in self.ids.items()
            }
        )
        return sections

    def _replicate_values(
        self, replicated: dict[int, Replicates], group: int, width: int
    ) -> dict[str, np.ndarray]:
        """One group's averaged metrics in every replicate (NaN where a replicate lacks a class)."""
        span = range(group * width, group * width + width)
        parts = [replicated.get(s) for s in span]
        if any(part is None for part in parts):  # a target with no rows in this group
            nan = np.full(self.replicates, np.nan)
            return {"roc_auc": nan, "average_precision": nan}
        auc = np.array([part.auc() for part in parts if part is not None])  # (targets, R)
        ap = np.array([part.ap() for part in parts if part is not None])
        support = np.array([part.tp for part in parts if part is not None])
        if self.average == "micro":
            auc, ap, support = auc[-1:], ap[-1:], support[-1:]
        if self.average == "weighted" and auc.shape[0] > 1:
            with np.errstate(invalid="ignore", divide="ignore"):
                share = support / support.sum(axis=0)
            return {
                "roc_auc": (share * auc).sum(axis=0),
                "average_precision": (share * ap).sum(axis=0),
            }
        return {"roc_auc": auc.mean(axis=0), "average_precision": ap.mean(axis=0)}

    def _target_names(self, finished: Finished, width: int) -> list[str]:
        if self.task == Task.BINARY:
            return ["1"]
        names = [str(c) for c in (finished.classes or range(width))]
        return (names + ["micro"])[:width]

    def _averaged(
        self,
        auc: np.ndarray,
        ap: np.ndarray,
        support: np.ndarray,
        names: list[str],
        finished: Finished,
    ) -> dict[str, float]:
        """The --average of the targets' values; a target without both classes is an error."""
        self._refuse_undefined(~np.isnan(auc), names, finished)
        if self.average == "micro":
            auc, ap = auc[-1:], ap[-1:]
        return _average(auc, ap, support[: auc.size], self.average)

    def _refuse_undefined(self, defined: np.ndarray, names: list[str], finished: Finished) -> None:
        """A target (of those --average uses) without both positive and negative rows is an
        error, as scikit-learn's roc_auc_score refuses it."""
        if self.average == "micro":
            defined, names = defined[-1:], names[-1:]
        undefined = np.flatnonzero(~defined)
        if undefined.size:
            which = names[int(undefined[0])]
            what = "the positive class" if self.task == Task.BINARY else f"class {which!r}"
            raise InputError(
                f"roc_auc and average_precision need positive and negative rows of {what}; "
                "the rows used have only one of them",
                file=finished.name or None,
            )

    def _group_values(
        self, g: int, auc: np.ndarray, ap: np.ndarray, width: int
    ) -> dict[str, float | None]:
        """One group's roc_auc and average_precision (None where undefined)."""
        span = slice(g * width, g * width + width)
        part_auc, part_ap, support = auc[span], ap[span], self.pos[span]
        if self.average == "micro":
            part_auc, part_ap = part_auc[-1:], part_ap[-1:]
        if not part_auc.size or np.isnan(part_auc).any():
            return {"roc_auc": None, "average_precision": None}
        return dict(_average(part_auc, part_ap, support, self.average))


def _average(
    auc: np.ndarray, ap: np.ndarray, support: np.ndarray, average: str
) -> dict[str, float]:
    """Macro (the mean), weighted (by positive weight), or the one value there is."""
    if average == "weighted" and auc.size > 1:
        share = support[: auc.size] / support[: auc.size].sum()
        return {"roc_auc": float(share @ auc), "average_precision": float(share @ ap)}
    return {"roc_auc": float(np.mean(auc)), "average_precision": float(np.mean(ap))}


def _value(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


PIECE_ENTRIES = 1 << 14  # entries whose replicate draws are made at once (8 MiB per 64 replicates)


@dataclass
class Replicates:
    """Each bootstrap replicate's running sums over one segment's thresholds, high to low: its
    rows weighed by their Poisson(1) draws, equal scores one threshold (as in _curve)."""

    replicates: int
    seed: int
    tp: np.ndarray = field(init=False)
    fp: np.ndarray = field(init=False)
    area: np.ndarray = field(init=False)  # Σ ΔFP·(TP + TP_prev)
    precision: np.ndarray = field(init=False)  # Σ ΔTP·precision

    def __post_init__(self) -> None:
        self.tp, self.fp, self.area, self.precision = (np.zeros(self.replicates) for _ in range(4))

    @classmethod
    def after(cls, replicates: int, seed: int, tp: np.ndarray, fp: np.ndarray) -> Replicates:
        """Replicates that start below thresholds holding tp and fp in each replicate."""
        made = cls(replicates, seed)
        made.tp, made.fp = tp.copy(), fp.copy()
        return made

    def then(self, lower: Replicates) -> None:
        """Take in the replicates of the next lower range."""
        self.area += lower.area
        self.precision += lower.precision
        self.tp, self.fp = lower.tp.copy(), lower.fp.copy()

    def through(self, blocks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        """The blocks with equal scores added (for _curve), each one summed into the replicates
        on the way."""
        for block in blocks:
            self.add(block)
            yield added(block)

    def add(self, block: np.ndarray) -> None:
        """One sorted block of entries with rows (a score's entries all in this block), in
        pieces of about PIECE_ENTRIES cut between scores: the replicates' draws of a piece are
        (REPLICATE_BLOCK, piece) arrays, so memory stays a few MiB per replicate block."""
        score = block["score"]
        starts = np.flatnonzero(np.concatenate(([True], score[1:] != score[:-1])))
        wanted = np.arange(PIECE_ENTRIES, block.size, PIECE_ENTRIES)
        at = np.searchsorted(starts, wanted)  # the first score starting at or after each
        cuts = np.where(at < starts.size, starts[np.minimum(at, starts.size - 1)], block.size)
        bounds = np.unique(np.concatenate(([0], cuts, [block.size])))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            piece = block[lo:hi]
            self._add(piece, starts[(starts >= lo) & (starts < hi)] - lo)

    def _add(self, block: np.ndarray, starts: np.ndarray) -> None:
        rows = block["row"].astype(np.int64)
        for reps, draws in replicate_blocks(self.seed, self.replicates, rows):
            dp = np.add.reduceat(draws * block["pos"], starts, axis=1)  # (replicates, thresholds)
            dn = np.add.reduceat(draws * block["neg"], starts, axis=1)
            tps = np.cumsum(dp, axis=1)
            tps += self.tp[reps, None]
            fps = np.cumsum(dn, axis=1)
            fps += self.fp[reps, None]
            tp_before = np.concatenate((self.tp[reps, None], tps[:, :-1]), axis=1)
            fp_before = np.concatenate((self.fp[reps, None], fps[:, :-1]), axis=1)
            self.area[reps] += ((fps - fp_before) * (tps + tp_before)).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(dp > 0, tps / (tps + fps), 0.0)
            self.precision[reps] += (dp * share).sum(axis=1)
            self.tp[reps], self.fp[reps] = tps[:, -1], fps[:, -1]

    def auc(self) -> np.ndarray:
        """Each replicate's ROC AUC (NaN without both classes)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(
                (self.tp > 0) & (self.fp > 0), self.area / (2 * self.tp * self.fp), np.nan
            )

    def ap(self) -> np.ndarray:
        """Each replicate's average precision (NaN without positives)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.tp > 0, self.precision / self.tp, np.nan)
