"""The command line: flags → one EvalOptions → evaluate() → a renderer → an exit code."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

import click
import numpy as np

from xentcli.api import check_same_labels, evaluate_with, inspect_input
from xentcli.cli.flags import (
    bootstrap_options,
    column_options,
    gate_options,
    output_options,
    ranking_options,
    row_options,
    scoring_options,
)
from xentcli.cli.heap import keep_freed_memory
from xentcli.cli.output import (
    emit,
    gate_failures,
    notes,
    output_format,
    plot_report,
    say,
    sections_left_out,
    silence_stdout,
)
from xentcli.cli.settings import GATE_TABLES, Settings, find_config, load_settings
from xentcli.errors import UsageError, XentError, resource_error
from xentcli.io.atomic import refuse_to_overwrite
from xentcli.io.open import readable_twice
from xentcli.io.text import STDIN
from xentcli.options import EvalOptions
from xentcli.render.figures import KINDS
from xentcli.render.progress import ProgressBar
from xentcli.report.compare import compare_reports, fail_if_worse
from xentcli.report.diff import diff_reports, load_report
from xentcli.report.evaluation import Report
from xentcli.report.gates import (
    Gate,
    Gated,
    apply_gates,
    bound_gates,
    increase_gates,
    parse_number,
    sections_asked,
    split_assignment,
)
from xentcli.report.schema import SCHEMAS, schema_text
from xentcli.version import __version__

EXIT_OK, EXIT_GATE, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPT = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, as a shell reports a process the signal ended
SETTINGS_COMMANDS = ("eval", "inspect", "compare", "diff")
FILES = click.Path()  # a path (or '-', a glob, a URL): completes as file names in a shell
DEFAULT_REPLICATES = 1000  # --bootstrap when a gate names intervals and none was asked for
NOT_IN_CONFIG = {"predictions", "config", "debug", "maxima", "minima", "increases"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xentcli")
def cli() -> None:
    """Evaluate ML predictions stored in files (CSV/TSV, Parquet, Arrow, JSON lines, pandas'
    JSON; a file, a directory, a glob or stdin): exact, streaming, CI-ready.

    Exit codes: 0 report produced; 1 a gate failed; 2 usage or input error; 3 internal error.
    """


@cli.command("eval")
@click.argument("predictions", metavar="PREDICTIONS", type=FILES)
@column_options
@scoring_options
@row_options
@bootstrap_options(
    None,
    "Percentile intervals for every metric from N Poisson(1) bootstrap replicates, in one pass.",
)
@gate_options
@output_options
def eval_command(**params: Any) -> None:
    """Evaluate PREDICTIONS — a file (CSV, TSV, Parquet, Arrow/Feather, ORC, JSON lines, a JSON
    document as pandas' to_json writes it, maybe compressed; numpy's .npy and .npz, PyTorch's
    .pt, .safetensors), a directory or quoted glob of files, or - for stdin — and print a
    report."""
    _output_is_no_input(params)
    gates = _gates(params)
    opts = _with_sections(_options(params), gates)
    bar = None
    if not params["quiet"] and sys.stderr is not None and sys.stderr.isatty():
        bar = ProgressBar(f"xentcli eval {params['predictions']}")
    try:
        report = evaluate_with(params["predictions"], params["labels"], opts, bar, gates)
    finally:
        if bar is not None:
            bar.close()
    _finish(report, params)


@cli.command("diff")
@click.argument("old", metavar="OLD.json", type=FILES)
@click.argument("new", metavar="NEW.json", type=FILES)
@click.option("--all", "show_all", is_flag=True, help="List unchanged metrics too.")
@gate_options
@output_options
def diff_command(**params: Any) -> None:
    """Compare two JSON reports metric by metric: old, new, change, change %.

    --max/--min check NEW; --max-increase compares NEW with OLD (or with --baseline).
    """
    _output_is_no_input(params)
    old, new = load_report(params["old"]), load_report(params["new"])
    if params["baseline"] is None:
        params["baseline_report"] = old
    gates = _gates(params)
    report = apply_gates(
        diff_reports(params["old"], params["new"], old, new, params["show_all"]), gates
    )
    if not params["quiet"] and not _table_on_the_terminal(params):
        for warning in report.warnings:  # else the table says them
            say(f"xentcli: warning: {warning}")
    _finish(report, params)


@cli.command("inspect")
@click.argument("path", metavar="PATH", type=FILES)
@column_options
@output_options
def inspect_command(**params: Any) -> None:
    """Show how PATH would be read — format, columns and types, rows when cheap, task, label and
    prediction columns, classes, the label rule, and the flag that changes each — without
    computing metrics."""
    _output_is_no_input(params)
    report = inspect_input(params["path"], params["labels"], _options(params))
    _finish(report, params | {"exit_zero": False})  # raises the failure after the columns


@cli.command("compare")
@click.argument("pred_a", metavar="PRED_A", type=FILES)
@click.argument("pred_b", metavar="PRED_B", type=FILES)
@column_options
@bootstrap_options(1000, "Paired bootstrap replicates; a verdict needs p < 1 - confidence.")
@ranking_options
@click.option(
    "--fail-if-worse",
    is_flag=True,
    help="Exit 1 when B is significantly worse than A on any metric.",
)
@gate_options
@output_options
def compare_command(**params: Any) -> None:
    """Compare two models' predictions on the same rows (and --labels): both reports, each
    metric's difference B − A, its paired-bootstrap interval, p-value and verdict.

    --max/--min check B; --max-increase compares B with A.
    """
    _output_is_no_input(params)
    opts = _options(params)
    if [params[read] for read in ("pred_a", "pred_b", "labels")].count(STDIN) > 1:
        raise UsageError("stdin ('-') holds one input: give it for one of A, B and --labels")
    for read in ("pred_a", "pred_b", "labels"):  # each is read twice: stdin, a pipe copied
        given = opts.input_format if read != "labels" else None  # --input-format: predictions'
        params[read] = readable_twice(params[read], given, opts.tmp_dir)
    if params["labels"] is None and opts.on is not None:
        # each file holds its labels, joined on a key: B is scored against A's labels, and
        # both resample by A's rows (docs/reports.md#compare)
        a = evaluate_with(params["pred_a"], None, dataclasses.replace(opts, on=None))
        b = evaluate_with(params["pred_b"], params["pred_a"], opts)
    else:
        if params["labels"] is None:  # each file holds its labels: the same rows, in order
            check_same_labels(params["pred_a"], params["pred_b"], opts)
        a = evaluate_with(params["pred_a"], params["labels"], opts)
        b = evaluate_with(params["pred_b"], params["labels"], opts)
    report = compare_reports(a, b, params["seed"], params["confidence"])
    params["baseline_report"] = a.to_dict() if params["baseline"] is None else None
    gates = _gates(params)
    if params["fail_if_worse"]:
        gates += fail_if_worse(report, params["confidence"])
    _finish(apply_gates(report, gates), params)


@cli.command("plot")
@click.argument("report", metavar="REPORT.json", type=FILES)
@click.option(
    "--kind",
    "kinds",
    type=click.Choice([*KINDS, "all"], case_sensitive=False),
    multiple=True,
    help="The chart(s) to draw (repeatable) [default: all the report has numbers for].",
)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    required=True,
    help="FILE.png, FILE.svg or FILE.pdf (a PDF has a page per chart); written atomically.",
)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def plot_command(report: str, kinds: tuple[str, ...], output: str, debug: bool) -> None:
    """Draw the charts of a saved JSON report (eval --json; '-' reads it from stdin):
    reliability diagram, confusion matrix, ROC and PR curves, per-group metrics. Needs
    matplotlib: pip install 'xentcli[plot]'.
    """
    _output_is_no_input({"report": report, "output": output})
    plot_report(load_report(report), "<stdin>" if report == "-" else report, kinds, output)


@cli.command("schema")
@click.argument(
    "kind",
    type=click.Choice(list(SCHEMAS), case_sensitive=False),
    default="report",
    metavar="[KIND]",
)
def schema_command(kind: str) -> None:
    """Print the JSON Schema of KIND: report (the default), diff, compare or inspect."""
    click.echo(schema_text(kind), nl=False)


INPUTS = {  # parameter → how an error names it
    "predictions": "predictions",
    "labels": "labels",
    "path": "inspected",
    "old": "OLD.json",
    "new": "NEW.json",
    "pred_a": "PRED_A",
    "pred_b": "PRED_B",
    "report": "REPORT.json",
    "rows_out": "--rows-out",
}


def _output_is_no_input(params: dict[str, Any]) -> None:
    """-o naming one of the command's inputs (or the --rows-out file) would replace it."""
    if params.get("output"):
        inputs = {name: params.get(key) for key, name in INPUTS.items()}
        refuse_to_overwrite(params["output"], "-o", inputs)


