"""What the subsequence detectors (Sub-PCA, Sub-KNN, ..., the matrix profile) share: windows
as the flat vectors TSB-AD feeds its detectors, TSB-AD's per-window normalisations, the rows
that the windows were cut from, and which windows are the fitted ones.

A detector is fitted on the training part's windows (the pipeline passes the windows before
validation) and then scores the training part's windows (those same windows, then the
validation ones) and the test part's. A detector whose training scores leave each window
out of its own reference set (PyOD's `decision_scores_`: k-NN and LOF; the matrix profile's
self-join) recognises the fitted windows by value when they lead the windows it scores.
"""

from collections.abc import Callable

import numpy as np
from sklearn.preprocessing import StandardScaler

from tsadlab.errors import DataError


def flat_windows(windows: np.ndarray) -> np.ndarray:
    """(n, window * channels) float64 vectors, one channel's window after another, as
    TSB-AD's `Window.convert` lays out a multivariate series (one channel: the window)."""
    values = np.asarray(windows, dtype=np.float64)
    return values.transpose(0, 2, 1).reshape(len(values), -1)


def znormalised_rows(flat: np.ndarray) -> np.ndarray:
    """Each row minus its mean over its sample standard deviation (ddof=1), a constant row
    all zeros: TSB-AD's `zscore(X, axis=1, ddof=1)` with its NaNs zeroed."""
    centred = flat - flat.mean(axis=1, keepdims=True)
    spread = flat.std(axis=1, ddof=1, keepdims=True)
    # no spread: the deviations are 0 too, and TSB-AD's 0 / 0 (NaN) becomes 0
    return centred / np.where(spread > 0, spread, 1.0)


class TsbAdStandardiser:
    """TSB-AD's LOF and IForest normalisation: one channel, each window position standardised
    over the fitted windows (`zscore(axis=0)`); several channels, each window z-normalised
    on its own (`zscore(axis=1, ddof=1)`). The positions keep their training statistics
    when other windows are scored."""

    def __init__(self, windows: np.ndarray) -> None:
        flat = flat_windows(windows)
        self.positions = StandardScaler().fit(flat) if windows.shape[2] == 1 else None

    def __call__(self, windows: np.ndarray) -> np.ndarray:
        flat = flat_windows(windows)
        return znormalised_rows(flat) if self.positions is None else self.positions.transform(flat)


def fitted_lead(windows: np.ndarray, fitted: np.ndarray) -> int:
    """How many of `windows` are the fitted windows: all of them when `windows` begins with
    them (the training part, its validation windows after), else none."""
    n = len(fitted)
    if len(windows) >= n and np.array_equal(windows[:n], fitted):
        return n
    return 0


def fitted_first(
    windows: np.ndarray,
    fitted: np.ndarray,
    fitted_scores: np.ndarray,
    score_new: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """Scores of `windows`: the fitted windows that lead them keep the scores their fit gave
    them (each left out of its own reference set); the others get `score_new`."""
    n = fitted_lead(windows, fitted)
    rest = windows[n:]
    new = score_new(rest) if len(rest) else np.empty(0)
    return np.concatenate([fitted_scores, new]) if n else new


def require_windows(windows: np.ndarray, at_least: int, model: str) -> None:
    """One line when there are too few training windows for `model`."""
    if len(windows) < at_least:
        raise DataError(
            f"{len(windows)} training windows are too few for model={model} (need at least "
            f"{at_least}); use a longer training part or a smaller data.window"
        )


def overlap_stride(windows: np.ndarray) -> int | None:
    """The stride of windows cut from one series that overlap (stride below the window),
    found from the rows they share; None when they do not overlap (or are not such)."""
    n, w = windows.shape[:2]
    if n < 2:
        return None
    for stride in range(1, w):
        if np.array_equal(windows[1, : w - stride], windows[0, stride:]) and np.array_equal(
            windows[1:, : w - stride], windows[:-1, stride:]
        ):
            return stride
    return None


def rows_of(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (rows, channels) float64 series the windows were cut from, and the row each window
    starts at: overlapping windows give their series back exactly; others are laid end to
    end (with data.stride = data.window, that is the series too)."""
    values = np.asarray(windows, dtype=np.float64)
    n, w, d = values.shape
    stride = overlap_stride(values) or w
    rows = np.concatenate([values[0], values[1:, w - stride :].reshape(-1, d)])
    return rows, np.arange(n) * stride
