"""Renderers: a Report in, text out. Only here is rich imported; machine formats never use it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from xentcli.report import Report


@dataclass(frozen=True)
class Style:
    """How a human-facing renderer should look."""

    precision: int = 6
    color: bool = True


def render_json(report: Report, out: TextIO, style: Style) -> None:
    """The schema-v1 JSON document, full precision, written by the json module."""
    out.write(json.dumps(_finite_or_null(report.to_dict()), indent=2, allow_nan=False) + "\n")


def render_table(report: Report, out: TextIO, style: Style) -> None:
    """A rich table of the metrics, with rows, clipping and the signature under it."""
    from rich.console import Console
    from rich.table import Table

    # no_color=None lets rich honour NO_COLOR; --no-color forces it off.
    no_color = None if style.color else True
    console = Console(file=out, no_color=no_color, highlight=False, soft_wrap=True)
    table = Table(title=f"xentcli · {report.task} · {report.predictions}", title_justify="left")
    table.add_column("metric", style="bold")
    table.add_column("value", justify="right", style="cyan")
    for name, value in report.metrics.items():
        table.add_row(name, f"{value:.{style.precision}f}")
    console.print(table)
    rows = report.rows
    console.print(
        f"rows: {rows.read} read, {rows.used} used, {rows.skipped} skipped, "
        f"{rows.ignored} ignored · clipped: {report.clipped}"
        + (f" · classes: {', '.join(report.classes)}" if report.classes else "")
    )
    console.print(f"signature: {report.signature}", style="dim")


Renderer = Callable[[Report, TextIO, Style], None]

RENDERERS: dict[str, Renderer] = {"table": render_table, "json": render_json}


def _finite_or_null(value: Any) -> Any:
    """JSON has no infinity: an overflowing value (perplexity of a huge loss) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_null(v) for v in value]
    return value