def _options(params: dict[str, Any]) -> EvalOptions:
    """The command's EvalOptions from its parameters (flags, environment, settings file)."""
    names = {f.name for f in dataclasses.fields(EvalOptions)}
    return EvalOptions.from_kwargs({k: v for k, v in params.items() if k in names})


def _with_sections(opts: EvalOptions, gates: list[Gate]) -> EvalOptions:
    """A gate on a section not asked for turns the section on (docs/ci.md#gate-paths)."""
    asked = sections_asked(gates)
    if "groups" in asked and not opts.by:
        raise UsageError("a gate on groups.… needs the groups: pass --by COL")
    turned: dict[str, Any] = {}
    if "calibration" in asked:
        turned["calibration"] = True
    if "per_class" in asked:
        turned["per_class"] = True
    if "intervals" in asked and opts.bootstrap is None:
        turned["bootstrap"] = DEFAULT_REPLICATES
    return dataclasses.replace(opts, **turned) if turned else opts


def _gates(params: dict[str, Any]) -> list[Gate]:
    """Gates from the settings file, overridden metric by metric by the command line: the one
    place every command reads its gates."""
    settings: Settings = click.get_current_context().obj or Settings()
    tables: dict[str, dict[str, str]] = {}
    for key, flag, texts in (
        ("max", "--max", params["maxima"]),
        ("min", "--min", params["minima"]),
        ("max_increase", "--max-increase", params["increases"]),
    ):
        merged = dict(settings.gates.get(key, {}))
        merged.update(split_assignment(text, flag) for text in texts)
        tables[key] = merged
    joined = {key: [f"{m}={v}" for m, v in table.items()] for key, table in tables.items()}
    baseline = params.get("baseline_report")
    if params["baseline"] is not None:
        baseline = load_report(params["baseline"])
    metrics = baseline["metrics"] if baseline is not None else None
    name = params["baseline"] or params.get("old")
    return bound_gates(joined["max"], joined["min"]) + increase_gates(
        joined["max_increase"], metrics, name
    )


