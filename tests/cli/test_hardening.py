"""Hostile inputs and faults (the hardening issue's repros): no silent wrong number, no signal,
no internal error — each either the right report or exit 2 with one line naming the cause."""

from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import xentcli
from tests.conftest import write_csv


@pytest.fixture
def b_csv(tmp_path):
    return write_csv(tmp_path / "b.csv", ["label", "p"], [[1, 0.9], [0, 0.2]])


def assert_clean_error(run, *fragments):
    assert run.code == 2, (run.code, run.stderr)
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("xentcli: error: "), run.stderr
    for fragment in fragments:
        assert fragment in run.stderr


def test_weights_whose_sum_overflows_are_an_error_not_zero(cli, tmp_path):
    path = write_csv(tmp_path / "w.csv", ["label", "p", "w"], [[1, 0.9, 1e308], [0, 0.2, 1e308]])
    assert_clean_error(cli("eval", str(path), "--weight-col", "w"), "beyond float64", "scale")
    huge = write_csv(tmp_path / "h.csv", ["label", "p", "w"], [[1, 1e-300, 1e307], [0, 0.2, 1]])
    run = cli("eval", str(huge), "--weight-col", "w", "--json")
    assert run.code in (0, 2)  # a finite report, or the overflow named: never a NaN metric
    if run.code == 0:
        assert all(v is not None for v in json.loads(run.stdout)["metrics"].values())


@pytest.mark.parametrize("weights", ["nan,1", "inf,1", "-1,1"])
def test_class_weights_must_be_finite_and_positive(cli, tmp_path, weights):
    path = write_csv(tmp_path / "m.csv", ["label", "p_0", "p_1"], [[0, 0.3, 0.7], [1, 0.6, 0.4]])
    run = cli(
        "eval", str(path), "--task", "multiclass", "--compat", "torch", "--class-weights", weights
    )
    assert_clean_error(run, "--class-weights must all be finite and > 0")


@pytest.mark.parametrize("value", ["NaN", '"0.3"', "null", "true"])
def test_a_baseline_without_a_number_is_exit_2(cli, tmp_path, b_csv, value):
    good = cli("eval", str(b_csv), "--json").stdout
    baseline = tmp_path / "base.json"
    baseline.write_text(good.replace('"mse": 0.025', f'"mse": {value}'))
    run = cli("eval", str(b_csv), "--baseline", str(baseline), "--max-increase", "mse=1%")
    assert_clean_error(run, str(baseline))


def test_baselines_that_are_not_reports(cli, tmp_path, b_csv):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 50_000 + "]" * 50_000)
    run = cli("eval", str(b_csv), "--baseline", str(deep), "--max-increase", "mse=1%")
    assert_clean_error(run, "deep.json")
    run = cli("diff", str(tmp_path), str(deep))
    assert_clean_error(run, "is a directory")


def test_size_like_flags_are_bounded(cli, b_csv):
    for flag, value in (
        ("--bins", "1000000000"),
        ("--bootstrap", "100000000000"),
        ("--chunk-rows", str(2**63)),
        ("--seed", str(2**64)),
        ("--curve-points", "1000000000"),
    ):
        run = cli("eval", str(b_csv), flag, value, "--calibration")
        assert run.code == 2 and flag in run.stderr and "Traceback" not in run.stderr, flag


