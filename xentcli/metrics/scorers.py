"""The scorer registry: (task, logits, target columns, convention) → the function that turns a
prepared chunk into per-row statistics. The plan checks that its key is here before any row is
read; the engine calls score() on every chunk and never branches on an option."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from xentcli.metrics import conventions, kernels
from xentcli.metrics.kernels import RowScores
from xentcli.prepare.chunk import Chunk
from xentcli.prepare.scratch import Scratch
from xentcli.tasks import Task


@dataclass(frozen=True)
class Scoring:
    """The parameters the scorers read (built by the plan)."""

    task: Task
    eps: float
    logits: bool = False
    targets: bool = False  # K target columns rather than one label column
    convention: str = "sklearn"
    threshold: float = 0.5
    top_k: int | None = None
    label_smoothing: float = 0.0
    class_weights: tuple[float, ...] | None = None
    hard: bool = False  # predicted labels: codes compared with the labels' codes

    @property
    def key(self) -> tuple[Task, bool, bool, str]:
        """The registry key of this scoring."""
        return (self.task, self.logits, self.targets, "hard" if self.hard else self.convention)


Scorer = Callable[[Chunk, Scoring, Scratch], RowScores]


def _targets(chunk: Chunk) -> np.ndarray:
    assert chunk.targets is not None
    return chunk.targets


def binary_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.binary_from_probs(c.preds, c.codes, s.eps, s.threshold, scratch)


def binary_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.binary_from_logits(c.preds, c.codes, s.threshold, scratch)


def multiclass_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.multiclass_from_probs(c.preds, c.codes, s.eps, scratch)


def multiclass_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.multiclass_from_logits(c.preds, c.codes, scratch)


def soft_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.soft_from_probs(c.preds, _targets(c), s.eps, scratch)


def soft_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.soft_from_logits(c.preds, _targets(c), scratch)


def multilabel_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.multilabel_from_probs(c.preds, _targets(c), s.eps, s.threshold)


def multilabel_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.multilabel_from_logits(c.preds, _targets(c), s.threshold)


def regression(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return kernels.regression(c.preds, _targets(c))


def hard_labels(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    """Predicted labels: wrong where the predicted class is not the label's."""
    return RowScores({"wrong": c.preds != c.codes})


def torch_binary_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.torch_binary(binary_probs(c, s, scratch), c.preds, c.codes)


def keras_binary_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    scores = binary_probs(c, s, scratch)
    return conventions.keras_binary(scores, c.preds, c.codes, s.label_smoothing, logits=False)


def keras_binary_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    scores = binary_logits(c, s, scratch)
    return conventions.keras_binary(scores, c.preds, c.codes, s.label_smoothing, logits=True)


def torch_soft_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.torch_soft(soft_probs(c, s, scratch), c, s)


def torch_soft_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.torch_soft(soft_logits(c, s, scratch), c, s)


def torch_multiclass_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.framework_multiclass(multiclass_probs(c, s, scratch), c, s, "torch")


def torch_multiclass_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.framework_multiclass(multiclass_logits(c, s, scratch), c, s, "torch")


def keras_multiclass_probs(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.framework_multiclass(multiclass_probs(c, s, scratch), c, s, "keras")


def keras_multiclass_logits(c: Chunk, s: Scoring, scratch: Scratch) -> RowScores:
    return conventions.framework_multiclass(multiclass_logits(c, s, scratch), c, s, "keras")


B, MC, ML, R = Task.BINARY, Task.MULTICLASS, Task.MULTILABEL, Task.REGRESSION
SCORERS: dict[tuple[Task, bool, bool, str], Scorer] = {
    (B, False, False, "sklearn"): binary_probs,
    (B, True, False, "sklearn"): binary_logits,
    (MC, False, False, "sklearn"): multiclass_probs,
    (MC, True, False, "sklearn"): multiclass_logits,
    (MC, False, True, "sklearn"): soft_probs,
    (MC, True, True, "sklearn"): soft_logits,
    (ML, False, True, "sklearn"): multilabel_probs,
    (ML, True, True, "sklearn"): multilabel_logits,
    (R, False, False, "sklearn"): regression,
    # predicted labels (a y_pred column, or --hard): no scores, only right or wrong
    (B, False, False, "hard"): hard_labels,
    (MC, False, False, "hard"): hard_labels,
    # torch: BCE logs clamped at -100; CE on probabilities unclipped; mse per element
    (B, False, False, "torch"): torch_binary_probs,
    (B, True, False, "torch"): binary_logits,  # BCEWithLogits is the default kernel
    (MC, False, False, "torch"): torch_multiclass_probs,
    (MC, True, False, "torch"): torch_multiclass_logits,
    (MC, False, True, "torch"): torch_soft_probs,
    (MC, True, True, "torch"): torch_soft_logits,
    # keras: eps 1e-7 and renormalized rows (set by the plan); a clipped sigmoid for logits
    (B, False, False, "keras"): keras_binary_probs,
    (B, True, False, "keras"): keras_binary_logits,
    (MC, False, False, "keras"): keras_multiclass_probs,
    (MC, True, False, "keras"): keras_multiclass_logits,
}


def score(chunk: Chunk, scoring: Scoring, scratch: Scratch) -> RowScores:
    """One chunk's per-row statistics under this scoring (top-k misses too when asked for)."""
    scores = SCORERS[scoring.key](chunk, scoring, scratch)
    if scoring.top_k is not None:
        true = chunk.codes if chunk.targets is None else np.argmax(chunk.targets, axis=0)
        scores.stats["top_k"] = kernels.top_k_miss(chunk.preds, true, scoring.top_k)
    return scores
