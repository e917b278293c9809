"""Where a rendered report goes: stdout, an atomically written file, the GitHub step summary."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TextIO

import click

from xentcli.errors import InputError, UsageError
from xentcli.io.atomic import reason, written
from xentcli.render.formats import RENDERERS, Style, gate_failure, markdown, one_line
from xentcli.render.views import view_of
from xentcli.report.compare import CompareReport
from xentcli.report.evaluation import Report
from xentcli.report.gates import Gated

SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".csv": "csv",
    ".md": "markdown",
    ".xml": "junit",
    ".txt": "table",
    ".html": "html",
    ".htm": "html",
}


def say(text: str) -> None:
    """One line on stderr, whatever a file, column or class name holds (its newlines written
    `\\n`); a closed stderr (2>&-) leaves nowhere to say it, and the exit code still tells."""
    with contextlib.suppress(OSError):
        click.echo(one_line(text), err=True)


def emit(report: Gated, fmt: str, precision: int, color: bool, output: str | None) -> None:
    """Write the report to stdout, or atomically to a file (temp file + rename)."""
    render = RENDERERS[fmt]
    view = view_of(report)
    style = Style(precision=precision, color=color)
    if output is None:
        if sys.stdout is None:
            raise InputError("stdout is closed; pass -o FILE", file="<stdout>")
        try:
            render(view, sys.stdout, style)
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
        except (OSError, ValueError) as exc:  # a full disk, a closed stream
            raise InputError(f"cannot write the report ({reason(exc)})", file="<stdout>") from None
    else:
        with contextlib.suppress(BrokenPipeError):  # `-o /dev/stdout | head`: quiet
            write_atomically(output, lambda out: render(view, out, replace(style, color=False)))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary:
        try:
            with open(summary, "a", encoding="utf-8") as out:
                out.write(markdown(view, style) + "\n")
        except OSError as exc:
            raise InputError(
                f"cannot append the step summary ({reason(exc)}); GITHUB_STEP_SUMMARY names it",
                file=summary,
            ) from None


def write_atomically(output: str, write: Callable[[TextIO], None]) -> None:
    """Write a text file atomically (xentcli.io.atomic: temp file + rename)."""
    with written(output) as path, open(path, "w", encoding="utf-8") as out:
        write(out)


# what each line-oriented format carries of an evaluation's sections (the others carry them all)
CARRIED = {"csv": (), "github": (), "jsonl": ("groups",)}


def sections_left_out(report: Gated, fmt: str) -> list[str]:
    """The sections of an evaluation this format does not carry (said on stderr, never
    silently dropped)."""
    if fmt not in CARRIED or not isinstance(report, Report):
        return []
    return [name for name in report.sections if name not in CARRIED[fmt]]


def output_format(output: str | None) -> str | None:
    """The format an output file's suffix names (-o report.json), or None."""
    if output is None:
        return None
    return SUFFIX_FORMATS.get(os.path.splitext(output)[1].lower())


def notes(report: Gated) -> None:
    """Notes on stderr: how the input was read, rows skipped, ignored or clipped (an eval
    report's; a comparison's, of each model, A and B)."""
    if isinstance(report, CompareReport):
        _notes(report.a, "A: ")
        _notes(report.b, "B: ")
    elif isinstance(report, Report):
        _notes(report, "")


def _notes(report: Report, side: str) -> None:
    for note in report.notes:
        say(f"xentcli: note: {side}{note}")
    rows = report.rows
    if rows.skipped:
        say(f"xentcli: note: {side}skipped {rows.skipped} row(s) with missing values")
    if rows.ignored:
        say(f"xentcli: note: {side}ignored {rows.ignored} row(s) by --ignore-label")
    if report.clipped:
        say(f"xentcli: note: {side}clipped {report.clipped} probabilities to [eps, 1-eps]")


def gate_failures(report: Gated) -> None:
    """Each failed gate on stderr: metric, full-precision value, limit."""
    for gate in report.gates:
        if not gate.passed:
            say(f"xentcli: gate failed: {gate_failure(gate)}")


def silence_stdout() -> None:
    """After a closed pipe (| head), point stdout at devnull so the exit flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def plot_report(document: dict[str, Any], name: str, kinds: tuple[str, ...], output: str) -> None:
    """`xentcli plot`: the charts of a saved report into one PNG, SVG or PDF file, atomically."""
    from xentcli.render.figures import KINDS, DamagedReport, figures, missing
    from xentcli.render.plot import FILE_FORMATS, save

    fmt = os.path.splitext(output)[1].lower().lstrip(".")
    if fmt not in FILE_FORMATS:
        raise UsageError(
            f"-o {output}: name a .png, .svg or .pdf file (the suffix picks the format)"
        )
    wanted = KINDS if not kinds or "all" in kinds else tuple(dict.fromkeys(kinds))
    lacking = [] if wanted == KINDS else missing(document, wanted)
    if lacking:
        raise InputError("cannot draw: " + "; ".join(lacking), file=name)
    try:
        charts = figures(document, wanted)
    except DamagedReport as exc:
        raise InputError(f"cannot draw: {exc}", file=name) from None
    if not charts:
        raise InputError(
            "nothing to draw: the report has no calibration, confusion_matrix, curves or groups "
            "section (eval with --calibration, --per-class, --auc or --by COL)",
            file=name,
        )
    with written(output) as path:
        save(charts, path, fmt)
