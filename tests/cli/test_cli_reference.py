"""docs/cli.md is the --help of every command: regenerated on purpose, never drifting."""

from __future__ import annotations

import os

import pytest

from tests.conftest import ROOT
from xentcli.cli.commands import cli
from xentcli.cli.reference import command_help, reference

REFERENCE = ROOT / "docs" / "cli.md"


def sections() -> dict[str, str]:
    """Command name → its part of docs/cli.md."""
    text = REFERENCE.read_text(encoding="utf-8")
    parts = text.split("\n## xentcli ")[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def test_the_reference_is_the_help_of_every_command():
    if os.environ.get("XENTCLI_REGENERATE") == "1":
        REFERENCE.write_text(reference(), encoding="utf-8")
    assert REFERENCE.read_text(encoding="utf-8") == reference()
    assert set(sections()) == set(cli.commands)


OPTIONS = [
    (name, max(param.opts, key=len))
    for name, command in cli.commands.items()
    for param in command.params
    if param.param_type_name == "option"
]


@pytest.mark.parametrize(("command", "flag"), OPTIONS)
def test_every_option_is_in_its_command_reference(cli, command, flag):
    assert flag in sections()[command]
    assert flag in command_help(command)
    run = cli(command, "--help")
    assert run.code == 0 and flag in run.stdout