def test_output_errors_are_exit_2(cli, tmp_path, b_csv):
    assert_clean_error(cli("eval", str(b_csv), "-o", str(tmp_path / "no" / "x.json")), "no/x.json")
    assert_clean_error(cli("eval", str(b_csv), "-o", ""), "-o needs a file name")
    assert_clean_error(cli("eval", str(b_csv), "-o", str(tmp_path)), "a directory")
    summary = tmp_path / "missing" / "summary.md"
    run = cli("eval", str(b_csv), "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert run.code == 2 and "GITHUB_STEP_SUMMARY" in run.stderr


def test_output_files_through_links_with_the_umask_mode(cli, tmp_path, b_csv):
    target, link = tmp_path / "target.json", tmp_path / "link.json"
    link.symlink_to(target)
    old = os.umask(0o022)
    try:
        assert cli("eval", str(b_csv), "-o", str(link)).code == 0
    finally:
        os.umask(old)
    assert link.is_symlink() and json.loads(target.read_text())["schema_version"] == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert cli("eval", str(b_csv), "-o", str(tmp_path / "r.md")).stdout == ""
    assert (tmp_path / "r.md").read_text().startswith("### xentcli")  # the suffix names it


def test_streams_that_cannot_be_written(tmp_path, b_csv):
    command = [sys.executable, "-m", "xentcli", "eval", str(b_csv)]
    with open("/dev/full", "w") as full:
        run = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True)
    assert run.returncode == 2 and "No space left" in run.stderr
    closed = subprocess.run(
        [*command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, close_fds=True
    )
    assert closed.returncode == 0
    shut = subprocess.run(" ".join(command) + " >&-", shell=True, stderr=subprocess.PIPE, text=True)
    assert shut.returncode == 2 and "stdout is closed" in shut.stderr
    no_stderr = subprocess.run(
        " ".join(command) + " --weight-col nope 2>&-", shell=True, stdout=subprocess.DEVNULL
    )
    assert no_stderr.returncode == 2  # nowhere to say why, but the code still tells
    piped = subprocess.run(
        " ".join(command) + " | true; exit ${PIPESTATUS[0]}",
        shell=True,
        executable="/bin/bash",
        stderr=subprocess.PIPE,
        text=True,
    )
    assert piped.returncode == 0 and piped.stderr == ""
    ascii_run = subprocess.run(
        command, capture_output=True, text=True, env=os.environ | {"PYTHONIOENCODING": "ascii"}
    )
    assert ascii_run.returncode == 0 and "binary_cross_entropy" in ascii_run.stdout


def test_duplicate_columns_and_file_names_with_newlines(cli, tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("label,p,p\n1,0.9,0.8\n")
    assert_clean_error(cli("eval", str(dup)), "column 'p' appears 2 times")
    odd = write_csv(tmp_path / "bad\nname.csv", ["label", "p"], [[1, 0.5], [0, "abc"]])
    assert_clean_error(cli("eval", str(odd)), "bad\\nname.csv", "'abc'")


STARTING_UP = """
import os, signal, sys
signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGINT))
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[1]))  # Ctrl-C this long into xentcli's start
sys.argv = ["xentcli", "eval", sys.argv[2]]
from xentcli.cli import main
try:
    main()
finally:
    signal.setitimer(signal.ITIMER_REAL, 0)  # done before the alarm: no signal at exit
"""


def test_ctrl_c_while_starting_up_exits_130_without_a_traceback(b_csv):
    for delay in (0.02, 0.05, 0.1, 0.3):  # after the 2 ms of `from xentcli.cli import main`
        run = subprocess.run(
            [sys.executable, "-c", STARTING_UP, str(delay), str(b_csv)],
            capture_output=True,
            text=True,
        )
        assert run.returncode in (0, 130), (delay, run.returncode, run.stderr)  # 0: it was done
        assert "Traceback" not in run.stderr, (delay, run.stderr)


def test_settings_files_that_are_not_settings(cli, tmp_path, monkeypatch, b_csv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool]\nxentcli = 5\n")
    assert_clean_error(cli("eval", str(b_csv)), "must be a table")
    (tmp_path / "pyproject.toml").write_bytes(b"\xff\xfe[tool.xentcli]\n")
    assert_clean_error(cli("eval", str(b_csv)), "not valid TOML")
    (tmp_path / "pyproject.toml").unlink()
    binary = tmp_path / "binary.toml"
    binary.write_bytes(bytes(range(256)))
    assert_clean_error(cli("eval", str(b_csv), "--config", str(binary)), "not valid TOML")


def test_a_symlink_loop_in_a_recursive_glob_counts_each_file_once(cli, tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    write_csv(folder / "b.csv", ["label", "p"], [[1, 0.9], [0, 0.2]])
    (folder / "loop").symlink_to(".")
    run = cli("eval", str(folder / "**" / "*.csv"), "--json")
    assert run.code == 0 and json.loads(run.stdout)["rows"]["read"] == 2


@pytest.mark.parametrize("cell", ['"[[0.1, 0.2, 0.7]]"', '"[0.3, 0 .4, 0.3]"', '"[0.3; 0.4, 0.3]"'])
def test_malformed_json_array_text_is_named(cli, tmp_path, cell):
    path = tmp_path / "lists.csv"
    path.write_text(f'label,proba\n0,"[0.1, 0.2, 0.7]"\n1,{cell}\n')
    assert_clean_error(cli("eval", str(path)), "row 2", "not a JSON array of numbers")


def test_integers_beyond_float_range_and_bytes_that_are_not_text(cli, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    big = write_csv(tmp_path / "big.csv", ["label", "p"], [[9007199254740993, 0.5], [0, 0.5]])
    assert_clean_error(cli("eval", str(big)), "row 1", "9007199254740993")
    table = pa.table({"label": pa.array([2**64 - 1, 0], pa.uint64()), "p": [0.5, 0.5]})
    pq.write_table(table, tmp_path / "u64.parquet")
    assert_clean_error(cli("eval", str(tmp_path / "u64.parquet")), "18446744073709551615")
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(128, 256)) * 8)
    assert_clean_error(cli("eval", str(noise)), "noise.csv", "header line")
    noise.write_bytes(b"\xff\xfel,p\n1,0.5\n")
    assert_clean_error(cli("eval", str(noise)), "not UTF-8")


def test_a_header_line_over_one_mebibyte_and_a_missing_weight_column(cli, tmp_path):
    names = ["label", "p", *[f"column_{i:07d}" for i in range(80_000)]]
    path = tmp_path / "wide.csv"
    zeros = ",0" * 80_000
    path.write_text(",".join(names) + "\n" + "1,0.5" + zeros + "\n" + "0,0.2" + zeros + "\n")
    assert len(names[2]) * 80_000 > 1 << 20  # the header alone is over 1 MiB
    run = cli("eval", str(path), "--json")
    assert run.code == 0 and json.loads(run.stdout)["rows"]["used"] == 2
    small = write_csv(tmp_path / "b.csv", ["label", "p"], [[1, 0.9]])
    assert_clean_error(cli("eval", str(small), "--weight-col", "w"), "b.csv", "no weight column")


def test_carriage_return_line_ends_alone(cli, tmp_path):
    """Old Mac files end lines with a CR alone: read as lines, in a join's labels file too."""
    (tmp_path / "cr.csv").write_bytes(b"label,p\r1,0.9\r0,0.2\r")
    run = cli("eval", str(tmp_path / "cr.csv"), "--json")
    assert run.code == 0 and json.loads(run.stdout)["rows"]["used"] == 2
    (tmp_path / "labels.csv").write_bytes(b"id,label\r1,1\r2,0\r")
    preds = write_csv(tmp_path / "p.csv", ["id", "p"], [[2, 0.2], [1, 0.9]])
    joined = cli("eval", str(preds), "--labels", str(tmp_path / "labels.csv"), "--on", "id")
    assert joined.code == 0, joined.stderr


def test_lone_cr_files_are_read_in_blocks_like_any_other(cli, tmp_path, monkeypatch):
    """Excel's "CSV (Macintosh)" ends lines with a CR alone: it was read as one block (no line
    feed to cut at: a 176 MB file took 1.3 GB), now in blocks of BLOCK_BYTES, its numbers and
    row numbers those of the same lines ended by LF, a quoted CR kept inside its value as LF."""
    import numpy as np

    from xentcli.io import blocks
    from xentcli.io import csv as csv_source
    from xentcli.io import text as text_input

    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(blocks, "SLACK", 512)  # a stream's blocks hold up to this much more
    monkeypatch.setattr(text_input, "HEAD_BYTES", 256)
    parsed: list[int] = []
    parse = csv_source.CsvSource._parse
    monkeypatch.setattr(
        csv_source.CsvSource,
        "_parse",
        lambda self, block, *how: parsed.append(block.size) or parse(self, block, *how),
    )
    rng = np.random.default_rng(3)
    lines = [
        f"{y},{p:.6f},n" for y, p in zip(rng.integers(0, 2, 5000), rng.random(5000), strict=True)
    ]
    lines[10] = lines[10][:-1] + '"a\rb"'
    for end in ("\n", "\r"):
        (tmp_path / "x.csv").write_text("label,prob,note" + end + end.join(lines) + end, newline="")
        parsed.clear()
        run = cli("eval", str(tmp_path / "x.csv"), "--json", "--by", "note")
        assert run.code == 0, run.stderr
        assert len(parsed) > 10 and max(parsed) <= 4096 + 512
        report = json.loads(run.stdout)
        if end == "\n":
            expected = report
        assert report["metrics"] == expected["metrics"] and report["rows"]["read"] == 5000
        # a quoted CR of a lone-CR file reads as a line feed (docs/inputs.md)
        assert {g["group"]["note"] for g in report["groups"]} == {
            "n",
            "a\nb" if end == "\r" else "a\rb",
        }
    lines[4321] = "1,abc,n"
    (tmp_path / "x.csv").write_text("label,prob,note\r" + "\r".join(lines), newline="")
    for args in ([str(tmp_path / "x.csv")], ["-"]):
        stdin = (tmp_path / "x.csv").read_bytes() if args == ["-"] else None
        run = cli("eval", *args, input=stdin)
        assert run.code == 2 and "row 4322, column 'prob': 'abc' is not a number" in run.stderr


@pytest.mark.parametrize(
    ("content", "args", "said"),
    [
        (b"label,prob,name\n1,0.9,x\n0,0.2,caf\xe9\n", ["--by", "name"], "row 2, column 'name'"),
        (b"label,p_a,p_b\na,0.7,0.3\ncaf\xe9,0.2,0.8\n", [], "row 2, column 'label'"),
        (b"label,p_caf\xe9,p_th\xe9\ncaf\xe9,0.7,0.3\n", [], "the header line is text"),
    ],
)
def test_text_in_a_windows_code_page_names_its_row_and_the_fix(cli, tmp_path, content, args, said):
    """A CSV saved in Windows-1252 (Excel's plain "CSV" in western Europe): the row and column
    of the first such text, and how to save it as UTF-8 — was pyarrow's "CSV conversion error
    to string: invalid UTF8 data" after row 0 (docs/inputs.md)."""
    (tmp_path / "x.csv").write_bytes(content)
    for where in (str(tmp_path / "x.csv"), "-"):
        run = cli("eval", where, *args, input=content if where == "-" else None)
        assert_clean_error(run, said, "not UTF-8 (a Windows-1252", "iconv -f cp1252 -t utf-8")


def test_utf16_and_binary_headers_are_told_apart(cli, tmp_path):
    """Excel's "Unicode Text" is UTF-16 (by its byte-order mark): said so; bytes that are no
    text in any code page are asked whether they are CSV at all."""
    (tmp_path / "u.tsv").write_bytes("label\tprob\n1\t0.9\n".encode("utf-16"))
    assert_clean_error(cli("eval", str(tmp_path / "u.tsv")), "UTF-16", "iconv -f utf-16")
    (tmp_path / "b.csv").write_bytes(b"PAR1\x15\x04\x00\x81label\n1\n")
    assert_clean_error(cli("eval", str(tmp_path / "b.csv")), "not UTF-8 text; is this a CSV")


def test_a_named_pipe_with_a_bad_cell_exits(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w") as out:
            out.write("label,p\n1,0.5\n0,abc\n")

    writer = threading.Thread(target=write)
    writer.start()
    run = subprocess.run(
        [sys.executable, "-m", "xentcli", "eval", str(fifo), "--input-format", "csv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    writer.join(timeout=10)
    assert run.returncode == 2 and "abc" in run.stderr


def test_json_lines_columns_first_seen_after_the_first_line(cli, tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_text(
        '{"label": 1, "prob": 0.9}\n{"label": 0, "prob": 0.2, "w": 2.0}\n'
        '{"label": 1, "prob": 0.6, "w": 1.0}\n'
    )
    run = cli("eval", str(path), "--weight-col", "w")
    assert run.code == 2 and "row 1, column 'w': a missing value" in run.stderr
    run = cli("eval", str(path), "--weight-col", "w", "--nan", "skip", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["rows"]["used"] == 2
    expected = (2.0 * -math.log(0.8) + 1.0 * -math.log(0.6)) / 3.0
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(expected, rel=1e-12)


def test_an_output_never_replaces_an_input(cli, tmp_path, b_csv):
    preds = tmp_path / "preds.csv"
    preds.write_bytes(b_csv.read_bytes())
    link = tmp_path / "link.csv"
    link.symlink_to(preds)
    report = tmp_path / "r.json"
    assert cli("eval", str(preds), "-o", str(report)).code == 0
    for args, says in (
        (["eval", str(preds), "-o", str(preds)], f"-o {preds} is the predictions file itself"),
        (["eval", str(link), "-o", str(preds)], "is the predictions file itself"),
        (["eval", str(preds), "--rows-out", str(link)], "--rows-out"),
        (["eval", str(preds), "--labels", str(b_csv), "-o", str(b_csv)], "the labels file"),
        (
            [
                "eval",
                str(preds),
                "--rows-out",
                str(tmp_path / "x.csv"),
                "-o",
                str(tmp_path / "x.csv"),
            ],
            "is the --rows-out file itself",
        ),
        (["inspect", str(preds), "-o", str(preds)], "the inspected file"),
        (["diff", str(report), str(report), "-o", str(report)], "OLD.json"),
        (["plot", str(report), "-o", str(report)], "REPORT.json"),
    ):
        before = preds.read_bytes(), report.read_bytes()
        run = cli(*args)
        assert_clean_error(run, says)
        assert (preds.read_bytes(), report.read_bytes()) == before, args
    with pytest.raises(xentcli.UsageError, match="rows_out= .* is the predictions file itself"):
        xentcli.evaluate(preds, rows_out=str(preds))  # a pathlib.Path too
    # a baseline may be replaced by the new report: it is read before the report is written
    run = cli(
        "eval", str(preds), "--baseline", str(report), "--max-increase", "mse=1%", "-o", str(report)
    )
    assert run.code == 0, run.stderr


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (lambda: pa.ArrowMemoryError("malloc of size 4194304 failed"), "out of memory"),
        (lambda: MemoryError(), "out of memory (MemoryError)"),
        (
            lambda: pa.ArrowException(
                "Unknown error: Failed to launch worker thread: Resource temporarily unavailable"
            ),
            "out of threads",
        ),
        (lambda: RuntimeError("can't start new thread"), "out of threads"),
    ],
)
def test_running_out_of_memory_or_threads_is_said_so_not_blamed_on_the_file(
    cli, tmp_path, monkeypatch, fault, said
):
    """Under `ulimit -v` pyarrow's CSV reader failed to start its threads or to allocate a
    block: that was "cannot parse the data after row 41291" (the file blamed), a Parquet file
    "corrupt or truncated", numpy's MemoryError an internal error (exit 3). Each is now exit
    2 saying which limit ran out and how to raise it."""
    from xentcli.io.csv import CsvSource

    def failing(*args, **kwargs):
        raise fault()

    frame = pd.DataFrame({"label": [0, 1, 1], "prob": [0.2, 0.7, 0.9]})
    frame.to_csv(tmp_path / "p.csv", index=False)
    frame.to_parquet(tmp_path / "p.parquet")
    with monkeypatch.context() as patched:
        patched.setattr(CsvSource, "_parse", failing)
        run = cli("eval", str(tmp_path / "p.csv"))
    assert_clean_error(run, said, "ulimit")
    assert "parse" not in run.stderr and "internal" not in run.stderr
    with monkeypatch.context() as patched:
        patched.setattr(pq.ParquetFile, "iter_batches", failing)
        run = cli("eval", str(tmp_path / "p.parquet"))
    assert_clean_error(run, said, "ulimit")
    assert "corrupt" not in run.stderr and "internal" not in run.stderr
    with monkeypatch.context() as patched:  # in the metrics, after the file was read
        patched.setattr("xentcli.api.accumulate", failing)
        run = cli("eval", str(tmp_path / "p.parquet"))
    assert_clean_error(run, said, "ulimit")


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--by", "tags"], "--by needs a column of single values"),
        (["--on", "tags", "--labels", "SELF"], "--on needs a column of single values"),
        (["--rows-out", "ROWS.csv", "--keep-col", "tags"], "write it as .parquet"),
    ],
)
def test_a_column_of_lists_where_single_values_are_needed(cli, tmp_path, flags, said):
    """--by, --on and a CSV --rows-out's --keep-col on a list column were internal errors
    (pyarrow: no dictionary_encode / cast / CSV writer for lists): exit 2 naming the column."""
    path = tmp_path / "nested.parquet"
    pq.write_table(
        pa.table({"label": [0, 1], "prob": [0.2, 0.9], "tags": [["x"], ["y", "z"]]}), path
    )
    flags = [
        str(path) if f == "SELF" else str(tmp_path / f) if f == "ROWS.csv" else f for f in flags
    ]
    run = cli("eval", str(path), *flags)
    assert_clean_error(run, "column 'tags': holds list<element: string> values", said)
    assert not (tmp_path / "ROWS.csv").exists()
    kept = cli(
        "eval", str(path), "--rows-out", str(tmp_path / "rows.parquet"), "--keep-col", "tags"
    )
    assert kept.code == 0 and pq.read_table(tmp_path / "rows.parquet")["tags"].to_pylist()[1] == [
        "y",
        "z",
    ]
