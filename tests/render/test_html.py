"""The HTML report, `xentcli plot` and the notebook display (SPEC §11): the page parses, holds a
chart per section asked for and references nothing outside itself; the figures' data is golden
(not pixels); PNG, SVG and PDF files are valid; a report displays itself in a notebook."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import xentcli
from tests.conftest import SAMPLES, check_golden
from xentcli.render.figures import KINDS, figures

ALL_SECTIONS = ["--per-class", "--calibration", "--auc", "--by", "region", "--worst", "5"]


class Page(HTMLParser):
    """What a browser would load: tags, charts, and every attribute that fetches something."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: list[str] = []
        self.tags: list[str] = []
        self.fetches: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = dict(attrs)
        if tag == "figure" and values.get("data-chart"):
            self.charts.append(values["data-chart"])
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = values.get(name)
            if value is not None and not value.startswith(("#", "data:")):  # inline data
                self.fetches.append(f"{tag} {name}={value}")
        self._in_h2 = tag == "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.headings.append(data.strip())
            self._in_h2 = False


def frame(n: int = 2000) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    z = rng.normal(size=(n, 3)) * 1.5
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    y = (p.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1)
    data = pd.DataFrame({f"p_{c}": p[:, k] for k, c in enumerate(["ant", "bee", "cat"])})
    data["label"] = np.array(["ant", "bee", "cat"])[y]
    data["region"] = rng.choice(["eu", "us", "asia"], n)
    data["id"] = [f"row{i}" for i in range(n)]
    return data


@pytest.fixture
def predictions(tmp_path):
    path = tmp_path / "preds.parquet"
    frame().to_parquet(path)
    return path


def parsed(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_the_page_holds_every_chart_asked_for_and_nothing_external(cli, predictions, tmp_path):
    out = tmp_path / "report.html"
    run = cli("eval", str(predictions), *ALL_SECTIONS, "--max", "cross_entropy=0.5", "-o", str(out))
    assert run.code == 1, run.stderr  # the gate fails: the report is still written
    text = out.read_text(encoding="utf-8")
    page = parsed(text)
    assert sorted(page.charts) == sorted(KINDS)
    assert page.tags.count("svg") == len(KINDS)
    assert page.fetches == []
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not re.search(r"url\((?!#)|@import|https?://(?!www\.w3\.org/)", text)
    for heading in ("Gates", "Metrics", "Charts", "Per class", "Calibration", "By region"):
        assert any(h.startswith(heading) for h in page.headings), (heading, page.headings)
    assert any(h.startswith("The 5 worst rows") for h in page.headings)
    assert "gates failed" in text and '<span class="fail">fail</span>' in text
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")


def test_only_the_sections_asked_for_are_drawn(cli, predictions, tmp_path):
    out = tmp_path / "report.html"
    assert (
        cli("eval", str(predictions), "--calibration", "--format", "html", "-o", str(out)).code == 0
    )
    assert parsed(out.read_text(encoding="utf-8")).charts == ["reliability"]
    plain = cli("eval", str(predictions), "--format", "html")
    assert plain.code == 0 and parsed(plain.stdout).charts == []
    assert "cross_entropy" in plain.stdout


def test_the_figure_data_is_golden():
    report = xentcli.evaluate(
        str(SAMPLES / "net1.csv"),
        per_class=True,
        calibration=True,
        bins=5,
        auc=True,
        by="label",
        curve_points=10,
    )
    data = [figure.to_json() for figure in figures(report.to_dict())]
    assert [d["kind"] for d in data] == list(KINDS)
    check_golden("figures-net1.json", json.dumps(data, indent=1) + "\n")


def test_big_reports_stay_readable_and_say_what_they_leave_out():
    labels = [f"class{k}" for k in range(1000)]
    counts = np.zeros((1000, 1000), int)
    np.fill_diagonal(counts, np.arange(1000))
    document = {
        "task": "multiclass",
        "metrics": {"cross_entropy": 1.0},
        "confusion_matrix": {"labels": labels, "normalize": None, "matrix": counts.tolist()},
        "groups": [
            {"group": {"site": str(g)}, "rows": 10, "metrics": {"cross_entropy": g / 10000}}
            for g in range(10000)
        ],
    }
    confusion, groups = figures(document)
    assert confusion.data["labels"] == labels[-25:]  # the most frequent
    assert "25 most frequent of 1000 classes" in confusion.note
    assert groups.data["groups"] == [str(g) for g in range(9999, 9969, -1)]  # the worst 30
    assert "30 worst of 10000 groups" in groups.note


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_plot_writes_valid_files(cli, predictions, tmp_path, suffix):
    saved = tmp_path / "report.json"
    saved.write_text(cli("eval", str(predictions), *ALL_SECTIONS, "--json").stdout)
    out = tmp_path / f"charts.{suffix}"
    run = cli("plot", str(saved), "-o", str(out))
    assert run.code == 0, run.stderr
    data = out.read_bytes()
    if suffix == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        from PIL import Image

        with Image.open(out) as image:
            width, height = image.size
            assert width > 500 and height > 2000  # five charts stacked
            shades = image.convert("L").histogram()
            assert sum(1 for count in shades if count) > 20  # drawn, not blank
    elif suffix == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
    else:
        assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == len(KINDS)  # a page each
    one = tmp_path / f"roc.{suffix}"
    assert cli("plot", str(saved), "--kind", "roc", "-o", str(one)).code == 0
    assert one.stat().st_size < out.stat().st_size


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["-o", "charts.gif"], "name a .png, .svg or .pdf file"),
        (
            ["--kind", "groups", "-o", "g.png"],
            "cannot draw: groups needs the groups section (eval --by COL)",
        ),
    ],
)
def test_plot_errors_are_one_line(cli, tmp_path, monkeypatch, flags, message):
    monkeypatch.chdir(tmp_path)
    saved = tmp_path / "report.json"
    saved.write_text(cli("eval", str(SAMPLES / "net1.csv"), "--calibration", "--json").stdout)
    run = cli("plot", str(saved), *flags)
    assert run.code == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.gif"))


