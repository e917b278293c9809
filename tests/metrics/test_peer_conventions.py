"""The conventions settled against the peers' own test suites (docs/decisions.md), each a case
ported from the peer's test and checked against the peer's own value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import top_k_accuracy_score

import xentcli


@pytest.mark.parametrize(("k", "expected"), [(1, 0.5), (2, 0.5), (3, 0.75)])
def test_top_k_ties_rank_the_higher_index_first(k, expected):
    """scikit-learn test_ranking.py, test_top_k_accuracy_score_ties: with tied scores the
    labels of higher index are ranked first."""
    y_true = np.array([2, 1, 0, 3])
    y_score = np.array([[5.0, 5, 7, 0], [1, 5, 5, 5], [0, 3, 3, 3], [1, 1, 1, 1]])
    frame = pd.DataFrame({f"logit_{j}": y_score[:, j] for j in range(4)})
    frame["label"] = y_true
    report = xentcli.evaluate(frame, logits=True, top_k=k)
    reference = top_k_accuracy_score(y_true, y_score, k=k, labels=range(4))
    assert 1 - report.metrics["top_k_error"] == pytest.approx(reference) == pytest.approx(expected)


def test_calibration_bins_are_right_closed():
    """Probabilities on the bin edges (a random forest's votes: multiples of 1/10) fall in the
    lower bin, as scikit-learn's calibration_curve (test_calibration.py) puts them."""
    p = np.array([0.0, 0.1, 0.2, 0.2, 0.5, 0.5, 0.7, 0.9, 1.0, 1.0])
    y = np.array([0, 0, 1, 0, 1, 0, 1, 1, 1, 1])
    report = xentcli.evaluate(pd.DataFrame({"y": y, "prob": p}), calibration=True, bins=10)
    bins = [b for b in report.calibration.bins if b.weight]
    truth, predicted = calibration_curve(y, p, n_bins=10)
    assert [b.accuracy for b in bins] == pytest.approx(list(truth))
    assert [b.confidence for b in bins] == pytest.approx(list(predicted))
    first = report.calibration.bins[0]
    assert first.weight == 2  # 0.0 and 0.1: (0, 0.1] holds 0.1, and 0 is in the first bin
