"""Which column is which by name: the names xentcli looks for, what the user asked for
(ColumnRequest), and the label, target and weight columns (docs/inputs.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from xentcli.errors import SchemaError, listed
from xentcli.tasks import Task

LABEL_NAMES = (
    "label",
    "labels",
    "target",
    "y",
    "y_true",
    "class",
    "truth",
    "targets",
    "y_test",  # scikit-learn's X_test, y_test
    "true_label",
    "ground_truth",
    "label_ids",  # Hugging Face Trainer.predict's PredictionOutput(predictions, label_ids)
)
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
    "scores",
    "preds",
    "predictions",
    "y_pred_proba",  # y_pred_proba = model.predict_proba(X_test)[:, 1]
    "y_pred_prob",
    "pred_proba",
    "predict_proba",
    "y_hat",
    "yhat",
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


def plain(name: str) -> str:
    """A column name as detection compares it: case and spaces around it aside."""
    return name.strip().lower()


def by_name(names: list[str], candidates: tuple[str, ...]) -> list[str]:
    """The columns named as `candidates`, in their order: by the exact name, or else by the
    plain one when a single column has it (`Label`, `Target`; ` prob` of a hand-written
    `label, prob` header) — never two columns for one candidate."""
    loose: dict[str, list[str]] = {}
    for name in names:
        loose.setdefault(plain(name), []).append(name)
    found = []
    for candidate in candidates:
        if candidate in names:
            found.append(candidate)
        elif len(loose.get(candidate, ())) == 1:
            found.append(loose[candidate][0])
    return found


KEY_NAMES = ("id", "key", "sample_id", "row_id", "uid", "uuid", *INDEX_NAMES)


def index_column(names: list[str]) -> str | None:
    """The column pandas wrote as its index, if any: the first one, under an index name."""
    if "__index_level_0__" in names:
        return "__index_level_0__"
    return names[0] if names and names[0] in INDEX_NAMES else None


def shown(names: list[str]) -> str:
    """Column names for a message; pandas' blank index name shown as such, and a name with
    spaces around it (a hand-written `label, prob` header) or a line break in it quoted, so
    its space or `\\n` shows."""
    return listed([_shown(name) for name in names], "columns") or "none"


def _shown(name: str) -> str:
    if not name:
        return "(unnamed index)"
    return repr(name) if name != name.strip() or "\n" in name or "\r" in name else name


LABEL_PREDICTION_NAMES = ("pred", "prediction", "y_pred", "preds", "predictions")


SCORE_NAMES = {n for n in BINARY_NAMES if n not in LABEL_PREDICTION_NAMES}


def holds_labels(types: dict[str, str], column: str) -> bool:
    """A prediction column typed as labels — integers, text, booleans — holds predicted labels
    (scikit-learn's y_pred): decided by the type, never the values; but a column named as
    scores (prob, score, p_*) stays scores, so a bad cell in it is named (docs/inputs.md)."""
    if plain(column) in SCORE_NAMES or column.startswith(CLASS_PREFIXES):
        return False
    kind = types.get(column, "")
    return kind.startswith(("int", "uint", "string", "large_string", "bool", "dictionary"))


def holds_lists(kind: str) -> bool:
    """A list column, or CSV text whose sampled values are JSON arrays such as [0.1, 0.9]."""
    return kind.startswith(LIST_TYPES) or kind == "json-array"


def fields_of(record: str, names: list[str]) -> list[str]:
    """The columns a record column's fields became (`probs.cat`, `probs.dog`; io/records.py)."""
    return [n for n in names if n.startswith(f"{record}.") and len(n) > len(record) + 1]


def sole_column(
    names: list[str] | None, request: ColumnRequest, kept: tuple[str, ...]
) -> str | None:
    """The one column of a file that holds only labels or only predictions (a separate
    `--labels` file, or the predictions beside one) — pandas' `Series.to_csv` names it `0`
    (docs/inputs.md); None otherwise."""
    rest = own_columns(names, request, kept) if names is not None else []
    return rest[0] if len(rest) == 1 else None


def own_columns(names: list[str], request: ColumnRequest, kept: tuple[str, ...]) -> list[str]:
    """A file's columns besides pandas' index, id-like keys and the columns options name
    (`kept`: the predictions' --by and --keep-col)."""
    skip = {index_column(names), request.on, request.weight_col, *kept}
    return [n for n in names if n not in skip and n not in KEY_NAMES]


TARGET_PREFIXES = ("y_", "label_", "labels_", "target_")


def label_group(
    pred_names: list[str], label_names: list[str] | None, request: ColumnRequest
) -> list[str] | None:
    """With --task multilabel and no --label-col, the K 0/1 label columns: a `--labels` file's
    columns (besides pandas' index, keys and the weight), or the one group `y_*`, `label_*`,
    `target_*` beside the predictions (docs/inputs.md); None when there is no such group."""
    if request.task != Task.MULTILABEL or request.label_col is not None:
        return None
    if label_names is not None:
        rest = own_columns(label_names, request, ())
        return rest if len(rest) >= 2 else None
    named = {*LABEL_NAMES, *BINARY_NAMES}  # y_true, y_pred, y_prob: not one label among K
    groups = []
    for prefix in TARGET_PREFIXES:
        group = [n for n in pred_names if n.startswith(prefix) and n[len(prefix) :]]
        group = [n for n in group if n not in named]
        if len(group) >= 2:
            groups.append(group)
    return groups[0] if len(groups) == 1 else None


def paired(targets: tuple[str, ...], classes: tuple[str, ...]) -> tuple[str, ...]:
    """The label columns in the order of the prediction columns' classes, when their names
    (`y_b, y_a` beside `p_a, p_b`) are the same classes in another order; else as they are."""
    named = {next((t[len(p) :] for p in TARGET_PREFIXES if t.startswith(p)), t): t for t in targets}
    if len(named) != len(targets) or set(named) != set(classes):
        return targets
    return tuple(named[c] for c in classes)


def label_column(
    names: list[str], wanted: str | None, file: str | None, sole: str | None = None
) -> str:
    if wanted is not None:
        if wanted not in names:
            raise SchemaError(f"no label column {wanted!r}; columns are: {shown(names)}", file=file)
        return wanted
    if found := by_name(names, LABEL_NAMES):
        return found[0]
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


def weight_column(
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
