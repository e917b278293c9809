"""The option groups the commands share: how input is read, gates, and output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from xentcli.options import (
    INPUT_FORMATS,
    MACHINE_EPS,
    MAX_BINS,
    MAX_BOOTSTRAP,
    MAX_CHUNK_ROWS,
    MAX_CURVE_POINTS,
    MAX_SEED,
    MAX_WORST,
    TASKS,
)
from xentcli.render.formats import RENDERERS


def _applied(options: list[Callable[..., Any]], command: Callable[..., Any]) -> Callable[..., Any]:
    """The command with these click options, listed in the order --help shows them."""
    for option in reversed(options):
        command = option(command)
    return command


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--format, --json, -o, --precision, --no-color, -q, --debug: shared by the commands."""
    return _applied(
        [
            click.option(
                "--format",
                "format",
                type=click.Choice(list(RENDERERS), case_sensitive=False),
                default="table",
                envvar="XENTCLI_FORMAT",
                show_default=True,
                help="Report format (env XENTCLI_FORMAT; the flag wins).",
            ),
            click.option("--json", "json_format", is_flag=True, help="Same as --format json."),
            click.option(
                "-o",
                "--output",
                metavar="FILE",
                type=click.Path(),
                help="Write the report to FILE (atomically) instead of stdout.",
            ),
            click.option(
                "--precision",
                type=click.IntRange(0, 17),
                default=6,
                show_default=True,
                help="Digits after the point in table/markdown (machine formats: full).",
            ),
            click.option("--no-color", is_flag=True, help="No colour in the table (NO_COLOR too)."),
            click.option("-q", "--quiet", is_flag=True, help="No notes or progress bar on stderr."),
            click.option("--debug", is_flag=True, help="Show the traceback of an internal error."),
        ],
        command,
    )


def gate_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--max, --min, --baseline, --max-increase, --exit-zero (docs/ci.md)."""
    return _applied(
        [
            click.option(
                "--max",
                "maxima",
                multiple=True,
                metavar="METRIC=VALUE",
                help="Fail (exit 1) when METRIC > VALUE. Repeatable.",
            ),
            click.option(
                "--min",
                "minima",
                multiple=True,
                metavar="METRIC=VALUE",
                help="Fail (exit 1) when METRIC < VALUE. Repeatable.",
            ),
            click.option(
                "--baseline",
                metavar="OLD.json",
                type=click.Path(),
                help="A saved JSON report to compare with.",
            ),
            click.option(
                "--max-increase",
                "increases",
                multiple=True,
                metavar="METRIC=DELTA",
                help="Fail when METRIC is worse than the baseline by more than DELTA "
                "(absolute, or N% relative). Repeatable.",
            ),
            click.option("--exit-zero", is_flag=True, help="Report failed gates but exit 0."),
        ],
        command,
    )


def column_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """How the input is read: shared by `eval` and `inspect`, so both decide alike."""
    return _applied(COLUMN_OPTIONS, command)


COLUMN_OPTIONS = [
    click.option(
        "--labels",
        metavar="FILE",
        type=click.Path(),
        help="Labels in a second file, paired with PREDICTIONS row by row.",
    ),
    click.option(
        "--label-col",
        metavar="COL",
        help="Label column (default: first of label, labels, target, y, y_true, class, truth, "
        "targets, y_test, true_label, ground_truth, label_ids, in any case); a glob ('y_*') or "
        "comma list names K target columns (soft labels, multilabel).",
    ),
    click.option(
        "--pred-col",
        metavar="COLS",
        help="Prediction column(s): a name, a comma list, or a glob such as 'p_*' (default: "
        "detected); one list column (or JSON arrays in CSV) holds K probabilities per row; "
        "a record column's fields are columns of their own ('probs.*', or just probs).",
    ),
    click.option(
        "--on",
        metavar="KEY",
        help="Join --labels to the predictions on this key column instead of by row position.",
    ),
    click.option(
        "--missing",
        type=click.Choice(["error", "skip"], case_sensitive=False),
        default="error",
        show_default=True,
        help="With --on: a prediction whose key has no label is an error, or is dropped.",
    ),
    click.option("--weight-col", metavar="COL", help="Sample weights: every mean becomes Σwℓ/Σw."),
    click.option(
        "--task", type=click.Choice(list(TASKS), case_sensitive=False), help="Force the task."
    ),
    click.option(
        "--logits", is_flag=True, help="Predictions are raw scores (log-sigmoid/softmax)."
    ),
    click.option(
        "--hard",
        is_flag=True,
        help="The prediction column holds predicted labels, not probabilities (detected for "
        "integer, text and boolean columns).",
    ),
    click.option(
        "--positive", metavar="VALUE", help="Binary: the label value of the positive class."
    ),
    click.option("--classes", metavar="A,B,C", help="Class names, one per prediction column."),
    click.option(
        "--input-format",
        type=click.Choice(list(INPUT_FORMATS), case_sensitive=False),
        help="Override the format detected from the file name.",
    ),
]


def bootstrap_options(
    replicates: int | None, description: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--bootstrap N (default `replicates`), --seed, --confidence: shared by eval and compare."""

    def add(command: Callable[..., Any]) -> Callable[..., Any]:
        return _applied(
            [
                click.option(
                    "--bootstrap",
                    type=click.IntRange(2, MAX_BOOTSTRAP),
                    default=replicates,
                    show_default=replicates is not None,
                    metavar="N",
                    help=description,
                ),
                click.option(
                    "--seed",
                    type=click.IntRange(0, MAX_SEED),
                    default=0,
                    show_default=True,
                    help="The bootstrap's seed.",
                ),
                click.option(
                    "--confidence",
                    type=click.FloatRange(0, 1, min_open=True, max_open=True),
                    default=0.95,
                    show_default=True,
                    help="The bootstrap's interval level.",
                ),
            ],
            command,
        )

    return add


