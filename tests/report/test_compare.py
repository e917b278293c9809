"""`xentcli compare`: differences, paired-bootstrap p-values (checked against a direct
computation with the same weights), verdicts, gates and formats."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from tests.references import softmax
from xentcli.metrics.bootstrap import poisson_weights
from xentcli.render.formats import RENDERERS
from xentcli.report.schema import SCHEMAS


@pytest.fixture
def models(tmp_path):
    rng = np.random.default_rng(21)
    n = 1500
    z = rng.normal(size=(n, 3))
    y = rng.integers(0, 3, n)
    better = z.copy()
    better[np.arange(n), y] += 0.4
    paths = {}
    for name, scores in [("a", z), ("b", better)]:
        p = softmax(scores)
        path = tmp_path / f"{name}.parquet"
        pd.DataFrame({f"p_{j}": p[:, j] for j in range(3)}).to_parquet(path)
        paths[name] = (str(path), p)
    labels = tmp_path / "labels.csv"
    pd.DataFrame({"label": y}).to_csv(labels, index=False)
    return paths, str(labels), y


def compare(cli, models, *args, **kwargs):
    """Run `xentcli compare A B --labels L` with more arguments."""
    paths, labels, _ = models
    return cli("compare", paths["a"][0], paths["b"][0], "--labels", labels, *args, **kwargs)


def test_differences_and_p_values_match_a_direct_paired_bootstrap(cli, models):
    paths, labels, y = models
    run = compare(
        cli,
        models,
        "--bootstrap",
        "200",
        "--seed",
        "5",
        "--json",
    )
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    jsonschema.validate(report, SCHEMAS["compare"])
    ce = report["differences"][0]
    assert ce["metric"] == "cross_entropy"
    assert (
        ce["difference"]
        == report["b"]["metrics"]["cross_entropy"] - report["a"]["metrics"]["cross_entropy"]
    )
    rows = np.arange(len(y))
    weights = poisson_weights(5, np.arange(200), rows)
    loss_a = -np.log(paths["a"][1][rows, y])
    loss_b = -np.log(paths["b"][1][rows, y])
    paired = (weights @ loss_b - weights @ loss_a) / weights.sum(axis=1)
    expected_p = (np.count_nonzero(paired >= 0) + 1) / 201
    assert ce["p_value"] == pytest.approx(expected_p)
    assert ce["interval"] == pytest.approx(list(np.quantile(paired, [0.025, 0.975])), rel=1e-9)
    assert ce["verdict"] == "B better"


def test_verdicts_gates_and_identical_models(cli, models):
    paths, labels, _ = models
    same = json.loads(
        cli(
            "compare",
            paths["a"][0],
            paths["a"][0],
            "--labels",
            labels,
            "--bootstrap",
            "50",
            "--json",
        ).stdout
    )
    assert {d["verdict"] for d in same["differences"]} == {"no difference"}
    assert {d["p_value"] for d in same["differences"]} == {1.0}
    worse = cli(
        "compare",
        paths["b"][0],
        paths["a"][0],
        "--labels",
        labels,
        "--bootstrap",
        "100",
        "--fail-if-worse",
        "--json",
    )
    assert worse.code == 1
    assert "xentcli: gate failed: p_worse:cross_entropy = " in worse.stderr
    gated = compare(
        cli,
        models,
        "--bootstrap",
        "50",
        "--max-increase",
        "cross_entropy=0",
        "--max",
        "error=0.01",
    )
    assert gated.code == 1 and "error = " in gated.stderr and "cross_entropy" not in gated.stderr


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_renders(cli, models, fmt):
    paths, labels, _ = models
    run = compare(
        cli,
        models,
        "--bootstrap",
        "20",
        "--format",
        fmt,
        "--no-color",
    )
    assert run.code == 0, run.stderr
    assert "cross_entropy" in run.stdout


def test_different_rows_are_an_error(cli, models, tmp_path):
    paths, labels, _ = models
    short = tmp_path / "short.parquet"
    pd.read_parquet(paths["a"][0]).iloc[:100].to_parquet(short)
    pd.read_csv(labels).iloc[:100].to_csv(tmp_path / "short.csv", index=False)
    run = cli("compare", paths["a"][0], str(short), "--labels", labels)
    assert run.code == 2


def test_compare_refuses_files_whose_labels_differ_row_by_row(cli, tmp_path):
    """B's rows shuffled: the verdicts would silently compare different rows."""
    import pandas as pd

    from tests.conftest import SAMPLES

    b = pd.read_csv(SAMPLES / "net2.csv")
    b.iloc[[0, 2]] = b.iloc[[2, 0]].to_numpy()
    b.to_csv(tmp_path / "shuffled.csv", index=False)
    run = cli("compare", str(SAMPLES / "net1.csv"), str(tmp_path / "shuffled.csv"))
    assert run.code == 2 and "different labels from data row 1" in run.stderr
    assert run.stdout == ""
    same = cli("compare", str(SAMPLES / "net1.csv"), str(SAMPLES / "net2.csv"), "--bootstrap", "20")
    assert same.code == 0


