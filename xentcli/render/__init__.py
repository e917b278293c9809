"""Rendering: a report in, text out. views.py decides what a person sees of each report kind
(titles, tables, notes, row limits); formats.py writes the formats (table, markdown, json, jsonl,
csv, github, junit); progress.py draws the progress bar. Only this folder imports rich.

May import: xentcli.report. Never cli.
"""