def test_without_matplotlib_plot_and_charts_name_the_extra(cli, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *args, **kwargs)

    saved = tmp_path / "report.json"
    saved.write_text(cli("eval", str(SAMPLES / "net1.csv"), "--calibration", "--json").stdout)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for args in (
        ["plot", str(saved), "-o", str(tmp_path / "c.png")],
        ["eval", str(SAMPLES / "net1.csv"), "--calibration", "--format", "html"],
    ):
        run = cli(*args)
        assert run.code == 2, run.stderr
        assert "pip install 'xentcli[plot]'" in run.stderr and run.stdout == ""


def test_a_report_shows_itself_in_a_notebook_and_as_dataframes(predictions):
    report = xentcli.evaluate(
        str(predictions), per_class=True, calibration=True, by="region", bootstrap=20, worst=4
    )
    html = report._repr_html_()
    page = parsed(html)
    assert html.startswith('<div class="xentcli">') and sorted(page.charts) == sorted(
        ["reliability", "confusion", "groups"]
    )
    assert len(repr(report)) < 300 and "cross_entropy" in repr(report)
    frames = report.to_pandas()
    metrics = frames["metrics"]
    assert metrics.loc["cross_entropy", "value"] == report.metrics["cross_entropy"]
    assert list(metrics.loc["error", ["low", "high"]]) == report.intervals["error"]
    assert list(frames["per_class"].index) == ["ant", "bee", "cat"]
    assert frames["confusion_matrix"].to_numpy().sum() == 2000
    assert len(frames["groups"]) == 3 and "cross_entropy_low" in frames["groups"]
    assert frames["calibration"]["weight"].sum() == 2000
    assert list(frames["worst"]["id"]) == [
        r["columns"]["id"] for r in report.to_dict()["worst"]["rows"]
    ]


def test_plot_reads_the_report_from_stdin(cli, tmp_path):
    report = cli("eval", str(SAMPLES / "net1.csv"), "--calibration", "--json").stdout
    out = tmp_path / "charts.svg"
    run = cli("plot", "-", "-o", str(out), input=report)
    assert run.code == 0, run.stderr
    assert ET.fromstring(out.read_bytes()).tag.endswith("svg")
    run = cli("plot", "-", "-o", str(out), input="{}")
    assert run.code == 2 and "<stdin>: not a xentcli JSON report" in run.stderr


@pytest.mark.parametrize(
    ("section", "damage", "said"),
    [
        ("curves", lambda c: c["roc"].__setitem__("fpr", c["roc"]["fpr"][:-1]), "differ in length"),
        ("curves", lambda c: c.__setitem__("roc", [1, 2]), "curves section"),
        ("calibration", lambda c: c["bins"][0].__setitem__("accuracy", "high"), "not a number"),
        ("calibration", lambda c: c.pop("bins"), "no 'bins'"),
        ("confusion_matrix", lambda c: c.__setitem__("labels", []), "no class labels"),
        ("confusion_matrix", lambda c: c["matrix"].__setitem__(0, 3.5), "confusion_matrix"),
        ("groups", lambda g: g[0].__setitem__("metrics", "x"), "groups section"),
        ("groups", lambda g: g[1].__setitem__("rows", "many"), "rows holds 'many'"),
    ],
)
def test_plot_of_a_damaged_report_names_the_section(cli, tmp_path, section, damage, said):
    """A report edited by hand or cut short is an input error naming its section, never an
    internal error from the drawing."""
    rng = np.random.default_rng(4)
    binary = pd.DataFrame({"label": rng.integers(0, 2, 300), "prob": rng.random(300)})
    binary["region"] = rng.choice(["eu", "us"], 300)
    binary.to_csv(tmp_path / "b.csv", index=False)
    flags = ["--calibration", "--per-class", "--auc", "--by", "region", "--json"]
    report = json.loads(cli("eval", str(tmp_path / "b.csv"), *flags).stdout)
    damage(report[section])
    saved = tmp_path / "damaged.json"
    saved.write_text(json.dumps(report))
    run = cli("plot", str(saved), "-o", str(tmp_path / "c.png"))
    assert run.code == 2, run.stderr
    assert f"its {section} section is not as eval writes it" in run.stderr and said in run.stderr
    assert not (tmp_path / "c.png").exists()


def test_class_names_that_look_like_mathtext_are_drawn_as_text(cli, tmp_path):
    """matplotlib reads `$\\frac$` as mathtext (and failed on it: exit 3); names are text."""
    (tmp_path / "m.csv").write_text(
        "label,p_$\\frac$,p_$x$,p_c\n$\\frac$,0.8,0.1,0.1\n$x$,0.2,0.7,0.1\nc,0.1,0.1,0.8\n"
    )
    run = cli("eval", str(tmp_path / "m.csv"), "--per-class", "-o", str(tmp_path / "r.html"))
    assert run.code == 0, run.stderr
    page = (tmp_path / "r.html").read_text()
    assert "$\\frac$" in page and "$x$" in page  # the tick labels, as written
    saved = cli("eval", str(tmp_path / "m.csv"), "--per-class", "-o", str(tmp_path / "r.json"))
    assert saved.code == 0
    drawn = cli("plot", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.png"))
    assert drawn.code == 0, drawn.stderr
    assert (tmp_path / "r.png").stat().st_size > 0
