"""The Python API as scikit-learn users call it (docs/api.md): arrays, lists, Series and
DataFrames; list-valued options; errors that name the keyword."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import brier_score_loss, log_loss

import xentcli

Y = np.array([2, 1, 0])
P = np.array([[0.3, 0.3, 0.4], [0.3, 0.4, 0.3], [0.1, 0.2, 0.7]])  # SPEC §4.1, net 1


def test_arrays_like_scikit_learn():
    report = xentcli.evaluate(y_true=Y, y_prob=P)
    assert report.metrics["cross_entropy"] == 1.3783888522474517 == pytest.approx(log_loss(Y, P))
    assert report.metrics["mse"] == pytest.approx(0.8066666666666666)
    as_lists = xentcli.evaluate(y_true=Y.tolist(), y_prob=P.tolist())
    assert as_lists.metrics == report.metrics


def test_binary_arrays_with_weights_and_two_columns():
    rng = np.random.default_rng(3)
    y, p, w = rng.integers(0, 2, 500), rng.random(500), rng.random(500)
    one = xentcli.evaluate(y_true=y, y_prob=p, sample_weight=w)
    assert one.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(y, p, sample_weight=w), rel=1e-12
    )
    two = xentcli.evaluate(y_true=pd.Series(y), y_prob=np.column_stack([1 - p, p]))
    assert two.task == "binary"  # predict_proba's two columns: one binary problem
    assert two.metrics["mse"] == pytest.approx(brier_score_loss(y, p), rel=1e-12)


def test_series_labels_and_a_dataframe_of_class_columns():
    names = np.array(["dog", "cat", "bird"])
    report = xentcli.evaluate(
        y_true=pd.Series(names[Y]), y_prob=pd.DataFrame(P, columns=["dog", "cat", "bird"])
    )
    assert report.classes == ("dog", "cat", "bird")
    assert report.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)  # by name
    positional = xentcli.evaluate(pd.DataFrame(P, columns=["p_0", "p_1", "p_2"]), pd.Series(Y))
    assert positional.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)


def test_list_valued_options_and_none():
    frame = pd.DataFrame({"y": Y, "a": P[:, 0], "b": P[:, 1], "c": P[:, 2]})
    report = xentcli.evaluate(frame, label_col="y", pred_col=["a", "b", "c"], by=None)
    assert report.metrics["cross_entropy"] == pytest.approx(1.3783888522474517)


def test_errors_name_the_keyword():
    with pytest.raises(xentcli.SchemaError, match="pass pred_col=") as caught:
        xentcli.evaluate(pd.DataFrame({"label": [1, 0], "a": [0.1, 0.9]}))
    assert "--" not in str(caught.value)
    with pytest.raises(xentcli.UsageError, match="needs its labels: pass y_true="):
        xentcli.evaluate(P)
    with pytest.raises(xentcli.UsageError, match="differ in length"):
        xentcli.evaluate(y_true=Y[:2], y_prob=P)


def test_polars_frames_and_dicts_of_columns_read_as_pandas_frames():
    import polars as pl

    data = {"label": Y.tolist(), "p_0": P[:, 0], "p_1": P[:, 1], "p_2": P[:, 2]}
    expected = xentcli.evaluate(pd.DataFrame(data)).metrics
    assert expected["cross_entropy"] == pytest.approx(log_loss(Y, P), rel=1e-12)
    assert xentcli.evaluate(pl.DataFrame(data)).metrics == expected
    assert xentcli.evaluate(data).metrics == expected
    labels = pl.DataFrame({"label": Y.tolist()})
    assert xentcli.evaluate(pl.DataFrame(data).drop("label"), labels).metrics == expected


def test_pandas_dtypes_arrow_has_no_plain_type_for():
    rng = np.random.default_rng(2)
    y, p = rng.integers(0, 2, 60), rng.random(60)
    expected = xentcli.evaluate(y_true=y, y_prob=p).metrics
    sparse = pd.DataFrame({"label": pd.arrays.SparseArray(y), "prob": p})
    assert xentcli.evaluate(sparse).metrics == expected
    days = pd.period_range("2024-01-01", periods=3, freq="D").repeat(20)
    by_day = xentcli.evaluate(pd.DataFrame({"label": y, "prob": p, "day": days}), by="day")
    assert [g["group"]["day"] for g in by_day.to_dict()["groups"]] == [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03",
    ]
    first = by_day.to_dict()["groups"][0]["metrics"]["binary_cross_entropy"]
    assert first == pytest.approx(log_loss(y[:20], p[:20], labels=[0, 1]), rel=1e-12)


def test_frames_arrow_cannot_hold_name_the_column_and_row():
    mixed = pd.DataFrame({"label": [1, 0, "1", 0], "prob": [0.9, 0.2, 0.7, 0.1]})
    with pytest.raises(xentcli.InputError) as caught:
        xentcli.evaluate(mixed)
    assert (caught.value.row, caught.value.column) == (3, "label")
    assert "'1' is str among int values" in str(caught.value)
    repeated = pd.DataFrame([[1, 0.5, 0.5]], columns=["label", "prob", "prob"])
    with pytest.raises(xentcli.SchemaError, match="column 'prob' appears 2 times"):
        xentcli.evaluate(repeated)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({"eps": "1e-7"}, "eps= takes a number, not '1e-7'"),
        ({"by": 3}, "by= takes names, not 3"),
        ({"worst": "5"}, "worst= takes an integer, not '5'"),
        ({"worst": True}, "worst= takes an integer, not True"),
        ({"calibration": "yes"}, "calibration= takes True or False, not 'yes'"),
        ({"classes": 5}, "classes= takes names, not 5"),
        ({"class_weights": ["a"]}, "class_weights= takes numbers, not ['a']"),
        ({"rows_out": 5}, "rows_out= takes text, not 5"),
    ],
)
def test_a_keyword_of_the_wrong_type_is_a_usage_error_naming_it(options, said):
    """Not a TypeError from deep inside ('<=' not supported between 'float' and 'str')."""
    frame = pd.DataFrame({"label": Y, **{f"p_{k}": P[:, k] for k in range(3)}})
    with pytest.raises(xentcli.UsageError) as caught:
        xentcli.evaluate(frame, **options)
    assert str(caught.value) == said


def test_numpy_scalars_paths_and_indexes_are_taken_as_what_they_stand_for(tmp_path):
    frame = pd.DataFrame({"label": Y, **{f"p_{k}": P[:, k] for k in range(3)}, "g": list("aab")})
    plain = xentcli.evaluate(frame, by=["g"], eps=1e-7, chunk_rows=2, calibration=True)
    numpyish = xentcli.evaluate(
        frame,
        by=frame.columns[[4]],  # a pandas Index
        pred_col=np.array(["p_0", "p_1", "p_2"]),
        eps=np.float64(1e-7),
        chunk_rows=np.int64(2),
        calibration=np.bool_(True),
        rows_out=tmp_path / "rows.parquet",  # a Path
    )
    assert numpyish.metrics == plain.metrics
    assert (tmp_path / "rows.parquet").exists()


def test_plain_arrays_columns_are_read_as_log_loss_reads_them():
    """A plain (n, K) array's columns are the sorted distinct labels when y_true holds K of
    them (scikit-learn's LabelBinarizer): text labels need no classes=, labels 1..3 name the
    columns in order. Cases from scikit-learn's test_log_loss, and its 1..K reading."""
    ham = ["ham", "spam", "spam", "ham"]
    two = [[0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.7, 0.3]]
    report = xentcli.evaluate(y_true=ham, y_prob=two)
    assert report.metrics["binary_cross_entropy"] == pytest.approx(0.7469410, abs=1e-7)
    assert report.metrics["binary_cross_entropy"] == pytest.approx(log_loss(ham, two), rel=1e-12)
    words = np.array(["b", "a", "b", "c"])
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.2, 0.2], [0.1, 0.7, 0.2], [0.3, 0.3, 0.4]])
    for y in (words, words.astype(object), pd.Series(words), [1, 2, 1, 3]):
        for given in (p, pd.DataFrame(p)):  # pd.DataFrame(predict_proba(X)): columns 0..K-1
            report = xentcli.evaluate(y_true=y, y_prob=given)
            assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)
    named = pd.DataFrame(p, columns=["c", "b", "a"])  # columns named by classes: by name
    report = xentcli.evaluate(y_true=words, y_prob=named)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(words, p[:, ::-1]), rel=1e-12)
    fewer = xentcli.evaluate(y_true=[1, 0, 1, 1], y_prob=p)  # 0..K-1 positions, a class absent
    assert fewer.metrics["cross_entropy"] == pytest.approx(
        log_loss([1, 0, 1, 1], p, labels=[0, 1, 2]), rel=1e-12
    )
    with pytest.raises(xentcli.InputError, match="pass classes="):
        xentcli.evaluate(y_true=["b", "a", "b", "b"], y_prob=p)  # two labels, three columns


