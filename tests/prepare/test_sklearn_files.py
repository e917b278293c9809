"""The files pandas and scikit-learn write by default read without flags (docs/inputs.md), and
two predict_proba columns are one binary problem (docs/decisions.md): built from scikit-learn's
bundled datasets and real fitted models."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

import xentcli


@pytest.fixture(scope="module")
def cancer():
    x, y = load_breast_cancer(return_X_y=True)
    model = LogisticRegression(max_iter=10_000).fit(x / x.max(axis=0), y)
    return y, model.predict_proba(x / x.max(axis=0))


@pytest.fixture(scope="module")
def iris():
    x, y = load_iris(return_X_y=True)
    return y, LogisticRegression(max_iter=10_000).fit(x, y).predict_proba(x)


def test_predict_proba_frame_saved_with_its_index(cli, tmp_path, cancer):
    y, p = cancer
    frame = pd.DataFrame(p)  # columns 0 and 1
    frame["label"] = y
    path = tmp_path / "cancer.csv"
    frame.to_csv(path)  # pandas' default: the index as a first, unnamed column
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["task"] == "binary" and report["columns"]["predictions"] == ["1"]
    assert report["metrics"]["mse"] == pytest.approx(brier_score_loss(y, p[:, 1]), rel=1e-12)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert "two probability columns" in run.stderr and report["notes"]
    two_class = xentcli.evaluate(str(path), task="multiclass")  # the seeds' K = 2 form
    assert two_class.metrics["mse"] == pytest.approx(2 * brier_score_loss(y, p[:, 1]), rel=1e-12)
    inspect = json.loads(cli("inspect", str(path), "--json").stdout)
    assert inspect["predictions"] == ["1"] and inspect["index"] == ""
    shown = cli("inspect", str(path), "--no-color").stdout
    assert "(unnamed index) (int64)" in shown


def test_multiclass_frame_columns_0_to_k_minus_1(tmp_path, iris):
    y, p = iris
    frame = pd.DataFrame(p)
    frame["label"] = y
    frame.to_csv(tmp_path / "iris.csv")
    report = xentcli.evaluate(str(tmp_path / "iris.csv"))
    assert report.task == "multiclass" and report.classes == ("0", "1", "2")
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    read_back = pd.read_csv(tmp_path / "iris.csv")  # its first column is now "Unnamed: 0"
    read_back.to_parquet(tmp_path / "iris.parquet")
    again = xentcli.evaluate(str(tmp_path / "iris.parquet"))
    assert again.metrics == report.metrics


@pytest.mark.parametrize("name", ["y_score", "y_proba", "probs", "probabilities"])
def test_the_names_scikit_learn_users_write(tmp_path, cancer, name):
    y, p = cancer
    pd.DataFrame({"y_true": y, name: p[:, 1]}).to_csv(tmp_path / "s.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "s.csv"))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_two_columns_named_by_string_classes_and_positive(tmp_path, cancer):
    y, p = cancer
    names = np.array(["malignant", "benign"])  # the dataset's target_names, in class order
    frame = pd.DataFrame({"p_malignant": p[:, 0], "p_benign": p[:, 1], "label": names[y]})
    frame.to_csv(tmp_path / "named.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "named.csv"))
    assert report.columns["predictions"] == ["p_benign"]
    assert report.metrics["mse"] == pytest.approx(brier_score_loss(y, p[:, 1]), rel=1e-12)
    other = xentcli.evaluate(str(tmp_path / "named.csv"), positive="malignant")
    assert other.columns["predictions"] == ["p_malignant"]
    assert other.metrics["mse"] == pytest.approx(brier_score_loss(1 - y, p[:, 0]), rel=1e-12)


def test_predict_proba_named_by_the_classes_beside_a_text_label(tmp_path, iris):
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame["species"] = names[y]
    frame.to_csv(tmp_path / "named.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "named.csv"))
    assert report.columns["label"] == "species" and report.classes == tuple(names)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_rf_classes_columns_with_text_labels_name_the_fix(cli, tmp_path, iris):
    y, p = iris
    frame = pd.DataFrame(p)  # columns 0, 1, 2 (rf.classes_ of integer-encoded labels)
    frame["label"] = np.array(["setosa", "versicolor", "virginica"])[y]
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    run = cli("eval", str(tmp_path / "mixed.csv"))
    assert run.code == 2 and "pass --classes" in run.stderr
    fixed = cli("eval", str(tmp_path / "mixed.csv"), "--classes", "setosa,versicolor,virginica")
    assert fixed.code == 0


@pytest.mark.parametrize("columns", [["p_0", "p_1"], [0, 1], ["p0", "p1"]])
def test_task_binary_on_two_predict_proba_columns(cli, tmp_path, cancer, iris, columns):
    """--task binary says what the detection already says: the positive class's column."""
    y, p = cancer
    frame = pd.DataFrame(p, columns=columns)
    frame["label"] = y
    frame.to_csv(tmp_path / "two.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "two.csv"), task="binary")
    assert report.task == "binary" and report.columns["predictions"] == [str(columns[1])]
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    flipped = xentcli.evaluate(str(tmp_path / "two.csv"), task="binary", positive="0")
    assert flipped.columns["predictions"] == [str(columns[0])]
    y3, p3 = iris
    third = {"p_0": "p_2", 0: 2, "p0": "p2"}[columns[0]]
    three = pd.DataFrame(p3, columns=[*columns, third])
    three["label"] = y3
    three.to_csv(tmp_path / "three.csv", index=False)
    run = cli("eval", str(tmp_path / "three.csv"), "--task", "binary")
    assert run.code == 2 and "drop --task binary" in run.stderr, run.stderr


def test_task_binary_keeps_a_score_column_beside_class_columns(tmp_path, cancer):
    y, p = cancer
    frame = pd.DataFrame({"label": y, "prob": p[:, 1], "p_a": p[:, 0], "p_b": p[:, 1]})
    frame.to_csv(tmp_path / "both.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "both.csv"), task="binary")
    assert report.columns["predictions"] == ["prob"]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_y_pred_beside_predict_proba_columns_scores_the_probabilities(cli, tmp_path, iris, suffix):
    """y_true, y_pred and predict_proba's columns in one frame: the probabilities are scored,
    y_pred is left aside with a note (--hard or --pred-col y_pred takes it instead)."""
    y, p = iris
    frame = pd.DataFrame(p, columns=[f"p_{k}" for k in range(3)])
    frame["y_true"], frame["y_pred"] = y, p.argmax(axis=1)
    path = tmp_path / f"both.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert "'y_pred' holds predicted labels and is left aside" in report["notes"][0]
    inspected = json.loads(cli("inspect", str(path), "--json").stdout)  # inspect says it too
    assert inspected["notes"] == report["notes"] and inspected["predictions"] == [
        "p_0",
        "p_1",
        "p_2",
    ]
    for flags in (["--hard"], ["--pred-col", "y_pred"]):
        labels = json.loads(cli("eval", str(path), *flags, "--json").stdout)
        assert "cross_entropy" not in labels["metrics"]
        assert labels["metrics"]["error"] == pytest.approx(np.mean(p.argmax(axis=1) != y))


@pytest.mark.parametrize(
    ("names", "suffix"),
    [
        (("y_true", "y_pred", "y_proba"), "csv"),
        (("y_true", "y_pred", "y_score"), "parquet"),
        (("label", "prediction", "probability"), "csv"),
        (("target", "pred", "prob"), "csv"),
    ],
)
def test_y_pred_beside_one_probability_column_scores_the_probability(
    cli, tmp_path, cancer, names, suffix
):
    """`y_true, y_pred, y_proba` (predict's and predict_proba(X)[:, 1]'s output saved
    together) read without flags: the probability is scored, y_pred left aside with a note; it
    was "ambiguous predictions"."""
    y, p = cancer
    label, predicted, score = names
    frame = pd.DataFrame({label: y, predicted: p.argmax(axis=1), score: p[:, 1]})
    path = tmp_path / f"s.{suffix}"
    frame.to_csv(path) if suffix == "csv" else frame.to_parquet(path)  # csv with its index
    report = xentcli.evaluate(str(path))
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert report.metrics["mse"] == pytest.approx(brier_score_loss(y, p[:, 1]), rel=1e-12)
    assert f"{predicted!r} holds predicted labels and is left aside" in report.notes[0]
    hard = json.loads(cli("eval", str(path), "--pred-col", predicted, "--json").stdout)
    assert hard["metrics"]["error"] == pytest.approx(np.mean(p.argmax(axis=1) != y))


def test_two_float_prediction_columns_stay_ambiguous(cli, tmp_path, cancer):
    """y_pred typed float (it may be scores) beside y_proba: no guess between them."""
    y, p = cancer
    frame = pd.DataFrame({"y_true": y, "y_pred": p[:, 1].round(2), "y_proba": p[:, 1]})
    frame.to_csv(tmp_path / "f.csv", index=False)
    run = cli("eval", str(tmp_path / "f.csv"))
    assert run.code == 2 and "ambiguous predictions" in run.stderr


def test_y_pred_beside_class_named_floats_says_how_to_score_them(cli, tmp_path, iris):
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame["y_true"], frame["y_pred"] = names[y], names[p.argmax(axis=1)]
    frame.to_csv(tmp_path / "named.csv")
    run = cli("eval", str(tmp_path / "named.csv"))
    assert run.code == 0, run.stderr
    assert "pass --pred-col setosa,versicolor,virginica" in run.stderr
    scored = cli("eval", str(tmp_path / "named.csv"), "--pred-col", "setosa,versicolor,virginica")
    assert scored.code == 0 and "cross_entropy" in scored.stdout


@pytest.mark.parametrize("label", ["y_true", "label", "target"])
def test_class_named_columns_beside_a_label_named_as_one(cli, tmp_path, iris, label):
    """SPEC §12: predict_proba's columns named by the classes the label column holds are
    detected beside any label column, with a note; a separate labels file works too."""
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame[label] = names[y]
    frame.to_csv(tmp_path / "named.csv")  # with pandas' index
    run = cli("eval", str(tmp_path / "named.csv"), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["classes"] == list(names) and report["columns"]["label"] == label
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert "read as the probabilities of the classes they name" in report["notes"][0]
    frame[list(names)].to_parquet(tmp_path / "p.parquet")
    frame[[label]].to_csv(tmp_path / "labels.csv", index=False)
    apart = xentcli.evaluate(str(tmp_path / "p.parquet"), str(tmp_path / "labels.csv"))
    assert apart.metrics == pytest.approx(report["metrics"], rel=1e-12)


def test_a_float_feature_beside_class_named_columns_names_the_fix(cli, tmp_path, iris):
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame["y_true"], frame["sepal_length"] = names[y], 5.1
    frame.to_csv(tmp_path / "features.csv", index=False)
    run = cli("eval", str(tmp_path / "features.csv"))
    assert run.code == 2 and "column 'sepal_length'" in run.stderr
    assert "pass --pred-col with the probability columns" in run.stderr
    fixed = cli("eval", str(tmp_path / "features.csv"), "--pred-col", ",".join(names))
    assert fixed.code == 0, fixed.stderr


def test_integer_labels_beside_named_floats_are_not_guessed(cli, tmp_path, iris):
    """Integer labels map to columns by position: float columns named otherwise are not taken
    as classes without --pred-col (they may be features)."""
    y, p = iris
    frame = pd.DataFrame(p, columns=["a", "b", "c"])
    frame["label"] = y
    frame.to_csv(tmp_path / "ints.csv", index=False)
    run = cli("eval", str(tmp_path / "ints.csv"))
    assert run.code == 2 and "no prediction column found" in run.stderr


def test_two_columns_take_labels_that_name_their_classes_only(cli, tmp_path, cancer):
    """Two complementary columns name both classes: a label naming neither is an error that
    says to pass --classes — even when every label is the same one value, which was taken
    for the negative class without a word."""
    y, p = cancer
    frame = pd.DataFrame(p)  # columns 0 and 1
    frame["label"] = np.where(y == 1, "benign", "malignant")
    frame.to_csv(tmp_path / "words.csv", index=False)
    run = cli("eval", str(tmp_path / "words.csv"))
    assert run.code == 2 and "names neither class of the two probability columns" in run.stderr
    assert "pass --classes" in run.stderr, run.stderr
    fixed = cli("eval", str(tmp_path / "words.csv"), "--classes", "malignant,benign", "--json")
    assert fixed.code == 0, fixed.stderr
    report = json.loads(fixed.stdout)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    frame["label"] = "benign"  # one value throughout
    frame.to_csv(tmp_path / "one.csv", index=False)
    run = cli("eval", str(tmp_path / "one.csv"))
    assert run.code == 2 and "names neither class" in run.stderr
    frame["label"] = y  # integer labels name the columns 0 and 1 by number
    frame.to_csv(tmp_path / "ints.csv", index=False)
    assert xentcli.evaluate(str(tmp_path / "ints.csv")).metrics[
        "binary_cross_entropy"
    ] == pytest.approx(log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize("orient", [None, "records", "index", "split", "table", "lines"])
def test_pandas_to_json_reads_without_flags(cli, tmp_path, iris, orient):
    """DataFrame.to_json's default (orient='columns') and its other orients, as `.json`; the
    numbers as pandas wrote them (10 significant digits by default)."""
    y, p = iris
    frame = pd.DataFrame(p, columns=[f"p_{k}" for k in range(3)])
    frame["label"] = y
    path = tmp_path / "preds.json"
    if orient == "lines":
        frame.to_json(path, orient="records", lines=True, double_precision=15)
    elif orient is None:
        frame.to_json(path, double_precision=15)
    else:
        frame.to_json(path, orient=orient, double_precision=15)
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    written = pd.read_json(path, orient=orient, lines=orient == "lines", precise_float=True)
    expected = log_loss(written["label"], written[[f"p_{k}" for k in range(3)]].to_numpy())
    assert report["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)
    assert report["inputs"]["format"] == ("jsonl" if orient == "lines" else "json")


def test_json_arrays_without_names_and_mixed_columns_name_the_fix(cli, tmp_path):
    (tmp_path / "values.json").write_text(json.dumps([[0.2, 1], [0.7, 0]]))
    run = cli("eval", str(tmp_path / "values.json"))
    assert run.code == 2 and "orient='records'" in run.stderr
    (tmp_path / "mixed.json").write_text(
        json.dumps({"label": {"0": 1, "1": "x"}, "prob": {"0": 0.5, "1": 0.2}})
    )
    run = cli("eval", str(tmp_path / "mixed.json"))
    assert run.code == 2 and "row 2, column 'label'" in run.stderr, run.stderr
    (tmp_path / "broken.json").write_text('{"label": {"0": 1}, "prob": ')
    run = cli("eval", str(tmp_path / "broken.json"))
    assert run.code == 2 and "not a JSON document" in run.stderr


@pytest.mark.parametrize("index", [False, True])
def test_labels_saved_as_an_unnamed_series(tmp_path, iris, index):
    """`pd.Series(y).to_csv(...)` names its one column `0`: a labels file of one column is the
    labels, whatever its name, and so is a predictions file's one column."""
    y, p = iris
    pd.DataFrame(p, columns=["p_0", "p_1", "p_2"]).to_csv(tmp_path / "p.csv", index=index)
    pd.Series(y).to_csv(tmp_path / "y.csv", index=index)  # header `0` (or `,0`)
    report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"))
    assert report.columns["label"] == "0"
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_binary_scores_saved_as_an_unnamed_series(tmp_path, cancer):
    y, p = cancer
    pd.Series(p[:, 1]).to_csv(tmp_path / "p.csv", index=False)  # one column named 0
    pd.DataFrame({"diagnosis": y}).to_csv(tmp_path / "y.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"))
    assert report.task == "binary" and report.columns["predictions"] == ["0"]
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert report.metrics["mse"] == pytest.approx(brier_score_loss(y, p[:, 1]), rel=1e-12)


def test_predicted_labels_saved_as_an_unnamed_series(tmp_path, iris):
    y, p = iris
    predicted = p.argmax(axis=1)
    pd.Series(predicted).to_csv(tmp_path / "pred.csv", index=False)
    pd.Series(y).to_csv(tmp_path / "y.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "pred.csv"), labels=str(tmp_path / "y.csv"))
    assert report.signature.split("|")[2] == "inputs:labels"  # scored as labels, not scores
    assert report.metrics["error"] == pytest.approx(float(np.mean(predicted != y)), rel=1e-12)


def test_one_column_besides_an_id_is_the_labels(tmp_path, iris):
    y, p = iris
    pd.DataFrame(p).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame({"id": np.arange(len(y)), "species_code": y}).to_csv(
        tmp_path / "y.csv", index=False
    )
    report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"))
    assert report.columns["label"] == "species_code"
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_two_unknown_columns_in_a_labels_file_still_ask(cli, tmp_path, iris):
    y, p = iris
    pd.DataFrame(p).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame({"a": y, "b": y}).to_csv(tmp_path / "y.csv", index=False)
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv"))
    assert run.code == 2 and "no label column found" in run.stderr and "--label-col" in run.stderr


def test_a_labels_file_never_lends_its_one_column_to_a_single_file(cli, tmp_path):
    """The one-column rule is for files of labels only or predictions only: beside a label in
    the same file, an unknown column (an id, a feature) is not taken as the predictions."""
    pd.DataFrame({"label": [0, 1, 1], "sample": [7, 8, 9]}).to_csv(tmp_path / "a.csv", index=False)
    run = cli("eval", str(tmp_path / "a.csv"))
    assert run.code == 2 and "no prediction column found" in run.stderr


def test_numpy_savetxt_files_without_header_lines(cli, tmp_path, iris):
    """np.savetxt writes no header: a first line of numbers with a fraction or an exponent is a
    row; the columns are named 0..K-1, as pandas' header=None names them, and a note says so."""
    y, p = iris
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")  # %.18e
    np.savetxt(tmp_path / "y.csv", y)  # one column, floats 0.000000000000000000e+00 …
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv"), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["read"] == len(y) and report["classes"] == ["0", "1", "2"]
    assert report["metrics"]["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    told = [note for note in report["notes"] if "no header line" in note]
    assert len(told) == 2 and told[0].startswith(str(tmp_path / "p.csv"))  # one per file
    np.savetxt(tmp_path / "b.csv", p[:, 1:2], fmt="%.6f")  # one column, six decimals
    np.savetxt(tmp_path / "by.csv", (y == 1).astype(float))
    both = xentcli.evaluate(str(tmp_path / "b.csv"), labels=str(tmp_path / "by.csv"))
    expected = np.round(p[:, 1], 6)
    assert both.rows.read == len(y)
    assert both.metrics["mse"] == pytest.approx(np.mean((expected - (y == 1)) ** 2), rel=1e-12)


def test_a_header_of_numbers_that_may_name_classes_stays_a_header(tmp_path, iris):
    """Integers name pandas' default columns and predict_proba's classes; `0.0, 1.0, 2.0` are
    float classes as pandas writes them: both stay column names."""
    y, p = iris
    for classes in ([0, 1, 2], [0.0, 1.0, 2.0]):
        pd.DataFrame(p, columns=classes).to_csv(tmp_path / "p.csv", index=False)
        pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
        report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"))
        assert report.rows.read == len(y), classes
        assert not any("header" in note for note in report.notes)
        assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


def test_savetxt_labels_as_integers_beside_savetxt_predictions(tmp_path):
    """np.savetxt(y, fmt="%d") writes `1` first: a column's name, or a row? Beside a
    predictions file with no header line it is a row too, with a note saying why."""
    p, y = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]), np.array([1, 0, 1])
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    np.savetxt(tmp_path / "y.csv", y, fmt="%d")
    report = xentcli.evaluate(str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"))
    assert report.rows.read == 3
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert any("its first line is integers" in note for note in report.notes)


def test_an_integer_first_line_read_as_a_header_is_told_in_the_row_count_error(cli, tmp_path):
    pd.DataFrame({"prob": [0.8, 0.4, 0.7]}).to_csv(tmp_path / "p.csv", index=False)
    np.savetxt(tmp_path / "y.csv", [1, 0, 1], fmt="%d")  # `1` could be a column's name
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv"))
    assert run.code == 2 and "row counts differ" in run.stderr
    assert "first line (1) was read as its column names" in run.stderr


def test_a_row_of_a_headerless_file_is_numbered_from_its_first_line(cli, tmp_path):
    (tmp_path / "p.csv").write_text("0.25,0.75\n0.5,0.5\n0.1,oops\n")
    (tmp_path / "y.csv").write_text("label\n1\n0\n1\n")
    run = cli("eval", str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv"))
    assert run.code == 2 and "row 3, column '1'" in run.stderr and "'oops'" in run.stderr
    piped = cli("eval", "-", "--labels", str(tmp_path / "y.csv"), input="0.25,0.75\n0.1,oops\n")
    assert piped.code == 2 and "row 2, column '1'" in piped.stderr


def test_space_separated_savetxt_is_named(cli, tmp_path):
    np.savetxt(tmp_path / "p.csv", [[0.2, 0.8], [0.6, 0.4]])  # savetxt's default: spaces
    (tmp_path / "y.csv").write_text("label\n1\n0\n")
    files = [str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv")]
    run = cli("eval", *files)
    assert run.code == 2 and "separated by spaces" in run.stderr and "delimiter=','" in run.stderr
    np.savetxt(tmp_path / "p.csv", [[0.2, 0.8], [0.6, 0.4]], delimiter="\t")  # tabs: TSV
    tabs = cli("eval", *files, "--json")
    assert tabs.code == 0 and "p.csv is separated by tabs: read so" in tabs.stderr
    assert "has no header line" in tabs.stderr
    fixed = cli("eval", *files, "--input-format", "tsv", "--json")
    assert fixed.code == 0, fixed.stderr
    assert json.loads(tabs.stdout)["metrics"] == json.loads(fixed.stdout)["metrics"]


def test_labels_in_the_first_column_of_a_headerless_file(cli, tmp_path):
    """The §4.1 net 1 rows with their labels first: the error says there is no header line,
    and the documented flags give the worked example's numbers."""
    (tmp_path / "lp.csv").write_text("2,0.3,0.3,0.4\n1,0.3,0.4,0.3\n0,0.1,0.2,0.7\n")
    run = cli("eval", str(tmp_path / "lp.csv"))
    assert run.code == 2 and "no label column found" in run.stderr
    assert "has no header line" in run.stderr and len(run.stderr.splitlines()) == 1
    flags = ["--label-col", "0", "--pred-col", "1,2,3", "--classes", "0,1,2", "--json"]
    fixed = cli("eval", str(tmp_path / "lp.csv"), *flags)
    assert fixed.code == 0, fixed.stderr
    assert json.loads(fixed.stdout)["metrics"]["cross_entropy"] == 1.3783888522474517


def test_a_kept_prediction_column_does_not_hide_the_labels_one_column(tmp_path, iris):
    """--keep-col names a column of the predictions: the labels file's one column, of the same
    name `0`, is still its labels."""
    y, p = iris
    pd.DataFrame(p).to_csv(tmp_path / "p.csv", index=False)
    pd.Series(y).to_csv(tmp_path / "y.csv", index=False)
    report = xentcli.evaluate(
        str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"), worst=3, keep_col=["0"]
    )
    assert report.columns["label"] == "0"
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    worst = np.argsort(np.log(p[np.arange(len(y)), y]), kind="stable")[:3]  # highest losses
    rows = report.sections["worst"].rows
    assert [row["row"] for row in rows] == list(worst + 1)
    assert [row["columns"]["0"] for row in rows] == pytest.approx(p[worst, 0], rel=1e-15)


def test_multilabel_targets_saved_by_savetxt_as_integers(tmp_path):
    """`0,1,0` names a column twice: no header does, so the line is a row (np.savetxt's
    fmt='%d' of K 0/1 targets), and the binary cross-entropy is scikit-learn's per label."""
    rng = np.random.default_rng(1)
    p, y = rng.random((6, 3)), (rng.random((6, 3)) < 0.5).astype(int)
    y[0] = [0, 1, 0]
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    np.savetxt(tmp_path / "y.csv", y, fmt="%d", delimiter=",")
    report = xentcli.evaluate(
        str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"), task="multilabel", label_col="*"
    )
    assert report.rows.read == 6
    expected = np.mean([log_loss(y[:, k], p[:, k], labels=[0, 1]) for k in range(3)])
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def _multilabel(seed: int = 2) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    p, y = rng.random((40, 3)), (rng.random((40, 3)) < 0.4).astype(int)
    return p, y, float(np.mean([log_loss(y[:, k], p[:, k], labels=[0, 1]) for k in range(3)]))


def test_task_multilabel_finds_a_labels_files_columns(tmp_path):
    p, y, expected = _multilabel()
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    pd.DataFrame(y).to_csv(tmp_path / "y.csv")  # pandas' index, then columns 0, 1, 2
    report = xentcli.evaluate(
        str(tmp_path / "p.csv"), labels=str(tmp_path / "y.csv"), task="multilabel"
    )
    assert report.columns["targets"] == ["0", "1", "2"]
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_task_multilabel_finds_the_label_group_beside_the_predictions(tmp_path):
    p, y, expected = _multilabel()
    frame = pd.DataFrame(p, columns=["p_cat", "p_dog", "p_owl"])
    # the label columns in another order, and y_true-like names that are not one of the K
    for name, k in (("y_owl", 2), ("y_cat", 0), ("y_dog", 1)):
        frame[name] = y[:, k]
    frame["y_pred"] = 1
    frame.to_csv(tmp_path / "m.csv", index=False)
    report = xentcli.evaluate(str(tmp_path / "m.csv"), task="multilabel")
    assert report.columns["targets"] == ["y_cat", "y_dog", "y_owl"]  # paired by name
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_task_multilabel_with_two_label_groups_still_asks(cli, tmp_path):
    p, y, _ = _multilabel()
    frame = pd.DataFrame(p, columns=["p_a", "p_b", "p_c"])
    for k, c in enumerate("abc"):
        frame[f"y_{c}"] = frame[f"target_{c}"] = y[:, k]
    frame.to_csv(tmp_path / "m.csv", index=False)
    run = cli("eval", str(tmp_path / "m.csv"), "--task", "multilabel")
    assert run.code == 2 and "--label-col" in run.stderr


def test_text_labels_beside_predict_proba_columns_0_to_k_minus_1(cli, tmp_path, iris):
    """pd.DataFrame(predict_proba(X)) beside text labels: the columns' classes are the model's
    classes_; the error says so, and --classes with them gives log_loss."""
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p).assign(label=names[y])
    frame.to_csv(tmp_path / "p.csv", index=False)
    run = cli("eval", str(tmp_path / "p.csv"))
    assert run.code == 2 and "pass --classes" in run.stderr and "classes_" in run.stderr
    fixed = cli("eval", str(tmp_path / "p.csv"), "--classes", ",".join(names), "--json")
    assert fixed.code == 0, fixed.stderr
    expected = log_loss(names[y], p)
    assert json.loads(fixed.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        expected, rel=1e-12
    )


def test_a_lone_logit_column_beside_a_labels_file_still_asks_for_logits(cli, tmp_path):
    """The one-column rule never reads a column named as logits as probabilities."""
    (tmp_path / "z.csv").write_text("logit\n0.5\n0.2\n")
    (tmp_path / "y.csv").write_text("y\n1\n0\n")
    run = cli("eval", str(tmp_path / "z.csv"), "--labels", str(tmp_path / "y.csv"))
    assert run.code == 2 and "pass --logits" in run.stderr
    scored = cli(
        "eval", str(tmp_path / "z.csv"), "--labels", str(tmp_path / "y.csv"), "--logits", "--json"
    )
    assert scored.code == 0, scored.stderr
    expected = log_loss([1, 0], 1 / (1 + np.exp(-np.array([0.5, 0.2]))))
    assert json.loads(scored.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(
        expected, rel=1e-12
    )


def test_pandas_labels_beside_savetxt_predictions_say_how_to_read_the_header(cli, tmp_path):
    """`pd.Series(y).to_csv()` writes the header `0`; beside np.savetxt predictions it is read
    as a row (the fmt="%d" pair wins), so the counts differ by one: the error says
    --label-col 0, which reads it as the column's name."""
    p, y = np.array([[0.2, 0.8], [0.6, 0.4], [0.3, 0.7]]), [1, 0, 1]
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    pd.Series(y).to_csv(tmp_path / "y.csv", index=False)
    files = [str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv")]
    run = cli("eval", *files)
    assert run.code == 2 and "pass --label-col 0" in run.stderr
    fixed = cli("eval", *files, "--label-col", "0", "--json")
    assert fixed.code == 0, fixed.stderr
    assert json.loads(fixed.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(
        log_loss(y, p), rel=1e-12
    )


def test_pandas_multilabel_targets_beside_savetxt_predictions(cli, tmp_path):
    """`pd.DataFrame(Y).to_csv()` names its K target columns 0..K-1; beside np.savetxt
    predictions that line is read as a row, so row 1 holds a target 2: the error says so and
    names the --label-col that reads the line as names."""
    rng = np.random.default_rng(4)
    p, y = rng.random((6, 3)), (rng.random((6, 3)) < 0.5).astype(int)
    np.savetxt(tmp_path / "p.csv", p, delimiter=",")
    pd.DataFrame(y).to_csv(tmp_path / "y.csv", index=False)
    files = [str(tmp_path / "p.csv"), "--labels", str(tmp_path / "y.csv"), "--task", "multilabel"]
    run = cli("eval", *files)
    assert run.code == 2 and "row 1" in run.stderr and "--label-col '0,1,2'" in run.stderr
    fixed = cli("eval", *files, "--label-col", "0,1,2", "--json")
    assert fixed.code == 0, fixed.stderr
    expected = np.mean([log_loss(y[:, k], p[:, k], labels=[0, 1]) for k in range(3)])
    report = json.loads(fixed.stdout)
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def _printed(values: np.ndarray) -> np.ndarray:
    """The values numpy's print of them holds (what to_csv writes for a column of arrays)."""
    return np.array([np.array(str(r).strip("[]").split(), dtype=float) for r in values])


@pytest.mark.parametrize("classes", [3, 50])
def test_a_column_of_numpy_arrays_as_to_csv_writes_it(cli, tmp_path, classes):
    """`df["probs"] = list(P)`: to_csv writes numpy's print of each row, `[0.1 0.2 0.7]`,
    wrapped over lines beyond 75 characters; read as the numbers it holds."""
    rng = np.random.default_rng(classes)
    p = rng.dirichlet(np.ones(classes), 3000)
    y = rng.integers(0, classes, 3000)
    frame = pd.DataFrame({"label": y})
    frame["probs"] = list(p)
    frame.to_csv(tmp_path / "preds.csv", index=False)
    assert ("\n " in (tmp_path / "preds.csv").read_text()) == (classes == 50)
    run = cli("eval", str(tmp_path / "preds.csv"), "--json")
    assert run.code == 0, run.stderr
    printed = _printed(p)  # log_loss warns on their sums, 1 ± 1e-8
    expected = -np.mean(np.log(printed[np.arange(len(y)), y]))
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_column_of_numpy_logits_with_signs(cli, tmp_path):
    z = np.array([[-1.5, 0.25, 3.0], [2.0, -0.125, -7.5]])
    frame = pd.DataFrame({"label": [2, 0]})
    frame["logits"] = list(z)  # printed "[-1.5    0.25   3.  ]"
    frame.to_csv(tmp_path / "preds.csv", index=False)
    run = cli("eval", str(tmp_path / "preds.csv"), "--logits", "--json")
    assert run.code == 0, run.stderr
    shifted = z - z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    expected = -(log_p[0, 2] + log_p[1, 0]) / 2
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_a_column_of_lists_of_numpy_scalars(cli, tmp_path, iris):
    """`df["probs"] = [list(row) for row in P]`: numpy 2 writes `[np.float64(0.97...), ...]`."""
    y, p = iris
    frame = pd.DataFrame({"label": y})
    frame["probs"] = [list(row) for row in p]
    frame.to_csv(tmp_path / "preds.csv", index=False)
    assert "np.float64(" in (tmp_path / "preds.csv").read_text()
    run = cli("eval", str(tmp_path / "preds.csv"), "--json")
    assert run.code == 0, run.stderr
    expected = log_loss(y, p)
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_an_array_numpy_printed_shortened_names_the_fix(cli, tmp_path):
    p = np.random.default_rng(2).dirichlet(np.ones(1200), 3)
    frame = pd.DataFrame({"label": [0, 1, 2]})
    frame["probs"] = list(p)  # more than 1000 values: printed with '...'
    frame.to_csv(tmp_path / "preds.csv", index=False)
    run = cli("eval", str(tmp_path / "preds.csv"))
    assert run.code == 2
    assert "row 1, column 'probs'" in run.stderr and "printed this array shortened" in run.stderr
    assert "P.tolist()" in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("beside", ["id", "sample_id", "n_tokens", "uuid"])
def test_class_named_columns_beside_a_text_label_and_an_id(cli, tmp_path, iris, beside):
    """An id (integer, or text under an id's name) or a count beside them: the one text column
    is still the labels, and the note says how the columns were found."""
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame.insert(0, "species", names[y])
    ids = np.arange(len(y))
    frame.insert(0, beside, [f"u-{i}" for i in ids] if beside == "uuid" else ids)
    frame.to_csv(tmp_path / "named.csv", index=False)
    run = cli("eval", str(tmp_path / "named.csv"), "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(
        log_loss(y, p), rel=1e-12
    )
    assert "'species' is read as the labels" in run.stderr and "--label-col" in run.stderr


def test_two_text_columns_beside_class_named_floats_still_ask(cli, tmp_path, iris):
    y, p = iris
    names = np.array(["setosa", "versicolor", "virginica"])
    frame = pd.DataFrame(p, columns=names)
    frame["species"] = names[y]
    frame["model"] = "rf"
    frame.to_csv(tmp_path / "named.csv", index=False)
    run = cli("eval", str(tmp_path / "named.csv"))
    assert run.code == 2 and "no label column found" in run.stderr and "--label-col" in run.stderr
