import math

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config
from hypothesis import given
from hypothesis import strategies as st

from tsadlab.config import settings_of, to_run_config
from tsadlab.errors import ConfigError
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.align import align_errors, point_scores, smooth_scores
from tsadlab.scoring.config import ScoringConfig
from tsadlab.scoring.predict import row_stack


def window_errors(x: np.ndarray, x_hat: np.ndarray, name: str = "mae") -> np.ndarray:
    return SCORING_ERRORS.get(name).compute(x, x_hat)


def point_errors(values: np.ndarray, x_hat: np.ndarray, stride: int = 1) -> np.ndarray:
    """Orion's point errors of rows reconstructed by every window of x_hat, in one stack."""
    stack = row_stack(np.arange(len(x_hat)), x_hat, stride, 0, len(values))
    return SCORING_ERRORS.get("point").compute(values, stack)


def test_window_errors_hand_computed():
    x = np.zeros((2, 2, 1))
    x_hat = np.array([[[1.0], [3.0]], [[-2.0], [0.0]]])
    np.testing.assert_allclose(window_errors(x, x_hat, "mae"), [2.0, 1.0])
    np.testing.assert_allclose(window_errors(x, x_hat, "mse"), [5.0, 2.0])


def test_window_errors_equal_tutorial_formula_for_one_feature():
    rng = np.random.default_rng(1)
    x, x_hat = rng.normal(size=(50, 30, 1)), rng.normal(size=(50, 30, 1))
    tutorial = np.mean(np.abs(x_hat - x), axis=1)[:, 0]
    np.testing.assert_allclose(window_errors(x, x_hat), tutorial)


def test_end_alignment_gives_tutorial_rows_for_next_target():
    # Tutorial: test_score_df = test[TIME_STEPS:], so window i scores row i + 30.
    errors = np.arange(1609, dtype=float)
    scores = point_scores(errors, 1639, span=31, alignment="end")
    assert np.isnan(scores[:30]).all()
    np.testing.assert_array_equal(scores[30:], errors)


def test_mean_alignment_hand_computed():
    # 5 rows, span 3: windows cover rows 0-2, 1-3, 2-4.
    scores = point_scores(np.array([3.0, 6.0, 9.0]), 5, span=3, alignment="mean")
    np.testing.assert_allclose(scores, [3.0, 4.5, 6.0, 7.5, 9.0])


def test_unknown_alignment_is_rejected():
    with pytest.raises(ConfigError, match="scoring.alignment=middle"):
        point_scores(np.ones(3), 5, span=3, alignment="middle")


# windows laid over rows: how many, their span and stride, rows past the last, the errors' seed
WINDOW_LAYOUTS = {
    "n_windows": st.integers(1, 40),
    "span": st.integers(1, 10),
    "stride": st.integers(1, 4),
    "extra": st.integers(0, 5),
    "seed": st.integers(0, 1000),
}


def random_errors(n_windows: int, span: int, stride: int, extra: int, seed: int) -> tuple:
    """(errors of n_windows windows, the rows they lie over with `extra` rows after them)."""
    errors = np.random.default_rng(seed).uniform(0, 10, n_windows)
    return errors, (n_windows - 1) * stride + span + extra


@given(**WINDOW_LAYOUTS)
def test_mean_alignment_matches_brute_force(n_windows, span, stride, extra, seed):
    errors, n_rows = random_errors(n_windows, span, stride, extra, seed)
    scores = point_scores(errors, n_rows, span, stride, "mean")
    for row in range(n_rows):
        covering = [e for i, e in enumerate(errors) if i * stride <= row < i * stride + span]
        if covering:
            assert scores[row] == pytest.approx(np.mean(covering))
        else:
            assert np.isnan(scores[row])


@given(**WINDOW_LAYOUTS)
def test_centre_alignment_gives_each_covered_row_its_nearest_centre(
    n_windows, span, stride, extra, seed
):
    errors, n_rows = random_errors(n_windows, span, stride, extra, seed)
    scores = point_scores(errors, n_rows, span, stride, "centre")
    centres = np.arange(n_windows) * stride + math.ceil((span - 1) / 2)
    for row in range(n_rows):
        if row >= (n_windows - 1) * stride + span:  # no window reaches it
            assert np.isnan(scores[row])
            continue
        distance = np.abs(centres - row)
        nearest = np.flatnonzero(distance == distance.min())
        # a row halfway between two centres takes the later one's (round half up)
        assert scores[row] == errors[nearest[-1]]