def test_labels_beside_y_true_are_log_losss_labels():
    """`labels=` with y_true= is scikit-learn's: the classes, sorted, naming y_prob's columns,
    or the two classes of a binary y_prob, the greater positive. Cases from scikit-learn's
    test_log_loss ("works when the labels argument is used", "ensure labels work when
    len(np.unique(y_true)) != y_pred.shape[1]"), each against log_loss itself."""
    score = np.array([[0.1, 0.9], [0.1, 0.9]])
    report = xentcli.evaluate(y_true=[2, 2], y_prob=score, labels=[1, 2])
    assert report.metrics["binary_cross_entropy"] == pytest.approx(-np.log(0.9), rel=1e-12)
    three = [[0.7, 0.1, 0.2], [0.2, 0.7, 0.1], [0.1, 0.7, 0.2]]
    for given in ([1, 2, 3], [3, 2, 1], np.array([2, 3, 1]), pd.Index([1, 2, 3])):
        report = xentcli.evaluate(y_true=[1, 2, 2], y_prob=three, labels=given)
        assert report.metrics["cross_entropy"] == pytest.approx(-np.log(0.7), rel=1e-15)
    words, prob = ["b", "a", "a", "b"], [0.2, 0.3, 0.6, 0.9]
    for given in (["a", "b"], ["b", "a"]):
        report = xentcli.evaluate(y_true=words, y_prob=prob, labels=given)
        expected = log_loss(words, prob, labels=["a", "b"])
        assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)
    frame = pd.DataFrame({"q": [0.2, 0.6], "r": [0.8, 0.4]})  # its names are not the classes
    report = xentcli.evaluate(y_true=["x", "y"], y_prob=frame, labels=["x", "y"])
    expected = log_loss(["x", "y"], frame.to_numpy(), labels=["x", "y"])
    assert report.metrics["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(xentcli.UsageError, match="labels= holds 2 classes but y_prob= has 3"):
        xentcli.evaluate(y_true=[1, 2, 2], y_prob=three, labels=[1, 2])
    with pytest.raises(xentcli.UsageError, match="labels= holds 3 classes; y_prob= of shape"):
        xentcli.evaluate(y_true=[0, 1], y_prob=[0.2, 0.3], labels=[0, 1, 2])
    with pytest.raises(xentcli.UsageError, match="labels= or classes=, not both"):
        xentcli.evaluate(y_true=[1, 2, 2], y_prob=three, labels=[1, 2, 3], classes=[1, 2, 3])
    with pytest.raises(xentcli.UsageError, match="labels= beside y_true= is the list"):
        xentcli.evaluate(y_true=[0, 1], y_prob=[0.2, 0.3], labels="labels.csv")
    with pytest.raises(xentcli.InputError, match="label 4"):
        xentcli.evaluate(y_true=[1, 4, 2], y_prob=three, labels=[1, 2, 3])
    with pytest.raises(xentcli.UsageError, match="normalize=False, a sum of losses"):
        xentcli.evaluate(y_true=[0, 1], y_prob=[0.2, 0.3], normalize=False)


def test_two_text_labels_beside_one_probability_are_read_as_log_loss_reads_them():
    """y_prob of shape (n,) beside two text labels is the probability of the greater label, as
    log_loss's LabelBinarizer takes it (predict_proba's column 1 is classes_[1]), with a note;
    positive= picks the other. One label, three, or labels the mapper reads itself are as
    before."""
    words, prob = ["no", "yes", "yes", "no", "yes"], [0.2, 0.7, 0.9, 0.4, 0.35]
    for truth in (words, np.array(words), pd.Series(words), np.array(words, dtype=object)):
        report = xentcli.evaluate(y_true=truth, y_prob=prob)
        assert report.metrics["binary_cross_entropy"] == pytest.approx(
            log_loss(words, prob), rel=1e-12
        )
        assert report.metrics["mse"] == pytest.approx(
            brier_score_loss(words, prob, pos_label="yes"), rel=1e-12
        )
        assert any("read as the probability of 'yes', the greater" in n for n in report.notes)
    other = xentcli.evaluate(y_true=words, y_prob=prob, positive="no")
    assert other.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss(words, [1 - q for q in prob]), rel=1e-12
    )
    assert not any("the greater" in note for note in other.notes)
    for truth in (["no", "no"], ["a", "b", "c"], ["1", "ham"], ["no", None]):
        with pytest.raises(xentcli.InputError, match="pass positive=VALUE"):
            xentcli.evaluate(y_true=truth, y_prob=[0.2] * len(truth))
    flags = xentcli.evaluate(y_true=["False", "True"], y_prob=[0.2, 0.9])
    assert not any("the greater" in note for note in flags.notes)  # read as booleans already


