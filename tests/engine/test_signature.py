"""The signature names every option that changes a number (docs/decisions.md#signature): each
field of EvalOptions either changes the signature or is listed, with a reason, as changing none."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

import xentcli
from tests.conftest import SAMPLES
from xentcli.engine.signature import SIGNATURE, UNSIGNED, signature
from xentcli.options import EvalOptions
from xentcli.tasks import Task

# field → (options it needs to take effect, another value)
VARIATIONS = {
    "logits": ({}, True),
    "eps": ({}, 1e-7),
    "compat": ({}, "torch"),
    "nan": ({}, "skip"),
    "weight_col": ({}, "w"),
    "renormalize": ({}, True),
    "label_smoothing": ({"compat": "torch"}, 0.1),
    "class_weights": ({"compat": "torch"}, (1.0, 2.0)),
    "bootstrap": ({}, 100),
    "seed": ({"bootstrap": 100}, 7),
    "confidence": ({"bootstrap": 100}, 0.9),
    "threshold": ({}, 0.95),
    "positive": ({}, "yes"),
    "top_k": ({}, 3),
    "ignore_label": ({}, "-1"),
    "sum_tol": ({}, 1e-3),
    "calibration": ({}, True),
    "bins": ({"calibration": True}, 10),
    "normalize": ({"per_class": True}, "true"),
    "missing": ({"on": "id"}, "skip"),
    "auc": ({}, True),
    "average": ({"auc": True}, "weighted"),
}


def test_every_option_is_decided():
    names = {f.name for f in fields(EvalOptions)}
    undecided = names - set(SIGNATURE) - set(UNSIGNED)
    assert not undecided, f"options with no signature decision: {sorted(undecided)}"
    assert not set(SIGNATURE) & set(UNSIGNED)
    assert set(VARIATIONS) == set(SIGNATURE)


@pytest.mark.parametrize("name", sorted(SIGNATURE))
def test_each_signed_option_changes_the_signature(name):
    needs, value = VARIATIONS[name]
    base = replace(EvalOptions(), **needs)
    assert signature("0", Task.MULTICLASS, replace(base, **{name: value})) != signature(
        "0", Task.MULTICLASS, base
    ), name


def test_threshold_reaches_the_report_and_diff_warns(cli, tmp_path):
    low = xentcli.evaluate(str(SAMPLES / "binary.parquet"))
    high = xentcli.evaluate(str(SAMPLES / "binary.parquet"), threshold=0.95)
    assert low.signature != high.signature and "threshold:0.95" in high.signature
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    cli("eval", str(SAMPLES / "binary.parquet"), "-o", str(old), "--json")
    cli("eval", str(SAMPLES / "binary.parquet"), "--threshold", "0.95", "-o", str(new), "--json")
    run = cli("diff", str(old), str(new))
    assert run.code == 0 and "differ in signature" in run.stderr


def test_the_default_signature_keeps_its_shape():
    assert signature("0.1.0", Task.MULTICLASS, EvalOptions()) == (
        "xentcli:0.1.0|task:multiclass|inputs:probs|eps:2.22e-16|compat:sklearn|nan:error|"
        "weights:no|renorm:no"
    )
