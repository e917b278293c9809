"""Drawing the figures (render/figures.py) with matplotlib, the optional extra `plot`, the way
scikit-learn's Display classes do: PNG, SVG or PDF files for `xentcli plot`, inline SVG for the
HTML report. Without matplotlib, a usage error names the extra (docs/reports.md#pictures)."""

from __future__ import annotations

import io
import math
import re
from typing import Any

from xentcli.errors import UsageError
from xentcli.render.figures import Figure

FILE_FORMATS = ("png", "svg", "pdf")
# no creator, date or RDF block: the same report draws the same bytes, and names no web address
NO_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}
BLUE, ORANGE, GREY = "#1f77b4", "#ff7f0e", "#7f7f7f"


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display), or a usage error naming the extra."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("pictures need matplotlib: pip install 'xentcli[plot]'") from None
    plt.rcParams.update(
        {
            "svg.fonttype": "none",
            "font.family": "sans-serif",
            "font.size": 9,
            "axes.titlesize": 10,
            "text.parse_math": False,  # a class or group named `$x$` is text, not mathtext
        }
    )
    return plt


def draw(figure: Figure, with_note: bool = True) -> Any:
    """A matplotlib figure of one chart; its note (what it leaves out) under the title, unless
    the page says it (the HTML report's caption)."""
    plt = _pyplot()
    width, height = SIZES[figure.kind](figure)
    made = plt.figure(figsize=(width, height), layout="constrained")
    _drawn(made, figure, with_note)
    return made


def _drawn(target: Any, figure: Figure, with_note: bool = True) -> None:
    DRAWERS[figure.kind](target, figure)
    note = f"\n{figure.note}" if figure.note and with_note else ""
    title = target.suptitle(figure.title + note, fontsize=11 if not note else 10)
    title.set_linespacing(1.4)


def svg(figure: Figure) -> str:
    """One chart as an inline <svg> element (no XML prolog, no DOCTYPE, no external reference)."""
    plt = _pyplot()
    made = draw(figure, with_note=False)
    buffer = io.StringIO()
    made.savefig(buffer, format="svg", metadata=NO_METADATA)
    plt.close(made)
    text = buffer.getvalue()
    return re.sub(r"^.*?(?=<svg)", "", text, flags=re.S)


def save(figures: list[Figure], path: str, fmt: str) -> None:
    """Every chart into one file: pages of a PDF, or stacked in one PNG or SVG."""
    plt = _pyplot()
    if fmt == "pdf":
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(path) as pages:
            for figure in figures:
                made = draw(figure)
                pages.savefig(made)
                plt.close(made)
        return
    sizes = [SIZES[f.kind](f) for f in figures]
    width, height = max(w for w, _ in sizes), sum(h for _, h in sizes)
    made = plt.figure(figsize=(width, height), layout="constrained")
    parts = (
        made.subfigures(len(figures), 1, height_ratios=[h for _, h in sizes])
        if len(figures) > 1
        else [made]
    )
    for part, figure in zip(parts, figures, strict=True):
        _drawn(part, figure)
    made.savefig(path, format=fmt, dpi=110)
    plt.close(made)


def _reliability(target: Any, figure: Figure) -> None:
    data = figure.data
    curve, weights = target.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    curve.plot(
        [0, 1], [0, 1], linestyle="--", color=GREY, linewidth=1, label="perfectly calibrated"
    )
    points = [
        (c, a) for c, a in zip(data["confidence"], data["accuracy"], strict=True) if c is not None
    ]
    if points:
        xs, ys = zip(*points, strict=True)
        # not clipped: a bin at accuracy 1.0 (or 0) shows its whole marker on the axes' edge
        curve.plot(xs, ys, marker="o", color=BLUE, label="model", clip_on=False, zorder=3)
    curve.set(xlim=(0, 1), ylim=(0, 1), ylabel=figure.labels.get("y", ""))
    curve.legend(loc="upper left", frameon=False)
    curve.grid(alpha=0.3)
    centers = [(lo + hi) / 2 for lo, hi in zip(data["lower"], data["upper"], strict=True)]
    widths = [hi - lo for lo, hi in zip(data["lower"], data["upper"], strict=True)]
    weights.bar(centers, data["weight"], width=widths, color=BLUE, alpha=0.5, edgecolor="white")
    weights.set(xlabel=figure.labels.get("x", ""), ylabel="weight")
    weights.grid(alpha=0.3, axis="y")


