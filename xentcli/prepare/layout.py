"""Which columns hold labels, predictions and weights, and which task that makes
(docs/inputs.md)."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

from xentcli.errors import SchemaError, UsageError, XentError
from xentcli.io.source import check_distinct
from xentcli.tasks import Task

LABEL_NAMES = ("label", "labels", "target", "y", "y_true", "class", "truth")
BINARY_NAMES = (
    "prob",
    "probability",
    "proba",
    "p",
    "score",
    "pred",
    "prediction",
    "y_pred",
    "y_prob",
    "y_score",
    "y_proba",
    "probs",
    "probabilities",
)
# with --logits, also a single column named as raw scores (a model's `logits`, one or a list)
LOGIT_NAMES = ("logit", "logits")
# what pandas writes as its index: to_csv's blank name, read_csv's "Unnamed: 0", reset_index's
# "index", pyarrow's "__index_level_0__" — never a label or prediction column
INDEX_NAMES = ("", "Unnamed: 0", "index", "__index_level_0__")
INTEGER_NAME = re.compile(r"^\d+$")
CLASS_PREFIXES = ("p_", "prob_", "proba_", "logit_")
INDEXED_P = re.compile(r"^p(\d+)$")


LIST_TYPES = ("list", "large_list", "fixed_size_list")


@dataclass(frozen=True)
class ColumnRequest:
    """What the user said about the columns (each None or empty: detect it)."""

    label_col: str | None = None
    pred_col: str | None = None
    weight_col: str | None = None
    task: Task | None = None
    classes: tuple[str, ...] | None = None
    by: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()  # --keep-col
    on: str | None = None
    positive: str | None = None
    logits: bool = False
    hard: bool = False


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
            and named in LABEL_PREDICTION_NAMES
            and error.column == self.label_col
            and "is not 0/1" in error.message
        ):
            error.message += f"; if {named!r} holds predicted labels, pass --hard"
            error.args = (error.message,)
        return error


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
    typed = _by_types(pred_names, label_names, request, pred_types)
    if typed is not None:  # no column named as labels: predict_proba columns beside a label
        request = replace(request, label_col=typed[0], pred_col=",".join(typed[1]))
    group = _label_group(pred_names, label_names, request)
    if group is not None:
        targets = tuple(group)
    elif request.label_col is not None and any(ch in request.label_col for ch in "*?[,"):
        targets = tuple(
            _named_columns(label_file_names, request.label_col, label_file, "--label-col")[0]
        )
    else:
        label_col = _label_column(
            label_file_names, request.label_col, label_file, _sole(label_names, request, ())
        )
    weight_col, weight_in_labels = _weight_column(
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

    def holds_labels(column: str) -> bool:
        return pred_types is not None and _holds_labels(pred_types(), column)

    def holds_list(column: str) -> bool:
        return pred_types is not None and _holds_lists(pred_types().get(column, ""))

    def class_named() -> list[str]:  # asked only when no column is named as predictions
        return _class_named(candidates, label_col, label_names, request, pred_types)

    sole = _sole(
        candidates if label_names is not None else None, request, (*request.by, *request.keep)
    )
    roles: dict[str | None, str] = {label_col: "label column", weight_col: "weight column"}
    roles |= {request.on: "join key", index_col: "pandas index"}
    roles |= dict.fromkeys(targets, "label columns")
    taken_as = {c: role for c, role in roles.items() if c is not None and c in pred_names}
    picked = _prediction_columns(
        candidates, request, pred_file, (holds_labels, holds_list), class_named, sole, taken_as
    )
    pred_cols, stripped = picked.columns, picked.classes
    if group is not None:  # a found group pairs with the predictions by name where it can
        targets = _paired(targets, stripped)
    pred_list = (
        len(pred_cols) == 1
        and request.task not in (Task.BINARY, Task.REGRESSION)
        and pred_types is not None
        and _holds_lists(pred_types().get(pred_cols[0], ""))
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
                (not request.logits or pred_cols[0] in LABEL_PREDICTION_NAMES)
                and pred_types is not None
                and _holds_labels(pred_types(), pred_cols[0])
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
    if picked.aside is not None:
        typed = pred_types is not None and _holds_labels(pred_types(), picked.aside)
        return (
            f"{picked.aside!r} holds predicted labels and is left aside: the probabilities "
            f"({', '.join(columns)}) are scored; --pred-col {picked.aside}"
            f"{'' if typed else ' --hard'} scores the labels instead"
        )
    if picked.guessed:
        return (
            f"no column is named as predictions: the float columns {', '.join(columns)} are "
            "read as the probabilities of the classes they name; --pred-col picks others"
        )
    if hard and request.pred_col is None and pred_types is not None:
        unread = _unread_floats(candidates, columns, request, pred_types())
        if len(unread) >= 2:  # perhaps predict_proba's columns named by the classes
            return (
                f"scoring the predicted labels in {columns[0]!r}; the float columns "
                f"{', '.join(unread)} are not read (if they are probabilities, pass --pred-col "
                f"{','.join(unread)})"
            )
    return None


def _by_types(
    names: list[str],
    label_names: list[str] | None,
    request: ColumnRequest,
    pred_types: Callable[[], dict[str, str]] | None,
) -> tuple[str, list[str]] | None:
    """(label, predictions) when no column is named as labels or predictions, by the types:
    one column of labels (text or booleans) and two or more float columns, such as the
    class-named columns of predict_proba beside a `species` label (docs/inputs.md)."""
    if request.label_col or request.pred_col or label_names is not None or pred_types is None:
        return None
    if any(name in names for name in LABEL_NAMES):
        return None
    skip = {index_column(names), request.weight_col, request.on, *request.by}
    types = pred_types()
    columns = [n for n in names if n not in skip]
    floats = [n for n in columns if types.get(n, "").startswith(("double", "float", "halffloat"))]
    others = [n for n in columns if n not in floats]
    text = ("string", "large_string", "dictionary", "bool")  # not integers: ids are integers too
    if len(others) != 1 or len(floats) < 2 or not types.get(others[0], "").startswith(text):
        return None
    return others[0], floats


def _class_named(
    candidates: list[str],
    label_col: str | None,
    label_names: list[str] | None,
    request: ColumnRequest,
    pred_types: Callable[[], dict[str, str]] | None,
) -> list[str]:
    """The float columns that may be predict_proba's columns named by the classes, beside a
    label column named as one (`y_true` with `setosa, versicolor, virginica`; SPEC §12): taken
    only when no column is named as predictions. Labels in the same file must be text or
    booleans (classes by name); the probabilities' row sums are checked as always, so a float
    feature among them is an error, not a class. Never for logits (no sum to check)."""
    if (
        request.pred_col is not None
        or request.logits
        or request.task in (Task.REGRESSION, Task.MULTILABEL)
        or label_col is None
        or pred_types is None
    ):
        return []
    types = pred_types()
    if label_names is None and not types.get(label_col, "").startswith(
        ("string", "large_string", "dictionary", "bool")
    ):
        return []
    return _unread_floats(candidates, [], request, types)


def _unread_floats(
    candidates: list[str], pred_cols: list[str], request: ColumnRequest, types: dict[str, str]
) -> list[str]:
    """The float columns no option or detection reads."""
    used = {*pred_cols, *request.by, *request.keep}
    return [
        n
        for n in candidates
        if n not in used and types.get(n, "").startswith(("double", "float", "halffloat"))
    ]


KEY_NAMES = ("id", "key", "sample_id", "row_id", "uid", "uuid", *INDEX_NAMES)


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


def index_column(names: list[str]) -> str | None:
    """The column pandas wrote as its index, if any: the first one, under an index name."""
    if "__index_level_0__" in names:
        return "__index_level_0__"
    return names[0] if names and names[0] in INDEX_NAMES else None


def shown(names: list[str]) -> str:
    """Column names for a message; pandas' blank index name shown as such, and a name with
    spaces around it (a hand-written `label, prob` header) quoted, so its space shows."""
    return ", ".join(_shown(name) for name in names) or "none"


def _shown(name: str) -> str:
    if not name:
        return "(unnamed index)"
    return repr(name) if name != name.strip() else name


LABEL_PREDICTION_NAMES = ("pred", "prediction", "y_pred")
SCORE_NAMES = {n for n in BINARY_NAMES if n not in LABEL_PREDICTION_NAMES}


def _holds_labels(types: dict[str, str], column: str) -> bool:
    """A prediction column typed as labels — integers, text, booleans — holds predicted labels
    (scikit-learn's y_pred): decided by the type, never the values; but a column named as
    scores (prob, score, p_*) stays scores, so a bad cell in it is named (docs/inputs.md)."""
    if column in SCORE_NAMES or column.startswith(CLASS_PREFIXES):
        return False
    kind = types.get(column, "")
    return kind.startswith(("int", "uint", "string", "large_string", "bool", "dictionary"))


def _holds_lists(kind: str) -> bool:
    """A list column, or CSV text whose sampled values are JSON arrays such as [0.1, 0.9]."""
    return kind.startswith(LIST_TYPES) or kind == "json-array"


def _fields_of(record: str, names: list[str]) -> list[str]:
    """The columns a record column's fields became (`probs.cat`, `probs.dog`; io/records.py)."""
    return [n for n in names if n.startswith(f"{record}.") and len(n) > len(record) + 1]


def _sole(names: list[str] | None, request: ColumnRequest, kept: tuple[str, ...]) -> str | None:
    """The one column of a file that holds only labels or only predictions (a separate
    `--labels` file, or the predictions beside one) — pandas' `Series.to_csv` names it `0`
    (docs/inputs.md); None otherwise."""
    rest = _own_columns(names, request, kept) if names is not None else []
    return rest[0] if len(rest) == 1 else None


def _own_columns(names: list[str], request: ColumnRequest, kept: tuple[str, ...]) -> list[str]:
    """A file's columns besides pandas' index, id-like keys and the columns options name
    (`kept`: the predictions' --by and --keep-col)."""
    skip = {index_column(names), request.on, request.weight_col, *kept}
    return [n for n in names if n not in skip and n not in KEY_NAMES]


TARGET_PREFIXES = ("y_", "label_", "labels_", "target_")


def _label_group(
    pred_names: list[str], label_names: list[str] | None, request: ColumnRequest
) -> list[str] | None:
    """With --task multilabel and no --label-col, the K 0/1 label columns: a `--labels` file's
    columns (besides pandas' index, keys and the weight), or the one group `y_*`, `label_*`,
    `target_*` beside the predictions (docs/inputs.md); None when there is no such group."""
    if request.task != Task.MULTILABEL or request.label_col is not None:
        return None
    if label_names is not None:
        rest = _own_columns(label_names, request, ())
        return rest if len(rest) >= 2 else None
    named = {*LABEL_NAMES, *BINARY_NAMES}  # y_true, y_pred, y_prob: not one label among K
    groups = []
    for prefix in TARGET_PREFIXES:
        group = [n for n in pred_names if n.startswith(prefix) and n[len(prefix) :]]
        group = [n for n in group if n not in named]
        if len(group) >= 2:
            groups.append(group)
    return groups[0] if len(groups) == 1 else None


def _paired(targets: tuple[str, ...], classes: tuple[str, ...]) -> tuple[str, ...]:
    """The label columns in the order of the prediction columns' classes, when their names
    (`y_b, y_a` beside `p_a, p_b`) are the same classes in another order; else as they are."""
    named = {next((t[len(p) :] for p in TARGET_PREFIXES if t.startswith(p)), t): t for t in targets}
    if len(named) != len(targets) or set(named) != set(classes):
        return targets
    return tuple(named[c] for c in classes)


def _label_column(
    names: list[str], wanted: str | None, file: str | None, sole: str | None = None
) -> str:
    if wanted is not None:
        if wanted not in names:
            raise SchemaError(f"no label column {wanted!r}; columns are: {shown(names)}", file=file)
        return wanted
    for name in LABEL_NAMES:
        if name in names:
            return name
    if sole is not None:
        return sole
    hint = "pass --label-col"
    for prefix in ("y_", "label_", "target_"):
        if sum(name.startswith(prefix) for name in names) >= 2:  # K label columns
            hint = (
                f"pass --label-col; for K 0/1 label columns ({prefix}*) pass --task multilabel "
                f"--label-col '{prefix}*', for K target probabilities --label-col '{prefix}*'"
            )
            break
    raise SchemaError(
        f"no label column found (looked for {', '.join(LABEL_NAMES)}); "
        f"columns are: {shown(names)}; {hint}",
        file=file,
    )


def _weight_column(
    pred_names: list[str], label_names: list[str] | None, wanted: str | None, file: str
) -> tuple[str | None, bool]:
    """Weights are taken from the labels file when it has the column, else from predictions."""
    if wanted is None:
        return None, False
    if label_names is not None and wanted in label_names:
        return wanted, True
    if wanted in pred_names:
        return wanted, False
    raise SchemaError(
        f"no weight column {wanted!r}; columns are: {shown(pred_names)}; pass --weight-col with "
        "one of them",
        file=file,
    )


class Picked(NamedTuple):
    """The prediction columns and how they were found."""

    columns: list[str]
    classes: tuple[str, ...]  # the class names their suffixes give
    aside: str | None = None  # predicted labels left aside for the probabilities beside them
    guessed: bool = False  # the class-named float columns, no column named as predictions


def _prediction_columns(
    names: list[str],
    request: ColumnRequest,
    file: str,
    holds: tuple[Callable[[str], bool], Callable[[str], bool]],
    class_named: Callable[[], list[str]],
    sole: str | None = None,
    taken: dict[str, str] | None = None,
) -> Picked:
    """The prediction columns: named by --pred-col, or detected by name; predicted labels
    (scikit-learn's y_pred) beside probability columns are left aside, the probabilities being
    the richer prediction; else the class-named float columns (_class_named)."""
    if request.pred_col is not None:
        return Picked(*_named_columns(names, request.pred_col, file, taken=taken))
    options: list[tuple[str, list[str], tuple[str, ...]]] = []
    single = [n for n in BINARY_NAMES + (LOGIT_NAMES if request.logits else ()) if n in names]
    if request.task != Task.MULTICLASS:
        options += [(repr(n), [n], (n,)) for n in single]
    # with --task binary, class columns when no score column is there: two complementary
    # probability columns are one binary problem (resolve_layout)
    if request.task != Task.BINARY or not options:
        for prefix in CLASS_PREFIXES:
            group = [c for c in names if c.startswith(prefix) and len(c) > len(prefix)]
            if len(group) >= 2:
                suffixes = tuple(c[len(prefix) :] for c in group)
                options.append((f"{prefix}* ({len(group)} columns)", group, suffixes))
        # a record column named as predictions (`probs: {"cat": 0.7, ...}`): its fields, which
        # the readers give as columns probs.cat, ... (io/records.py)
        for name in BINARY_NAMES + (LOGIT_NAMES if request.logits else ()):
            group = _fields_of(name, names)
            if len(group) >= 2:
                suffixes = tuple(c[len(name) + 1 :] for c in group)
                options.append((f"{name}.* ({len(group)} fields)", group, suffixes))
        indexed = sorted((int(m.group(1)), c) for c in names if (m := INDEXED_P.match(c)))
        if len(indexed) >= 2 and [i for i, _ in indexed] == list(range(len(indexed))):
            group = [c for _, c in indexed]
            options.append((f"p0..p{len(group) - 1}", group, tuple(c[1:] for c in group)))
        numbered = sorted((int(c), c) for c in names if INTEGER_NAME.match(c))
        if len(numbered) >= 2 and [i for i, _ in numbered] == list(range(len(numbered))):
            group = [c for _, c in numbered]  # pd.DataFrame(predict_proba(X)): columns 0..K-1
            options.append((f"0..{len(group) - 1}", group, tuple(group)))
    if request.task == Task.BINARY:
        wide = [o for o in options if len(o[1]) > 2]
        options = [o for o in options if len(o[1]) <= 2]
        if wide and not options:
            raise SchemaError(
                f"--task binary takes one probability column (or two complementary ones), "
                f"found {wide[0][0]}: drop --task binary, or pass --pred-col with one column",
                file=file,
            )
    if request.task == Task.MULTICLASS and not options:  # a list column, or predicted labels
        options = [(repr(n), [n], (n,)) for n in single]
    holds_labels, holds_list = holds
    if len(options) == 2 and not request.hard:
        named = [o[1][0] for o in options if o[1][0] in LABEL_PREDICTION_NAMES]
        groups = [o for o in options if len(o[1]) > 1]
        if len(named) == 1 and len(groups) == 1 and holds_labels(named[0]):
            return Picked(groups[0][1], groups[0][2], aside=named[0])
        # a list of K probabilities beside a column named as predicted labels, whatever its
        # type (Spark ML's `probability` vector and its double `prediction`)
        lists = [o for o in options if len(o[1]) == 1 and o[1][0] not in named]
        if (
            len(named) == 1
            and len(lists) == 1
            and holds_list(lists[0][1][0])
            and not holds_list(named[0])
        ):
            return Picked(lists[0][1], lists[0][2], aside=named[0])
    if request.hard:  # --hard: the predicted labels, where probabilities are beside them
        labels = [o for o in options if len(o[1]) == 1 and holds_labels(o[1][0])]
        options = labels if len(labels) == 1 else options
    if len(options) == 1:
        return Picked(options[0][1], options[0][2])
    # the only column of a predictions-only file (a column named as logits only with --logits:
    # it is never read as probabilities)
    if not options and sole is not None and (request.logits or sole not in LOGIT_NAMES):
        return Picked([sole], (sole,))
    # a record named as logits is never read as probabilities: the error asks for --logits
    logit_record = any(_fields_of(n, names) for n in LOGIT_NAMES)
    guessed = class_named() if not options and not logit_record else []
    if len(guessed) >= 2:
        return Picked(guessed, tuple(guessed), guessed=True)
    if not options:
        raise SchemaError(
            "no prediction column found (looked for "
            f"{', '.join(BINARY_NAMES)} or columns p_*, prob_*, proba_*, logit_*, p0..pK-1, "
            "0..K-1); "
            "columns are: "
            f"{shown(names) if names else 'none besides the label, weight and key columns'}; "
            + next(
                (
                    f"for raw scores in {n!r} pass --logits"
                    for n in LOGIT_NAMES
                    if n in names or _fields_of(n, names)
                ),
                next(  # a name with spaces around it: `label, prob` written by hand
                    (f"pass --pred-col {n!r}" for n in names if n.strip() in BINARY_NAMES),
                    "pass --pred-col",
                ),
            ),
            file=file,
        )
    raise SchemaError(
        f"ambiguous predictions: {', '.join(o[0] for o in options)}; pass --pred-col "
        "(a column, a comma list, or a glob such as 'p_*')",
        file=file,
    )


def _named_columns(
    names: list[str],
    spec: str,
    file: str | None,
    flag: str = "--pred-col",
    taken: dict[str, str] | None = None,
) -> tuple[list[str], tuple[str, ...]]:
    """Columns named by a glob or a comma list, and the class names their suffixes give."""
    if any(ch in spec for ch in "*?["):
        cols = [c for c in names if fnmatch.fnmatchcase(c, spec)]
        if not cols:
            raise SchemaError(
                f"{flag} {spec!r} matches no column; columns are: {shown(names)}",
                file=file,
            )
        head, star, tail = spec.partition("*")
        if star and not any(ch in head + tail for ch in "*?["):
            return cols, tuple(c[len(head) : len(c) - len(tail)] for c in cols)
        return cols, tuple(cols)
    record = _fields_of(spec.strip(), names) if spec.strip() not in names else []
    if record:  # a record column by its name: its fields, named by what follows the dot
        return record, tuple(c[len(spec.strip()) + 1 :] for c in record)
    # a part is stripped of the spaces after commas, unless a column has them in its name
    cols = [c if c in names else c.strip() for c in spec.split(",")]
    missing = [c for c in cols if c not in names]
    used = [(c, (taken or {})[c]) for c in missing if c in (taken or {})]
    if used:  # the column is there, taken as something else
        column, role = used[0]
        raise UsageError(f"{flag} names {column!r}, which is the {role}; pick another column")
    if missing:
        raise SchemaError(
            f"no column {', '.join(map(repr, missing))} (named by {flag}); "
            f"columns are: {shown(names)}",
            file=file,
        )
    if len(set(cols)) != len(cols):
        raise UsageError(f"{flag} names a column twice: {spec}")
    for prefix in CLASS_PREFIXES:
        if len(cols) > 1 and all(c.startswith(prefix) and len(c) > len(prefix) for c in cols):
            return cols, tuple(c[len(prefix) :] for c in cols)
    return cols, tuple(cols)
