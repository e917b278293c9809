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


def row_columns(scored: Scored, task: Task, logits: bool) -> dict[str, np.ndarray]:
    """The per-row columns of one scored chunk: row (1-based data row in the predictions), loss,
    weight, and where the task has them label and predicted (class codes, int8 for binary, or
    values for regression), confidence (the probability of the predicted class) and correct.
    Every array is the caller's own (the kernels' arrays are scratch memory, reused)."""
    chunk, scores = scored.chunk, scored.scores
    n = chunk.codes.size
    row = np.arange(scored.start + 1, scored.start + 1 + chunk.read, dtype=np.int64)
    if chunk.kept is not None:
        row = row[chunk.kept]
    statistic, _ = loss_of(task, chunk.hard)
    loss = np.array(scores.stats[statistic], dtype=np.float64)
    weight = np.ones(n) if chunk.weights is None else np.array(chunk.weights, np.float64)
    if scores.weights and statistic in scores.weights:  # class weights (--class-weights)
        weight *= scores.weights[statistic]
    columns = {"row": row, "loss": loss, "weight": weight}
    if task == Task.REGRESSION:
        assert chunk.targets is not None
        return columns | {"label": np.array(chunk.targets), "predicted": np.array(chunk.preds)}
    if task == Task.MULTILABEL:
        return columns | {"correct": ~np.asarray(scores.stats["subset"], dtype=bool)}
    if chunk.hard:  # predicted labels: the codes themselves, no confidence
        label, predicted = chunk.codes.astype(np.int64), chunk.preds.astype(np.int64)
        return columns | {"label": label, "predicted": predicted, "correct": predicted == label}
    # the classes the metrics counted: ties to the lower index, binary at --threshold
    label, predicted = chunk_classes(chunk.preds, chunk.codes, chunk.targets, scores.stats["wrong"])
    confidence = confidences(chunk.preds, logits)  # binary: P(positive); else the top class's
    if task == Task.BINARY:
        confidence = np.where(predicted == 1, confidence, 1.0 - confidence)
        label, predicted = label.astype(np.int8), predicted.astype(np.int8)
    columns |= {"label": label.astype(predicted.dtype), "predicted": predicted}
    return columns | {"confidence": confidence, "correct": predicted == label}
