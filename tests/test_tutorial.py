"""docs/tutorial.md runs: its Python and shell blocks, in order, in an empty folder."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

TUTORIAL = ROOT / "docs" / "tutorial.md"


def blocks() -> list[tuple[str, str]]:
    """(language, code) of every fenced block of the page, in order."""
    return re.findall(r"```(python|bash)\n(.*?)```", TUTORIAL.read_text(), flags=re.S)


def test_every_command_of_the_tutorial_runs(tmp_path):
    found = blocks()
    assert any(kind == "bash" for kind, _ in found) and any(kind == "python" for kind, _ in found)
    for kind, code in found:
        if kind == "python":
            run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True)
            assert run.returncode == 0, run.stderr.decode()
            continue
        for line in code.strip().splitlines():
            command = re.sub(r"^xentcli ", f"{sys.executable} -m xentcli ", line)
            run = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True)
            assert run.returncode == 0, (line, run.stderr)
            assert "Traceback" not in run.stderr
    assert (tmp_path / "comparison.json").exists()
    assert (tmp_path / "tree.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (tmp_path / "tree.html").read_text()
