"""Engines: the plan (plan.py) — options and the resolved layout made into one frozen value, where
every cross-option check lives — and the engines that run it: the local one-pass accumulator
(accumulate.py) and the same accumulator per fragment on a Dask cluster (dask.py).

May import: xentcli.io, xentcli.prepare, xentcli.metrics, xentcli.options, xentcli.errors.
Never report, render or cli.
"""
