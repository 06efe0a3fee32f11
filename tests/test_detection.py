import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tsadlab.detection.detect import events_table
from tsadlab.intervals import flag_runs


def test_flag_runs_hand_computed():
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 1, 1], dtype=bool)
    assert flag_runs(flags).tolist() == [[0, 1], [4, 4], [6, 8]]
    assert flag_runs(np.zeros(4, dtype=bool)).shape == (0, 2)


def test_events_table_peak_and_split():
    timestamps = pd.date_range("2020-01-01", periods=6)
    flags = np.array([0, 1, 1, 0, 0, 1], dtype=bool)
    scores = np.array([0.1, 2.0, 3.0, 0.1, 0.1, 5.0])
    split = np.array(["train", "train", "train", "test", "test", "test"], dtype=object)
    events = events_table(timestamps, flags, scores, split)
    assert events["n_points"].tolist() == [2, 1]
    assert events["peak_time"].tolist() == [timestamps[2], timestamps[5]]
    assert events["split"].tolist() == ["train", "test"]


@given(st.lists(st.booleans(), max_size=200))
def test_runs_cover_exactly_the_flags(flags):
    flags = np.array(flags, dtype=bool)
    rebuilt = np.zeros(len(flags), dtype=bool)
    runs = flag_runs(flags)
    for first, last in runs:
        rebuilt[first : last + 1] = True
    np.testing.assert_array_equal(rebuilt, flags)
    # Runs are separated by at least one unflagged row.
    assert all(runs[i + 1, 0] > runs[i, 1] + 1 for i in range(len(runs) - 1))