def row_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """eval's options for the rows themselves: the worst ones, and every one to a file."""
    return _applied(ROW_OPTIONS, command)


ROW_OPTIONS = [
    click.option(
        "--worst",
        type=click.IntRange(1, MAX_WORST),
        metavar="N",
        help="The N rows with the highest loss: row number, label, prediction, confidence, "
        "loss and the kept columns.",
    ),
    click.option(
        "--keep-col",
        multiple=True,
        metavar="COL",
        help="A column the worst rows and --rows-out carry (repeatable) [default: an id-like "
        "column such as id, key or pandas' index, when there is one].",
    ),
    click.option(
        "--rows-out",
        metavar="FILE",
        help="Write every used row's loss, label, prediction, confidence, correct flag and "
        "weight to FILE.parquet or FILE.csv (streamed, written atomically).",
    ),
]


def ranking_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--auc and its options: shared by eval (among its scoring options) and compare."""
    return _applied(RANKING_OPTIONS, command)


RANKING_OPTIONS = [
    click.option(
        "--auc",
        is_flag=True,
        help="Also report roc_auc and average_precision, exact (one-vs-rest for multiclass, per "
        "label for multilabel), with their curves in JSON.",
    ),
    click.option(
        "--average",
        type=click.Choice(["macro", "weighted", "micro"], case_sensitive=False),
        default="macro",
        show_default=True,
        help="With --auc: the mean over classes or labels, weighted by their positive rows, or "
        "(multilabel) over all cells at once.",
    ),
    click.option(
        "--curve-points",
        type=click.IntRange(0, MAX_CURVE_POINTS),
        default=200,
        show_default=True,
        help="With --auc: at most this many exact points of each ROC and PR curve (0: none; "
        "else at least 3).",
    ),
    click.option(
        "--tmp-dir",
        metavar="DIR",
        type=click.Path(file_okay=False),
        help="Where --auc spills sorted scores that outgrow memory, and where Parquet (or other "
        "file-format) data on stdin, and compare's inputs on stdin or a pipe, are copied to be "
        "read [default: the system's temporary folder]; removed at exit.",
    ),
]


def scoring_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """eval's options for what is scored and how (beyond reading, gates and output)."""
    return _applied(SCORING_OPTIONS, command)


