"""Which columns hold the predictions: named by --pred-col, detected by name, or the float
columns named by the classes (docs/inputs.md)."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import NamedTuple

from xentcli.errors import SchemaError, UsageError
from xentcli.prepare.columns import (
    BINARY_NAMES,
    CLASS_PREFIXES,
    INDEXED_P,
    INTEGER_NAME,
    KEY_NAMES,
    LABEL_NAMES,
    LABEL_PREDICTION_NAMES,
    LOGIT_NAMES,
    ColumnRequest,
    by_name,
    fields_of,
    index_column,
    plain,
    shown,
)
from xentcli.tasks import Task


def by_types(
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
    if by_name(names, LABEL_NAMES):
        return None
    skip = {index_column(names), request.weight_col, request.on, *request.by, *request.keep}
    types = pred_types()
    columns = [n for n in names if n not in skip and n not in KEY_NAMES]
    floats = [n for n in columns if types.get(n, "").startswith(("double", "float", "halffloat"))]
    # integers are left aside, never labels here: ids and counts are integers too
    others = [
        n for n in columns if n not in floats and not types.get(n, "").startswith(("int", "uint"))
    ]
    text = ("string", "large_string", "dictionary", "bool")
    if len(others) != 1 or len(floats) < 2 or not types.get(others[0], "").startswith(text):
        return None
    return others[0], floats


def class_named_floats(
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
    return unread_floats(candidates, [], request, types)


def unread_floats(
    candidates: list[str], pred_cols: list[str], request: ColumnRequest, types: dict[str, str]
) -> list[str]:
    """The float columns no option or detection reads."""
    used = {*pred_cols, *request.by, *request.keep}
    return [
        n
        for n in candidates
        if n not in used and types.get(n, "").startswith(("double", "float", "halffloat"))
    ]


class Picked(NamedTuple):
    """The prediction columns and how they were found."""

    columns: list[str]
    classes: tuple[str, ...]  # the class names their suffixes give
    aside: str | None = None  # predicted labels left aside for the probabilities beside them
    guessed: bool = False  # the class-named float columns, no column named as predictions
    top_one: str | None = None  # a pipeline's top-1 record {label, score}: its label is taken


def prediction_columns(
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
    the richer prediction; else the class-named float columns (class_named_floats)."""
    if request.pred_col is not None:
        return Picked(*named_columns(names, request.pred_col, file, taken=taken))
    options: list[tuple[str, list[str], tuple[str, ...]]] = []
    top_ones: dict[str, str] = {}  # a pipeline's top-1 record's label field → the record
    single = by_name(names, BINARY_NAMES + (LOGIT_NAMES if request.logits else ()))
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
        records = {n.split(".", 1)[0] for n in names if "." in n}  # one pass over the names
        looked_for = BINARY_NAMES + (LOGIT_NAMES if request.logits else ())
        for name in [n for n in looked_for if n in records]:
            group = fields_of(name, names)
            if _top_one(name, group, holds[0]):  # the predicted label, not two probabilities
                options.append((repr(f"{name}.label"), [f"{name}.label"], (f"{name}.label",)))
                top_ones[f"{name}.label"] = name
            elif len(group) >= 2:
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
    typed_as_labels, typed_as_list = holds
    if len(options) == 2 and not request.hard:
        named = [o[1][0] for o in options if plain(o[1][0]) in LABEL_PREDICTION_NAMES]
        groups = [o for o in options if len(o[1]) > 1]
        if len(named) == 1 and len(groups) == 1 and typed_as_labels(named[0]):
            return Picked(groups[0][1], groups[0][2], aside=named[0])
        others = [o for o in options if len(o[1]) == 1 and o[1][0] not in named]
        if len(named) == 1 and len(others) == 1:
            other = others[0][1][0]
            # a list of K probabilities beside a column named as predicted labels, whatever
            # its type (Spark ML's `probability` vector and its double `prediction`); one
            # score column beside predicted labels typed so (`y_true, y_pred, y_proba`, as
            # scikit-learn users save predict's and predict_proba(X)[:, 1]'s output together)
            if typed_as_list(other) and not typed_as_list(named[0]):
                return Picked([other], others[0][2], aside=named[0])
            if typed_as_labels(named[0]) and not typed_as_labels(other):
                return Picked([other], others[0][2], aside=named[0])
    if request.hard:  # --hard: the predicted labels, where probabilities are beside them
        labels = [o for o in options if len(o[1]) == 1 and typed_as_labels(o[1][0])]
        options = labels if len(labels) == 1 else options
    if len(options) == 1:
        columns = options[0][1]
        return Picked(columns, options[0][2], top_one=top_ones.get(columns[0]))
    # the only column of a predictions-only file (a column named as logits only with --logits:
    # it is never read as probabilities)
    if not options and sole is not None and (request.logits or sole not in LOGIT_NAMES):
        return Picked([sole], (sole,))
    # a record named as logits is never read as probabilities: the error asks for --logits
    logit_record = any(n.startswith(tuple(f"{r}." for r in LOGIT_NAMES)) for n in names)
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
                    if n in names or fields_of(n, names)
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


def _top_one(name: str, fields: list[str], typed_as_labels: Callable[[str], bool]) -> bool:
    """A record of a label and its score — what a Hugging Face pipeline returns by default
    (top_k=1): the predicted label and the confidence in it, no class's probability."""
    return sorted(fields) == [f"{name}.label", f"{name}.score"] and typed_as_labels(f"{name}.label")


def named_columns(
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
    record = fields_of(spec.strip(), names) if spec.strip() not in names else []
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
