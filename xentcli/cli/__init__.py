"""The command line: click commands (commands.py) and their shared flags (flags.py), settings files
(settings.py), where output goes (output.py). It builds one EvalOptions, calls the library, picks a
renderer and maps errors and reports to exit codes. Only this folder imports click.

May import anything in xentcli.
"""
