"""SPEC §4.1's worked examples through the CLI, to full float precision."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLES, write_csv

SEEDS = {
    "net1.csv": {
        "cross_entropy": 1.3783888522474517,
        "mse": 0.8066666666666666,
        "error": 0.3333333333333333,
    },
    "net2.csv": {
        "cross_entropy": 0.6391075640678003,
        "mse": 0.34,
        "error": 0.3333333333333333,
    },
}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_tables(cli, name):
    run = cli("eval", str(SAMPLES / name), "--format", "json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    for metric, value in SEEDS[name].items():
        assert report["metrics"][metric] == value  # exact, not approximate
    assert report["metrics"]["accuracy"] == 1 - SEEDS[name]["error"]
    assert report["task"] == "multiclass"
    assert report["classes"] == ["0", "1", "2"]
    assert report["rows"] == {"read": 3, "used": 3, "skipped": 0, "ignored": 0, "missing": 0}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ([0.7, 0.2, 0.1], 0.35667494393873245),
        ([0.9, 0.05, 0.05], 0.10536051565782628),
        ([0.1, 0.8, 0.1], 2.3025850929940455),
    ],
)
def test_dog_cat_bird(cli, tmp_path, row, expected):
    path = write_csv(tmp_path / "one.csv", ["label", "p_dog", "p_cat", "p_bird"], [["dog", *row]])
    run = cli("eval", str(path), "--json")
    assert run.code == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["metrics"]["cross_entropy"] == expected
    assert report["classes"] == ["dog", "cat", "bird"]


def test_dog_sample_file_is_the_mean_of_the_three(cli):
    run = cli("eval", str(SAMPLES / "dog.csv"), "--json")
    mean = (0.35667494393873245 + 0.10536051565782628 + 2.3025850929940455) / 3
    assert json.loads(run.stdout)["metrics"]["cross_entropy"] == pytest.approx(mean, rel=1e-15)
