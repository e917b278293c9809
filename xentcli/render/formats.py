"""The formats: a report's View in, text out (docs/reports.md). Only here is rich imported; machine
formats never use it."""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from xentcli.render.views import View
from xentcli.report.gates import GateResult


@dataclass(frozen=True)
class Style:
    """How a human-facing renderer should look."""

    precision: int = 6
    color: bool = True


def render_json(view: View, out: TextIO, style: Style) -> None:
    """The report's JSON document (schema version 1), full precision, by the json module."""
    try:  # most reports hold no infinity: written as they are, without a pass to look
        text = json.dumps(view.document, indent=2, allow_nan=False)
    except ValueError:
        text = json.dumps(_json_safe(view.document), indent=2, allow_nan=False)
    out.write(text + "\n")


def render_jsonl(view: View, out: TextIO, style: Style) -> None:
    """One JSON object per line: one per metric (eval) or per compared metric (diff)."""
    for record in view.records:
        out.write(json.dumps(_json_safe(record), allow_nan=False) + "\n")


def render_csv(view: View, out: TextIO, style: Style) -> None:
    """The main table as CSV, numbers at full precision."""
    header, rows = view.header, view.rows
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(
        [["" if v is None else repr(v) if isinstance(v, float) else v for v in row] for row in rows]
    )


def render_markdown(view: View, out: TextIO, style: Style) -> None:
    """A GitHub-flavoured markdown section fit for a PR comment or a step summary."""
    out.write(markdown(view, style))


def markdown(view: View, style: Style) -> str:
    """The markdown text of a report."""
    header, rows = [_md_text(h) for h in view.header], view.rows
    lines = [f"### {_md_text(view.title)}", "", _md_row(header), _md_row(["---"] * len(header))]
    lines += [_md_row([_md_text(_human(v, style.precision)) for v in row]) for row in rows]
    for title, extra_header, extra_rows in view.extra_tables:
        lines += [
            "",
            f"**{_md_text(title)}**",
            "",
            _md_row([_md_text(h) for h in extra_header]),
            _md_row(["---"] * len(extra_header)),
        ]
        lines += [
            _md_row([_md_text(_human(v, style.precision)) for v in row]) for row in extra_rows
        ]
    if view.gates:
        lines += ["", _md_row(["gate", "value", "limit", "result"]), _md_row(["---"] * 4)]
        for gate in view.gates:
            verdict = "✅ pass" if gate.passed else "❌ fail"
            lines.append(
                _md_row(
                    [
                        f"`{gate.flag}`",
                        repr(gate.value),
                        f"{gate.op} {gate.limit!r}",
                        verdict,
                    ]
                )
            )
    lines += [""] + [f"<sub>{_md_text(note)}</sub>  " for note in view.notes] + [""]
    return "\n".join(lines)


def render_github(view: View, out: TextIO, style: Style) -> None:
    """GitHub Actions workflow commands: an ::error per failed gate, a ::notice with the metrics."""
    for gate in view.gates:
        if not gate.passed:
            title = _command_property(f"xentcli ({gate.metric})")
            out.write(f"::error title={title}::{_command_data(gate_failure(gate))}\n")
    summary = ", ".join(f"{k}={_human(v, style.precision)}" for k, v in view.summary.items())
    out.write(f"::notice title=xentcli::{_command_data(summary)}\n")


def render_junit(view: View, out: TextIO, style: Style) -> None:
    """JUnit XML: one testcase per gate, a failure element for each failed gate."""
    from xml.sax.saxutils import quoteattr as quoted  # pulls in urllib: only when asked for

    def quoteattr(text: str) -> str:  # a class or file name may hold what XML cannot
        return quoted(NOT_XML.sub(lambda c: f"\\x{ord(c.group()):02x}", text))

    failures = sum(not gate.passed for gate in view.gates)
    tests = len(view.gates)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(f'<testsuites name="xentcli" tests="{tests}" failures="{failures}" errors="0">\n')
    out.write(
        f'  <testsuite name={quoteattr(view.title)} tests="{tests}" '
        f'failures="{failures}" errors="0" skipped="0" time="0">\n'
    )
    out.write("    <properties>\n")
    for name, value in view.summary.items():
        out.write(f"      <property name={quoteattr(name)} value={quoteattr(repr(value))}/>\n")
    out.write("    </properties>\n")
    for gate in view.gates:
        name = quoteattr(f"{gate.metric} {gate.op} {gate.limit!r}")
        out.write(f'    <testcase classname="xentcli.gates" name={name} time="0"')
        if gate.passed:
            out.write("/>\n")
            continue
        message = quoteattr(gate_failure(gate))
        out.write(f'>\n      <failure type="gate" message={message}/>\n    </testcase>\n')
    out.write("  </testsuite>\n</testsuites>\n")


def render_table(view: View, out: TextIO, style: Style) -> None:
    """A rich table, then the gates and the notes."""
    from rich.console import Console
    from rich.markup import escape

    # no_color=None lets rich honour NO_COLOR; --no-color forces it off.
    no_color = None if style.color else True
    console = Console(file=_encodable(out), no_color=no_color, highlight=False, soft_wrap=True)
    console.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]  # rich would exit 1
    header, rows = view.header, view.rows
    console.print(_rich_table(view.title, header, rows, style, console.width, view.prose))
    for title, extra_header, extra_rows in view.extra_tables:
        console.print(_rich_table(title, extra_header, extra_rows, style, console.width))
    for gate in view.gates:
        mark = "[green]pass[/green]" if gate.passed else "[bold red]FAIL[/bold red]"
        said = f"{gate.metric} = {gate.value!r}, limit {gate.op} {gate.limit!r}  ({gate.flag})"
        console.print(f"{mark}  {escape(said)}")
    for note in view.notes:  # notes name files and columns: `[b]` is text, not markup
        dim = "dim" if note.startswith("signature") else None
        console.print(one_line(note), style=dim, markup=False)


