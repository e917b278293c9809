"""The one frozen settings object that every evaluation runs from."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from xentcli.errors import UsageError
from xentcli.tasks import TASKS

NAN_POLICIES = ("error", "skip")
INPUT_FORMATS = (
    "csv",
    "tsv",
    "parquet",
    "arrow",
    "orc",
    "jsonl",
    "json",
    "npy",
    "npz",
    "pt",
    "safetensors",
)
ENGINES = ("local", "dask")
AVERAGES = ("macro", "weighted", "micro")
MAX_CURVE_POINTS = 100_000
# bounds of the size-like options: each beyond its bound costs memory or time out of proportion
MAX_BOOTSTRAP = 100_000  # replicates: 8 bytes per replicate and statistic, and time per row
MAX_BINS = 10_000
MAX_CHUNK_ROWS = 1 << 24
MAX_SEED = 2**63 - 1
MAX_WORST = 100_000  # rows held in memory for --worst
MACHINE_EPS = 2.220446049250313e-16
CHUNK_VALUES = 160 * 1024  # K x n this large stays in cache (16384 rows at K = 10)
CHUNK_ROWS_RANGE = (4096, 65536)  # chosen by benchmarks/run.py
MAX_CHUNK_VALUES = 1 << 20  # at most 8 MiB per float64 array of a chunk, whatever K
MIN_CHUNK_ROWS = 16  # … nor fewer rows: at 50,000 classes 20 rows hold 1M values


def default_chunk_rows(columns: int) -> int:
    """Rows per chunk for this many prediction values per row: about CHUNK_VALUES values within
    CHUNK_ROWS_RANGE, but never more than MAX_CHUNK_VALUES (memory flat in K), nor fewer than
    MIN_CHUNK_ROWS rows (benchmarks/run.py and benchmarks/classes.py)."""
    low, high = CHUNK_ROWS_RANGE
    columns = max(1, columns)
    rows = max(low, min(high, CHUNK_VALUES // columns))
    return max(MIN_CHUNK_ROWS, min(rows, MAX_CHUNK_VALUES // columns))


@dataclass(frozen=True)
class EvalOptions:
    """How predictions and labels are read and scored; every field has a CLI flag.

    Each field is checked on its own here; how fields combine is checked once, by the plan
    (xentcli.engine.plan), which alone reads these options below the CLI.
    """

    label_col: str | None = None
    pred_col: str | None = None
    weight_col: str | None = None
    task: str | None = None
    logits: bool = False
    positive: str | None = None
    classes: tuple[str, ...] | None = None
    eps: float = MACHINE_EPS
    sum_tol: float = 1e-4
    renormalize: bool = False
    nan: str = "error"
    ignore_label: str | None = None
    threshold: float = 0.5
    chunk_rows: int | None = None
    input_format: str | None = None
    by: tuple[str, ...] = ()
    per_class: bool = False
    top_k: int | None = None
    bootstrap: int | None = None
    seed: int = 0
    confidence: float = 0.95
    compat: str = "sklearn"
    class_weights: tuple[float, ...] | None = None
    label_smoothing: float = 0.0
    calibration: bool = False
    bins: int = 15
    normalize: str | None = None
    on: str | None = None
    missing: str = "error"
    engine: str = "local"
    scheduler: str | None = None
    auc: bool = False
    hard: bool = False
    average: str = "macro"
    curve_points: int = 200
    tmp_dir: str | None = None
    worst: int | None = None
    keep_col: tuple[str, ...] = ()
    rows_out: str | None = None

    def __post_init__(self) -> None:
        if self.task is not None and self.task not in TASKS:
            raise UsageError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        if self.normalize is not None and self.normalize not in ("true", "pred", "all"):
            raise UsageError(f"--normalize must be true, pred or all, not {self.normalize!r}")
        if self.bootstrap is not None and not 2 <= self.bootstrap <= MAX_BOOTSTRAP:
            raise UsageError(
                f"--bootstrap takes 2 to {MAX_BOOTSTRAP} replicates, not {self.bootstrap}"
            )
        if not 0.0 < self.confidence < 1.0:
            raise UsageError(f"--confidence must be in (0, 1), not {self.confidence}")
        if not 0 <= self.seed <= MAX_SEED:
            raise UsageError(f"--seed must be in [0, 2**63 - 1], not {self.seed}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise UsageError(f"--label-smoothing must be in [0, 1), not {self.label_smoothing}")
        if not 1 <= self.bins <= MAX_BINS:
            raise UsageError(f"--bins must be in [1, {MAX_BINS}], not {self.bins}")
        if self.top_k is not None and self.top_k < 1:
            raise UsageError(f"--top-k must be >= 1, not {self.top_k}")
        if self.missing not in NAN_POLICIES:
            raise UsageError(f"--missing must be error or skip, not {self.missing!r}")
        if self.nan not in NAN_POLICIES:
            raise UsageError(f"--nan must be one of {', '.join(NAN_POLICIES)}, not {self.nan!r}")
        if self.input_format is not None and self.input_format not in INPUT_FORMATS:
            raise UsageError(
                f"unknown --input-format {self.input_format!r}; "
                f"choose one of {', '.join(INPUT_FORMATS)}"
            )
        if not 0.0 <= self.eps < 0.5:
            raise UsageError(f"--eps must be in [0, 0.5), not {self.eps!r}")
        if not self.sum_tol >= 0.0:
            raise UsageError(f"--sum-tol must be >= 0, not {self.sum_tol!r}")
        if not 0.0 <= self.threshold <= 1.0:
            raise UsageError(f"--threshold must be in [0, 1], not {self.threshold!r}")
        if self.chunk_rows is not None and not 1 <= self.chunk_rows <= MAX_CHUNK_ROWS:
            raise UsageError(
                f"--chunk-rows must be in [1, {MAX_CHUNK_ROWS}], not {self.chunk_rows!r}"
            )
        if self.engine not in ENGINES:
            raise UsageError(f"--engine must be local or dask, not {self.engine!r}")
        if self.average not in AVERAGES:
            raise UsageError(
                f"--average must be one of {', '.join(AVERAGES)}, not {self.average!r}"
            )
        if not 0 <= self.curve_points <= MAX_CURVE_POINTS:
            raise UsageError(
                f"--curve-points must be in [0, {MAX_CURVE_POINTS}], not {self.curve_points!r}"
            )
        if self.curve_points in (1, 2):  # a curve keeps both its ends and a point between
            raise UsageError(
                f"--curve-points must be 0 (no curves) or at least 3 (both ends of each curve "
                f"and a point between), not {self.curve_points}"
            )
        if self.worst is not None and not 1 <= self.worst <= MAX_WORST:
            raise UsageError(f"--worst takes 1 to {MAX_WORST} rows, not {self.worst}")
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise UsageError(f"--classes has duplicate names: {','.join(self.classes)}")

    @classmethod
    def from_kwargs(cls, options: dict[str, Any]) -> EvalOptions:
        """Build options from keyword arguments, rejecting unknown names."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(
                f"unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        options = {name: _listed(name, value) for name, value in options.items()}
        types = {f.name: str(f.type) for f in fields(cls)}
        return cls(**{name: _typed(name, value, types[name]) for name, value in options.items()})


