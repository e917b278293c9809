"""Shared helpers: run the real CLI entry point with stdout and stderr kept apart."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from xentcli.cli.commands import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
GOLDEN = ROOT / "tests" / "data" / "golden"
REGENERATE = os.environ.get("XENTCLI_REGENERATE") == "1"


def check_golden(name: str, text: str) -> None:
    """Compare with tests/data/golden/NAME; XENTCLI_REGENERATE=1 rewrites it on purpose."""
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


def run_cli(
    *args: str, input: str | bytes | None = None, env: Mapping[str, str | None] | None = None
) -> Run:
    """Call xentcli's main() as the console script does; capture exit code, stdout and stderr."""
    runner = CliRunner()
    with runner.isolation(input=input, env=env) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
        return Run(code, out.getvalue().decode(), err.getvalue().decode())


@pytest.fixture
def cli():
    return run_cli


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """Write a small CSV file exactly as given."""
    lines = [",".join(header)] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def metrics_of(run: Run) -> dict:
    """The metrics of a run that must have succeeded with --json."""
    import json

    assert run.code == 0, run.stderr
    return json.loads(run.stdout)["metrics"]


def saved_values(folder: Path) -> dict:
    """The numbers a fixture folder's values.npz holds (what its make_fixtures.py wrote)."""
    import numpy as np

    with np.load(folder / "values.npz") as saved:
        return dict(saved)
