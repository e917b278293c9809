"""A real browser renders the HTML report offline and every chart draws (SPEC §11): headless
Chromium screenshots the page, then the page with one chart hidden; the pixels that change are
that chart, so each must change a large, bounded region. `.ci/run` installs Debian's chromium
when it is missing; elsewhere the test says how to get it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.render.test_html import ALL_SECTIONS, frame, parsed
from xentcli.render.figures import KINDS

BROWSER = shutil.which("chromium") or shutil.which("chromium-headless-shell")
WIDTH, HEIGHT = 1280, 4200
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
]

if BROWSER is None and os.environ.get("CI"):
    pytest.fail("CI needs Chromium for the browser test: .ci/run installs Debian's chromium")
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium: apt-get install chromium (bash .ci/run does)"
)


def screenshot(page: Path, out: Path, profile: Path) -> object:
    from PIL import Image

    subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", f"--screenshot={out}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(out) as image:
        return image.convert("RGB")


def test_every_chart_draws_in_a_real_browser(cli, tmp_path):
    from PIL import ImageChops

    data = tmp_path / "preds.parquet"
    frame().to_parquet(data)
    page = tmp_path / "report.html"
    run = cli("eval", str(data), *ALL_SECTIONS, "--bootstrap", "30", "-o", str(page))
    assert run.code == 0, run.stderr
    text = page.read_text(encoding="utf-8")
    assert sorted(parsed(text).charts) == sorted(KINDS)
    whole = screenshot(page, tmp_path / "report.png", tmp_path / "profile")
    assert whole.size == (WIDTH, HEIGHT)
    regions = {}
    for kind in KINDS:
        hidden = tmp_path / f"without-{kind}.html"
        style = f"<style>#chart-{kind} svg {{ visibility: hidden; }}</style></head>"
        hidden.write_text(text.replace("</head>", style, 1), encoding="utf-8")
        shot = screenshot(hidden, tmp_path / f"without-{kind}.png", tmp_path / "profile")
        changed = ImageChops.difference(whole, shot).convert("L").point(lambda v: 255 * (v > 16))
        box = changed.getbbox()
        assert box is not None, f"{kind}: hiding the chart changed nothing: it did not draw"
        left, top, right, bottom = box
        drawn = changed.histogram()[255]
        assert drawn > 3000, f"{kind}: only {drawn} pixels drawn"
        assert right - left > 250 and bottom - top > 250, f"{kind}: drawn at {box}"
        assert right - left < WIDTH and bottom - top < HEIGHT / 2, f"{kind}: {box}"
        regions[kind] = box
    for a in KINDS:  # the charts sit side by side or one under another, never on each other
        for b in KINDS:
            if a < b:
                (l1, t1, r1, b1), (l2, t2, r2, b2) = regions[a], regions[b]
                assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, (a, b, regions)
