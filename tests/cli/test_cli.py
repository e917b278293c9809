"""The command line as users meet it: formats, golden outputs, -o, exit codes, signals, docs."""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES, check_golden, write_csv
from xentcli.cli import commands as cli_module


@pytest.mark.parametrize(
    ("fmt", "golden"), [(["--format", "table"], "net1.table.txt"), (["--json"], "net1.json")]
)
def test_golden_outputs(cli, monkeypatch, fmt, golden):
    monkeypatch.chdir(SAMPLES)
    run = cli("eval", "net1.csv", *fmt, "--no-color", env={"COLUMNS": "100"})
    assert run.code == 0
    assert run.stderr == ""
    check_golden(golden, run.stdout)


def test_json_stdout_holds_only_the_document(cli, tmp_path):
    path = write_csv(tmp_path / "b.csv", ["y", "prob"], [[1, 0.0], [0, "nan"], [1, 0.75]])
    run = cli("eval", str(path), "--json", "--nan", "skip")
    assert run.code == 0
    report = json.loads(run.stdout)
    assert report["schema_version"] == 1
    assert report["rows"] == {"read": 3, "used": 2, "skipped": 1, "ignored": 0, "missing": 0}
    assert report["clipped"] == 1
    assert "skipped 1 row(s)" in run.stderr and "clipped 1" in run.stderr
    quiet = cli("eval", str(path), "--json", "--nan", "skip", "-q")
    assert quiet.stderr == ""
    assert quiet.stdout == run.stdout


def test_env_format_and_flag_precedence(cli):
    net1 = str(SAMPLES / "net1.csv")
    run = cli("eval", net1, env={"XENTCLI_FORMAT": "json"})
    assert json.loads(run.stdout)["task"] == "multiclass"
    run = cli("eval", net1, "--format", "table", env={"XENTCLI_FORMAT": "json"})
    assert "cross_entropy" in run.stdout and not run.stdout.startswith("{")
    run = cli("eval", net1, "--format", "JSON", env={"XENTCLI_FORMAT": "Markdown"})  # any case
    assert json.loads(run.stdout)["task"] == "multiclass"
    assert cli("eval", net1, env={"XENTCLI_FORMAT": "MARKDOWN"}).stdout.startswith("### ")
    bad = cli("eval", net1, env={"XENTCLI_FORMAT": "yaml"})  # a CI's setting, not a flag typed
    assert bad.code == 2 and bad.stderr.endswith(
        "(set by the environment variable XENTCLI_FORMAT)\n"
    )
    upper = cli("eval", net1, "--task", "MULTICLASS", "--compat", "Torch", "--json")
    assert "task:multiclass" in json.loads(upper.stdout)["signature"]  # every choice, any case
    assert "compat:torch" in json.loads(upper.stdout)["signature"]
    flag = cli("eval", net1, "--format=yaml", env={"XENTCLI_FORMAT": "json"})
    assert flag.code == 2 and "environment" not in flag.stderr and "--help" in flag.stderr


def test_precision_and_color(cli):
    net1 = str(SAMPLES / "net1.csv")
    assert "1.378388852" in cli("eval", net1, "--precision", "9", "--no-color").stdout
    assert "1.38 " in cli("eval", net1, "--precision", "2", "--no-color").stdout
    colored = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from xentcli.cli.commands import main; main(sys.argv[1:])",
            "eval",
            net1,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "1", "NO_COLOR": ""},
    )
    assert "\x1b[36m" in colored.stdout  # the cyan value column
    plain = subprocess.run(
        [sys.executable, "-m", "xentcli", "eval", net1],
        capture_output=True,
        text=True,
        env={**os.environ, "FORCE_COLOR": "1", "NO_COLOR": "1"},
    )
    assert "36m" not in plain.stdout  # NO_COLOR: styles stay, colours go


def test_output_file_is_written_and_a_failed_run_leaves_it_alone(cli, tmp_path):
    out = tmp_path / "report.json"
    run = cli("eval", str(SAMPLES / "net2.csv"), "--json", "-o", str(out))
    assert (run.code, run.stdout) == (0, "")
    before = out.read_bytes()
    assert json.loads(before)["metrics"]["mse"] == 0.34
    bad = write_csv(tmp_path / "bad.csv", ["y", "prob"], [[1, 7.0]])
    run = cli("eval", str(bad), "--json", "-o", str(out))
    assert run.code == 2
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".xentcli-")] == []