def test_auto_alignment_is_the_models_authors_and_a_run_records_it():
    def aligned(*overrides: str) -> str:
        cfg = to_run_config(compose_config(list(overrides)))
        return settings_of(cfg)["scoring"]["alignment"]

    assert aligned() == "end"  # the tutorial's LSTM autoencoder
    assert aligned("model=sub_pca") == "centre"  # TSB-AD pads its window scores
    assert aligned("model=kmeans") == "mean"  # TSB-AD's reverse windowing
    assert aligned("model=sub_pca", "scoring.alignment=end") == "end"  # a choice is kept


def test_point_errors_hand_computed():
    # three windows of 2 over 4 rows reconstruct rows 0-1, 1-2, 2-3
    x_hat = np.array([[[1.0], [2.0]], [[3.0], [4.0]], [[5.0], [6.0]]])
    errors = point_errors(np.zeros((4, 1)), x_hat)
    np.testing.assert_allclose(errors, [1.0, 2.5, 4.5, 6.0])  # medians of 1 | 2,3 | 4,5 | 6


@given(
    n_windows=st.integers(1, 30),
    window=st.integers(1, 8),
    stride=st.integers(1, 3),
    seed=st.integers(0, 100),
)
def test_point_errors_match_a_plain_loop(n_windows, window, stride, seed):
    rng = np.random.default_rng(seed)
    n_rows = (n_windows - 1) * stride + window + 2
    values, x_hat = rng.normal(size=(n_rows, 2)), rng.normal(size=(n_windows, window, 2))
    errors = point_errors(values, x_hat, stride)
    for row in range(n_rows):
        preds = [
            x_hat[i, row - i * stride] for i in range(n_windows) if 0 <= row - i * stride < window
        ]
        if preds:
            expected = np.abs(values[row] - np.median(preds, axis=0)).mean()
            assert errors[row] == pytest.approx(expected)
        else:
            assert np.isnan(errors[row])


def test_smoothing_is_orions_centered_rolling_mean():
    scores = np.random.default_rng(0).random(1000)
    smoothed = smooth_scores(scores, 0.01)  # window int(1000 * 0.01) = 10
    expected = pd.Series(scores).rolling(10, center=True, min_periods=5).mean().to_numpy()
    np.testing.assert_allclose(smoothed, expected)
    np.testing.assert_array_equal(smooth_scores(scores, 0.0), scores)
    assert len(smooth_scores(np.ones(100_000), 0.01)) == 100_000  # window capped at 200
    with pytest.raises(ConfigError, match="scoring.smoothing=1.5"):
        ScoringConfig(smoothing=1.5)
    with pytest.raises(ConfigError, match=r"scoring.error=rmse \(must be one of .*mae, mse, point"):
        ScoringConfig(error="rmse")


def test_smoothing_of_the_windows_takes_orions_fraction_of_the_windows():
    n, span = 1300, 100
    errors = np.random.default_rng(1).random(n)
    errors[-1] = np.nan  # Orion's windows stop one row early: the last row is not covered
    table = pd.DataFrame(
        {"part": pd.Categorical(["train"] * n), "window": np.arange(n), "start": np.arange(n)}
    ).assign(error=errors)
    of_rows = ScoringConfig(error="point", smoothing=0.01)
    of_windows = ScoringConfig(error="point", smoothing=0.01, smoothing_of="windows")
    by_rows = align_errors(table, n, n, span, 1, of_rows)
    by_windows = align_errors(table, n, n, span, 1, of_windows)
    # 1200 windows cover the first 1299 rows: a window of 12 rows, not int(1300 * 0.01) = 13
    expected = pd.Series(errors).rolling(12, center=True, min_periods=6).mean().to_numpy()
    np.testing.assert_allclose(by_windows, expected)
    assert not np.allclose(by_rows[:-1], by_windows[:-1])
