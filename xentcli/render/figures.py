"""The pictures of a report, as data: which charts a JSON report can draw and the numbers each
draws (docs/reports.md#pictures). Read from the JSON document — a saved report draws exactly what
the live one does — and drawn by render/plot.py, the one drawing path of `xentcli plot`, the HTML
report and the notebook. What a chart leaves out to stay readable it says in its note."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xentcli.metrics.registry import METRICS

KINDS = ("reliability", "confusion", "roc", "pr", "groups")
MAX_CLASSES_SHOWN = 25  # confusion matrix: the most frequent classes beyond this many
MAX_CURVES_SHOWN = 10  # ROC and PR: the most frequent classes beyond this many
MAX_GROUPS_SHOWN = 30  # groups: the worst ones beyond this many
SECTION_OF = {
    "reliability": ("calibration", "--calibration"),
    "confusion": ("confusion_matrix", "--per-class"),
    "roc": ("curves", "--auc"),
    "pr": ("curves", "--auc"),
    "groups": ("groups", "--by COL"),
}


@dataclass(frozen=True)
class Figure:
    """One chart: its kind, title, the numbers it draws, and what it leaves out."""

    kind: str
    title: str
    data: dict[str, Any]
    note: str | None = None
    labels: dict[str, str] = field(default_factory=dict)  # axis names

    def to_json(self) -> dict[str, Any]:
        """The figure as data (for golden tests and tools)."""
        return {"kind": self.kind, "title": self.title, "data": self.data, "note": self.note}


class DamagedReport(ValueError):
    """A section of a saved report is not as eval writes it (edited, cut short, or another
    tool's): the message names the section."""


def figures(document: dict[str, Any], kinds: tuple[str, ...] = KINDS) -> list[Figure]:
    """Every chart of these kinds that the report has the numbers for, in KINDS order; a
    section that is not as eval writes it raises DamagedReport."""
    made = []
    for kind in KINDS:
        section = SECTION_OF[kind][0]
        if kind in kinds and section in document:
            try:
                figure = MAKERS[kind](document)
                if figure is not None:
                    _check(figure)
            except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
                raise DamagedReport(
                    f"its {section} section is not as eval writes it ({_said(exc)}); "
                    "write the report again with eval --json"
                ) from None
            if figure is not None:
                made.append(figure)
    return made


def _said(exc: Exception) -> str:
    return f"no {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__


def _check(figure: Figure) -> None:
    """The numbers a figure draws are numbers (null where eval writes null), in lists of one
    length: what matplotlib is handed is never text, a nested list or a ragged pair."""
    data = figure.data
    if figure.kind == "reliability":
        _same_length(data, ("lower", "upper", "confidence", "accuracy", "weight"))
    elif figure.kind == "confusion":
        n = len(data["labels"])
        if not n:
            raise ValueError("no class labels")
        if len(data["counts"]) != n or any(len(row) != n for row in data["counts"]):
            raise ValueError(f"a {n}-class matrix is not {n} rows of {n} counts")
        for row in data["counts"]:
            _numbers(row, "counts")
    elif figure.kind in ("roc", "pr"):
        for line in data["lines"]:
            _same_length(line, ("x", "y"))
            _numbers([line["area"]], "area")
    else:
        _same_length(data, ("values", "low", "high", "rows"))
        _numbers([data["overall"]], "overall")


def _same_length(data: dict[str, Any], names: tuple[str, ...]) -> None:
    lengths = {len(data[name]) for name in names}
    if len(lengths) > 1:
        raise ValueError(f"{', '.join(names)} differ in length")
    for name in names:
        _numbers(data[name], name)


def _numbers(values: list[Any], name: str) -> None:
    for value in values:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"{name} holds {value!r}, not a number")


def missing(document: dict[str, Any], kinds: tuple[str, ...]) -> list[str]:
    """For each kind asked for that the report cannot draw: what to pass to eval."""
    return [
        f"{kind} needs the {SECTION_OF[kind][0]} section (eval {SECTION_OF[kind][1]})"
        for kind in kinds
        if SECTION_OF[kind][0] not in document
    ]


def reliability(document: dict[str, Any]) -> Figure:
    """Accuracy against confidence per bin, the diagonal, and each bin's weight."""
    section = document["calibration"]
    bins = section["bins"]
    binary = document.get("task") == "binary"
    return Figure(
        "reliability",
        f"Reliability diagram · ECE {section['ece']:.4f} · MCE {section['mce']:.4f}",
        {
            "lower": [b["lower"] for b in bins],
            "upper": [b["upper"] for b in bins],
            "confidence": [b["confidence"] for b in bins],
            "accuracy": [b["accuracy"] for b in bins],
            "weight": [b["weight"] for b in bins],
        },
        labels={
            "x": "mean predicted P(positive)" if binary else "confidence (top class probability)",
            "y": "share of positives" if binary else "accuracy",
        },
    )


