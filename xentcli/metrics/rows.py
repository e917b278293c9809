"""Per-row views of a scored chunk for --worst and --rows-out (docs/reports.md#rows): each used
row's number, loss, label, predicted class, confidence, correct flag and weight, as whole numpy
arrays. The loss is the per-row statistic the headline metric averages, so Σw·loss / Σw over the
rows is that metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from xentcli.metrics.calibration import confidences
from xentcli.metrics.per_class import chunk_classes
from xentcli.tasks import Task

if TYPE_CHECKING:
    from xentcli.metrics.breakdown import Scored

# the per-row loss of each kind of evaluation, and the metric its weighted mean is
LOSSES = {
    Task.BINARY: ("loss", "binary_cross_entropy"),
    Task.MULTICLASS: ("loss", "cross_entropy"),
    Task.MULTILABEL: ("loss", "binary_cross_entropy"),
    Task.REGRESSION: ("sq", "mse"),
}
HARD_LOSS = ("wrong", "error")  # predicted labels: 1 where wrong


def kept_name(column: str) -> str:
    """How a kept column is named in the rows' output: pandas' unnamed index as `index`."""
    return column or "index"


def loss_of(task: Task, hard: bool) -> tuple[str, str]:
    """(the per-row statistic, the metric it averages) of this evaluation."""
    return HARD_LOSS if hard else LOSSES[task]


def row_columns(
    scored: Scored, task: Task, logits: bool, at: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """The per-row columns of one scored chunk (or of its used rows `at` only): row (1-based
    data row in the predictions), loss, weight, and where the task has them label and predicted
    (class codes, int8 for binary, or values for regression), confidence (the probability of the
    predicted class) and correct. Every array is the caller's own (the kernels' arrays are
    scratch memory, reused)."""
    chunk, scores = scored.chunk, scored.scores

    def rows(values: np.ndarray) -> np.ndarray:  # a copy of the rows wanted
        return np.array(values) if at is None else values[..., at]

    row = np.arange(scored.start + 1, scored.start + 1 + chunk.read, dtype=np.int64)
    row = rows(row if chunk.kept is None else row[chunk.kept])
    statistic, _ = loss_of(task, chunk.hard)
    loss = rows(scores.stats[statistic]).astype(np.float64)
    weights = chunk.weights
    weight = np.ones(loss.size) if weights is None else rows(weights).astype(np.float64)
    if scores.weights and statistic in scores.weights:  # class weights (--class-weights)
        weight *= rows(scores.weights[statistic])
    columns = {"row": row, "loss": loss, "weight": weight}
    preds, codes = rows(chunk.preds), rows(chunk.codes)
    targets = None if chunk.targets is None else rows(chunk.targets)
    if task == Task.REGRESSION:
        assert targets is not None
        return columns | {"label": targets, "predicted": preds}
    if task == Task.MULTILABEL:
        return columns | {"correct": ~rows(scores.stats["subset"]).astype(bool)}
    if chunk.hard:  # predicted labels: the codes themselves, no confidence
        label, predicted = codes.astype(np.int64), preds.astype(np.int64)
        return columns | {"label": label, "predicted": predicted, "correct": predicted == label}
    # the classes the metrics counted: ties to the lower index, binary at --threshold
    label, predicted = chunk_classes(preds, codes, targets, rows(scores.stats["wrong"]))
    confidence = confidences(preds, logits)  # binary: P(positive); else the top class's
    if task == Task.BINARY:
        confidence = np.where(predicted == 1, confidence, 1.0 - confidence)
        label, predicted = label.astype(np.int8), predicted.astype(np.int8)
    columns |= {"label": label.astype(predicted.dtype), "predicted": predicted}
    return columns | {"confidence": confidence, "correct": predicted == label}
