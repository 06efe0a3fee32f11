"""Runs of consecutive True rows: the intervals events, labels and metrics are made of."""

import numpy as np


def flag_runs(flags: np.ndarray) -> np.ndarray:
    """(k, 2) array of [first, last] row indices of each run of True in `flags`."""
    padded = np.concatenate([[0], np.asarray(flags, dtype=np.int8), [0]])
    edges = np.diff(padded)
    return np.column_stack([np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1])