def _confusion(target: Any, figure: Figure) -> None:
    data = figure.data
    labels = data["labels"]
    axes = target.subplots(1, 2)
    many = len(labels) > 12
    for ax, key, title in zip(
        axes, ("counts", "normalized"), ("counts", "normalized over true class"), strict=True
    ):
        matrix = data[key]
        image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1 if key == "normalized" else None)
        ax.set_title(title)
        ticks = range(len(labels))
        ax.set_xticks(ticks, labels, rotation=90 if many else 45, ha="center" if many else "right")
        ax.set_yticks(ticks, labels)
        ax.tick_params(labelsize=6 if many else 8)
        ax.set(xlabel=figure.labels["x"], ylabel=figure.labels["y"])
        if not many:
            # the text is white where the cell is dark: past half of the colour scale, which
            # runs to 1 for the shares and to the largest count for the counts
            top = 1 if key == "normalized" else max((max(row) for row in matrix), default=0) or 1
            for i, row in enumerate(matrix):
                for j, value in enumerate(row):
                    text = f"{value:.2f}" if key == "normalized" else _count(value)
                    dark = value > top / 2
                    ax.text(
                        j,
                        i,
                        text,
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "black",
                    )
        target.colorbar(image, ax=ax, shrink=0.8)


def _count(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() else f"{value:.3g}"


def _curve(target: Any, figure: Figure) -> None:
    ax = target.subplots()
    data = figure.data
    if figure.kind == "roc":
        ax.plot([0, 1], [0, 1], linestyle="--", color=GREY, linewidth=1, label="chance")
    for line in data["lines"]:
        area = line["area"]
        name = f"{line['name']} · " if line["name"] else ""
        shown = f"{area:.4f}" if isinstance(area, float) and math.isfinite(area) else "n/a"
        step = "post" if figure.kind == "pr" else None
        if step:
            ax.step(line["x"], line["y"], where="post", label=f"{name}{data['area']} {shown}")
        else:
            ax.plot(line["x"], line["y"], label=f"{name}{data['area']} {shown}")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel=figure.labels["x"], ylabel=figure.labels["y"])
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right" if figure.kind == "roc" else "lower left", fontsize=8)


def _groups(target: Any, figure: Figure) -> None:
    ax = target.subplots()
    data = figure.data
    names = data["groups"]
    at = list(range(len(names)))[::-1]
    ax.scatter(data["values"], at, color=BLUE, zorder=3, label=data["metric"])
    shown = False
    for y, low, high in zip(at, data["low"], data["high"], strict=True):
        if low is not None and high is not None:
            label = None if shown else "bootstrap interval"
            ax.plot([low, high], [y, y], color=BLUE, linewidth=2, alpha=0.5, label=label)
            shown = True
    ax.axvline(data["overall"], color=ORANGE, linestyle="--", linewidth=1, label="all rows")
    ax.set_yticks(at, [_short(n) for n in names])
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.tick_params(axis="y", labelsize=8 if len(names) <= 15 else 7)
    ax.set(xlabel=figure.labels["x"])
    ax.grid(alpha=0.3, axis="x")
    # below the x label, not over it
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


DRAWERS = {
    "reliability": _reliability,
    "confusion": _confusion,
    "roc": _curve,
    "pr": _curve,
    "groups": _groups,
}
SIZES = {
    "reliability": lambda f: (6.0, 5.5),
    "confusion": lambda f: (11.0, 5.0 + 0.12 * max(0, len(f.data["labels"]) - 10)),
    "roc": lambda f: (6.0, 5.8),
    "pr": lambda f: (6.0, 5.8),
    "groups": lambda f: (6.0, 2.6 + 0.26 * len(f.data["groups"])),
}