def test_internal_error_is_exit_3_with_traceback_only_on_debug(cli, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_module, "evaluate_with", boom)
    net1 = str(SAMPLES / "net1.csv")
    run = cli("eval", net1)
    assert run.code == 3
    assert run.stderr == (
        "xentcli: internal error: RuntimeError: boom (a bug; rerun with --debug for the "
        "traceback and please report it)\n"
    )
    debug = cli("eval", net1, "--debug")
    assert debug.code == 3
    assert "Traceback (most recent call last)" in debug.stderr


def test_ctrl_c_exits_130_quietly(cli, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "evaluate_with", interrupted)
    run = cli("eval", str(SAMPLES / "net1.csv"))
    assert run.code == 130
    assert "Traceback" not in run.stderr and "error" not in run.stderr


def test_closed_stdout_pipe_exits_quietly():
    proc = subprocess.Popen(
        [sys.executable, "-m", "xentcli", "eval", str(SAMPLES / "binary.parquet"), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # like `| head` that has already gone
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert proc.returncode == 0
    assert stderr == ""


def test_closed_pipe_behind_o_dev_stdout_exits_quietly():
    """`-o /dev/stdout | head`: the device is written in place, its closed pipe as quiet as
    stdout's (it was exit 2, "cannot write (Broken pipe)")."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "xentcli",
            "eval",
            str(SAMPLES / "binary.parquet"),
            "--by",
            "label",
            "--json",
            "-o",
            "/dev/stdout",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert (proc.returncode, stderr) == (0, "")


def test_bare_xentcli_shows_the_help_as_it_reads(cli):
    """No command: the help on stderr, its lines kept (it was one line of literal `\n`s)."""
    run = cli()
    assert run.code == 2 and run.stdout == ""
    assert run.stderr.startswith("Usage: ") and "\\n" not in run.stderr
    assert "\n  eval " in run.stderr and len(run.stderr.splitlines()) > 10


@pytest.mark.parametrize("command", [["xentcli"], ["xent"], [sys.executable, "-m", "xentcli"]])
def test_entry_points(command):
    import shutil

    if command[0] != sys.executable:
        found = shutil.which(command[0])
        assert found is not None, f"console script {command[0]} is not installed"
        command = [found]
    run = subprocess.run(
        [*command, "eval", str(SAMPLES / "net1.csv"), "--json"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == 1.3783888522474517


def test_version_and_help(cli):
    assert cli("--version").stdout.strip() == "xentcli, version 0.1.0"
    run = cli("eval", "--help")
    assert run.code == 0 and "PREDICTIONS" in run.stdout


def test_every_command_is_toured_and_every_eval_option_explained():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    explained = (ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    for command in cli_module.cli.commands.values():
        assert f"xentcli {command.name}" in readme
    for param in cli_module.cli.commands["eval"].params:
        for opt in param.opts:
            if opt.startswith("-"):
                assert re.search(rf"[`, ]{opt}\b", explained), (
                    f"eval {opt} is not in docs/options.md"
                )


def test_real_sigint_mid_stream_exits_130_without_traceback():
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "xentcli", "eval", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(b"y,prob\n")
    start = time.monotonic()
    while time.monotonic() - start < 1.0:  # an endless input: still streaming at the signal
        proc.stdin.write(b"1,0.5\n0,0.25\n" * 20000)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == b""
    assert b"Traceback" not in err and b"error" not in err


def run_with_terminal_stderr(*args: str) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (as in a shell) and stdout on a pipe."""
    import os
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "XENTCLI_PROGRESS_AFTER": "0", "COLUMNS": "120"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xentcli", *args], stdout=subprocess.PIPE, stderr=follower, env=env
    )
    os.close(follower)
    out = proc.communicate(timeout=60)[0].decode()
    seen = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        seen += data
    os.close(leader)
    return proc.returncode, out, seen.decode(errors="replace")


def test_progress_bar_on_a_terminal_and_never_with_quiet():
    parquet = str(SAMPLES / "binary.parquet")
    code, out, terminal = run_with_terminal_stderr(
        "eval", parquet, "--json", "--chunk-rows", "5000"
    )
    assert code == 0
    assert json.loads(out)["rows"]["read"] == 200_000  # stdout: the report and nothing else
    assert "rows/s" in terminal and "%" in terminal
    code, out, terminal = run_with_terminal_stderr("eval", parquet, "--json", "-q")
    assert code == 0 and json.loads(out)["rows"]["read"] == 200_000
    assert terminal == ""


def test_the_progress_bar_shows_a_file_name_as_text(tmp_path):
    """The bar's description is the file's name: `[b]` in it is text, not rich markup."""
    named = tmp_path / "run[b]1.parquet"
    shutil.copy(SAMPLES / "binary.parquet", named)
    code, out, terminal = run_with_terminal_stderr(
        "eval", str(named), "--json", "--chunk-rows", "5000"
    )
    assert code == 0, terminal
    assert json.loads(out)["rows"]["read"] == 200_000 and "run[b]1.parquet" in terminal


@pytest.mark.parametrize(
    ("variable", "given", "seen"),
    [
        ("OPENBLAS_NUM_THREADS", None, "1"),
        ("OPENBLAS_NUM_THREADS", "3", "3"),
        ("MIMALLOC_ALLOW_THP", None, "0"),
        ("MIMALLOC_ALLOW_THP", "1", "1"),
    ],
)
def test_the_console_script_tunes_openblas_and_mimalloc_unless_told(variable, given, seen):
    """One OpenBLAS thread, no transparent huge pages for pyarrow's mimalloc (cli/__init__.py),
    set before numpy and pyarrow load; a user's own setting is kept."""
    code = (
        f"import os, sys; sys.argv = ['xentcli', 'eval', {str(SAMPLES / 'net1.csv')!r}, '-q']; "
        "import xentcli.cli as cli; "
        f"cli._leave = lambda code: print('seen', os.environ.get({variable!r}), file=sys.stderr); "
        "cli.main()"
    )
    env = {k: v for k, v in os.environ.items() if k != variable} | {"MIMALLOC_VERBOSE": "1"}
    if given is not None:
        env[variable] = given
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert f"seen {seen}" in run.stderr.splitlines()
    if variable == "MIMALLOC_ALLOW_THP" and "option 'allow_thp'" in run.stderr:  # mimalloc 3
        assert f"option 'allow_thp': {seen}" in run.stderr  # pyarrow's allocator read it


def test_integer_scores_with_logits_are_scores_not_predicted_labels(cli, tmp_path):
    """An integer column is predicted labels by its type (docs/inputs.md), unless --logits says
    it holds raw scores."""
    path = write_csv(tmp_path / "z.csv", ["label", "logit"], [[1, 2], [0, -1], [1, 0], [0, 30]])
    run = cli("eval", str(path), "--logits", "--pred-col", "logit", "--json")
    assert run.code == 0, run.stderr
    z, y = [2.0, -1.0, 0.0, 30.0], [1, 0, 1, 0]
    bce = (
        sum(
            math.log1p(math.exp(-v)) if t else v + math.log1p(math.exp(-v))
            for v, t in zip(z, y, strict=True)
        )
        / 4
    )
    assert json.loads(run.stdout)["metrics"]["binary_cross_entropy"] == pytest.approx(
        bce, rel=1e-12
    )
    run = cli("eval", str(path), "--pred-col", "logit", "--json")
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["signature"].count("inputs:labels") == 1


def test_a_table_on_the_terminal_says_its_notes_once(tmp_path):
    """The table holds the notes (and diff's warnings): on a terminal, stderr does not say them
    a second time; piped, or as JSON, stderr says them as before."""
    import pty

    path = tmp_path / "two.csv"
    path.write_text("label,p_a,p_b\nb,0.2,0.8\na,0.6,0.4\n")  # two columns: a note says binary

    def run(*flags: str, terminal: bool) -> tuple[str, str]:
        main, secondary = pty.openpty() if terminal else (None, None)
        done = subprocess.run(
            [sys.executable, "-m", "xentcli", "eval", str(path), *flags],
            stdout=secondary if terminal else subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "120"},
            check=False,
        )
        if not terminal:
            return done.stdout.decode(), done.stderr.decode()
        os.close(secondary)
        shown = b""
        with contextlib.suppress(OSError):  # EIO once everything written is read
            while chunk := os.read(main, 65536):
                shown += chunk
        os.close(main)
        return shown.decode(), done.stderr.decode()

    out, err = run(terminal=True)
    assert "note: two probability columns" in out and "note" not in err
    out, err = run(terminal=False)
    assert "note: two probability columns" in out
    assert "xentcli: note: two probability columns" in err
    out, err = run("--json", terminal=True)
    assert "xentcli: note: two probability columns" in err