def _format(params: dict[str, Any]) -> str:
    """The report's format: --json, --format, or -o's suffix when --format is not given."""
    fmt: str = "json" if params["json_format"] else params["format"]
    source = click.get_current_context().get_parameter_source("format")
    if not params["json_format"] and source == click.core.ParameterSource.DEFAULT:
        fmt = output_format(params["output"]) or fmt  # -o report.json: JSON
    return fmt


def _table_on_the_terminal(params: dict[str, Any]) -> bool:
    """Whether the report is a table on the terminal, which shows its notes and warnings: then
    they are not said twice, on stderr too."""
    if _format(params) != "table" or params["output"] is not None or sys.stdout is None:
        return False  # sys.stdout is None where stdout is closed (>&-): that is said later
    try:
        return sys.stdout.isatty()
    except ValueError:  # a closed stream
        return False


def _finish(report: Gated, params: dict[str, Any]) -> None:
    """Render, tell the gate failures, exit with the policy's code."""
    shown = isinstance(report, Report) and _table_on_the_terminal(params)  # its notes in it
    if not params["quiet"] and not shown:
        notes(report)
    fmt = _format(params)
    left_out = sections_left_out(report, fmt)
    if left_out and not params["quiet"]:
        say(
            f"xentcli: note: the {fmt} format carries the metrics only; left out: "
            f"{', '.join(left_out)} (--format json has them all)"
        )
    emit(report, fmt, params["precision"], not params["no_color"], params["output"])
    gate_failures(report)
    failure = getattr(report, "failure", None)  # inspect: shown what it could, then the error
    if failure is not None:
        raise failure
    sys.exit(exit_code(report, params["exit_zero"]))