def test_a_column_vector_of_labels_is_the_labels_as_scikit_learn_reads_it():
    """y_true of shape (n, 1) (Keras' y_true) is the labels, as log_loss's column_or_1d takes it
    — it was an IndexError; K label columns against another number of probabilities say so."""
    probs = np.array([[0.2, 0.3, 0.5], [0.1, 0.8, 0.1], [0.6, 0.2, 0.2]])
    y = np.array([2, 1, 0])
    report = xentcli.evaluate(y_true=y[:, None], y_prob=probs)
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, probs), rel=1e-12)
    binary = xentcli.evaluate(y_true=[[1], [0], [1]], y_prob=[[0.9], [0.2], [0.4]])
    assert binary.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss([1, 0, 1], [0.9, 0.2, 0.4]), rel=1e-12
    )
    with pytest.raises(xentcli.UsageError, match="y_true= has 2 columns and y_prob= 3"):
        xentcli.evaluate(y_true=np.eye(2)[[0, 1, 1]], y_prob=probs)
    with pytest.raises(xentcli.UsageError, match=r"not of shape \(3, 1, 1\)"):
        xentcli.evaluate(y_true=np.zeros((3, 1, 1)), y_prob=probs)
    with pytest.raises(xentcli.UsageError, match=r"y_true= must be \(n,\) or \(n, K\)"):
        xentcli.evaluate(y_true=1, y_prob=[0.5])  # it was a TypeError


