"""Every bad input of SPEC §7: exit code 2, one line `xentcli: error: …` naming file, row and
column, and nothing on stdout."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import write_csv

H3 = ["label", "p_0", "p_1", "p_2"]
GOOD = [2, 0.3, 0.3, 0.4]


def csv(rows, header=H3):
    return ("csv", header, rows)


JSON_NOT_UTF8 = " (a Windows-1252 or Latin-1 file?): save it as UTF-8 (iconv -f cp1252 -t utf-8)"
CASES = {
    "empty file": (("raw", b""), [], "{f}: the file is empty"),
    "header only": (csv([]), [], "{f}: no data rows (only a header)"),
    "no label column": (
        csv([[0.3, 0.7]], ["a", "prob"]),
        [],
        "{f}: no label column found (looked for label, labels, target, y, y_true, class, truth, "
        "targets, y_test, true_label, ground_truth, label_ids); columns are: a, prob; pass "
        "--label-col",
    ),
    "no prediction column": (
        csv([[1, 0.3]], ["y", "a"]),
        [],
        "{f}: no prediction column found (looked for prob, probability, proba, p, score, pred, "
        "prediction, y_pred, y_prob, y_score, y_proba, probs, probabilities, scores, preds, "
        "predictions, y_pred_proba, y_pred_prob, pred_proba, predict_proba, y_hat, yhat or "
        "columns p_*, "
        "prob_*, proba_*, logit_*, p0..pK-1, 0..K-1); columns are: a; pass --pred-col",
    ),
    "ambiguous predictions": (
        csv([[1, 0.3, 0.3, 0.7]], ["y", "prob", "p_0", "p_1"]),
        [],
        "{f}: ambiguous predictions: 'prob', p_* (2 columns); pass --pred-col (a column, a comma "
        "list, or a glob such as 'p_*')",
    ),
    "non-numeric cell": (
        csv([GOOD, [1, 0.3, "abc", 0.3]]),
        [],
        "{f}, row 2, column 'p_1': 'abc' is not a number",
    ),
    "ragged row": (
        csv([GOOD, GOOD, [1, 0.3, 0.4, 0.3, 9]]),
        [],
        "{f}, row 3: expected 4 fields, found 5 (ragged row)",
    ),
    "nan": (
        csv([GOOD, [1, 0.3, "nan", 0.3]]),
        [],
        "{f}, row 2, column 'p_1': a missing value where a finite number or label is needed; "
        "pass --nan skip to drop such rows",
    ),
    "inf": (
        csv([GOOD, GOOD, [1, 0.3, 0.4, "inf"]]),
        [],
        "{f}, row 3, column 'p_2': inf where a finite number or label is needed; "
        "pass --nan skip to drop such rows",
    ),
    "empty label": (
        csv([GOOD, ["", 0.3, 0.4, 0.3]]),
        [],
        "{f}, row 2, column 'label': a missing value where a finite number or label is needed; "
        "pass --nan skip to drop such rows",
    ),
    "probability above 1": (
        csv([GOOD, [1, 0.3, 1.4, 0.3]]),
        [],
        "{f}, row 2, column 'p_1': probability 1.4 is outside [0, 1]; if these are raw scores, "
        "pass --logits",
    ),
    "negative probability": (
        ("csv", ["y", "prob"], [[1, 0.5], [0, -0.25]]),
        [],
        "{f}, row 2, column 'prob': probability -0.25 is outside [0, 1]; if these are raw scores, "
        "pass --logits",
    ),
    "label maps to no class": (
        csv([GOOD, [7, 0.3, 0.4, 0.3]]),
        [],
        "{f}, row 2, column 'label': label 7 maps to no class (classes: 0, 1, 2; labels name a "
        "class); pass --classes with the class of each prediction column, in column order",
    ),
    "string label maps to no class": (
        csv(
            [["dog", 0.5, 0.25, 0.25], ["cow", 0.5, 0.25, 0.25]],
            ["label", "p_dog", "p_cat", "p_emu"],
        ),
        [],
        "{f}, row 2, column 'label': label 'cow' maps to no class (classes: dog, cat, emu; a "
        "string label names a class, an integer label is a 0-based position); pass --classes with "
        "the class of each prediction column, in column order",
    ),
    "binary label not 0/1": (
        ("csv", ["y", "prob"], [[1, 0.5], [2, 0.5]]),
        [],
        "{f}, row 2, column 'y': label 2 is not 0/1, -1/1 or true/false; pass --positive VALUE "
        "for two label values, or --task regression for a numeric target",
    ),
    "the only prediction column taken as weights": (
        ("csv", ["y", "prob"], [[1, 0.5], [0, 0.5]]),
        ["--weight-col", "prob"],
        "{f}: no prediction column found (looked for prob, probability, proba, p, score, pred, "
        "prediction, y_pred, y_prob, y_score, y_proba, probs, probabilities, scores, preds, "
        "predictions, y_pred_proba, y_pred_prob, pred_proba, predict_proba, y_hat, yhat or "
        "columns p_*, "
        "prob_*, proba_*, logit_*, p0..pK-1, 0..K-1); columns are: none besides the label, weight "
        "and key columns; pass --pred-col",
    ),
    "binary third label": (
        ("csv", ["y", "prob"], [["cat", 0.5], ["dog", 0.5], ["cow", 0.1]]),
        ["--positive", "cat"],
        "{f}, row 3, column 'y': label 'cow' is a third value: binary labels here are 'cat' and "
        "'dog'",
    ),
    "rows not summing to 1": (
        csv([GOOD, [1, 0.3, 0.5, 0.3], [1, 0.3, 0.5, 0.3]]),
        [],
        "{f}, row 2: probabilities sum to 1.1, not 1 (tolerance 0.0001); 2 row(s) like this; "
        "pass --renormalize to divide each row by its sum, or --sum-tol to widen the tolerance",
    ),
    "negative weight": (
        ("csv", ["y", "prob", "w"], [[1, 0.5, 1], [0, 0.5, -2]]),
        ["--weight-col", "w"],
        "{f}, row 2, column 'w': negative weight -2.0; weights must be >= 0",
    ),
    "non-finite weight": (
        ("csv", ["y", "prob", "w"], [[1, 0.5, 1], [0, 0.5, "inf"]]),
        ["--weight-col", "w"],
        "{f}, row 2, column 'w': inf where a finite number or label is needed; "
        "pass --nan skip to drop such rows",
    ),
    "zero total weight": (
        ("csv", ["y", "prob", "w"], [[1, 0.5, 0], [0, 0.5, 0]]),
        ["--weight-col", "w"],
        "{f}: the weights of the rows used sum to 0",
    ),
    "no rows left": (
        ("csv", ["y", "prob"], [[1, "nan"], [0, "nan"]]),
        ["--nan", "skip"],
        "{f}: no rows left to evaluate (2 read, 2 skipped for missing values, 0 ignored, "
        "0 without a label)",
    ),
    "all rows ignored": (
        ("csv", ["y", "prob"], [[-100, 0.5]]),
        ["--ignore-label", "-100"],
        "{f}: no rows left to evaluate (1 read, 0 skipped for missing values, 1 ignored, "
        "0 without a label)",
    ),
    "logit columns without --logits": (
        csv([[1, 3.0, -1.0]], ["label", "logit_a", "logit_b"]),
        [],
        "columns logit_a, logit_b are named as logits; pass --logits (xentcli does not guess "
        "logits)",
    ),
    "corrupt parquet": (
        ("raw-parquet", b"PAR1 this is not parquet"),
        [],
        "{f}: not a readable Parquet file (Parquet magic bytes not found in footer. Either the "
        "file is corrupted or this is not a parquet file.)",
    ),
    "json number beyond float64": (
        ("raw-jsonl", b'{"label": 1, "prob": 0.5}\n{"label": 0, "prob": -1e400}\n'),
        [],
        "{f}, row 2, column 'prob': a number too large for a float64",
    ),
    "json number beyond float64, flat lines": (
        ("raw-jsonl", b'{"label":1,"prob":0.5}\n{"label":0,"prob":-1e400}\n'),
        [],
        "{f}, row 2, column 'prob': a number too large for a float64",
    ),
    "json text label not UTF-8": (
        (
            "raw-jsonl",
            b'{"label":"cat","p_cat":0.5,"p_dog":0.5}\n{"label":"\xff","p_cat":0.5,"p_dog":0.5}\n',
        ),
        [],
        "{f}, row 2, column 'label': text that is not UTF-8" + JSON_NOT_UTF8,
    ),
    "json text label not UTF-8, spaced": (
        (
            "raw-jsonl",
            b'{"label": "cat", "p_cat": 0.5, "p_dog": 0.5}\n{"label": "dog", "p_cat": 0.5,'
            b' "p_dog": 0.5}\n{"label": "\xff", "p_cat": 0.5, "p_dog": 0.5}\n',
        ),
        ["--task", "multiclass"],
        "{f}, row 3, column 'label': text that is not UTF-8" + JSON_NOT_UTF8,
    ),
    "json --by key not UTF-8": (
        ("raw-jsonl", b'{"label":1,"prob":0.5,"r":"eu"}\n{"label":0,"prob":0.2,"r":"\xff"}\n'),
        ["--by", "r"],
        "{f}, row 2, column 'r': text that is not UTF-8" + JSON_NOT_UTF8,
    ),
    "json kept column not UTF-8": (
        ("raw-jsonl", b'{"label":1,"prob":0.5,"r":"eu"}\n{"label":0,"prob":0.2,"r":"\xff"}\n'),
        ["--worst", "2", "--keep-col", "r"],
        "{f}, row 2, column 'r': text that is not UTF-8" + JSON_NOT_UTF8,
    ),
    "gzip csv, a value not a number": (
        ("raw-csv.gz", b"label,prob\n1,0.5\n0,x\n"),
        [],
        "{f}, row 2, column 'prob': 'x' is not a number",
    ),
    "gzip json lines, a value not a number": (
        ("raw-jsonl.gz", b'{"label":1,"prob":0.5}\n{"label":0,"prob":"x"}\n'),
        [],
        "{f}, row 2, column 'prob': 'x' is not a number",
    ),
    "gzip json lines, spaced, a value not a number": (
        ("raw-jsonl.gz", b'{"label": 1, "prob": 0.5}\n{"label": 0, "prob": "x"}\n'),
        [],
        "{f}, row 2, column 'prob': 'x' is not a number",
    ),
    "unknown suffix": (
        ("raw-xyz", b"a,b\n"),
        [],
        "{f}: cannot tell the format from the name; pass --input-format "
        "csv|tsv|parquet|arrow|orc|jsonl|json|npy|npz|pt|safetensors",
    ),
}


def make(tmp_path, spec):
    kind = spec[0]
    if kind == "csv":
        return write_csv(tmp_path / "in.csv", spec[1], spec[2])
    suffix = {"raw": ".csv", "raw-parquet": ".parquet", "raw-jsonl": ".jsonl", "raw-xyz": ".xyz"}
    suffix |= {"raw-csv.gz": ".csv.gz", "raw-jsonl.gz": ".jsonl.gz"}
    path = tmp_path / f"in{suffix[kind]}"
    path.write_bytes(gzip.compress(spec[1]) if kind.endswith(".gz") else spec[1])
    return path


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(cli, tmp_path, case):
    spec, extra, expected = CASES[case]
    path = make(tmp_path, spec)
    run = cli("eval", str(path), *extra)
    assert run.code == 2
    assert run.stdout == ""
    assert run.stderr == f"xentcli: error: {expected.format(f=path)}\n"


def test_missing_file(cli, tmp_path):
    run = cli("eval", str(tmp_path / "nope.csv"))
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == f"xentcli: error: {tmp_path / 'nope.csv'}: no such file\n"


def test_different_row_counts_name_both(cli, tmp_path):
    for n_preds, n_labels in [(3, 2), (2, 3), (70_000, 69_999)]:
        preds = write_csv(tmp_path / "p.csv", ["prob"], [[0.5]] * n_preds)
        labels = write_csv(tmp_path / "l.csv", ["y"], [[1]] * n_labels)
        run = cli("eval", str(preds), "--labels", str(labels))
        assert run.code == 2
        assert run.stderr == (
            f"xentcli: error: row counts differ: {preds} has {n_preds} rows, {labels} has "
            f"{n_labels}; rows are paired by position (the two files must list the same rows in "
            "the same order)\n"
        )


def test_truncated_parquet_names_the_file(cli, tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"y": [0, 1] * 5000, "prob": [0.5] * 10000}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    run = cli("eval", str(path))
    assert run.code == 2
    assert run.stderr.startswith(f"xentcli: error: {path}: ")
    assert run.stderr.count("\n") == 1


def test_truncated_gzip_names_the_file(cli, tmp_path):
    body = "y,prob\n" + "1,0.5\n" * 200_000
    packed = gzip.compress(body.encode())
    path = tmp_path / "t.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    run = cli("eval", str(path))
    assert run.code == 2
    assert run.stderr.startswith(f"xentcli: error: {path}")
    assert run.stderr.count("\n") == 1


def test_parquet_string_column_where_numbers_are_expected(cli, tmp_path):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.table({"y": [0, 1], "prob": ["a", "b"]}), path)
    run = cli("eval", str(path))
    assert run.code == 2
    assert (
        run.stderr
        == f"xentcli: error: {path}, column 'prob': holds string values; expected numbers\n"
    )


def test_unknown_option_is_a_usage_error(cli, tmp_path):
    run = cli("eval", "x.csv", "--bogus")
    assert run.code == 2
    assert run.stderr.startswith("xentcli: error: No such option")
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["eval", "x.csv", "--max"], "xentcli eval"),
        (["diff", "a.json", "--max-increase"], "xentcli diff"),
        (["--bogus"], "xentcli"),
    ],
)
def test_a_flag_without_its_value_points_to_the_commands_help(cli, args, command):
    run = cli(*args)
    assert run.code == 2
    assert run.stderr.endswith(f" (see '{command} --help')\n")
    assert run.stderr.count("\n") == 1


def test_blank_lines_do_not_count_as_rows(cli, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text("y,prob\n1,0.5\n\n0,0.25\n1,oops\n", encoding="utf-8")
    run = cli("eval", str(path))
    assert run.code == 2
    assert run.stderr == f"xentcli: error: {path}, row 3, column 'prob': 'oops' is not a number\n"


def test_stdin_cannot_be_both_inputs(cli):
    run = cli("eval", "-", "--labels", "-", input="y,prob\n1,0.5\n")
    assert run.code == 2
    assert run.stderr == (
        "xentcli: error: predictions and labels cannot both come from stdin ('-')\n"
    )


STDIN = {
    "csv, a value not a number": (
        b"label,prob\n1,0.5\n0,x\n",
        [],
        "<stdin>, row 2, column 'prob': 'x' is not a number",
    ),
    "csv, a ragged row": (
        b"label,prob\n1,0.5\n0,0.2,7\n",
        [],
        "<stdin>, row 2: expected 2 fields, found 3 (ragged row)",
    ),
    "json lines, not valid JSON": (
        b'{"label":1,"prob":0.5}\n{"label":0,"prob":0.2\n',
        ["--input-format", "jsonl"],
        "<stdin>, row 2: not valid JSON (Missing a comma or '}' after an object member.)",
    ),
}


@pytest.mark.parametrize("case", sorted(STDIN))
def test_bad_stdin_names_the_row_from_pyarrows_words(cli, case):
    """stdin cannot be read again to find the row: pyarrow's message and the rows already
    handed out name it."""
    data, extra, expected = STDIN[case]
    run = cli("eval", "-", *extra, input=data)
    assert run.code == 2 and run.stdout == ""
    assert run.stderr == f"xentcli: error: {expected}\n"


def test_bad_stdin_far_in_names_the_row(cli, monkeypatch):
    """Rows handed out in earlier blocks count: the block's own row number is added to them."""
    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 256)
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)
    rows = [f"{i % 2},{'x' if i == 1234 else 0.25}\n" for i in range(2000)]
    run = cli("eval", "-", input=("label,prob\n" + "".join(rows)).encode())
    assert run.code == 2
    assert run.stderr == "xentcli: error: <stdin>, row 1235, column 'prob': 'x' is not a number\n"
    values = ['"x"' if i == 3456 else "0.25" for i in range(4000)]
    lines = [f'{{"label":{i % 2},"prob":{v}}}\n' for i, v in enumerate(values)]
    run = cli("eval", "-", "--input-format", "jsonl", input="".join(lines).encode())
    assert run.code == 2
    assert run.stderr.startswith("xentcli: error: <stdin>, row 3457, column 'prob': ")


