"""Every output format: golden files, the shipped JSON Schema, the JUnit XSD, GitHub's summary."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest
import xmlschema

from tests.conftest import ROOT, SAMPLES, check_golden
from xentcli.render.formats import RENDERERS
from xentcli.report.schema import SCHEMAS

JUNIT_XSD = xmlschema.XMLSchema(str(ROOT / "tests" / "data" / "junit.xsd"))
GATES = ["--max", "cross_entropy=0.35", "--min", "accuracy=0.5"]
EXTENSIONS = {
    "table": "txt",
    "json": "json",
    "jsonl": "jsonl",
    "csv": "csv",
    "markdown": "md",
    "github": "txt",
    "junit": "xml",
    "html": "html",
}


@pytest.fixture
def saved(cli, tmp_path, monkeypatch):
    """net1 and net2 reports saved as JSON, with the working directory in sample_data."""
    monkeypatch.chdir(SAMPLES)
    for name in ("net1", "net2"):
        assert cli("eval", f"{name}.csv", "--json", "-o", str(tmp_path / f"{name}.json")).code == 0
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_eval_golden(cli, monkeypatch, fmt):
    monkeypatch.chdir(SAMPLES)
    run = cli(
        "eval",
        "net1.csv",
        *GATES,
        "--format",
        fmt,
        "--no-color",
        "-q",
        env={"COLUMNS": "100", "GITHUB_STEP_SUMMARY": None},
    )
    assert run.code == 1
    check_golden(f"net1.gates.{fmt}.{EXTENSIONS[fmt]}", run.stdout)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_diff_golden(cli, saved, fmt):
    run = cli(
        "diff",
        "net1.json",
        "net2.json",
        "--all",
        "--max-increase",
        "mse=10%",
        "--format",
        fmt,
        "--no-color",
        env={"COLUMNS": "100", "GITHUB_STEP_SUMMARY": None},
    )
    assert run.code == 0, run.stderr
    check_golden(f"diff.{fmt}.{EXTENSIONS[fmt]}", run.stdout)


def test_json_matches_the_shipped_schema(cli, saved, tmp_path):
    printed = cli("schema")
    assert json.loads(printed.stdout) == SCHEMAS["report"]
    for args in (
        ["net1.csv", *GATES],
        ["binary.parquet"],
        ["net1.csv", "--per-class", "--normalize", "pred"],
        ["binary.parquet", "--calibration", "--bins", "7"],
        ["net2.csv", "--bootstrap", "30", "--seed", "2"],
        ["net1.csv", "--by", "label", "--by", "p_0"],  # a prediction column can group too
        ["net2.csv", "--renormalize"],
    ):
        run = cli("eval", str(SAMPLES / args[0]), *args[1:], "--json")
        jsonschema.validate(json.loads(run.stdout), SCHEMAS["report"])
    diff = cli("diff", "net1.json", "net2.json", "--json")
    jsonschema.validate(json.loads(diff.stdout), json.loads(cli("schema", "diff").stdout))
    broken = json.loads((tmp_path / "net1.json").read_text()) | {"passed": "yes"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMAS["report"])


def test_junit_is_valid_and_has_one_testcase_per_gate(cli, saved):
    run = cli("eval", str(SAMPLES / "net1.csv"), *GATES, "--format", "junit")
    JUNIT_XSD.validate(run.stdout)
    tree = JUNIT_XSD.to_dict(run.stdout)
    suite = tree["testsuite"][0]
    assert (suite["@tests"], suite["@failures"]) == ("2", "1")
    assert [("failure" in case) for case in suite["testcase"]] == [True, False]
    no_gates = cli("eval", str(SAMPLES / "net1.csv"), "--format", "junit").stdout
    JUNIT_XSD.validate(no_gates)
    diff = cli("diff", "net1.json", "net2.json", "--max", "mse=0.1", "--format", "junit")
    JUNIT_XSD.validate(diff.stdout)
    assert diff.code == 1


def test_github_format_appends_the_step_summary(cli, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    run = cli(
        "eval",
        str(SAMPLES / "net1.csv"),
        *GATES,
        "--format",
        "github",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert run.code == 1
    assert run.stdout.startswith(
        "::error title=xentcli (cross_entropy)::cross_entropy = 1.3783888522474517 fails <= 0.35"
    )
    text = summary.read_text()
    assert text.startswith("earlier step\n### xentcli · multiclass · ")
    assert "| `--max cross_entropy=0.35` | 1.3783888522474517 | <= 0.35 | ❌ fail |" in text


def test_machine_formats_hold_only_data_with_notes_and_warnings_present(cli, tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("y,prob\n1,0.0\n0,nan\n1,0.75\n")
    run = cli("eval", str(path), "--json", "--nan", "skip", "--max", "mse=0.1")
    assert run.code == 1 and "note: skipped 1 row" in run.stderr and "gate failed" in run.stderr
    json.loads(run.stdout)
    lines = cli("eval", str(path), "--format", "jsonl", "--nan", "skip").stdout.splitlines()
    assert [json.loads(line)["metric"] for line in lines] == [
        "binary_cross_entropy",
        "mse",
        "error",
        "accuracy",
    ]


def test_diff_lists_changes_and_warns_on_different_reports(cli, saved, tmp_path):
    same = cli("diff", "net1.json", "net1.json", "--json")
    assert json.loads(same.stdout)["metrics"] == []
    changed = json.loads(cli("diff", "net1.json", "net2.json", "--json").stdout)["metrics"]
    assert [row["metric"] for row in changed] == ["cross_entropy", "mse", "perplexity"]
    ce = changed[0]
    assert ce["change"] == ce["new"] - ce["old"]
    assert ce["change_pct"] == pytest.approx(100 * (0.6391075640678003 / 1.3783888522474517 - 1))
    other = tmp_path / "binary.json"
    cli("eval", str(SAMPLES / "binary.parquet"), "--json", "-o", str(other))
    run = cli("diff", "net1.json", str(other), "--json")
    assert run.code == 0
    assert "xentcli: warning: the reports differ in task: 'multiclass' → 'binary'" in run.stderr
    assert json.loads(run.stdout)["warnings"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    run = cli("diff", "net1.json", str(bad))
    assert run.code == 2 and run.stderr.startswith(f"xentcli: error: {bad}: not a JSON report")


def test_text_from_the_data_is_shown_as_it_is_not_as_markup(cli, tmp_path):
    """A kept value, a column or a file name may hold `[/bold]`, `[red]` or a newline: rich
    shows them as text (it was exit 3 on `[/bold]`, and `[b]` vanished into bold), and a newline
    is written `\\n` so a row stays one row, in the table and in markdown."""
    path = tmp_path / "p[b].csv"
    path.write_text('label,prob,text\n1,0.1,[/bold] oops\n0,0.2,"[red]x\ny"\n')
    run = cli("eval", str(path), "--worst", "2", "--keep-col", "text", "--no-color")
    assert run.code == 0, run.stderr
    assert "[/bold] oops" in run.stdout and "[red]x\\ny" in run.stdout
    assert "p[b].csv" in run.stdout
    markdown = cli("eval", str(path), "--worst", "2", "--keep-col", "text", "--format", "markdown")
    rows = [line for line in markdown.stdout.splitlines() if line.startswith("| ")]
    assert any(line.endswith("| [red]x\\ny |") for line in rows)
    (tmp_path / "two.csv").write_text("label,p_[b],p_c\n[b],0.9,0.1\nc,0.2,0.8\n")
    named = cli("eval", str(tmp_path / "two.csv"), "--no-color")
    assert named.code == 0 and "(p_[b], p_c)" in named.stdout


def test_not_xml_is_the_complement_of_xmls_char_range():
    """XML 1.0's Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF];
    NOT_XML must match every other code point and none of these."""
    from xentcli.render.formats import NOT_XML

    def allowed(code: int) -> bool:
        return code in (0x9, 0xA, 0xD) or any(
            low <= code <= high
            for low, high in ((0x20, 0xD7FF), (0xE000, 0xFFFD), (0x10000, 0x10FFFF))
        )

    everything = "".join(map(chr, range(0x110000)))
    found = {ord(c) for c in NOT_XML.findall(everything)}
    assert found == {code for code in range(0x110000) if not allowed(code)}


def test_junit_stays_xml_whatever_the_class_names_hold(cli, tmp_path):
    """A control character (here in a class name the failing gate names) cannot be written in
    XML even escaped: it is written `\\x01`, and `<&">` escaped, so the file still parses."""
    import xml.etree.ElementTree as ET

    (tmp_path / "x.csv").write_text('label,p_a\x01b,p_<&">\na\x01b,0.2,0.8\n<&">,0.3,0.7\n')
    run = cli(
        "eval",
        str(tmp_path / "x.csv"),
        "--task",
        "multiclass",
        "--min",
        "per_class.recall=0.9",
        "--format",
        "junit",
    )
    assert run.code == 1
    failures = [f.get("message") for f in ET.fromstring(run.stdout).iter("failure")]
    assert failures and "class a\\x01b" in failures[0]


def test_a_value_that_is_not_a_number_is_shown_as_none(cli, tmp_path):
    """A group whose weights are all 0 has no macro F1: null in JSON, `—` in the table (it was
    `nan` beside the `—` of its other metrics)."""
    (tmp_path / "w.csv").write_text("label,prob,w,g\n1,0.9,1,a\n0,0.2,1,a\n1,0.6,0,b\n0,0.3,0,b\n")
    args = ["eval", str(tmp_path / "w.csv"), "--weight-col", "w", "--by", "g", "--per-class"]
    table = cli(*args, "--no-color")
    assert table.code == 0 and " nan " not in table.stdout  # (the signature says nan:error)
    group = json.loads(cli(*args, "--json").stdout)["groups"][1]
    assert group["group"] == {"g": "b"} and group["metrics"]["macro_f1"] is None


def test_class_names_that_look_like_html_or_hold_newlines_keep_tables_whole(cli, tmp_path):
    """Token classes such as `<unk>` are tags to a markdown renderer (GitHub drops them from a
    step summary): escaped; a class name's newline is `\\n` in every table's cells, headers
    (the confusion matrix's `pred e\\nf`) and notes, so no table row or note is cut in two."""
    names = ["<unk>", "&amp;", "e\nf"]
    header = "label," + ",".join(f'"p_{n}"' for n in names)
    rows = [
        '"<unk>",0.7,0.2,0.1',
        '"&amp;",0.2,0.7,0.1',
        '"e\nf",0.1,0.2,0.7',
        '"e\nf",0.6,0.2,0.2',
    ]
    (tmp_path / "x.csv").write_text("\n".join([header, *rows]) + "\n")
    args = ["eval", str(tmp_path / "x.csv"), "--per-class", "--max", "cross_entropy=0.1"]
    md = cli(*args, "--format", "markdown")
    assert md.code == 1
    assert "| &lt;unk> | 1 |" in md.stdout and "| &amp;amp; | 1 |" in md.stdout
    assert "| pred &lt;unk> | pred &amp;amp; | pred e\\nf |" in md.stdout
    assert "classes: &lt;unk>, &amp;amp;, e\\nf</sub>" in md.stdout
    assert "| `--max cross_entropy=0.1` |" in md.stdout and "| <= 0.1 |" in md.stdout
    table_lines = [line for line in md.stdout.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") for line in table_lines)
    table = cli(*args, "--no-color")
    assert "pred e\\nf" in table.stdout and "classes: <unk>, &amp;, e\\nf" in table.stdout
    assert not any(line.strip() == "f" or line.endswith("e") for line in table.stdout.splitlines())


def test_long_lists_of_classes_and_columns_are_cut_with_their_count(cli, tmp_path):
    """A file of 300,000 class columns printed each name in a note (2 MB lines): messages and
    notes list the first names and how many there are."""
    k = 60
    header = "label," + ",".join(f"p_{j}" for j in range(k))
    row = "3," + ",".join(["0.5", "0.5"] + ["0"] * (k - 2))
    (tmp_path / "x.csv").write_text(f"{header}\n{row}\n")
    table = cli("eval", str(tmp_path / "x.csv"), "--no-color")
    assert table.code == 0
    assert "classes: 0, 1, 2," in table.stdout and ", 39, … (60 classes)" in table.stdout
    assert "40, 41" not in table.stdout
    (tmp_path / "labels.csv").write_text("id,label\n1,3\n")
    joined = cli(
        "eval", str(tmp_path / "x.csv"), "--labels", str(tmp_path / "labels.csv"), "--on", "id"
    )
    assert joined.code == 2 and ", p_38, … (61 columns)" in joined.stderr


def test_a_confusion_matrix_too_wide_to_draw_lists_the_largest_confusions(cli, tmp_path):
    """Past 25 classes a K × K table fits no terminal (at 300 every column was squeezed to
    nothing): table, markdown and HTML list the most frequent (true, predicted) pairs
    instead; JSON keeps the whole matrix."""
    k = 30
    p = np.full((k + 3, k), 0.5 / (k - 1))
    p[np.arange(k), np.arange(k)] = 0.5  # every class once, right
    y = [*range(k), 4, 4, 7]
    p[k:, :] = 0.5 / (k - 1)
    p[k, 9] = p[k + 1, 9] = p[k + 2, 2] = 0.5  # 4 taken for 9 twice, 7 for 2 once
    frame = pd.DataFrame({f"p_{j}": p[:, j] for j in range(k)} | {"label": y})
    frame.to_csv(tmp_path / "x.csv", index=False)
    args = ["eval", str(tmp_path / "x.csv"), "--per-class"]
    table = cli(*args, "--no-color").stdout
    assert "30 classes, too many to draw; the 2 most frequent confusions" in table
    lines = [line for line in table.splitlines() if line.startswith("│")]
    assert lines[-2:] == [
        "│ 4    │ 9         │     2 │",
        "│ 7    │ 2         │     1 │",
    ]
    markdown = cli(*args, "--format", "markdown").stdout
    assert "| true | predicted | count |" in markdown and "| 4 | 9 | 2 |" in markdown
    html = cli(*args, "--format", "html").stdout
    assert "<td>4</td><td>9</td>" in html.replace("\n", "")
    matrix = json.loads(cli(*args, "--json").stdout)["confusion_matrix"]["matrix"]
    assert len(matrix) == k and matrix[4][9] == 2 and matrix[7][2] == 1


def test_table_headers_break_after_underscores_only_when_the_table_would_not_fit(cli):
    """A per-class table too wide for the terminal breaks its longest headers after their
    underscores (`average_` / `precision`), not inside a word (`average_precisio` / `n`), and
    no more of them than it must; one that fits keeps them whole."""
    args = ["eval", str(SAMPLES / "multiclass10.parquet"), "--per-class", "--auc", "--no-color"]

    def header(columns: str) -> tuple[str, list[str]]:
        table = cli(*args, env={"COLUMNS": columns}).stdout
        assert "precisio " not in table and "entrop " not in table
        return table, table[table.index("per class") :].splitlines()[1:4]

    _, narrow = header("80")
    assert "average_ ┃" in narrow[1] and "precision ┃" in narrow[2], narrow
    assert "cross_ ┃" in narrow[1] and "entropy ┃" in narrow[2], narrow
    _, middle = header("110")  # the longest header broken is enough
    assert "average_ ┃" in middle[1] and "┃ cross_entropy ┃" in middle[2], middle
    wide, _ = header("200")
    assert "┃ cross_entropy ┃" in wide and "┃ average_precision ┃" in wide


def test_inspect_fits_an_80_column_terminal_wrapping_sentences_at_spaces(cli):
    """inspect's values and hints are sentences: in 80 columns they wrap between words (the
    table was 150 wide, and a terminal broke every line of it); wide, a row is one line."""
    args = ["inspect", str(SAMPLES / "multiclass10.parquet"), "--no-color"]
    table = cli(*args, env={"COLUMNS": "80"}).stdout
    lines = table[: table.index("columns:")].splitlines()
    assert max(map(len, lines)) <= 80, table
    cells = [part.strip() for line in lines for part in line.split("│")[2:4]]
    said = " ".join(cell for cell in cells if cell)
    for sentence in ("(pandas' index: never a label or prediction)", "an integer label names"):
        assert sentence in said, said  # its words whole, in order, across the wrapped lines
    wide = cli(*args, env={"COLUMNS": "200"}).stdout
    assert "│ (pandas' index: never a label or prediction) " in wide


def test_headers_are_measured_in_terminal_cells():
    """A CJK header takes two cells a character: 交叉熵_平均损失 is 15 cells wide, not 8, and
    a table of 20 columns needs it broken after its underscore."""
    from xentcli.render.formats import _fitted

    assert _fitted(["c", "交叉熵_平均损失"], [1, 8], 20) == ["c", "交叉熵_\n平均损失"]
    assert _fitted(["c", "交叉熵_平均损失"], [1, 8], 30) == ["c", "交叉熵_平均损失"]


def test_an_infinite_number_is_null_in_json(cli, tmp_path):
    """JSON has no infinity: perplexity = exp(736.8) overflows, and is written null (strict
    JSON), while the finite numbers beside it stay as they are."""
    path = tmp_path / "tiny.csv"
    path.write_text("label,p_0,p_1,p_2\n0,1e-320,0.5,0.5\n")
    for fmt in ("json", "jsonl"):
        run = cli("eval", str(path), "--eps", "0", "--format", fmt)
        assert run.code == 0, run.stderr
        assert "Infinity" not in run.stdout and "NaN" not in run.stdout
        if fmt == "json":
            metrics = json.loads(run.stdout)["metrics"]
            assert metrics["perplexity"] is None
            assert metrics["cross_entropy"] == pytest.approx(-np.log(1e-320), rel=1e-12)