def test_sample_weight_as_a_column_vector_or_of_another_shape():
    """sample_weight of shape (n, 1) is the weights, as for y_true (it was pyarrow's
    "only handle 1-dimensional arrays"); a scalar or a matrix is a UsageError naming it."""
    weighted = xentcli.evaluate(
        y_true=[1, 0, 1], y_prob=[0.9, 0.2, 0.4], sample_weight=np.array([[1.0], [2.0], [1.0]])
    )
    assert weighted.metrics["binary_cross_entropy"] == pytest.approx(
        log_loss([1, 0, 1], [0.9, 0.2, 0.4], sample_weight=[1, 2, 1]), rel=1e-12
    )
    for weights in (3.0, np.ones((3, 2))):
        with pytest.raises(xentcli.UsageError, match=r"sample_weight= must be \(n,\)"):
            xentcli.evaluate(y_true=[1, 0, 1], y_prob=[0.9, 0.2, 0.4], sample_weight=weights)


def test_array_lengths_and_emptiness_are_said_plainly():
    with pytest.raises(
        xentcli.UsageError, match=r"y_true= and y_prob= differ in length \(y_true= 2, y_prob= 3\)"
    ):
        xentcli.evaluate(y_true=[0, 1], y_prob=[0.2, 0.7, 0.9])
    with pytest.raises(xentcli.UsageError, match="sample_weight= 2"):
        xentcli.evaluate(y_true=[0, 1, 1], y_prob=[0.2, 0.7, 0.9], sample_weight=[1, 2])
    with pytest.raises(xentcli.UsageError, match="are empty"):
        xentcli.evaluate(y_true=[], y_prob=[])