def test_parquet_text_that_is_not_utf8_names_its_row(cli, tmp_path):
    """pyarrow's Parquet reader does not check text: a --by key or label that is not UTF-8 is
    named where it is read, not an internal error where it is decoded."""
    import numpy as np

    offsets = pa.py_buffer(np.array([0, 2, 4, 5], np.int32).tobytes())
    region = pa.Array.from_buffers(pa.string(), 3, [None, offsets, pa.py_buffer(b"euus\xff")])
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"label": [1, 0, 1], "prob": [0.5, 0.2, 0.7], "r": region}), path)
    run = cli("eval", str(path), "--by", "r")
    assert run.code == 2 and run.stdout == ""
    assert run.stderr == f"xentcli: error: {path}, row 3, column 'r': text that is not UTF-8\n"


@pytest.mark.parametrize(
    ("name", "text", "fix"),
    [
        # its first row is not separated as its header is: no reading of it is trusted
        ("pipe.csv", "label|prob\n1,0.8\n", "read_csv(path, sep='|')"),
    ],
)
def test_a_header_separated_otherwise_says_so(cli, tmp_path, name, text, fix):
    """A spreadsheet's `label;prob` is one column to a comma reader: the error says which
    separator the header holds and how to read it, instead of hunting for columns."""
    (tmp_path / name).write_text(text)
    for command in ("eval", "inspect"):
        run = cli(command, str(tmp_path / name))
        assert run.code == 2 and "the header is one column" in run.stderr, run.stderr
        assert fix in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("suffix", "named"),
    [
        (".pkl", "pickle"),
        (".xlsx", "Excel"),
        (".h5", "HDF5"),
    ],
)
def test_formats_that_are_not_read_are_named_with_the_way_out(cli, tmp_path, suffix, named):
    path = tmp_path / f"preds{suffix}"
    path.write_bytes(b"\x80\x04not read")
    run = cli("eval", str(path))
    assert run.code == 2 and f"{named}" in run.stderr and "to_parquet" in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_an_empty_parquet_file_has_no_data_rows_not_only_a_header(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    empty = pa.table({"label": pa.array([], pa.int64()), "prob": pa.array([], pa.float64())})
    pq.write_table(empty, tmp_path / "e.parquet")
    run = cli("eval", str(tmp_path / "e.parquet"))
    assert run.code == 2 and run.stderr.strip().endswith("e.parquet: no data rows")


def test_a_feather_version_1_file_is_named_with_the_way_out(cli, tmp_path):
    """Feather v1 is not Arrow IPC (pyarrow deprecates it): the error names it, not the IPC
    reader's "Expected to read 826361158 metadata bytes"."""
    (tmp_path / "v1.feather").write_bytes(b"FEA1" + b"\0" * 64 + b"FEA1")
    run = cli("eval", str(tmp_path / "v1.feather"))
    assert run.code == 2 and "Feather version 1" in run.stderr and "write_feather" in run.stderr


@pytest.mark.parametrize(
    ("header", "row", "said"),
    [
        ("label,p_0,p_1,p_2", "-100,0.3,0.3,0.4", "pass --ignore-label -100 to drop rows with it"),
        ("label,p_0,p_1,p_2", "-1,0.3,0.3,0.4", "pass --ignore-label -1 to drop rows with it"),
        ("label,prob", "-100,0.3", "pass --ignore-label -100 to drop rows with it"),
    ],
)
def test_a_negative_label_names_ignore_label(cli, tmp_path, header, row, said):
    """PyTorch's ignore_index (-100, as Hugging Face pads labels) marks rows to leave out."""
    first = "0,0.7,0.2,0.1" if header.count(",") == 3 else "1,0.7"
    path = write_csv(tmp_path / "preds.csv", header.split(","), [first.split(","), row.split(",")])
    run = cli("eval", str(path))
    assert run.code == 2 and "row 2, column 'label'" in run.stderr and said in run.stderr
    assert len(run.stderr.splitlines()) == 1


def test_a_binary_minus_one_beside_zero_names_ignore_label(cli, tmp_path):
    """-1/1 labels are a binary spelling (tests/prepare/test_minus_one_labels.py): beside 0 and
    1, a -1 may mark rows to leave out."""
    path = write_csv(tmp_path / "preds.csv", ["label", "prob"], [[0, 0.7], [-1, 0.3]])
    run = cli("eval", str(path))
    assert run.code == 2 and "row 2, column 'label': label -1 beside labels 0" in run.stderr
    assert "--ignore-label -1" in run.stderr and len(run.stderr.splitlines()) == 1


def test_a_cut_orc_file_is_named(cli, tmp_path):
    import pyarrow.orc as orc

    orc.write_table(pa.table({"label": [0, 1], "prob": [0.2, 0.9]}), tmp_path / "preds.orc")
    data = (tmp_path / "preds.orc").read_bytes()
    (tmp_path / "cut.orc").write_bytes(data[: len(data) // 2])
    run = cli("eval", str(tmp_path / "cut.orc"))
    assert run.code == 2 and "cut.orc: not a readable ORC file" in run.stderr
    assert len(run.stderr.splitlines()) == 1