SCORING_OPTIONS = [
    click.option(
        "--eps",
        type=float,
        default=MACHINE_EPS,
        show_default=True,
        help="Clip probabilities to [eps, 1-eps] before the log.",
    ),
    click.option(
        "--sum-tol",
        type=float,
        default=1e-4,
        show_default=True,
        help="Largest allowed |row sum - 1| of multiclass probabilities.",
    ),
    click.option("--renormalize", is_flag=True, help="Divide each probability row by its sum."),
    click.option(
        "--nan",
        type=click.Choice(["error", "skip"], case_sensitive=False),
        default="error",
        show_default=True,
        help="Missing or non-finite values: fail, or drop those rows.",
    ),
    click.option(
        "--ignore-label",
        metavar="VALUE",
        help="Drop rows with this label (like PyTorch's ignore_index).",
    ),
    click.option(
        "--threshold",
        type=float,
        default=0.5,
        show_default=True,
        help="Binary error: predicted positive when p > threshold.",
    ),
    click.option(
        "--chunk-rows",
        type=click.IntRange(1, MAX_CHUNK_ROWS),
        help="Rows per compute chunk [default: 65536 for one prediction column, about 160k "
        "values per chunk for more, at least 4096 rows but at most 1M values (1048 rows at 1000 "
        "classes, 20 at 50,000)].",
    ),
    click.option(
        "--top-k",
        type=click.IntRange(min=1),
        metavar="K",
        help="Multiclass: also report top_k_error (label not among the K highest; ties rank the "
        "lower class index first).",
    ),
    click.option(
        "--by",
        multiple=True,
        metavar="COL",
        help="Every metric per value of COL (repeatable: per combination), and the total.",
    ),
    click.option(
        "--compat",
        type=click.Choice(["sklearn", "torch", "keras"], case_sensitive=False),
        default="sklearn",
        show_default=True,
        help="Report the numbers scikit-learn, PyTorch or Keras would (clipping, MSE per element).",
    ),
    click.option(
        "--class-weights",
        metavar="W0,W1,...",
        help="With --compat torch: cross_entropy's class weights (Σ w_y·ℓ / Σ w_y).",
    ),
    click.option(
        "--label-smoothing",
        type=float,
        default=0.0,
        show_default=True,
        help="With --compat torch or keras: targets (1-ε)·onehot + ε/K.",
    ),
    click.option(
        "--calibration",
        is_flag=True,
        help="Binary and multiclass: ECE, MCE and RMS calibration error; the reliability table.",
    ),
    click.option(
        "--bins",
        type=click.IntRange(1, MAX_BINS),
        default=15,
        show_default=True,
        help="Equal-width confidence bins for --calibration.",
    ),
    *RANKING_OPTIONS,
    click.option(
        "--per-class",
        is_flag=True,
        help="Per class: support, loss, error, precision, recall, F1; the confusion matrix.",
    ),
    click.option(
        "--normalize",
        type=click.Choice(["true", "pred", "all"], case_sensitive=False),
        help="With --per-class: normalize the confusion matrix over true rows, predicted "
        "columns or all.",
    ),
    click.option(
        "--engine",
        type=click.Choice(["local", "dask"], case_sensitive=False),
        default="local",
        show_default=True,
        help="Compute here, or on a Dask cluster (Parquet input only; needs xentcli[dask]).",
    ),
    click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 [default: a local "
        "cluster of one worker process per core].",
    ),
    click.option(
        "--config",
        metavar="FILE",
        help="Settings file (default: [tool.xentcli] of the nearest pyproject.toml, or "
        "xentcli.toml).",
    ),
]
