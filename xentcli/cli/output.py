"""Where a rendered report goes: stdout, an atomically written file, the GitHub step summary."""

from __future__ import annotations

import os
import sys
import tempfile

import click

from xentcli.render.formats import RENDERERS, Style, gate_failure, markdown
from xentcli.render.views import view_of
from xentcli.report.evaluation import Report
from xentcli.report.gates import Gated


def emit(report: Gated, fmt: str, precision: int, color: bool, output: str | None) -> None:
    """Write the report to stdout, or atomically to a file (temp file + rename)."""
    render = RENDERERS[fmt]
    view = view_of(report)
    style = Style(precision=precision, color=color)
    if output is None:
        try:
            render(view, sys.stdout, style)
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
    else:
        folder = os.path.dirname(os.path.abspath(output))
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".xentcli-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                render(view, out, Style(precision=precision, color=False))
            os.replace(temporary, output)
        except BaseException:
            os.unlink(temporary)
            raise
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        with open(summary, "a", encoding="utf-8") as out:
            out.write(markdown(view, style) + "\n")


def notes(report: Gated) -> None:
    """Notes on stderr about rows skipped, ignored or clipped (eval reports)."""
    if not isinstance(report, Report):
        return
    rows = report.rows
    if rows.skipped:
        click.echo(f"xentcli: note: skipped {rows.skipped} row(s) with missing values", err=True)
    if rows.ignored:
        click.echo(f"xentcli: note: ignored {rows.ignored} row(s) by --ignore-label", err=True)
    if report.clipped:
        click.echo(
            f"xentcli: note: clipped {report.clipped} probabilities to [eps, 1-eps]", err=True
        )


def gate_failures(report: Gated) -> None:
    """Each failed gate on stderr: metric, full-precision value, limit."""
    for gate in report.gates:
        if not gate.passed:
            click.echo(f"xentcli: gate failed: {gate_failure(gate)}", err=True)


def silence_stdout() -> None:
    """After a closed pipe (| head), point stdout at devnull so the exit flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
