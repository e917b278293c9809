"""Gates on any number of the report by a dotted path (docs/ci.md#gate-paths): every class or
group must pass and the failure names the worst; a gate on a section turns it on."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from tests.references import softmax
from xentcli.report.schema import SCHEMAS


@pytest.fixture
def path(tmp_path):
    rng = np.random.default_rng(0)
    p = softmax(rng.normal(size=(600, 3)))
    data = pd.DataFrame({f"p_{k}": p[:, k] for k in range(3)})
    data["label"], data["g"] = rng.integers(0, 3, 600), rng.choice(["a", "b"], 600)
    data.to_csv(tmp_path / "m.csv", index=False)
    return str(tmp_path / "m.csv")


def gates_of(run):
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMAS["report"])  # `worst` included
    return report, {g["metric"]: g for g in report["gates"]}


def test_every_class_must_pass_and_the_worst_is_named(cli, path):
    run = cli("eval", path, "--min", "per_class.recall=0.36", "--json")  # turns --per-class on
    report, gates = gates_of(run)
    recalls = {row["class"]: row["recall"] for row in report["per_class"]}
    worst = min(recalls, key=recalls.get)
    gate = gates["per_class.recall"]
    assert gate["value"] == recalls[worst] and gate["worst"] == f"class {worst}"
    assert run.code == (1 if recalls[worst] < 0.36 else 0)
    if run.code:
        assert f"worst: class {worst}" in run.stderr
    one = cli("eval", path, "--max", f"per_class.{worst}.recall=0.99", "--json")
    assert one.code == 0 and gates_of(one)[1][f"per_class.{worst}.recall"]["passed"]


def test_sections_are_turned_on_and_checked(cli, path):
    run = cli(
        "eval",
        path,
        "--max",
        "calibration.ece=0.9",
        "--max",
        "intervals.cross_entropy.high=9",
        "--json",
    )
    report, gates = gates_of(run)
    assert run.code == 0 and "calibration" in report and "intervals" in report
    assert gates["calibration.ece"]["value"] == report["calibration"]["ece"]
    assert gates["intervals.cross_entropy.high"]["value"] == report["intervals"]["cross_entropy"][1]


def test_groups_need_by_and_name_the_group(cli, path):
    assert cli("eval", path, "--max", "groups.mse=1").code == 2
    run = cli("eval", path, "--by", "g", "--max", "groups.mse=0.01", "--format", "junit")
    assert run.code == 1 and "worst: group g=" in run.stdout


def test_gate_paths_in_settings_files(cli, path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xentcli.toml").write_text('[max]\n"calibration.ece" = 0.0001\n')
    run = cli("eval", path, "--json")
    assert run.code == 1 and gates_of(run)[1]["calibration.ece"]["passed"] is False


def test_unknown_paths_are_usage_errors(cli, path):
    run = cli("eval", path, "--max", "nonsense.x=1")
    assert run.code == 2 and "a path into a section" in run.stderr
    run = cli("eval", path, "--max", "per_class.nope=1")
    assert run.code == 2 and "per_class has no 'nope'; it can hold support, " in run.stderr
    run = cli("eval", path, "--max", "per_class.dog.f1=1")  # a class: known after reading
    assert run.code == 2 and "names no number" in run.stderr
    assert "; classes are 0, 1, 2" in run.stderr and "per-class numbers are support, " in run.stderr
    run = cli("eval", path, "--max", "per_class.binary_cross_entropy=1")  # not multiclass's
    assert run.code == 2 and "per-class numbers are support, cross_entropy, " in run.stderr
    run = cli("eval", path, "--max", "intervals.mse.mid=1", "--bootstrap", "20")
    assert run.code == 2 and "an interval path ends in .low or .high" in run.stderr
    run = cli("eval", path, "--max", "intervals.f1.low=1", "--bootstrap", "20", "--per-class")
    assert run.code == 2 and "intervals has no 'f1'; it can hold cross_entropy, mse" in run.stderr
    assert "macro_f1" in run.stderr and len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("gate", "said"),
    [
        ("per_class.recal=0.5", "per_class has no 'recal'"),
        ("per_class.2.f2=0.5", "per_class has no 'f2'"),
        ("calibration.eca=0.1", "calibration has no 'eca'; it can hold ece, mce, rmsce"),
        ("groups.crossentropy=1", "groups has no 'crossentropy'; it can hold cross_entropy"),
        ("intervals.roc_auc.low=0.5", "intervals has no 'roc_auc'"),
    ],
)
def test_a_misspelt_path_is_refused_before_any_row_is_read(cli, path, tmp_path, gate, said):
    """A CI job with a typo in a gate path fails at once, not after the whole evaluation: the
    file here has a bad value in its last row, which reading would reach first."""
    with open(path) as handle:
        lines = handle.read().splitlines()
    lines[-1] = lines[-1].replace(lines[-1].split(",")[0], "oops", 1)
    bad = tmp_path / "bad_last_row.csv"
    bad.write_text("\n".join(lines) + "\n")
    assert "row 600" in cli("eval", str(bad)).stderr  # reading it would fail there
    run = cli("eval", str(bad), "--by", "g", "--bootstrap", "10", "--max", gate)
    assert run.code == 2 and said in run.stderr and "row 600" not in run.stderr, run.stderr


def test_diff_and_compare_gate_the_new_report_s_sections(cli, path, tmp_path):
    saved = tmp_path / "new.json"
    assert cli("eval", path, "--per-class", "--json", "-o", str(saved)).code == 0
    run = cli("diff", str(saved), str(saved), "--min", "per_class.recall=0.99", "--json")
    assert run.code == 1 and json.loads(run.stdout)["gates"][0]["worst"].startswith("class ")
    compared = cli("compare", path, path, "--bootstrap", "20", "--max", "mse=5", "--json")
    assert compared.code == 0