def _listed(name: str, value: Any) -> Any:
    """List-valued keywords as the options hold them: columns as a comma list (pred_col,
    label_col), names and weights as tuples; one text for a repeatable one (by="region")."""
    if name in ("pred_col", "label_col") and not isinstance(value, str | None):
        listed = _tupled(value, str)
        return ",".join(listed) if isinstance(listed, tuple) else value
    if name in ("by", "keep_col"):
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else _tupled(value)
    if name == "classes" and value is not None:  # `a, b, c` as people type it: a, b and c
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(","))
        return _tupled(value, str)
    if name == "normalize" and isinstance(value, bool):  # log_loss(..., normalize=False)
        raise UsageError(
            "normalize= is the confusion matrix's, as scikit-learn's confusion_matrix takes it "
            "('true', 'pred' or 'all'); log_loss's normalize=False, a sum of losses, is the mean "
            "times the rows used (with sample_weight=, times the weights' sum)"
        )
    if name == "class_weights" and value is not None:
        if isinstance(value, str):
            return _numbers(value)
        try:
            return tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise UsageError(f"class_weights= takes numbers, not {value!r}") from None
    return value


def _tupled(value: Any, convert: Any = None) -> Any:
    """A list, tuple, array or index as a tuple (its items converted); anything else (one
    number, a mapping) as it is, for _typed to refuse."""
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
        return value
    return tuple(map(convert, value)) if convert is not None else tuple(value)


def _typed(name: str, value: Any, declared: str) -> Any:
    """A keyword's value as its field declares it (numpy's scalars and paths taken as the
    plain values they stand for); anything else is a usage error naming the keyword."""
    if value is None and declared.endswith("| None"):
        return None
    kind = declared.removesuffix(" | None")
    if hasattr(value, "item") and not isinstance(value, tuple | list):  # numpy's scalars
        value = value.item()
    if kind == "str" and hasattr(value, "__fspath__"):
        value = os.fspath(value)
    plain = {
        "str": isinstance(value, str),
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "tuple[str, ...]": isinstance(value, tuple) and all(isinstance(v, str) for v in value),
        "tuple[float, ...]": isinstance(value, tuple),  # made floats above
    }
    if not plain.get(kind, True):
        wanted = {"str": "text", "bool": "True or False", "int": "an integer"}.get(kind, kind)
        wanted = {"float": "a number", "tuple[str, ...]": "names"}.get(kind, wanted)
        raise UsageError(f"{name}= takes {wanted}, not {value!r}")
    return float(value) if kind == "float" else value


def _numbers(text: str) -> tuple[float, ...]:
    """'1,2.5,3' → (1.0, 2.5, 3.0); anything else is a usage error."""
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"expected comma-separated numbers, not {text!r}") from None
