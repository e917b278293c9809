"""Which columns hold labels, predictions and weights, and which task that makes
(docs/inputs.md)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from xentcli.errors import SchemaError, XentError, listed
from xentcli.io.source import check_distinct
from xentcli.prepare.columns import (
    KEY_NAMES,
    LABEL_PREDICTION_NAMES,
    ColumnRequest,
    holds_labels,
    holds_lists,
    index_column,
    label_column,
    label_group,
    paired,
    plain,
    shown,
    sole_column,
    weight_column,
)
from xentcli.prepare.predictions import (
    Picked,
    by_types,
    class_named_floats,
    named_columns,
    prediction_columns,
    unread_floats,
)
from xentcli.tasks import Task

__all__ = ["ColumnRequest", "Layout", "resolve_layout"]


@dataclass(frozen=True)
class Layout:
    """The resolved columns: what is read from where, and the class names.

    Labels are one column (label_col), or K target columns (target_cols: soft or one-hot labels,
    or multilabel 0/1 columns). Predictions are columns, or one list column (pred_list).
    """

    task: Task
    label_col: str | None
    pred_cols: tuple[str, ...]
    weight_col: str | None
    weight_in_labels: bool
    classes: tuple[str, ...] | None
    target_cols: tuple[str, ...] = ()
    pred_list: bool = False
    positive: str | None = None  # two complementary columns: the positive one's class name
    index_col: str | None = None  # pandas' index, left out of everything
    note: str | None = None  # a decision the report should state
    hard: bool = False  # the prediction column holds predicted labels
    shared_key: str | None = None  # a key-like column both files have (rows paired by position)
    key_col: str | None = None  # an id-like column of the predictions (kept by --worst)
    class_named: bool = False  # predictions taken as float columns named by classes (guessed)
    negative: str | None = None  # two complementary columns: the other column's class name
    told: tuple[str, ...] = ()  # what the readers said of how they read (no header line)
    # a prediction list of one value, or of two probabilities, is a binary problem: the chunk
    # that meets one says so (ShortLists) and the run is read again over its columns
    short_lists: bool = False

    @property
    def notes(self) -> tuple[str, ...]:
        """What the report says about how the inputs were read and the columns found."""
        return (*self.told, self.note) if self.note else self.told

    def explained(self, error: XentError) -> XentError:
        """An error about a value in a column taken by the class-named guess says so: the column
        may be a feature, not a class's probability."""
        if self.class_named and error.column in self.pred_cols:
            error.message += (
                f"; {error.column!r} was read as a class's probability because no column is "
                "named as predictions: pass --pred-col with the probability columns"
            )
            error.args = (error.message,)
        named = self.pred_cols[0] if len(self.pred_cols) == 1 else None
        if (  # a float column of predicted labels (0.0, 1.0, 2.0) beside multiclass labels
            self.task == Task.BINARY
            and not self.hard
            and named is not None
            and plain(named) in LABEL_PREDICTION_NAMES
            and error.column == self.label_col
            and "is not 0/1" in error.message
            and _integral_label(error.message)  # 1.5 is a regression target, not a class
        ):
            error.message += f"; if {named!r} holds predicted labels, pass --hard"
            error.args = (error.message,)
        return error


def _integral_label(message: str) -> bool:
    """Whether the label a message quotes (`label '2' is not 0/1 …`) is a whole number."""
    found = re.match(r"label '?([^' ]+)'? is not 0/1", message)
    try:
        return found is not None and float(found.group(1)).is_integer()
    except ValueError:
        return False


