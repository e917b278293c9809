"""The classification report's numbers, from the (weighted) per-class totals alone, as
scikit-learn's precision_recall_fscore_support, balanced_accuracy_score, matthews_corrcoef and
cohen_kappa_score define them, and torchmetrics' macro accuracy (docs/metrics.md#classification).
The totals merge by addition, so these are exact under chunks, merges and Dask."""

from __future__ import annotations

import math

import numpy as np

from xentcli.tasks import Task


def _divide(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, 0 where bottom is 0 (scikit-learn's zero_division=0 without its warning)."""
    out = np.zeros_like(top, dtype=np.float64)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


def report_metrics(
    totals: np.ndarray, task: Task, seen: np.ndarray | None = None
) -> dict[str, float]:
    """macro/weighted precision, recall and F1, balanced accuracy, MCC, Cohen's kappa, macro
    accuracy; binary also the positive class's precision, recall and F1 — all from the per-class
    totals (3, K): Σw of hits (the confusion matrix's diagonal), of true rows (its row sums) and
    of predicted rows (its column sums), so no K × K matrix is needed.

    The macro means are over the classes `seen` in the labels or the predictions of the rows
    used, as scikit-learn's unique_labels(y_true, y_pred) finds them — a row of weight 0 too;
    without `seen`, the classes of positive weight (the same, when no weight is 0). Rows that
    all weigh 0 have no means (NaN), as they have no other metric."""
    hits, support, predicted = totals
    precision, recall = _divide(hits, predicted), _divide(hits, support)
    f1 = _divide(2 * precision * recall, precision + recall)
    seen_weighed = (support > 0) | (predicted > 0)
    # no weight at all (a group of rows of weight 0): no means, as for its other metrics
    seen = seen_weighed if seen is None or not support.any() else seen | seen_weighed
    share = support[seen] / support[seen].sum()
    values: dict[str, float] = {}
    if task == Task.BINARY:
        values |= {"precision": precision[1], "recall": recall[1], "f1": f1[1]}
    for name, per_class in (("precision", precision), ("recall", recall), ("f1", f1)):
        values[f"macro_{name}"] = float(per_class[seen].mean())
    for name, per_class in (("precision", precision), ("recall", recall), ("f1", f1)):
        values[f"weighted_{name}"] = float(share @ per_class[seen])
    values["balanced_accuracy"] = float(recall[support > 0].mean())
    values["mcc"] = _matthews(hits.sum(), support, predicted)
    values["cohen_kappa"] = _kappa(hits.sum(), support, predicted)
    values["macro_accuracy"] = float(recall[seen].mean())  # torchmetrics' average="macro"
    return {name: float(value) for name, value in values.items()}


def _matthews(correct: float, truth: np.ndarray, predicted: np.ndarray) -> float:
    """matthews_corrcoef's multiclass form (0 where a marginal is constant)."""
    total = truth.sum()
    cov_tp = correct * total - truth @ predicted
    cov_pp = total * total - predicted @ predicted
    cov_tt = total * total - truth @ truth
    if cov_pp * cov_tt == 0:
        return 0.0
    return float(cov_tp / math.sqrt(cov_tt * cov_pp))


def _kappa(correct: float, truth: np.ndarray, predicted: np.ndarray) -> float:
    """cohen_kappa_score (unweighted): 1 − observed disagreement / expected disagreement, where
    the expected matrix is outer(truth, predicted) / total: its off-diagonal sum is
    (total² − truth·predicted) / total."""
    total = truth.sum()
    disagreement = float((total * total - truth @ predicted) / total) if total else 0.0
    if disagreement == 0:
        return math.nan
    return 1.0 - float(total - correct) / disagreement