def test_compare_on_a_key_pairs_shuffled_rows(cli, tmp_path):
    """compare --on KEY: B's rows in any order give the comparison of the aligned files."""
    import json

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(21)
    n = 400
    y, pa_, pb = rng.integers(0, 2, n), rng.random(n), rng.random(n)
    a = pd.DataFrame({"id": np.arange(n), "label": y, "prob": pa_})
    b = pd.DataFrame({"id": np.arange(n), "label": y, "prob": pb})
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    b.sample(frac=1, random_state=3).to_csv(tmp_path / "b_shuffled.csv", index=False)
    aligned = cli(
        "compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--bootstrap", "50", "--json"
    )
    joined = cli(
        "compare",
        str(tmp_path / "a.csv"),
        str(tmp_path / "b_shuffled.csv"),
        "--on",
        "id",
        "--bootstrap",
        "50",
        "--json",
    )
    assert aligned.code == 0 and joined.code == 0, joined.stderr
    first, second = json.loads(aligned.stdout), json.loads(joined.stdout)
    for x, y_ in zip(first["differences"], second["differences"], strict=True):
        assert x["difference"] == pytest.approx(y_["difference"], rel=1e-12)
        assert x["interval"] == pytest.approx(y_["interval"], rel=1e-12)
        assert x["verdict"] == y_["verdict"]


def test_compare_says_how_each_side_was_read(cli, tmp_path):
    """The notes of an eval (how a file was read, probabilities clipped) are said of each
    model too, A or B (compare said none)."""
    (tmp_path / "a.csv").write_text(
        "label;p_x;p_y;p_z\nx;0,7;0,2;0,1\ny;0,2;0,5;0,3\nz;0,1;0,2;0,7\n"
    )
    (tmp_path / "b.csv").write_text(
        "label,p_x,p_y,p_z\nx,0.5,0.3,0.2\ny,0.6,0,0.4\nz,0.2,0.2,0.6\n"
    )
    run = cli("compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--json")
    assert run.code == 0, run.stderr
    lines = run.stderr.splitlines()
    assert any(line.startswith("xentcli: note: A: ") and "semicolons" in line for line in lines)
    assert "xentcli: note: B: clipped 1 probabilities to [eps, 1-eps]" in lines


@pytest.mark.parametrize("side", ["a", "b", "labels", "both files"])
def test_stdin_is_read_twice_from_a_copy(cli, models, tmp_path, side):
    """compare reads each input twice (the labels' check, then the evaluation): stdin was an
    internal error ("peek of closed file"); it is copied to a temporary file, read under its
    own name, and removed."""
    paths, labels, _ = models
    args = [paths["a"][0], paths["b"][0], "--labels", labels]
    data = None
    if side == "labels":
        args[3], data = "-", Path(labels).read_bytes()
    elif side == "both files":  # predictions and labels in each file: their labels compared
        for name in ("a", "b"):
            frame = pd.read_parquet(paths[name][0]).assign(label=pd.read_csv(labels)["label"])
            frame.to_csv(tmp_path / f"{name}.csv", index=False)
        args, data = ["-", str(tmp_path / "b.csv")], (tmp_path / "a.csv").read_bytes()
    else:
        at = 0 if side == "a" else 1
        data, args[at] = Path(args[at]).read_bytes(), "-"
        args += ["--input-format", "parquet"]
    expected = cli("compare", paths["a"][0], paths["b"][0], "--labels", labels, "--json")
    run = cli("compare", *args, "--json", input=data)
    assert run.code == 0, run.stderr
    got, want = json.loads(run.stdout), json.loads(expected.stdout)
    assert got["differences"] == want["differences"] if "differences" in want else got == want
    assert "<stdin>" in run.stdout and "xentcli-stdin-" not in run.stdout + run.stderr


def test_a_bad_value_on_stdin_names_stdin(cli, tmp_path):
    text = "label,prob\n1,0.9\n0,oops\n"
    (tmp_path / "b.csv").write_text("label,prob\n1,0.8\n0,0.3\n")
    run = cli("compare", "-", str(tmp_path / "b.csv"), input=text)
    assert run.code == 2
    assert run.stderr.startswith("xentcli: error: <stdin>, row 2, column 'prob'"), run.stderr


@pytest.mark.parametrize("args", [["-", "-"], ["-", "b.csv", "--labels", "-"]])
def test_stdin_for_two_inputs_is_a_usage_error(cli, tmp_path, args):
    (tmp_path / "b.csv").write_text("label,prob\n1,0.8\n0,0.3\n")
    args = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    run = cli("compare", *args, input="label,prob\n1,0.9\n0,0.2\n")
    assert run.code == 2
    assert run.stderr == (
        "xentcli: error: stdin ('-') holds one input: give it for one of A, B and --labels\n"
    )