def resolve_layout(
    pred_names: list[str],
    label_names: list[str] | None,
    request: ColumnRequest,
    pred_file: str,
    label_file: str | None = None,
    pred_types: Callable[[], dict[str, str]] | None = None,
) -> Layout:
    """Pick the label, prediction and weight columns; ambiguity is an error naming the flag.

    pred_types (asked only when one prediction column is found) tells a list column apart.
    """
    for names, file in ((pred_names, pred_file), (label_names, label_file)):
        check_distinct(names or [], file)
    label_file_names = label_names if label_names is not None else pred_names
    label_file = label_file if label_names is not None else pred_file
    if pred_types is not None:
        pred_types = functools.cache(pred_types)  # a text file infers them: once is enough
    targets: tuple[str, ...] = ()
    label_col: str | None = None
    typed = by_types(pred_names, label_names, request, pred_types)
    if typed is not None:  # no column named as labels: predict_proba columns beside a label
        request = replace(request, label_col=typed[0], pred_col=",".join(typed[1]))
    group = label_group(pred_names, label_names, request)
    if group is not None:
        targets = tuple(group)
    elif request.label_col is not None and any(ch in request.label_col for ch in "*?[,"):
        targets = tuple(
            named_columns(label_file_names, request.label_col, label_file, "--label-col")[0]
        )
    else:
        label_col = label_column(
            label_file_names, request.label_col, label_file, sole_column(label_names, request, ())
        )
    weight_col, weight_in_labels = weight_column(
        pred_names, label_names, request.weight_col, pred_file
    )
    for flag, wanted in (("--by", request.by), ("--keep-col", request.keep)):
        missing = [c for c in wanted if c not in pred_names]
        if missing:
            raise SchemaError(
                f"no {flag} column {', '.join(map(repr, missing))} in the predictions; "
                f"columns are: {shown(pred_names)}",
                file=pred_file,
            )
    index_col = index_column(pred_names)
    taken = {weight_col, request.on, index_col}
    taken |= ({label_col} | set(targets)) if label_names is None else set()
    candidates = [c for c in pred_names if c not in taken]

    def typed_as_labels(column: str) -> bool:
        return pred_types is not None and holds_labels(pred_types(), column)

    def typed_as_list(column: str) -> bool:
        return pred_types is not None and holds_lists(pred_types().get(column, ""))

    def class_named() -> list[str]:  # asked only when no column is named as predictions
        return class_named_floats(candidates, label_col, label_names, request, pred_types)

    sole = sole_column(
        candidates if label_names is not None else None, request, (*request.by, *request.keep)
    )
    roles: dict[str | None, str] = {label_col: "label column", weight_col: "weight column"}
    roles |= {request.on: "join key", index_col: "pandas index"}
    roles |= dict.fromkeys(targets, "label columns")
    taken_as = {c: role for c, role in roles.items() if c is not None and c in pred_names}
    picked = prediction_columns(
        candidates,
        request,
        pred_file,
        (typed_as_labels, typed_as_list),
        class_named,
        sole,
        taken_as,
    )
    pred_cols, stripped = picked.columns, picked.classes
    if group is not None:  # a found group pairs with the predictions by name where it can
        targets = paired(targets, stripped)
    pred_list = (  # with --task binary, a list of one value or two probabilities (ShortLists)
        len(pred_cols) == 1
        and request.task != Task.REGRESSION
        and pred_types is not None
        and holds_lists(pred_types().get(pred_cols[0], ""))
    )
    hard = (
        len(pred_cols) == 1
        and not pred_list
        and not targets
        and request.task != Task.REGRESSION
        and (
            request.hard
            or (  # --logits says a column holds raw scores, integers or not, unless its name
                # says predicted labels (y_pred): then the refusal explains
                (not request.logits or plain(pred_cols[0]) in LABEL_PREDICTION_NAMES)
                and pred_types is not None
                and holds_labels(pred_types(), pred_cols[0])
            )
        )
    )
    task = request.task or (
        Task.MULTICLASS if targets or pred_list or len(pred_cols) > 1 or hard else Task.BINARY
    )
    classes = None
    if task in (Task.MULTICLASS, Task.MULTILABEL):
        classes = request.classes or (None if pred_list or hard else stripped)
    positive, negative, note = None, None, None
    named_as_logits = any(c.startswith("logit_") for c in pred_cols)
    if (
        len(pred_cols) == 2
        and not targets
        and not request.logits
        and not named_as_logits
        and request.task in (None, Task.BINARY)
    ):  # two complementary probability columns: a binary problem (docs/decisions.md)
        class_names = tuple(request.classes or stripped)
        at = 1
        if request.positive is not None and request.positive in class_names:
            at = class_names.index(request.positive)
        task, classes, positive = Task.BINARY, None, class_names[at]
        negative = class_names[1 - at]
        note = (
            f"two probability columns ({', '.join(pred_cols)}) are one binary problem: "
            f"reported on {pred_cols[at]!r}; --task multiclass keeps the two-class form"
        )
        pred_cols = [pred_cols[at]]
    found = _found_note(picked, hard and not request.hard, candidates, request, pred_types)
    if typed is not None:  # said, as the other guesses are: the columns were not named
        found = (
            f"no column is named as labels or predictions: {typed[0]!r} is read as the labels "
            f"and {listed(typed[1], 'columns')} as the probabilities of the classes they name; "
            "--label-col and --pred-col pick others"
        )
    note = found if note is None else note if found is None else f"{found}; {note}"
    return Layout(
        Task(task),
        label_col,
        tuple(pred_cols),
        weight_col,
        weight_in_labels,
        classes,
        targets,
        pred_list,
        positive,
        index_col,
        note,
        hard,
        _shared_key(pred_names, label_names, request, {label_col, weight_col, *pred_cols}),
        next((n for n in KEY_NAMES if n in pred_names and n not in {label_col, *pred_cols}), None),
        class_named=picked.guessed,
        negative=negative,
        short_lists=pred_list and request.task in (None, Task.BINARY) and not targets,
    )


