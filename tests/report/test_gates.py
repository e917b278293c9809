"""Gates (SPEC §5): exit codes for every kind, baselines both ways, parsing, settings files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import SAMPLES

NET1 = str(SAMPLES / "net1.csv")  # cross_entropy 1.3783888522474517, accuracy 2/3
NET2 = str(SAMPLES / "net2.csv")  # cross_entropy 0.6391075640678003, accuracy 2/3


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ([], 0),
        (["--max", "cross_entropy=1.38"], 0),
        (["--max", "cross_entropy=1.378"], 1),
        (["--min", "accuracy=0.66"], 0),
        (["--min", "accuracy=0.67"], 1),
        (["--max", "mse=0.9", "--min", "accuracy=0.5"], 0),
        (["--max", "mse=0.8", "--min", "accuracy=0.5"], 1),
        (["--max", "cross_entropy=1.0", "--exit-zero"], 0),
        (["--max", "cross_entropy=nope"], 2),
        (["--max", "cross_entropy=__import__('os').system('true')"], 2),
        (["--max", "cross_entropy"], 2),
        (["--max", "cross_entropy=inf"], 2),
        (["--max", "binary_cross_entropy=0.5"], 2),
        (["--max", "no_such_metric=0.5"], 2),
        (["--max-increase", "mse=0.1"], 2),  # no baseline
        (["--max", "CROSS_ENTROPY=1.38"], 0),  # a metric's name in any case
        (["--max", "Cross_Entropy=1.378"], 1),
    ],
)
def test_gate_exit_codes(cli, args, code):
    run = cli("eval", NET1, "--json", *args)
    assert run.code == code, run.stderr
    if code == 2:
        assert run.stdout == ""
        assert run.stderr.startswith("xentcli: error: ") and run.stderr.count("\n") == 1
    else:
        report = json.loads(run.stdout)  # the report prints whatever the gates say
        assert report["passed"] is all(g["passed"] for g in report["gates"])


def test_failed_gate_names_value_and_limit(cli):
    run = cli("eval", NET1, "--max", "cross_entropy=0.35", "--min", "accuracy=0.5", "--json")
    assert run.code == 1
    assert run.stderr == (
        "xentcli: gate failed: cross_entropy = 1.3783888522474517 fails <= 0.35 "
        "(--max cross_entropy=0.35)\n"
    )
    gates = json.loads(run.stdout)["gates"]
    assert gates == [
        {
            "metric": "cross_entropy",
            "op": "<=",
            "limit": 0.35,
            "value": 1.3783888522474517,
            "passed": False,
            "flag": "--max cross_entropy=0.35",
        },
        {
            "metric": "accuracy",
            "op": ">=",
            "limit": 0.5,
            "value": 0.6666666666666667,
            "passed": True,
            "flag": "--min accuracy=0.5",
        },
    ]


def test_gate_on_missing_metric_lists_the_task_metrics(cli):
    run = cli("eval", NET1, "--max", "binary_cross_entropy=0.5")
    assert run.stderr == (
        "xentcli: error: --max binary_cross_entropy=0.5: a multiclass evaluation has no metric "
        "'binary_cross_entropy'; it has: cross_entropy, mse, error, accuracy, perplexity\n"
    )


@pytest.fixture
def baselines(cli, tmp_path):
    worse, better = tmp_path / "net1.json", tmp_path / "net2.json"
    assert cli("eval", NET1, "--json", "-o", str(worse)).code == 0
    assert cli("eval", NET2, "--json", "-o", str(better)).code == 0
    return worse, better


@pytest.mark.parametrize(
    ("predictions", "baseline", "delta", "code"),
    [
        (NET2, "net1", "cross_entropy=0", 0),  # improved
        (NET1, "net2", "cross_entropy=0.7", 1),  # worse by 0.739 > 0.7
        (NET1, "net2", "cross_entropy=0.74", 0),
        (NET1, "net2", "cross_entropy=115.6%", 1),  # worse by 115.67%
        (NET1, "net2", "cross_entropy=115.7%", 0),
        (NET1, "net2", "cross_entropy=100%", 1),
        (NET1, "net2", "accuracy=0", 0),  # equal accuracy: no decrease
        (NET1, "net1", "mse=0", 0),
    ],
)
def test_baseline_gates(cli, baselines, predictions, baseline, delta, code):
    path = {"net1": baselines[0], "net2": baselines[1]}[baseline]
    run = cli("eval", predictions, "--baseline", str(path), "--max-increase", delta, "--json")
    assert run.code == code, run.stderr
    gate = json.loads(run.stdout)["gates"][0]
    old = json.loads(path.read_text())["metrics"][gate["metric"]]
    assert gate["baseline"] == old


def test_higher_is_better_metrics_limit_the_decrease(cli, tmp_path):
    rows = "y,prob\n1,0.9\n0,0.2\n1,0.7\n0,0.4\n"
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(rows)
    bad.write_text(rows.replace("1,0.7", "1,0.3"))  # one more error: accuracy 1.0 → 0.75
    base = tmp_path / "base.json"
    cli("eval", str(good), "--json", "-o", str(base))
    run = cli("eval", str(bad), "--baseline", str(base), "--max-increase", "accuracy=0.2", "--json")
    assert run.code == 1
    gate = json.loads(run.stdout)["gates"][0]
    assert (gate["op"], gate["limit"], gate["value"]) == (">=", 0.8, 0.75)
    assert (
        cli("eval", str(bad), "--baseline", str(base), "--max-increase", "accuracy=25%").code == 0
    )


def test_settings_file_precedence(cli, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "deep" / "er").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.xentcli]\nformat = "json"\nprecision = 3\n'
        "max = {cross_entropy = 0.35, mse = 0.9}\n"
    )
    monkeypatch.chdir(project / "deep" / "er")
    from_file = cli("eval", NET1)
    assert from_file.code == 1  # cross_entropy 1.378 > 0.35 from the file
    assert [g["flag"] for g in json.loads(from_file.stdout)["gates"]] == [
        "--max cross_entropy=0.35",
        "--max mse=0.9",
    ]
    env = cli("eval", NET1, env={"XENTCLI_FORMAT": "csv"})
    assert env.stdout.startswith("metric,value\n")  # environment beats the file
    flag = cli(
        "eval", NET1, "--format", "jsonl", "--max", "cross_entropy=2", env={"XENTCLI_FORMAT": "csv"}
    )
    assert flag.code == 0  # the command line's gate replaces the file's on that metric
    assert json.loads(flag.stdout.splitlines()[0])["metric"] == "cross_entropy"
    (project / "deep" / "xentcli.toml").write_text('format = "markdown"\n')
    assert cli("eval", NET1, "--exit-zero").stdout.startswith("### ")  # the nearest file wins


def test_settings_file_unknown_key_and_explicit_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "xentcli.toml"
    bad.write_text("eps = 1e-7\nbogus = 1\n")
    run = cli("eval", NET1)
    assert run.code == 2
    assert run.stderr.startswith(f"xentcli: error: {bad}: unknown key 'bogus'; known keys: ")
    explicit = tmp_path / "ci.toml"
    explicit.write_text('eps = 1e-7\nlabel-col = "label"\n[min]\naccuracy = 0.9\n')
    run = cli("eval", NET1, "--config", str(explicit), "--json")
    assert run.code == 1
    report = json.loads(run.stdout)
    assert report["options"]["eps"] == 1e-7 and "eps:1e-07" in report["signature"]
    missing = cli("eval", NET1, "--config", str(tmp_path / "nope.toml"))
    assert (missing.code, missing.stderr) == (
        2,
        f"xentcli: error: {tmp_path / 'nope.toml'}: no such settings file\n",
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('top_k = "two"\n', "top_k = 'two': Invalid value for '--top-k'"),
        ('nan = "maybe"\n', "nan = 'maybe': Invalid value for '--nan': 'maybe' is not one of"),
        ("bins = 0\n", "bins = 0: Invalid value for '--bins'"),
        ('[max]\nerror = "low"\n', "max.error: 'low' is not a number"),
        ('[max_increase]\nerror = "5%%"\nmse = "x%%"\n', "max_increase.mse: 'x' is not a number"),
    ],
)
def test_a_bad_settings_value_names_the_file_and_key(cli, tmp_path, monkeypatch, text, said):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xentcli.toml").write_text(text.replace("%%", "%"))
    run = cli("eval", NET1)
    assert run.code == 2 and run.stderr.startswith(f"xentcli: error: {tmp_path / 'xentcli.toml'}: ")
    assert said in run.stderr and len(run.stderr.splitlines()) == 1, run.stderr


def test_one_text_for_a_repeatable_setting(cli, tmp_path, monkeypatch):
    """`by = "region"` reads as `by = ["region"]`, as one flag would."""
    monkeypatch.chdir(tmp_path)
    frame = pd.DataFrame({"label": [0, 1, 1, 0], "prob": [0.2, 0.7, 0.6, 0.4], "r": list("aabb")})
    frame.to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "xentcli.toml").write_text('by = "r"\nformat = "json"\n')
    run = cli("eval", str(tmp_path / "p.csv"))
    assert run.code == 0, run.stderr
    assert [g["group"]["r"] for g in json.loads(run.stdout)["groups"]] == ["a", "b"]


def test_settings_paths_are_relative_to_the_settings_file(cli, tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "reports").mkdir(parents=True)
    (project / "src").mkdir()
    assert cli("eval", NET2, "--json", "-o", str(project / "reports" / "main.json")).code == 0
    (project / "xentcli.toml").write_text(
        'baseline = "reports/main.json"\n[max-increase]\ncross_entropy = "10%"\n'
    )
    monkeypatch.chdir(project / "src")
    run = cli("eval", NET1, "--json")
    assert run.code == 1
    assert json.loads(run.stdout)["gates"][0]["baseline"] == 0.6391075640678003


def test_settings_reach_every_command(cli, tmp_path, monkeypatch):
    """A settings file's input options and gates apply to eval, inspect, compare and diff alike."""
    data = pd.DataFrame({"label": [1, 0, 1, 0], "score": [0.9, 0.2, 0.6, 0.4]})
    data["prob"] = 1 - data["score"]  # two candidate prediction columns: ambiguous without a flag
    data.to_csv(tmp_path / "two.csv", index=False)
    monkeypatch.chdir(tmp_path)
    assert "ambiguous predictions" in cli("eval", "two.csv").stderr
    (tmp_path / "xentcli.toml").write_text('pred-col = "score"\nmax = {mse = 0.01}\n')
    evaluated = cli("eval", "two.csv", "--json", "-o", "a.json")
    assert evaluated.code == 1  # the file's gate
    assert json.loads((tmp_path / "a.json").read_text())["columns"]["predictions"] == ["score"]
    inspected = cli("inspect", "two.csv", "--json")
    assert inspected.code == 0 and json.loads(inspected.stdout)["predictions"] == ["score"]
    compared = cli("compare", "two.csv", "two.csv", "--bootstrap", "20", "--json")
    assert compared.code == 1 and json.loads(compared.stdout)["gates"][0]["flag"] == (
        "--max mse=0.01"
    )
    diffed = cli("diff", "a.json", "a.json", "--json")
    assert diffed.code == 1 and json.loads(diffed.stdout)["gates"][0]["metric"] == "mse"
    assert cli("diff", "a.json", "a.json", "--max", "mse=1").code == 0  # the flag wins
