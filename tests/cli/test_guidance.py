"""Messages that name the flag fixing the case at hand, formats that say what they leave out,
inspect that shows the columns even when it cannot decide, and shell completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import write_csv


def test_inspect_shows_the_columns_when_detection_fails(cli, tmp_path):
    path = write_csv(tmp_path / "x.csv", ["a", "b"], [[1, 0.5]])
    run = cli("inspect", str(path), "--no-color")
    assert run.code == 2
    assert "a (int64), b (double)" in run.stdout
    assert run.stderr.startswith("xentcli: error: ") and "pass --label-col" in run.stderr
    document = cli("inspect", str(path), "--json")
    assert json.loads(document.stdout)["task"] is None and document.code == 2


def test_k_label_columns_suggest_multilabel(cli, tmp_path):
    path = write_csv(tmp_path / "ml.csv", ["y_a", "y_b", "p_a", "p_b"], [[1, 0, 0.9, 0.2]])
    run = cli("eval", str(path))
    assert run.code == 2 and "--task multilabel --label-col 'y_*'" in run.stderr


def test_positive_that_is_no_label_value(cli, tmp_path):
    path = write_csv(tmp_path / "b.csv", ["label", "p"], [[1, 0.9], [0, 0.2]])
    run = cli("eval", str(path), "--positive", "benign")
    assert run.code == 2 and "--positive 'benign' is no label value" in run.stderr
    assert cli("eval", str(path), "--positive", "1").code == 0


def test_line_formats_say_what_they_leave_out(cli, tmp_path):
    path = write_csv(tmp_path / "b.csv", ["label", "p"], [[1, 0.9], [0, 0.2], [1, 0.4]])
    run = cli("eval", str(path), "--per-class", "--calibration", "--format", "csv")
    assert run.code == 0
    assert "left out: per_class, confusion_matrix, calibration" in run.stderr
    assert "left out" not in cli("eval", str(path), "--per-class", "--json").stderr


def test_shell_completion_for_both_names(tmp_path):
    xent = tmp_path / "xent"  # the console script, as the alias installs it
    xent.write_text("from xentcli.cli import main\nmain()\n")
    env = os.environ | {"_XENT_COMPLETE": "bash_source"}
    script = subprocess.run([sys.executable, str(xent)], env=env, capture_output=True, text=True)
    assert script.returncode == 0 and "_xent_completion" in script.stdout
    env = os.environ | {
        "_XENT_COMPLETE": "bash_complete",
        "COMP_WORDS": "xent eval sample",
        "COMP_CWORD": "2",
    }
    files = subprocess.run([sys.executable, str(xent)], env=env, capture_output=True, text=True)
    assert files.returncode == 0 and files.stdout.startswith("file,")  # completes file names


def test_labels_paired_by_position_with_keys_out_of_order(cli, tmp_path):
    preds = write_csv(tmp_path / "p.csv", ["id", "prob"], [[1, 0.9], [2, 0.2], [3, 0.7]])
    labels = write_csv(tmp_path / "l.csv", ["id", "label"], [[1, 1], [3, 1], [2, 0]])
    run = cli("eval", str(preds), "--labels", str(labels), "--json")
    assert run.code == 0 and "pass --on id" in run.stderr
    assert "data row 2" in json.loads(run.stdout)["notes"][0]
    joined = cli("eval", str(preds), "--labels", str(labels), "--on", "id")
    assert joined.code == 0 and "pass --on" not in joined.stderr
    ordered = write_csv(tmp_path / "o.csv", ["id", "label"], [[1, 1], [2, 0], [3, 1]])
    assert "pass --on" not in cli("eval", str(preds), "--labels", str(ordered)).stderr
