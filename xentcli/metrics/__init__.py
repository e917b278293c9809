"""Scoring and summing: per-row kernels over whole chunks (kernels.py), the scorer registry keyed
by task, input kind and framework convention (scorers.py, conventions.py), compensated sums
(sums.py), the registry of reported metrics (registry.py), and the breakdowns that all follow one
protocol (breakdown.py: per_class, groups, calibration, bootstrap).

May import: xentcli.prepare (the Chunk), xentcli.io.arrow_numpy, xentcli.errors, xentcli.tasks.
Never engine, report, render or cli.
"""
