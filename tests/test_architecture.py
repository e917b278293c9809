"""The shape of the code (docs/architecture.md): imports only go down the flow, click only in the
CLI, rich only in the renderers, EvalOptions read only by the plan and the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xentcli.metrics.breakdown import BREAKDOWNS

PACKAGE = Path(__file__).resolve().parent.parent / "xentcli"
# lowest first: a module may import from its own floor or a lower one, never a higher one
FLOORS = [
    "errors",
    "version",
    "tasks",
    "options",
    "io",
    "prepare",
    "metrics",
    "engine",
    "report",
    "render",
    "api",
    "cli",
]
READS_OPTIONS = {"options", "engine/plan", "engine/checks", "engine/signature", "api", "__init__"}


def modules() -> list[tuple[str, str, ast.Module]]:
    """(stage, module path without .py, tree) of every module of the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        found.append((relative.parts[0], relative.as_posix(), ast.parse(path.read_text())))
    return found


def imports(tree: ast.Module) -> list[str]:
    """Every module a tree imports, at any depth (lazy imports too)."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "xentcli" and len(parts) > 1 else None


@pytest.mark.parametrize(("stage", "name", "tree"), modules(), ids=lambda v: str(v)[:40])
def test_imports_point_down_the_flow(stage, name, tree):
    if stage in ("__init__", "__main__"):
        return  # the package's front door
    floor = FLOORS.index(stage)
    for module in imports(tree):
        target = stage_of(module)
        if target is None or target == stage:
            continue
        assert FLOORS.index(target) <= floor, f"{name} imports {module}: up the flow"


def test_click_only_in_the_cli_and_rich_only_in_the_renderers():
    for stage, name, tree in modules():
        roots = {module.split(".")[0] for module in imports(tree)}
        if "click" in roots:
            assert stage == "cli", name
        if "rich" in roots:
            assert stage == "render", name


def test_only_the_plan_and_the_cli_read_the_options():
    for stage, name, tree in modules():
        if "xentcli.options" in imports(tree) and stage != "cli":
            assert name in READS_OPTIONS, name


def test_every_folder_says_what_it_does_and_may_import():
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        assert doc and "May import" in doc, folder.name


def test_every_breakdown_follows_the_protocol():
    for name, factory in BREAKDOWNS.items():
        kind = factory.__self__  # the classmethod's class
        for method in ("asked", "update", "merge", "result"):
            assert callable(getattr(kind, method, None)), f"{name} lacks {method}"