def confusion(document: dict[str, Any]) -> Figure:
    """Counts and shares of each true class (rows) predicted as each class (columns); beyond
    MAX_CLASSES_SHOWN classes, the most frequent ones."""
    section = document["confusion_matrix"]
    labels = list(section["labels"])
    counts = section.get("counts") or section["matrix"]
    support = [sum(row) for row in counts]
    note = None
    keep = list(range(len(labels)))
    if len(labels) > MAX_CLASSES_SHOWN:
        keep = sorted(range(len(labels)), key=lambda i: (-support[i], i))[:MAX_CLASSES_SHOWN]
        keep.sort()
        note = (
            f"the {MAX_CLASSES_SHOWN} most frequent of {len(labels)} classes shown; the JSON "
            "report has the whole matrix"
        )
    shown = [[counts[i][j] for j in keep] for i in keep]
    shares = [
        [value / support[i] if support[i] else 0.0 for value in row]
        for i, row in zip(keep, shown, strict=True)
    ]
    return Figure(
        "confusion",
        "Confusion matrix",
        {"labels": [labels[i] for i in keep], "counts": shown, "normalized": shares},
        note,
        {"x": "predicted class", "y": "true class"},
    )


def _curves(document: dict[str, Any], kind: str) -> Figure | None:
    """ROC (fpr, tpr) or PR (recall, precision) per class, its area in the legend."""
    section = document["curves"]
    single = "roc" in section
    named = {"": section} if single else section
    order = list(named)
    note = None
    if len(order) > MAX_CURVES_SHOWN:
        support = {row["class"]: row.get("support", 0) for row in document.get("per_class", [])}
        order = sorted(order, key=lambda name: -support.get(name, 0))[:MAX_CURVES_SHOWN]
        note = (
            f"{MAX_CURVES_SHOWN} of {len(named)} classes shown"
            + (" (the most frequent)" if support else "")
            + "; the JSON report has every curve"
        )
    lines = []
    for name in order:
        curve = named[name][kind]
        x, y, area = (
            (curve["fpr"], curve["tpr"], curve.get("roc_auc"))
            if kind == "roc"
            else (curve["recall"], curve["precision"], curve.get("average_precision"))
        )
        lines.append({"name": name, "x": x, "y": y, "area": area})
    if not lines:
        return None
    metric = "roc_auc" if kind == "roc" else "average_precision"
    overall = document.get("metrics", {}).get(metric)
    title = ("ROC curve" if kind == "roc" else "Precision-recall curve") + (
        f" · {metric} {overall:.4f}" if isinstance(overall, float) else ""
    )
    labels = (
        {"x": "false positive rate", "y": "true positive rate"}
        if kind == "roc"
        else {"x": "recall", "y": "precision"}
    )
    return Figure(
        kind, title, {"area": "AUC" if kind == "roc" else "AP", "lines": lines}, note, labels
    )


def roc(document: dict[str, Any]) -> Figure | None:
    return _curves(document, "roc")


def pr(document: dict[str, Any]) -> Figure | None:
    return _curves(document, "pr")


def groups(document: dict[str, Any]) -> Figure | None:
    """The headline metric per group, with its bootstrap interval where there is one; beyond
    MAX_GROUPS_SHOWN groups, the worst ones."""
    rows = document["groups"]
    metrics = list(document.get("metrics", {}))
    if not rows or not metrics:
        return None
    metric = metrics[0]
    higher_is_better = metric in METRICS and METRICS[metric].higher_is_better
    values = [(row, row["metrics"].get(metric)) for row in rows]
    values = [(row, v) for row, v in values if v is not None]
    values.sort(key=lambda item: item[1], reverse=not higher_is_better)
    note = None
    if len(values) > MAX_GROUPS_SHOWN:
        note = (
            f"the {MAX_GROUPS_SHOWN} worst of {len(values)} groups by {metric}; the JSON report "
            "has every group"
        )
        values = values[:MAX_GROUPS_SHOWN]
    names = [" · ".join(row["group"].values()) for row, _ in values]
    intervals = [(row.get("intervals") or {}).get(metric, [None, None]) for row, _ in values]
    return Figure(
        "groups",
        f"{metric} by {', '.join(rows[0]['group'])}",
        {
            "metric": metric,
            "groups": names,
            "values": [v for _, v in values],
            "low": [i[0] for i in intervals],
            "high": [i[1] for i in intervals],
            "rows": [row["rows"] for row, _ in values],
            "overall": document["metrics"][metric],
        },
        note,
        {"x": metric, "y": ""},
    )


MAKERS = {
    "reliability": reliability,
    "confusion": confusion,
    "roc": roc,
    "pr": pr,
    "groups": groups,
}
