"""The HTML report (`--format html`, `-o report.html`, a notebook's display): one self-contained
page — inline CSS and inline SVG, no script, no network — with the summary, the metrics and their
intervals, the gates, every chart the report has numbers for (render/figures.py, drawn by
render/plot.py) and its tables (docs/reports.md#html)."""

from __future__ import annotations

import math
from html import escape
from typing import Any

from xentcli.render.figures import figures
from xentcli.render.views import View

WIDE = ("confusion",)  # charts a row of their own
CSS = """
.xentcli { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
  max-width: 1180px; margin: 0 auto; padding: 16px 24px; line-height: 1.4; }
.xentcli h1 { font-size: 1.35em; margin: 0 0 4px; word-break: break-all; }
.xentcli h2 { font-size: 1.1em; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de;
  padding-bottom: 4px; }
.xentcli .summary { color: #57606a; margin: 0 0 12px; }
.xentcli .signature { font-family: ui-monospace, monospace; font-size: 0.8em; color: #57606a;
  word-break: break-all; }
.xentcli table { border-collapse: collapse; font-size: 0.9em; margin: 6px 0; }
.xentcli th, .xentcli td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; }
.xentcli th { background: #f6f8fa; }
.xentcli td.number { text-align: right; font-variant-numeric: tabular-nums; }
.xentcli .pass { color: #1a7f37; font-weight: 600; }
.xentcli .fail { color: #cf222e; font-weight: 600; }
.xentcli .verdict { display: inline-block; padding: 2px 10px; border-radius: 12px; color: white;
  font-weight: 600; }
.xentcli .verdict.pass { background: #1a7f37; color: white; }
.xentcli .verdict.fail { background: #cf222e; color: white; }
.xentcli .charts { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: flex-start; }
.xentcli figure { margin: 8px 0 16px; }
.xentcli figure.narrow { width: 540px; max-width: 100%; }
.xentcli figure.wide { width: 100%; }
.xentcli figure svg { max-width: 100%; height: auto; }
.xentcli figcaption { color: #57606a; font-size: 0.85em; }
.xentcli .notes li { color: #57606a; }
.xentcli .scroll { max-height: 480px; max-width: 100%; overflow: auto; display: inline-block; }
"""


def html_page(view: View, precision: int = 6) -> str:
    """The whole HTML document of a report."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(view.title)}</title>\n</head>\n<body>\n"
        f"{html_body(view, precision)}\n</body>\n</html>\n"
    )


def html_body(view: View, precision: int = 6) -> str:
    """The report as one <div class="xentcli"> with its own style (a notebook cell shows it)."""
    document = view.document
    parts = [f"<h1>{escape(view.title)}</h1>", _summary(document)]
    if view.gates:
        parts.append(_gates(view))
    parts.append("<h2>Metrics</h2>")
    parts.append(_table(view.header, view.rows, precision))
    charts = figures(document) if "metrics" in document else []
    if charts:
        from xentcli.render.plot import svg

        parts.append('<h2>Charts</h2><div class="charts">')
        for chart in sorted(charts, key=lambda c: c.kind in WIDE):  # narrow ones pair up first
            caption = f"<figcaption>{escape(chart.note)}</figcaption>" if chart.note else ""
            size = "wide" if chart.kind in WIDE else "narrow"
            parts.append(
                f'<figure class="{size}" data-chart="{chart.kind}" id="chart-{chart.kind}">'
                f"{svg(chart)}{caption}</figure>"
            )
        parts.append("</div>")
    for title, header, rows in view.extra_tables:
        parts.append(f"<h2>{escape(title[:1].upper() + title[1:])}</h2>")
        if "accuracy bar" in header:  # the text bars of the terminal; the chart draws them
            at = header.index("accuracy bar")
            header = header[:at] + header[at + 1 :]
            rows = [row[:at] + row[at + 1 :] for row in rows]
        parts.append(f'<div class="scroll">{_table(header, rows, precision)}</div>')
    if view.notes:
        items = "".join(_note(note) for note in view.notes)
        parts.append(f'<h2>Notes</h2><ul class="notes">{items}</ul>')
    return f'<div class="xentcli"><style>{CSS}</style>' + "\n".join(parts) + "</div>"


def _summary(document: dict[str, Any]) -> str:
    """Task, inputs and rows in one line; the pass/fail verdict where there are gates."""
    bits = []
    if "task" in document:
        bits.append(f"task <b>{escape(str(document['task']))}</b>")
    rows = document.get("rows")
    if isinstance(rows, dict):
        bits.append(f"{rows.get('used', 0):,} of {rows.get('read', 0):,} rows used")
    inputs = document.get("inputs")
    if isinstance(inputs, dict) and inputs.get("labels"):
        bits.append(f"labels {escape(str(inputs['labels']))}")
    if document.get("gates"):
        passed = document.get("passed")
        bits.append(
            f'<span class="verdict {"pass" if passed else "fail"}">'
            f"{'gates passed' if passed else 'gates failed'}</span>"
        )
    return f'<p class="summary">{" · ".join(bits)}</p>' if bits else ""


def _gates(view: View) -> str:
    header = ["gate", "value", "limit", "result", "worst"]
    rows = []
    for gate in view.gates:
        result = (
            '<span class="pass">pass</span>' if gate.passed else '<span class="fail">fail</span>'
        )
        rows.append(
            "<tr>"
            f'<td>{escape(gate.flag)}</td><td class="number">{escape(repr(gate.value))}</td>'
            f'<td class="number">{gate.op} {escape(repr(gate.limit))}</td><td>{result}</td>'
            f"<td>{escape(str(gate.worst)) if gate.worst is not None else ''}</td></tr>"
        )
    head = "".join(f"<th>{h}</th>" for h in header)
    return (
        f"<h2>Gates</h2><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _note(note: str) -> str:
    if note.startswith("signature: "):
        return f'<li class="signature">{escape(note)}</li>'
    return f"<li>{escape(note)}</li>"


def _table(header: list[str], rows: list[list[Any]], precision: int) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v, precision) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any, precision: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '<td class="number">—</td>'
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, float):
        shown = f"{value:.{precision}f}" if math.isfinite(value) else str(value)
        return f'<td class="number">{shown}</td>'
    if isinstance(value, int):
        return f'<td class="number">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def report_html(report: Any) -> str:
    """A report (of any kind) as the HTML body: what a notebook displays."""
    from xentcli.render.views import view_of

    return html_body(view_of(report))