def _found_note(
    picked: Picked,
    hard: bool,
    candidates: list[str],
    request: ColumnRequest,
    pred_types: Callable[[], dict[str, str]] | None,
) -> str | None:
    """What the report says about how the predictions were found, when it was not by name
    alone (docs/inputs.md): predicted labels left aside, class-named columns taken, or float
    columns left unread beside detected predicted labels."""
    columns = picked.columns
    if picked.top_one is not None:
        return (
            f"{picked.top_one!r} holds a pipeline's top-1 output, a label and the confidence "
            f"in it: {columns[0]!r} is scored as the predicted labels; for scores, run the "
            "pipeline with top_k=None (every class's score per row)"
        )
    if picked.aside is not None:
        typed = pred_types is not None and holds_labels(pred_types(), picked.aside)
        return (
            f"{picked.aside!r} holds predicted labels and is left aside: the probabilities "
            f"({listed(columns, 'columns')}) are scored; --pred-col {picked.aside}"
            f"{'' if typed else ' --hard'} scores the labels instead"
        )
    if picked.guessed:
        return (
            "no column is named as predictions: the float columns "
            f"{listed(columns, 'columns')} are read as the probabilities of the classes they "
            "name; --pred-col picks others"
        )
    if hard and request.pred_col is None and pred_types is not None:
        unread = unread_floats(candidates, columns, request, pred_types())
        if len(unread) >= 2:  # perhaps predict_proba's columns named by the classes
            return (
                f"scoring the predicted labels in {columns[0]!r}; the float columns "
                f"{listed(unread, 'columns')} are not read (if they are probabilities, pass "
                f"--pred-col {','.join(unread)})"
            )
    return None


def _shared_key(
    pred_names: list[str],
    label_names: list[str] | None,
    request: ColumnRequest,
    taken: set[str | None],
) -> str | None:
    """A key-like column both files hold while their rows are paired by position: a check
    that they are in the same order."""
    if label_names is None or request.on is not None:
        return None
    return next(
        (n for n in KEY_NAMES if n in pred_names and n in label_names and n not in taken), None
    )