class _Tensor:
    """What numpy sees of a PyTorch tensor that requires grad: __array__ refuses until it is
    detached (torch: "Can't call numpy() on Tensor that requires grad")."""

    def __init__(self, values, attached: bool = True) -> None:
        self.values, self.attached = np.asarray(values), attached

    def __array__(self, dtype=None, copy=None):
        if self.attached:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad")
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return len(self.values)

    def detach(self) -> _Tensor:
        return _Tensor(self.values, attached=False)

    def cpu(self) -> _Tensor:
        return self


def test_tensors_that_require_grad_are_detached_as_sklearn_users_expect():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(4)
    z = rng.normal(size=(40, 3))
    y = rng.integers(0, 3, 40)
    w = rng.random(40)
    report = xentcli.evaluate(
        y_true=_Tensor(y), y_prob=_Tensor(z), sample_weight=_Tensor(w), logits=True
    )
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = log_loss(y, p, sample_weight=w)
    assert report.metrics["cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_polars_frames_and_series_as_scikit_learn_takes_them():
    import polars as pl
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(3), 60)
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    report = xentcli.evaluate(y_true=pl.Series(y), y_prob=pl.DataFrame(p, schema=["a", "b", "c"]))
    assert report.classes == ("a", "b", "c")
    assert report.metrics["cross_entropy"] == pytest.approx(log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize(
    ("arrays", "said"),
    [
        (
            {"y_true": [1, 0], "y_prob": pd.Series([0.9, None], dtype="Float64")},
            "<arrays>, row 2, column 'y_prob': a missing value",
        ),
        (
            {"y_true": ["a", "b"], "y_prob": pd.DataFrame({"a": [0.2, None], "b": [0.3, 0.5]})},
            "<arrays>, row 2, column \"y_prob['a']\": a missing value",
        ),
        (
            {"y_true": [1, 2], "y_prob": [0.9, 0.1]},
            "column 'y_true': label 2 is not 0/1, -1/1 or true/false; pass positive=VALUE",
        ),
        (
            {"y_true": [1, 0], "y_prob": [0.9, 0.1], "sample_weight": [1, -1]},
            "column 'sample_weight': negative weight",
        ),
    ],
)
def test_array_errors_name_the_keyword_the_values_came_from(arrays, said):
    """A nullable pandas column's NA is a missing value, not a TypeError; the column of an
    error is the keyword (was the table's inner name, 'prob' or 'p_a')."""
    with pytest.raises(xentcli.InputError) as caught:
        xentcli.evaluate(**arrays, task="multiclass" if "b" in arrays["y_true"] else None)
    assert said in str(caught.value)


def test_a_nullable_pandas_column_with_nan_skip():
    report = xentcli.evaluate(
        y_true=[1, 0, 1], y_prob=pd.Series([0.9, None, 0.6], dtype="Float64"), nan="skip"
    )
    assert report.rows.skipped == 1
    assert report.metrics["binary_cross_entropy"] == pytest.approx(
        -(np.log(0.9) + np.log(0.6)) / 2, rel=1e-12
    )
