"""The bad-input corpus (tests/data/bad/, made by make_bad.py): exit 2 and one line naming the file
and, where it applies, the row and column; the files that are merely awkward must work."""

from __future__ import annotations

import json
import math

import pytest

from tests.conftest import ROOT

BAD = ROOT / "tests" / "data" / "bad"

CASES = {
    "truncated.csv.gz": "{f}: cannot read (Truncated compressed stream)",
    "truncated.parquet": "{f}: not a readable Parquet file (Parquet magic bytes not found in "
    "footer. Either the file is corrupted or this is not a parquet file.)",
    "strings.parquet": "{f}, column 'prob': holds string values; expected numbers",
    "header_only.csv": "{f}: no data rows (only a header)",
    "ragged.csv": "{f}, row 2: expected 2 fields, found 3 (ragged row)",
    "mixed_types.csv": "{f}, row 3, column 'prob': 'high' is not a number",
    "list_wrong_length.csv": "{f}, row 2, column 'proba': holds 2 values; every row needs 3",
    "list_bad_element.csv": "{f}, row 3, column 'proba': '[0.2, abc, 0.5]' is not a JSON array "
    "of numbers",
    "list_trailing_comma.csv": "{f}, row 1: expected 2 fields, found 3 (ragged row)",
    "list_outside.parquet": "{f}, row 3, column 'proba': probability 1.5 (element 2 of the list) "
    "is outside [0, 1]; if these are raw scores, pass --logits",
    "late_field.jsonl": "{f}, row 1, column 'prob': a missing value where a finite number or label "
    "is needed; pass --nan skip to drop such rows",
    "malformed.jsonl": "{f}, row 2: not valid JSON (Expecting ',' delimiter)",
    "one_corrupt": "{f}/part-1.parquet: not a readable Parquet file (Parquet magic bytes not "
    "found in footer. Either the file is corrupted or this is not a parquet file.)",
    "empty_dir": "{f}: the directory holds no data files",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_corpus(cli, monkeypatch, name):
    monkeypatch.chdir(BAD)
    run = cli("eval", name)
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == f"xentcli: error: {CASES[name].format(f=name)}\n"


def test_quoted_fields_crlf_and_bom_work(cli, monkeypatch):
    monkeypatch.chdir(BAD)
    run = cli("eval", "quoted_crlf_bom.csv", "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["columns"]["label"] == "y" and report["rows"]["used"] == 2
    assert report["metrics"]["binary_cross_entropy"] == pytest.approx(-math.log(0.75))


def test_every_corpus_file_has_a_case():
    files = {p.name for p in BAD.iterdir() if p.name != "make_bad.py"}
    assert files == set(CASES) | {"quoted_crlf_bom.csv"}
