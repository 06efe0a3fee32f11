"""Per-window reconstruction errors and their alignment to the rows of the series."""

from typing import Any

import numpy as np
import pandas as pd

from tsadlab.errors import ConfigError

MAX_SMOOTHING_ROWS = 200  # Orion's cap on its rolling-mean window
ALIGNMENTS = ("end", "mean")
# Windows predicted per call when scoring (a chunk of 64k windows of 100 rows is 25 MB).
PREDICT_CHUNK_WINDOWS = 65536


def window_errors(x: np.ndarray, x_hat: np.ndarray, metric: str = "mae") -> np.ndarray:
    """One error per window: mean absolute (or squared) difference over time steps and features."""
    if metric not in ("mae", "mse"):
        raise ConfigError(f"Received: scoring.error={metric} (must be mae or mse per window)")
    diff = np.asarray(x_hat, dtype=np.float64) - np.asarray(x, dtype=np.float64)
    per_element = np.abs(diff) if metric == "mae" else np.square(diff)
    return per_element.mean(axis=(1, 2))


def predicted_window_errors(model: Any, x: np.ndarray, batch: int, metric: str) -> np.ndarray:
    """Each window's error against its reconstruction, predicted in chunks of about
    PREDICT_CHUNK_WINDOWS windows: only one chunk of windows and its reconstruction are ever
    held, whatever the length of the series."""
    chunk = max(batch, PREDICT_CHUNK_WINDOWS // batch * batch)
    errors = np.empty(len(x))
    for start in range(0, len(x), chunk):
        windows = np.ascontiguousarray(x[start : start + chunk])
        reconstruction = model.predict(windows, batch_size=batch, verbose=0)
        errors[start : start + len(windows)] = window_errors(windows, reconstruction, metric)
    return errors


def point_scores(
    errors: np.ndarray, n_rows: int, span: int, stride: int = 1, alignment: str = "end"
) -> np.ndarray:
    """Score each of `n_rows` rows from the errors of windows spanning `span` rows each.

    `end` gives window i's error to the last row of its span (for target `next`, the row right
    after the inputs, as the tutorial does); `mean` averages all windows whose span covers a row.
    Rows that no window reaches get NaN.
    """
    if alignment not in ALIGNMENTS:
        raise ConfigError(f"Received: scoring.alignment={alignment} (must be one of {ALIGNMENTS})")
    starts = np.arange(len(errors)) * stride
    if len(errors) and starts[-1] + span > n_rows:
        raise ConfigError(f"{len(errors)} windows of span {span} do not fit in {n_rows} rows")
    scores = np.full(n_rows, np.nan)
    if alignment == "end":
        scores[starts + span - 1] = errors
        return scores
    # Difference arrays: +e at a span's first row, -e just past its last, then cumulative sums.
    total = np.zeros(n_rows + 1)
    count = np.zeros(n_rows + 1)
    np.add.at(total, starts, errors)
    np.add.at(total, starts + span, -errors)
    np.add.at(count, starts, 1.0)
    np.add.at(count, starts + span, -1.0)
    total, count = np.cumsum(total)[:n_rows], np.cumsum(count)[:n_rows]
    covered = count > 0.5
    scores[covered] = total[covered] / count[covered]
    return scores


def point_errors(values: np.ndarray, x_hat: np.ndarray, stride: int = 1) -> np.ndarray:
    """Orion's point errors: |row - median of every reconstruction of that row|, channel mean.

    Window i reconstructs rows i*stride .. i*stride + window - 1; a row no window covers
    gets NaN.
    """
    m, w, d = x_hat.shape
    rows = (np.arange(m) * stride)[:, None] + np.arange(w)[None, :]
    stack = np.full((len(values), w, d), np.nan)
    stack[rows, np.arange(w)[None, :]] = x_hat
    covered = ~np.isnan(stack[:, :, 0]).all(axis=1)
    median = np.full((len(values), d), np.nan)
    median[covered] = np.nanmedian(stack[covered], axis=1)
    return np.abs(values - median).mean(axis=1)


def smooth_scores(scores: np.ndarray, fraction: float) -> np.ndarray:
    """Centered rolling mean over `fraction` of the rows (at most 200), as Orion smooths.

    0 leaves the scores as they are.
    """
    if not 0.0 <= fraction < 1.0:
        raise ConfigError(f"Received: scoring.smoothing={fraction} (must be in [0, 1))")
    window = min(int(len(scores) * fraction), MAX_SMOOTHING_ROWS)
    if window < 2:
        return scores
    rolled = pd.Series(scores).rolling(window, center=True, min_periods=max(1, window // 2))
    return rolled.mean().to_numpy()
