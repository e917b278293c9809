"""Renderers: a report in, text out. Only here is rich imported; machine formats never use it.

Every report kind (Report, DiffReport, InspectReport) offers the same view: title(), table(),
notes(), records(), summary(), extra_tables(), to_dict(), gates and passed.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TextIO


class Renderable(Protocol):
    """What a renderer reads from a report."""

    @property
    def gates(self) -> tuple[dict[str, Any], ...]: ...

    @property
    def passed(self) -> bool: ...

    def title(self) -> str: ...

    def table(self) -> tuple[list[str], list[list[Any]]]: ...

    def notes(self) -> list[str]: ...

    def records(self) -> list[dict[str, Any]]: ...

    def summary(self) -> dict[str, Any]: ...

    def extra_tables(self) -> list[tuple[str, list[str], list[list[Any]]]]: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Style:
    """How a human-facing renderer should look."""

    precision: int = 6
    color: bool = True


def render_json(report: Renderable, out: TextIO, style: Style) -> None:
    """The report's JSON document (schema version 1), full precision, by the json module."""
    out.write(json.dumps(_json_safe(report.to_dict()), indent=2, allow_nan=False) + "\n")


def render_jsonl(report: Renderable, out: TextIO, style: Style) -> None:
    """One JSON object per line: one per metric (eval) or per compared metric (diff)."""
    for record in report.records():
        out.write(json.dumps(_json_safe(record), allow_nan=False) + "\n")


def render_csv(report: Renderable, out: TextIO, style: Style) -> None:
    """The main table as CSV, numbers at full precision."""
    header, rows = report.table()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [["" if v is None else repr(v) if isinstance(v, float) else v for v in row] for row in rows]
    )


def render_markdown(report: Renderable, out: TextIO, style: Style) -> None:
    """A GitHub-flavoured markdown section fit for a PR comment or a step summary."""
    out.write(markdown(report, style))


def markdown(report: Renderable, style: Style) -> str:
    """The markdown text of a report."""
    header, rows = report.table()
    lines = [f"### {report.title()}", "", _md_row(header), _md_row(["---"] * len(header))]
    lines += [_md_row([_human(v, style.precision) for v in row]) for row in rows]
    for title, extra_header, extra_rows in report.extra_tables():
        lines += [
            "",
            f"**{title}**",
            "",
            _md_row(extra_header),
            _md_row(["---"] * len(extra_header)),
        ]
        lines += [_md_row([_human(v, style.precision) for v in row]) for row in extra_rows]
    if report.gates:
        lines += ["", _md_row(["gate", "value", "limit", "result"]), _md_row(["---"] * 4)]
        for gate in report.gates:
            verdict = "✅ pass" if gate["passed"] else "❌ fail"
            lines.append(
                _md_row(
                    [
                        f"`{gate['flag']}`",
                        repr(gate["value"]),
                        f"{gate['op']} {gate['limit']!r}",
                        verdict,
                    ]
                )
            )
    lines += [""] + [f"<sub>{note}</sub>  " for note in report.notes()] + [""]
    return "\n".join(lines)


def render_github(report: Renderable, out: TextIO, style: Style) -> None:
    """GitHub Actions workflow commands: an ::error per failed gate, a ::notice with the metrics."""
    for gate in report.gates:
        if not gate["passed"]:
            title = _command_property(f"xentcli ({gate['metric']})")
            out.write(f"::error title={title}::{_command_data(gate_failure(gate))}\n")
    summary = ", ".join(f"{k}={_human(v, style.precision)}" for k, v in report.summary().items())
    out.write(f"::notice title=xentcli::{_command_data(summary)}\n")


def render_junit(report: Renderable, out: TextIO, style: Style) -> None:
    """JUnit XML: one testcase per gate, a failure element for each failed gate."""
    from xml.sax.saxutils import quoteattr  # pulls in urllib: only when asked for

    failures = sum(not gate["passed"] for gate in report.gates)
    tests = len(report.gates)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="xentcli" tests="{tests}" failures="{failures}" errors="0">\n')
    out.write(
        f'  <testsuite name={quoteattr(report.title())} tests="{tests}" '
        f'failures="{failures}" errors="0" skipped="0" time="0">\n'
    )
    out.write("    <properties>\n")
    for name, value in report.summary().items():
        out.write(f"      <property name={quoteattr(name)} value={quoteattr(repr(value))}/>\n")
    out.write("    </properties>\n")
    for gate in report.gates:
        name = quoteattr(f"{gate['metric']} {gate['op']} {gate['limit']!r}")
        out.write(f'    <testcase classname="xentcli.gates" name={name} time="0"')
        if gate["passed"]:
            out.write("/>\n")
            continue
        message = quoteattr(gate_failure(gate))
        out.write(f'>\n      <failure type="gate" message={message}/>\n    </testcase>\n')
    out.write("  </testsuite>\n</testsuites>\n")


def render_table(report: Renderable, out: TextIO, style: Style) -> None:
    """A rich table, then the gates and the notes."""
    from rich.console import Console

    # no_color=None lets rich honour NO_COLOR; --no-color forces it off.
    no_color = None if style.color else True
    console = Console(file=out, no_color=no_color, highlight=False, soft_wrap=True)
    header, rows = report.table()
    console.print(_rich_table(report.title(), header, rows, style))
    for title, extra_header, extra_rows in report.extra_tables():
        console.print(_rich_table(title, extra_header, extra_rows, style))
    for gate in report.gates:
        mark = "[green]pass[/green]" if gate["passed"] else "[bold red]FAIL[/bold red]"
        console.print(
            f"{mark}  {gate['metric']} = {gate['value']!r}, limit {gate['op']} {gate['limit']!r}"
            f"  ({gate['flag']})"
        )
    for note in report.notes():
        console.print(note, style="dim" if note.startswith("signature") else None)


def _rich_table(title: str, header: list[str], rows: list[list[Any]], style: Style) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        numeric = all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        first = i == 0  # the names: never cut short
        widest = max([len(str(row[0])) for row in rows] + [len(name)]) if first else None
        table.add_column(
            name,
            style="bold" if first else "cyan",
            justify="right" if numeric else "left",
            min_width=widest,
            no_wrap=first,
        )
    for row in rows:
        table.add_row(*[_human(v, style.precision) for v in row])
    return table


def gate_failure(gate: dict[str, Any]) -> str:
    """One line for a failed gate: the metric, its full-precision value and the limit."""
    return (
        f"{gate['metric']} = {gate['value']!r} fails {gate['op']} {gate['limit']!r} "
        f"({gate['flag']})"
    )


Renderer = Callable[[Renderable, TextIO, Style], None]

RENDERERS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "jsonl": render_jsonl,
    "csv": render_csv,
    "markdown": render_markdown,
    "github": render_github,
    "junit": render_junit,
}


def _human(value: Any, precision: int) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{precision}f}"
    return str(value)


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"


def _command_data(text: str) -> str:
    """Escape a workflow command's message (GitHub: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _command_property(text: str) -> str:
    """Escape a workflow command's property value (also ':' and ',')."""
    return _command_data(text).replace(":", "%3A").replace(",", "%2C")


def _json_safe(value: Any) -> Any:
    """JSON has no infinity: an overflowing value (perplexity of a huge loss) becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
