import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tsadlab.data.windows import (
    model_windows,
    sliding_windows,
    validation_split_at,
    window_count,
    window_span,
)
from tsadlab.errors import ConfigError, DataError


def tutorial_create_dataset(X: pd.DataFrame, y: pd.Series, time_steps: int = 1):
    """The tutorial's loop, verbatim in behaviour."""
    Xs, ys = [], []
    for i in range(len(X) - time_steps):
        v = X.iloc[i : (i + time_steps)].values
        Xs.append(v)
        ys.append(y.iloc[i + time_steps])
    return np.array(Xs), np.array(ys)


def test_next_target_equals_tutorial_create_dataset():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"close": rng.normal(size=200)})
    expected_x, expected_y = tutorial_create_dataset(frame[["close"]], frame.close, 30)
    x, y = model_windows(frame[["close"]].to_numpy(), 30, "next")
    np.testing.assert_array_equal(x, expected_x)
    np.testing.assert_array_equal(y[:, 0], expected_y)


def test_tutorial_window_counts_on_sp500_split():
    train, test = np.zeros((6553, 1)), np.zeros((1639, 1))
    assert len(model_windows(train, 30, "next")[0]) == 6523
    assert len(model_windows(test, 30, "next")[0]) == 1609
    # Reconstruction needs no following row, so one more window fits.
    assert len(model_windows(train, 30, "reconstruction")[0]) == 6524


def test_windows_are_views_not_copies():
    values = np.arange(1_000_000, dtype=np.float32).reshape(-1, 1)
    x = sliding_windows(values, 100)
    assert np.shares_memory(x, values)
    assert x.shape == (999_901, 100, 1)


def test_validation_split_matches_keras_rule():
    # Keras: split_at = floor(n * (1 - validation_split)); 6523 * 0.9 = 5870.7
    assert validation_split_at(6523, 0.1) == 5870
    assert validation_split_at(100, 0.0) == 100


@pytest.mark.parametrize("bad", [0, 1, -3])
def test_window_below_two_is_rejected(bad):
    with pytest.raises(ConfigError, match=f"data.window={bad}"):
        sliding_windows(np.zeros((10, 1)), bad)


def test_series_shorter_than_window_plus_target_is_rejected():
    with pytest.raises(DataError, match="fewer than one window span of 31 rows"):
        model_windows(np.zeros((30, 1)), 30, "next")


@given(
    values=arrays(
        np.float64, st.tuples(st.integers(2, 60), st.integers(1, 3)), elements=st.floats(-1e6, 1e6)
    ),
    window=st.integers(2, 20),
    stride=st.integers(1, 5),
    target=st.sampled_from(["reconstruction", "next"]),
)
def test_windows_match_a_plain_loop(values, window, stride, target):
    span = window_span(window, target)
    count = window_count(len(values), span, stride)
    if count == 0:
        with pytest.raises(DataError):
            model_windows(values, window, target, stride)
        return
    x, y = model_windows(values, window, target, stride)
    assert x.shape == (count, window, values.shape[1])
    for i in range(count):
        start = i * stride
        np.testing.assert_array_equal(x[i], values[start : start + window])
        expected_y = (
            values[start : start + window] if target == "reconstruction" else values[start + window]
        )
        np.testing.assert_array_equal(y[i], expected_y)
    # The last window's span ends inside the series, and one more stride would not fit.
    assert (count - 1) * stride + span <= len(values) < count * stride + span
