"""Per-row anomaly flags into contiguous events."""

import numpy as np
import pandas as pd

EVENT_COLUMNS = ["start", "end", "n_points", "peak_time", "peak_score", "split"]


def flag_runs(flags: np.ndarray) -> np.ndarray:
    """(k, 2) array of [first, last] row indices of each run of True in `flags`."""
    padded = np.concatenate([[0], np.asarray(flags, dtype=np.int8), [0]])
    edges = np.diff(padded)
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1])


def events_table(
    timestamps: pd.DatetimeIndex, flags: np.ndarray, scores: np.ndarray, split: np.ndarray
) -> pd.DataFrame:
    """One row per contiguous run of flagged rows, with its peak score and split."""
    rows = []
    for first, last in flag_runs(flags):
        peak = first + int(np.nanargmax(scores[first : last + 1]))
        rows.append(
            {
                "start": timestamps[first],
                "end": timestamps[last],
                "n_points": int(last - first + 1),
                "peak_time": timestamps[peak],
                "peak_score": float(scores[peak]),
                "split": split[first],
            }
        )
    return pd.DataFrame(rows, columns=EVENT_COLUMNS)
