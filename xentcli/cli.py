"""The command line: flags → one EvalOptions → evaluate() → a renderer → an exit code."""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from typing import Any

import click

from xentcli.errors import XentError
from xentcli.evaluate import evaluate_with
from xentcli.options import MACHINE_EPS, EvalOptions
from xentcli.render import RENDERERS, Style
from xentcli.report import Report
from xentcli.version import __version__

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPT = 0, 1, 2, 3, 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xentcli")
def cli() -> None:
    """Evaluate ML predictions stored in CSV or Parquet files: exact, streaming, CI-ready.

    Exit codes: 0 report produced; 1 a gate failed; 2 usage or input error; 3 internal error.
    """


@cli.command("eval")
@click.argument("predictions", metavar="PREDICTIONS")
@click.option(
    "--labels",
    "labels_path",
    metavar="FILE",
    help="Labels in a second file, paired with PREDICTIONS row by row.",
)
@click.option(
    "--label-col",
    metavar="COL",
    help="Label column (default: first of label, labels, target, y, y_true, class, truth).",
)
@click.option(
    "--pred-col",
    metavar="COLS",
    help="Prediction column(s): a name, a comma list, or a glob such as 'p_*' (default: detected).",
)
@click.option("--weight-col", metavar="COL", help="Sample weights: every mean becomes Σwℓ/Σw.")
@click.option("--task", type=click.Choice(["binary", "multiclass"]), help="Force the task.")
@click.option(
    "--logits", is_flag=True, help="Predictions are raw scores (log-sigmoid/log-softmax)."
)
@click.option("--positive", metavar="VALUE", help="Binary: the label value of the positive class.")
@click.option("--classes", metavar="A,B,C", help="Class names, one per prediction column.")
@click.option(
    "--eps",
    type=float,
    default=MACHINE_EPS,
    show_default=True,
    help="Clip probabilities to [eps, 1-eps] before the log.",
)
@click.option(
    "--sum-tol",
    type=float,
    default=1e-4,
    show_default=True,
    help="Largest allowed |row sum - 1| of multiclass probabilities.",
)
@click.option("--renormalize", is_flag=True, help="Divide each probability row by its sum.")
@click.option(
    "--nan",
    "nan_policy",
    type=click.Choice(["error", "skip"]),
    default="error",
    show_default=True,
    help="Missing or non-finite values: fail, or drop those rows.",
)
@click.option(
    "--ignore-label",
    metavar="VALUE",
    help="Drop rows with this label (like PyTorch's ignore_index).",
)
@click.option(
    "--threshold",
    type=float,
    default=0.5,
    show_default=True,
    help="Binary error: predicted positive when p > threshold.",
)
@click.option(
    "--chunk-rows",
    type=click.IntRange(min=1),
    help="Rows per compute chunk [default: 65536 for one prediction column, about 160k values "
    "per chunk for more, at least 4096].",
)
@click.option(
    "--input-format",
    type=click.Choice(["csv", "tsv", "parquet"]),
    help="Override the format detected from the file name.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="table",
    envvar="XENTCLI_FORMAT",
    show_default=True,
    help="Report format (env XENTCLI_FORMAT).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the report to FILE (atomically) instead of stdout.",
)
@click.option(
    "--precision",
    type=click.IntRange(0, 17),
    default=6,
    show_default=True,
    help="Digits after the point in the table (JSON keeps full precision).",
)
@click.option("--no-color", is_flag=True, help="No colour in the table (NO_COLOR works too).")
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def eval_command(
    predictions: str,
    labels_path: str | None,
    nan_policy: str,
    fmt: str,
    as_json: bool,
    output: str | None,
    precision: int,
    no_color: bool,
    quiet: bool,
    debug: bool,
    classes: str | None,
    **options: Any,
) -> None:
    """Evaluate PREDICTIONS (a CSV/TSV/Parquet file, or - for CSV on stdin) and print a report."""
    opts = EvalOptions.from_kwargs({**options, "nan": nan_policy, "classes": classes})
    report = evaluate_with(predictions, labels_path, opts)
    if not quiet:
        _notes(report)
    style = Style(precision=precision, color=not no_color)
    _emit(report, "json" if as_json else fmt, style, output)
    sys.exit(exit_code(report))


def exit_code(report: Report) -> int:
    """The one place that maps a report to an exit code."""
    return EXIT_OK if report.passed else EXIT_GATE


def _notes(report: Report) -> None:
    rows = report.rows
    if rows.skipped:
        click.echo(f"xentcli: note: skipped {rows.skipped} row(s) with missing values", err=True)
    if rows.ignored:
        click.echo(f"xentcli: note: ignored {rows.ignored} row(s) by --ignore-label", err=True)
    if report.clipped:
        click.echo(
            f"xentcli: note: clipped {report.clipped} probabilities to [eps, 1-eps]", err=True
        )


def _emit(report: Report, fmt: str, style: Style, output: str | None) -> None:
    """Write the report to stdout, or atomically to a file (temp file + rename)."""
    render = RENDERERS[fmt]
    if output is None:
        try:
            render(report, sys.stdout, style)
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        return
    folder = os.path.dirname(os.path.abspath(output))
    with tempfile.NamedTemporaryFile(
        "w", dir=folder, prefix=".xentcli-", suffix=".tmp", delete=False, encoding="utf-8"
    ) as tmp:
        try:
            render(report, tmp, Style(precision=style.precision, color=False))  # type: ignore[arg-type]
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    os.replace(tmp.name, output)


def _silence_stdout() -> None:
    """After a closed pipe (| head), point stdout at devnull so the exit flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to its exit code and one line on stderr."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="xentcli", standalone_mode=False)
        code = EXIT_OK
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("", err=True)
        code = EXIT_INTERRUPT
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        click.echo(f"xentcli: error: {exc.format_message()}{hint}", err=True)
        code = EXIT_USAGE
    except XentError as exc:
        click.echo(f"xentcli: error: {exc}", err=True)
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = EXIT_INTERRUPT
    except BrokenPipeError:
        _silence_stdout()
        code = EXIT_OK
    except Exception as exc:  # a bug: short message, traceback only on request
        if "--debug" in args:
            traceback.print_exc()
        click.echo(
            f"xentcli: internal error: {type(exc).__name__}: {exc} "
            "(a bug; rerun with --debug for the traceback and please report it)",
            err=True,
        )
        code = EXIT_INTERNAL
    sys.exit(code)
