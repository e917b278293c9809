"""Preparing: which columns hold what (layout.py, from columns.py and predictions.py), labels
to class codes (labels.py), predictions paired with their labels by position (align.py) or by
key (join.py), and each aligned slice checked and turned into the numpy arrays the kernels take
(chunk.py, values.py).

May import: xentcli.io, xentcli.errors, xentcli.tasks. Never metrics, engine, report, render, cli.
"""
