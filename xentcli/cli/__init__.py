"""The command line: click commands (commands.py) and their shared flags (flags.py), settings files
(settings.py), where output goes (output.py). It builds one EvalOptions, calls the library, picks a
renderer and maps errors and reports to exit codes. Only this folder imports click.

May import anything in xentcli.
"""

from __future__ import annotations

import sys


def main() -> None:
    """The console script: Ctrl-C while the program is still loading exits 130 too."""
    try:
        from xentcli.cli.commands import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    run()
