"""Errors to row scores: window errors aligned to the rows their windows cover, then smoothed
within each part of the series."""

import numpy as np
import pandas as pd

from tsadlab.errors import ConfigError, choice
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.config import Alignment, ScoringConfig, SmoothingBase, SmoothingKind

MAX_SMOOTHING_ROWS = 200  # Orion's cap on its rolling-mean window


def align_errors(
    errors: pd.DataFrame, n_rows: int, n_train: int, span: int, stride: int, scoring: ScoringConfig
) -> np.ndarray:
    """Per-row scores of each part: window errors aligned (row errors as they are), then
    smoothed within the part, so training scores never mix with test scores."""
    per_row = SCORING_ERRORS.get(scoring.error).per_row
    parts = []
    for part, rows in (("train", n_train), ("test", n_rows - n_train)):
        if rows == 0:
            continue
        e = errors["error"].to_numpy()[(errors["part"] == part).to_numpy()]
        scores = e if per_row else point_scores(e, rows, span, stride, scoring.alignment)
        base = rows
        if (
            choice(SmoothingBase, scoring.smoothing_of, "scoring.smoothing_of")
            is SmoothingBase.windows
        ):
            # per-row errors cover the rows of their windows: n windows cover n + span - 1 rows
            covered = int(np.isfinite(scores).sum())
            base = len(e) if not per_row else max((covered - span) // stride + 1, 0)
        parts.append(smooth_scores(scores, scoring.smoothing, base, scoring.smoothing_kind))
    return np.concatenate(parts)


def point_scores(
    errors: np.ndarray,
    n_rows: int,
    span: int,
    stride: int = 1,
    alignment: Alignment = Alignment.end,
) -> np.ndarray:
    """Score each of `n_rows` rows from the errors of windows spanning `span` rows each.

    `end` gives window i's error to the last row of its span (for target `next`, the row right
    after the inputs, as the tutorial does); `mean` averages all windows whose span covers a row;
    `centre` gives each row the error of the window whose centre row, ceil((span - 1) / 2)
    rows after its first, is nearest (with stride 1: TSB-AD's padding, the first window's
    error before the first centre and the last window's after the last).
    Rows that no window reaches get NaN.
    """
    starts = np.arange(len(errors)) * stride
    if len(errors) and starts[-1] + span > n_rows:
        raise ConfigError(f"{len(errors)} windows of span {span} do not fit in {n_rows} rows")
    scores = np.full(n_rows, np.nan)
    alignment = choice(Alignment, alignment, "scoring.alignment")
    if alignment is Alignment.auto:
        raise ValueError("scoring.alignment=auto is resolved with the model (RunConfig)")
    if alignment is Alignment.end:
        scores[starts + span - 1] = errors
        return scores
    if alignment is Alignment.centre:
        if len(errors):
            covered = np.arange(starts[-1] + span)
            first_centre = -(-(span - 1) // 2)
            nearest = np.floor((covered - first_centre) / stride + 0.5).astype(int)
            scores[covered] = errors[np.clip(nearest, 0, len(errors) - 1)]
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


def ewma(values: np.ndarray, span: int) -> np.ndarray:
    """Exponentially weighted mean of `span` values (at least 1), as Orion's
    `regression_errors` smooths (pandas' `ewm`, adjusted)."""
    return pd.Series(values).ewm(span=max(1, span)).mean().to_numpy(copy=True)


def smooth_scores(
    scores: np.ndarray,
    fraction: float,
    base: int | None = None,
    kind: SmoothingKind = SmoothingKind.rolling_mean,
) -> np.ndarray:
    """Centered rolling mean over `fraction` of `base` (the rows by default; Orion takes it
    of the windows) rows, at most 200, as Orion smooths reconstruction errors; or (`ewma`)
    the exponentially weighted mean of the scored rows with that span, uncapped, as Orion
    smooths regression errors.

    0 leaves the scores as they are.
    """
    size = int((len(scores) if base is None else base) * fraction)
    if choice(SmoothingKind, kind, "scoring.smoothing_kind") is SmoothingKind.ewma:
        if size < 2:  # a span of 1 is the scores themselves
            return scores
        smoothed = scores.astype(np.float64, copy=True)
        scored = np.isfinite(scores)  # Orion's errors start at the first scored row
        smoothed[scored] = ewma(scores[scored], size)
        return smoothed
    window = min(size, MAX_SMOOTHING_ROWS)
    if window < 2:
        return scores
    rolled = pd.Series(scores).rolling(window, center=True, min_periods=max(1, window // 2))
    return rolled.mean().to_numpy()
