"""Column detection and label mapping (SPEC §3.1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss

import xentcli
from xentcli.engine.plan import checked_layout
from xentcli.options import EvalOptions


def layout(names, **options):
    return checked_layout(names, None, EvalOptions(**options), "f.csv")


@pytest.mark.parametrize(
    ("names", "task", "label", "preds", "classes"),
    [
        (["y", "prob"], "binary", "y", ("prob",), None),
        (["target", "score", "id"], "binary", "target", ("score",), None),
        (["truth", "y_prob"], "binary", "truth", ("y_prob",), None),
        (["label", "p_cat", "p_dog"], "binary", "label", ("p_dog",), None),  # two columns: binary
        (
            ["label", "p_cat", "p_dog", "p_emu"],
            "multiclass",
            "label",
            ("p_cat", "p_dog", "p_emu"),
            ("cat", "dog", "emu"),
        ),
        (["", "0", "1", "2", "y"], "multiclass", "y", ("0", "1", "2"), ("0", "1", "2")),  # pandas
        (["Unnamed: 0", "label", "y_score"], "binary", "label", ("y_score",), None),
        (["index", "target", "y_proba"], "binary", "target", ("y_proba",), None),
        (
            ["class", "prob_1", "prob_2", "prob_3"],
            "multiclass",
            "class",
            ("prob_1", "prob_2", "prob_3"),
            ("1", "2", "3"),
        ),
        (["y", "p1", "p0", "p2"], "multiclass", "y", ("p0", "p1", "p2"), ("0", "1", "2")),
        (["label", "y", "p"], "binary", "label", ("p",), None),  # first label name present wins
    ],
)
def test_detection(names, task, label, preds, classes):
    found = layout(names)
    assert (found.task, found.label_col, found.pred_cols, found.classes) == (
        task,
        label,
        preds,
        classes,
    )


def test_pred_col_glob_and_list_and_classes_flag():
    names = ["gold", "score_a", "score_b", "score_c", "other"]
    found = layout(names, label_col="gold", pred_col="score_*")
    assert found.pred_cols == ("score_a", "score_b", "score_c")
    assert found.classes == ("a", "b", "c")
    found = layout(names, label_col="gold", pred_col="score_c,score_a,score_b")
    assert found.pred_cols == ("score_c", "score_a", "score_b")
    assert found.classes == ("score_c", "score_a", "score_b")
    found = layout(names, label_col="gold", pred_col="score_c,score_a")  # two: binary on the 2nd
    assert (found.task, found.pred_cols, found.positive) == ("binary", ("score_a",), "score_a")
    found = layout(names, label_col="gold", pred_col="score_c,score_a", task="multiclass")
    assert found.classes == ("score_c", "score_a")
    found = layout(names, label_col="gold", pred_col="score_*", classes=("x", "y", "z"))
    assert found.classes == ("x", "y", "z")
    with pytest.raises(xentcli.UsageError, match="--classes names 2 classes"):
        layout(names, label_col="gold", pred_col="score_*", classes=("x", "y"))


def test_task_flag_resolves_ambiguity():
    names = ["y", "prob", "p_0", "p_1"]
    with pytest.raises(xentcli.SchemaError, match="ambiguous"):
        layout(names)
    assert layout(names, task="binary").pred_cols == ("prob",)
    assert layout(names, task="multiclass").pred_cols == ("p_0", "p_1")


def test_integer_class_names_map_labels_by_name():
    p = np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    df = pd.DataFrame({"label": [1, 3], "p_1": p[:, 0], "p_2": p[:, 1], "p_3": p[:, 2]})
    report = xentcli.evaluate(df)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss([1, 3], p, labels=[1, 2, 3]))
    with pytest.raises(xentcli.InputError, match="label 0 maps to no class"):
        xentcli.evaluate(df.assign(label=[0, 1]))


def test_named_classes_take_names_or_zero_based_positions():
    p = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    by_name = pd.DataFrame({"label": ["cat", "dog", "dog"], "p_dog": p[:, 0], "p_cat": p[:, 1]})
    by_index = by_name.assign(label=[1, 0, 0])
    expected = -(np.log(0.8) + np.log(0.6) + np.log(0.3)) / 3
    multiclass = {"task": "multiclass"}  # two columns are binary unless told (docs/decisions.md)
    assert xentcli.evaluate(by_name, **multiclass).metrics["cross_entropy"] == pytest.approx(
        expected
    )
    assert xentcli.evaluate(by_index, **multiclass).metrics["cross_entropy"] == pytest.approx(
        expected
    )
    with pytest.raises(xentcli.InputError, match="label 2 maps to no class"):
        xentcli.evaluate(by_index.assign(label=[2, 0, 0]), **multiclass)
    binary = xentcli.evaluate(by_name)  # on p_cat, the second column: cat is positive
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(expected)
    assert binary.columns["predictions"] == ["p_cat"]


@pytest.mark.parametrize(
    ("labels", "options"),
    [
        ([True, False, True], {}),
        ([1.0, 0.0, 1.0], {}),
        (["1", "0", "1"], {}),
        (["true", "false", "TRUE"], {}),
        (["01", "0.0", " 1.00"], {}),  # text that reads as 0 or 1, as in a numeric column
        (["spam", "ham", "spam"], {"positive": "spam"}),
        ([7, 3, 7], {"positive": "7"}),
        (["7", "3.0", "07"], {"positive": "7"}),  # numbers written as text: as the numbers
    ],
)
def test_binary_label_kinds(labels, options):
    p = [0.9, 0.2, 0.6]
    report = xentcli.evaluate(pd.DataFrame({"y": labels, "prob": p}), **options)
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss([1, 0, 1], p))


@pytest.mark.parametrize("other", ["ham", "2", "0.5", "nan"])
def test_string_labels_without_positive_are_an_error(other):
    with pytest.raises(xentcli.InputError, match="pass positive=VALUE"):
        xentcli.evaluate(pd.DataFrame({"y": ["1", other], "prob": [0.9, 0.2]}))


def test_ignore_label_and_nan_skip_are_counted():
    df = pd.DataFrame(
        {
            "label": [0, -100, 2, 1, 2],
            "p_0": [0.5, 0.2, np.nan, 0.1, 0.2],
            "p_1": [0.25, 0.3, 0.3, 0.8, 0.2],
            "p_2": [0.25, 0.5, 0.4, 0.1, 0.6],
        }
    )
    report = xentcli.evaluate(df, ignore_label="-100", nan="skip")
    assert (report.rows.read, report.rows.used, report.rows.skipped, report.rows.ignored) == (
        5,
        3,
        1,
        1,
    )
    expected = -(np.log(0.5) + np.log(0.8) + np.log(0.6)) / 3
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-15)
    with pytest.raises(xentcli.InputError, match="row 3, column 'p_0'"):
        xentcli.evaluate(df, ignore_label="-100")


def test_unknown_api_option_is_rejected():
    with pytest.raises(xentcli.UsageError, match="unknown option"):
        xentcli.evaluate(pd.DataFrame({"y": [1], "p": [0.5]}), epsilon=0.1)


@pytest.mark.parametrize(
    ("frame", "options", "message"),
    [
        (
            {"label": [0], "p_0": [0.5], "p_1": [0.25], "p_2": [0.25]},
            {"positive": "1"},
            "positive= applies to binary, not to this multiclass evaluation",
        ),
        (
            {"y": [1], "prob": [0.5]},
            {"classes": ("a", "b")},
            "classes= applies to multiclass and multilabel, not to this binary evaluation",
        ),
        (
            {"y": [1], "prob": [0.5]},
            {"renormalize": True},
            "renormalize= applies to multiclass probabilities, not to this binary evaluation",
        ),
        (
            {"y": [1.5], "pred": [0.5]},
            {"task": "regression", "ignore_label": "-1"},
            "ignore_label= applies to one label column of classes, not to this regression",
        ),
        (
            {"label": [0], "p_0": [0.5], "p_1": [0.5]},
            {"renormalize": True, "logits": True},
            "renormalize= applies to multiclass probabilities, not to logits",
        ),
    ],
)
def test_options_the_task_would_ignore_are_errors(frame, options, message):
    with pytest.raises(xentcli.UsageError, match=message.replace("-", r"\-")):
        xentcli.evaluate(pd.DataFrame(frame), **options)


def test_pred_col_naming_a_column_taken_as_something_else_says_so(cli, tmp_path):
    """`--pred-col label` was "no column 'label'" beside a file that has one: it is the label
    column, and the error says so."""
    (tmp_path / "a.csv").write_text("label,prob,w\n1,0.9,1\n0,0.2,2\n")
    run = cli("eval", str(tmp_path / "a.csv"), "--pred-col", "label")
    assert run.code == 2 and "'label', which is the label column" in run.stderr
    weighted = cli("eval", str(tmp_path / "a.csv"), "--weight-col", "w", "--pred-col", "w")
    assert weighted.code == 2 and "'w', which is the weight column" in weighted.stderr