def exit_code(report: Gated, exit_zero: bool = False) -> int:
    """The one place that maps a report to an exit code."""
    return EXIT_OK if report.passed or exit_zero else EXIT_GATE


def _settings(args: list[str]) -> Settings:
    """The settings file: --config FILE, or the nearest one found upward (for every command that
    takes input options or gates)."""
    if not args or args[0] not in SETTINGS_COMMANDS:
        return Settings()
    explicit = None
    for i, arg in enumerate(args):
        if arg == "--config" and i + 1 < len(args):
            explicit = args[i + 1]
        elif arg.startswith("--config="):
            explicit = arg.split("=", 1)[1]
    if explicit is not None and not Path(explicit).is_file():
        raise UsageError(f"{explicit}: no such settings file")
    path = Path(explicit) if explicit is not None else find_config(Path.cwd())
    settings = load_settings(path, config_keys())
    return _checked_settings(settings)


def _checked_settings(settings: Settings) -> Settings:
    """Each value of a settings file as its flag would take it (one text for a repeatable flag:
    `by = "region"` as `by = ["region"]`), and each gate's limit a number: an error names the
    file and the key, not a flag that was never typed."""
    ctx = click.Context(eval_command)
    params = {param.name: param for param in eval_command.params}
    keys = {name: key for key, name in config_keys().items()}
    options = dict(settings.options)
    for name, value in settings.options.items():
        param = params[name]
        if getattr(param, "multiple", False) and isinstance(value, str):
            options[name] = value = [value]
        shown = value if not isinstance(value, list) else ",".join(map(str, value))
        try:
            param.type_cast_value(ctx, shown if name == "classes" else value)
        except click.BadParameter as exc:
            raise UsageError(
                f"{settings.path}: {keys[name]} = {value!r}: {exc.format_message()}"
            ) from None
    for table, limits in settings.gates.items():
        for metric, limit in limits.items():
            relative = table == "max_increase" and limit.strip().endswith("%")  # "5%"
            what = f"{settings.path}: {table}.{metric}"
            parse_number(limit.strip()[:-1] if relative else limit, what)
    return dataclasses.replace(settings, options=options)


def config_keys() -> dict[str, str]:
    """Settings-file key (the long flag, dashes as underscores) → eval parameter name."""
    keys = {}
    for param in eval_command.params:
        longest = max(param.opts, key=len).lstrip("-").replace("-", "_")
        if param.name and param.name not in NOT_IN_CONFIG and longest not in GATE_TABLES:
            keys[longest] = param.name
    return keys


