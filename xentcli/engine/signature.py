"""The signature: one sacrebleu-style string naming every option that changes a number
(docs/decisions.md#signature). SIGNATURE lists each such option; UNSIGNED lists, with the reason,
every option that changes no number. tests/engine/test_signature.py fails for an option on neither.
"""

from __future__ import annotations

from collections.abc import Callable

from xentcli.options import EvalOptions
from xentcli.tasks import Task

Part = Callable[[EvalOptions], str | None]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


# option → its part of the signature (None: left out, the option being at its default). The first
# parts are always written, so signatures of older reports keep their shape.
SIGNATURE: dict[str, Part] = {
    "logits": lambda o: f"inputs:{'logits' if o.logits else 'probs'}",
    "eps": lambda o: f"eps:{o.eps:.3g}",
    "compat": lambda o: f"compat:{o.compat}",
    "nan": lambda o: f"nan:{o.nan}",
    "weight_col": lambda o: f"weights:{_yes(o.weight_col is not None)}",
    "renormalize": lambda o: f"renorm:{_yes(o.renormalize)}",
    "label_smoothing": lambda o: (
        f"label_smoothing:{o.label_smoothing:g}" if o.label_smoothing else None
    ),
    "class_weights": lambda o: (
        "class_weights:" + ",".join(f"{w:g}" for w in o.class_weights) if o.class_weights else None
    ),
    "bootstrap": lambda o: (
        f"bootstrap:poisson,n={o.bootstrap},seed={o.seed},conf={o.confidence:g}"
        if o.bootstrap
        else None
    ),
    "seed": lambda o: None,  # written with bootstrap
    "confidence": lambda o: None,  # written with bootstrap
    "threshold": lambda o: f"threshold:{o.threshold:g}" if o.threshold != 0.5 else None,
    "positive": lambda o: f"positive:{o.positive}" if o.positive is not None else None,
    "top_k": lambda o: f"top_k:{o.top_k}" if o.top_k is not None else None,
    "ignore_label": lambda o: f"ignore:{o.ignore_label}" if o.ignore_label is not None else None,
    "sum_tol": lambda o: f"sum_tol:{o.sum_tol:g}" if o.sum_tol != 1e-4 else None,
    "calibration": lambda o: f"calibration:bins={o.bins}" if o.calibration else None,
    "bins": lambda o: None,  # written with calibration
    "normalize": lambda o: f"normalize:{o.normalize}" if o.normalize is not None else None,
    "missing": lambda o: f"missing:{o.missing}" if o.missing != "error" else None,
    "auc": lambda o: f"auc:{o.average}" if o.auc else None,
    "average": lambda o: None,  # written with auc
}

# options that change no number, or whose effect the report states in a section of its own
UNSIGNED: dict[str, str] = {
    "label_col": "which column: the report's columns section",
    "pred_col": "which columns: the report's columns section",
    "task": "the task is the signature's task part",
    "classes": "the report's classes",
    "chunk_rows": "results do not depend on the chunk size",
    "input_format": "the report's inputs section",
    "by": "adds the groups section; changes no metric",
    "per_class": "adds the per_class section; changes no metric",
    "on": "pairs rows by key instead of position: the same pairs for aligned files",
    "engine": "the Dask engine gives the local engine's numbers",
    "scheduler": "where the Dask engine runs",
    "curve_points": "how many exact points of the curves are kept; changes no metric",
    "tmp_dir": "where sorted scores are spilled",
    "worst": "adds the worst section; changes no metric",
    "keep_col": "which columns the worst rows and --rows-out carry",
    "rows_out": "writes the per-row file; changes no metric",
    "hard": "the signature's inputs part says labels (detected or asked for)",
}


def signature(version: str, task: Task, opts: EvalOptions, hard: bool = False) -> str:
    """xentcli:VERSION|task:TASK|… with the part of every option that changes a number;
    `hard`: the predictions are predicted labels (inputs:labels)."""
    parts = [f"xentcli:{version}", f"task:{task}"]
    parts += [part for make in SIGNATURE.values() if (part := make(opts)) is not None]
    if hard:
        parts = ["inputs:labels" if part.startswith("inputs:") else part for part in parts]
    return "|".join(parts)
