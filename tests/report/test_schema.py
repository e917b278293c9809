"""Every JSON document xentcli writes — each task, each section, each command — validates against
the shipped schema, and the schema describes every key a document has."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pandas as pd
import pytest

from tests.references import softmax
from xentcli.report.schema import SCHEMAS

N = 300


def frames() -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """One small file per task and label layout, with the flags that read it."""
    rng = np.random.default_rng(5)
    group = rng.choice(["a", "b"], N)
    weight = rng.random(N)
    p3 = softmax(rng.normal(size=(N, 3)))
    multiclass = pd.DataFrame({f"p_{k}": p3[:, k] for k in range(3)})
    multiclass["label"], multiclass["g"], multiclass["w"] = rng.integers(0, 3, N), group, weight
    soft = multiclass.drop(columns="label")
    targets = softmax(rng.normal(size=(N, 3)))
    for k in range(3):
        soft[f"t_{k}"] = targets[:, k]
    multilabel = pd.DataFrame(
        {"p_a": rng.random(N), "p_b": rng.random(N), "y_a": rng.integers(0, 2, N)}
    )
    multilabel["y_b"], multilabel["g"], multilabel["w"] = rng.integers(0, 2, N), group, weight
    binary = pd.DataFrame({"y": rng.integers(0, 2, N), "prob": rng.random(N), "g": group})
    binary["w"] = weight
    regression = pd.DataFrame({"target": rng.normal(size=N), "pred": rng.normal(size=N)})
    regression["g"], regression["w"] = group, weight
    return {
        "binary": (binary, []),
        "multiclass": (multiclass, []),
        "soft": (soft, ["--label-col", "t_*", "--pred-col", "p_*"]),
        "multilabel": (
            multilabel,
            ["--task", "multilabel", "--label-col", "y_*", "--pred-col", "p_*"],
        ),
        "regression": (
            regression,
            ["--task", "regression", "--label-col", "target", "--pred-col", "pred"],
        ),
    }


SECTIONS = {
    "none": [],
    "weights": ["--weight-col", "w"],
    "per_class": ["--per-class"],
    "calibration": ["--calibration", "--bins", "5"],
    "groups": ["--by", "g"],
    "bootstrap": ["--bootstrap", "20"],
    "gates": ["--max", "mse=10", "--min", "mse=0"],
    "auc": ["--auc", "--by", "g", "--curve-points", "20"],
    "worst": ["--worst", "5", "--keep-col", "g", "--weight-col", "w"],
    "rows_out": ["--rows-out", "{tmp}/rows.parquet"],
}
APPLIES = {
    "per_class": ("binary", "multiclass"),
    "calibration": ("binary", "multiclass"),
    "auc": ("binary", "multiclass", "multilabel"),
}


def valid(document: dict, kind: str) -> None:
    schema = SCHEMAS[kind]
    jsonschema.validate(document, schema)
    assert set(document) <= set(schema["properties"]), set(document) - set(schema["properties"])


@pytest.mark.parametrize("task", list(frames()))
def test_every_task_section_and_command_validates(cli, tmp_path, task):
    data, flags = frames()[task]
    path = tmp_path / f"{task}.csv"
    data.to_csv(path, index=False)
    saved = []
    for section, extra in SECTIONS.items():
        if task not in APPLIES.get(section, (task,)):
            continue
        extra = [flag.replace("{tmp}", str(tmp_path)) for flag in extra]
        run = cli("eval", str(path), *flags, *extra, "--json")
        assert run.code == 0, (section, run.stderr)
        document = json.loads(run.stdout)
        valid(document, "report")
        if section in SECTIONS and section not in ("none", "weights", "gates"):
            key = {"bootstrap": "intervals", "auc": "curves"}.get(section, section)
            assert key in document
        out = tmp_path / f"{task}-{section}.json"
        out.write_text(run.stdout)
        saved.append(out)
    diff = cli("diff", str(saved[0]), str(saved[-1]), "--all", "--max", "mse=10", "--json")
    assert diff.code == 0, diff.stderr
    valid(json.loads(diff.stdout), "diff")
    compare = cli("compare", str(path), str(path), *flags, "--bootstrap", "20", "--json")
    assert compare.code == 0, compare.stderr
    document = json.loads(compare.stdout)
    valid(document, "compare")
    valid(document["a"], "report")
    inspect = cli("inspect", str(path), *flags, "--json")
    assert inspect.code == 0, inspect.stderr
    valid(json.loads(inspect.stdout), "inspect")


def test_the_printed_schemas_are_the_shipped_ones(cli):
    for kind, schema in SCHEMAS.items():
        assert json.loads(cli("schema", kind).stdout) == schema