def _terminate_cleanly() -> None:
    """SIGTERM (kill, a CI job's timeout) unwinds like Ctrl-C: temporary files of --auc and
    --rows-out are removed, an -o file is left as it was, and the exit code is 143."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (a notebook's or a test's thread)

    def terminated(signum: int, frame: Any) -> None:
        raise SystemExit(EXIT_TERMINATED)

    signal.signal(signal.SIGTERM, terminated)


# click >= 8.2 raises it for a bare `xentcli` (8.1 prints the help and exits 0 itself)
NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to its exit code and one line on stderr."""
    args = list(sys.argv[1:] if argv is None else argv)
    keep_freed_memory()
    _terminate_cleanly()
    try:
        settings = _settings(args)
        defaults = _click_defaults(settings)
        # every result is checked (non-finite sums are errors or reported as such), so numpy's
        # floating-point warnings would only add lines with site-packages paths to stderr
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cli.main(
                args=args,
                prog_name=_prog_name(),
                standalone_mode=False,
                obj=settings,
                default_map=defaults,
            )
        code = EXIT_OK
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_OK
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        say("")
        code = EXIT_INTERRUPT
    except NO_ARGS_IS_HELP as exc:  # `xentcli` alone: the help as it reads, as click shows it
        with contextlib.suppress(OSError):
            click.echo(exc.format_message(), err=True)
        code = EXIT_USAGE
    except click.ClickException as exc:
        hint = f" (see '{_command_path(exc, args)} --help')"
        if (variable := _environment_of(getattr(exc, "param", None), args)) is not None:
            hint = f" (set by the environment variable {variable})"
        say(f"xentcli: error: {exc.format_message()}{hint}")
        code = EXIT_USAGE
    except XentError as exc:
        say(f"xentcli: error: {exc}")
        code = EXIT_USAGE
    except KeyboardInterrupt:
        code = EXIT_INTERRUPT
    except BrokenPipeError:
        silence_stdout()
        code = EXIT_OK
    except Exception as exc:  # a bug: short message, traceback only on request
        code = _internal_error(exc, "--debug" in args)
    sys.exit(code)


def _command_path(exc: click.ClickException, args: list[str]) -> str:
    """`xentcli eval` for an error in eval's flags — click's parser leaves `ctx` out of some
    (an option given no value), so the command is then found among the arguments."""
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        return str(ctx.command_path)
    command = next((arg for arg in args if arg in cli.commands), None)
    return f"{_prog_name()} {command}" if command else _prog_name()


def _environment_of(param: click.Parameter | None, args: list[str]) -> str | None:
    """The environment variable a bad value came from (XENTCLI_FORMAT), or None when it came
    from the command line (which wins, when both are given)."""
    if param is None or not isinstance(param.envvar, str) or param.envvar not in os.environ:
        return None
    flags = tuple(param.opts)
    given = any(arg in flags or arg.startswith(tuple(f"{f}=" for f in flags)) for arg in args)
    return None if given else param.envvar


def _internal_error(exc: Exception, debug: bool) -> int:
    """Say an unexpected error; its exit code. Running out of memory or threads is the
    machine's limit, not a bug: said as such, exit 2 (docs/reliability.md)."""
    if (limit := resource_error(exc)) is not None:
        say(f"xentcli: error: {limit}")
        return EXIT_USAGE
    if debug:
        traceback.print_exc()
    say(
        f"xentcli: internal error: {type(exc).__name__}: {exc} "
        "(a bug; rerun with --debug for the traceback and please report it)"
    )
    return EXIT_INTERNAL


def _prog_name() -> str:
    """The name the program was called by (xentcli or xent): shell completion's variable
    (_XENT_COMPLETE for xent) is read under it."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name in ("xentcli", "xent") else "xentcli"


def _click_defaults(settings: Settings) -> dict[str, dict[str, Any]]:
    """Settings-file values as click defaults of each command that has the option (so
    environment and flags still win)."""
    defaults = dict(settings.options)
    if "classes" in defaults and isinstance(defaults["classes"], list):
        defaults["classes"] = ",".join(map(str, defaults["classes"]))
    by_command = {}
    for name in SETTINGS_COMMANDS:
        command = cli.commands[name]
        names = {param.name for param in command.params}
        by_command[name] = {k: v for k, v in defaults.items() if k in names}
    return by_command
