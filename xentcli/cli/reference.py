"""The CLI reference (docs/cli.md), generated from each command's --help:
`python -m xentcli.cli.reference > docs/cli.md`. A test fails when the file drifts."""

from __future__ import annotations

import click

from xentcli.cli.commands import cli

WIDTH = 100


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """The context `xentcli [name] --help` would build (its settings applied), at a fixed width."""
    return command.make_context(
        name,
        [],
        parent=parent,
        resilient_parsing=True,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
    )


def command_help(name: str) -> str:
    """The --help text of one command."""
    parent = _context(cli, "xentcli", None)
    return cli.commands[name].get_help(_context(cli.commands[name], name, parent))


def reference() -> str:
    """docs/cli.md: the group's help, then every command's."""
    context = _context(cli, "xentcli", None)
    parts = [
        "# Command-line reference",
        "",
        "Generated from `--help` by `python -m xentcli.cli.reference > docs/cli.md`; do not edit.",
        "",
        "```text",
        cli.get_help(context),
        "```",
    ]
    for name in cli.commands:
        parts += ["", f"## xentcli {name}", "", "```text", command_help(name), "```"]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    click.echo(reference(), nl=False)