class _Lossy:
    """A text stream whose encoding cannot hold every character (PYTHONIOENCODING=ascii): what
    it cannot encode is written as '?' rather than failing the run."""

    def __init__(self, out: TextIO, encoding: str) -> None:
        self.out, self.encoding = out, encoding

    def write(self, text: str) -> int:
        return self.out.write(text.encode(self.encoding, "replace").decode(self.encoding))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


def _encodable(out: TextIO) -> Any:
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "·█—┃".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return _Lossy(out, encoding)
    return out


def _broken_pipe() -> None:
    """A closed pipe (| head) is the caller's to handle quietly, not rich's exit 1."""
    raise BrokenPipeError


def _rich_table(
    title: str,
    header: list[str],
    rows: list[list[Any]],
    style: Style,
    width: int,
    prose: tuple[int, ...] = (),
) -> Any:
    from rich.table import Table
    from rich.text import Text

    # Text, not markup: a file, column, class or kept value may hold `[b]` or `[/x]`
    cells = [[_human(v, style.precision) for v in row] for row in rows]
    names = list(map(one_line, header))
    values = [max([_cells(row[i]) for row in cells], default=0) for i in range(len(names))]
    headers = _fitted(names, values, width)
    table = Table(title=Text(one_line(title)), title_justify="left")
    for i, name in enumerate(names):
        numeric = all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        shown = headers[i]
        # no value is ever cut short or wrapped ("0.243…"): a column is at least as wide as its
        # widest value, and only the header folds; a table wider than the terminal stays whole
        longest = max(map(_cells, shown.split("\n")))
        widest = max(values[i], min(longest, 12))  # headers fold past 12
        if i == 0:
            widest = max(widest, _cells(name))
        elif i in prose:  # sentences wrap at spaces, never inside a word
            words = [_cells(word) for row in cells for word in row[i].split()]
            widest = max([longest, *words])
        table.add_column(
            Text(shown),
            style="bold" if i == 0 else "cyan",
            justify="right" if numeric else "left",
            min_width=widest,
            overflow="fold",
        )
    for row in cells:
        table.add_row(*map(Text, row))
    return table


def _fitted(names: list[str], values: list[int], width: int) -> list[str]:
    """Headers for a table `width` wide: while it is wider, the longest header (not the first
    column's) is broken after its underscores (`average_` / `precision`), not inside a word."""
    headers = list(names)

    def wide() -> int:
        lines = (max(map(_cells, h.split("\n"))) for h in headers)
        return sum(max(v, n) + 3 for v, n in zip(values, lines, strict=True)) + 1

    for i in sorted(range(1, len(names)), key=lambda i: -_cells(names[i])):
        if wide() <= width:
            break
        headers[i] = _broken(names[i], values[i])
    return headers


def _broken(name: str, width: int) -> str:
    """A header on lines broken after underscores, each as long as the column's values or its
    longest part allow: `average_precision` over values 8 wide is `average_` / `precision`."""
    parts = re.findall(r"[^_]*_+|[^_]+", name)
    room = max(width, *map(_cells, parts)) if parts else width
    lines = [""]
    for part in parts:
        if lines[-1] and _cells(lines[-1] + part) > room:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def _cells(text: str) -> int:
    """Terminal cells a text takes: a CJK character or an emoji takes two."""
    from rich.cells import cell_len

    return cell_len(text)


def gate_failure(gate: GateResult) -> str:
    """One line for a failed gate: the metric, its full-precision value and the limit."""
    worst = f", worst: {gate.worst}" if gate.worst is not None else ""
    return f"{gate.metric} = {gate.value!r} fails {gate.op} {gate.limit!r} ({gate.flag}{worst})"


def render_html(view: View, out: TextIO, style: Style) -> None:
    """One self-contained HTML page: tables, gates and the charts as inline SVG."""
    from xentcli.render.html import html_page  # matplotlib only when there is a chart

    out.write(html_page(view, style.precision))


# characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates, U+FFFE and
# U+FFFF): XML's Char range, complemented (the negated class of its ranges compiles in 4 ms)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Renderer = Callable[[View, TextIO, Style], None]

RENDERERS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "jsonl": render_jsonl,
    "csv": render_csv,
    "markdown": render_markdown,
    "github": render_github,
    "junit": render_junit,
    "html": render_html,
}


HTML_LIKE = re.compile(r"<(?=[A-Za-z/!?])|&(?=#?\w+;)")  # a tag's or an entity's start


def _human(value: Any, precision: int) -> str:
    """A cell of a table for people: floats at the precision, and text on one line (a kept
    column's newlines written `\\n`, so a row stays a row in the terminal and in markdown)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"  # no value, as JSON's null (an empty group's macro F1)
    if isinstance(value, float):
        return f"{value:.{precision}f}"
    return one_line(value)


def one_line(text: Any) -> str:
    """Text on one line: a class, column or file name's newlines written `\\n` (a row of a
    table stays a row)."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def _md_text(text: str) -> str:
    """Text as markdown shows it: on one line (`\\n` for a newline), and what a renderer would
    take for an HTML tag or entity (a class named `<unk>`, `&amp;`) escaped; `<=` and a lone
    `&` stay as they are."""
    return HTML_LIKE.sub(lambda m: "&lt;" if m.group() == "<" else "&amp;", one_line(text))


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
