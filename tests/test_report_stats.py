"""The statistics of a comparison, against hand-computed cases."""

import math

import numpy as np
import pandas as pd
import pytest

from tsadlab.reporting.stats import cliques, compare, holm
from tsadlab.reporting.tables import summarise


def test_holm_hand_computed():
    # sorted 0.01, 0.03, 0.04 -> 3 * 0.01, 2 * 0.03, max(0.06, 1 * 0.04)
    np.testing.assert_allclose(holm(np.array([0.01, 0.04, 0.03])), [0.03, 0.06, 0.06])
    assert holm(np.array([0.9, 0.8])).tolist() == [1.0, 1.0]


def test_cliques_join_methods_no_test_separates():
    pairs = pd.DataFrame(
        {"method_a": ["a", "a", "b"], "method_b": ["b", "c", "c"], "different": [0, 1, 0]}
    ).astype({"different": bool})
    assert cliques(["a", "b", "c"], pairs) == [["a", "b"], ["b", "c"]]
    pairs["different"] = False
    assert cliques(["a", "b", "c"], pairs) == [["a", "b", "c"]]


def test_ranks_and_friedman():
    scores = pd.DataFrame(
        {"good": [0.9, 0.8, 0.95, 0.7], "mid": [0.5, 0.6, 0.5, 0.6], "bad": [0.1, 0.6, 0.2, 0.3]},
        index=["d1", "d2", "d3", "d4"],
    )
    result = compare(scores)
    assert result.ranks.loc["d2"].tolist() == [1.0, 2.5, 2.5]  # tie averaged
    assert result.average_ranks.index.tolist() == ["good", "mid", "bad"]
    assert 0 < result.friedman_p < 0.05
    lower = compare(scores, higher_is_better=False)
    assert lower.average_ranks.index.tolist() == ["bad", "mid", "good"]


def test_summary_moments_hand_computed():
    runs = pd.DataFrame(
        {"state": ["finished"] * 3 + ["failed"], "config.x": [1, 1, 1, 1], "m": [1.0, 2.0, 3.0, 9]}
    )
    row = summarise(runs, [], ["m"]).iloc[0]
    assert row["runs"] == 3 and row["m:mean"] == 2.0 and row["m:std"] == 1.0
    # Student's t, 2 degrees of freedom: 4.303 * 1 / sqrt(3)
    assert row["m:ci95"] == pytest.approx(4.302653 / math.sqrt(3), rel=1e-5)
