"""python -m xentcli."""

from xentcli.cli.commands import main

main()
