"""Thresholds that judge a sequence of scores window by window, then prune weak sequences.

Both strategies here look only at the scores they are given (never at labels): `fit` checks
the parameters and records a summary threshold of the fitting scores; `predict` computes the
thresholds over the scored sequence itself, as Orion and telemanom do.

- `windowed_std` is Orion's `find_anomalies(fixed_threshold=True)`: windows of a third of the
  scores moved by a tenth of a window, threshold mean + 4 std inside each window.
- `dynamic` is telemanom's nonparametric threshold (Hundman et al., KDD 2018): EWMA-smoothed
  scores, and in each window the mean + z std whose removal most lowers mean and std.

In both, flagged rows are padded on each side, and sequences are pruned from the weakest up
while their peak is less than `min_percent` above the next one (the last is the largest
unflagged score).
"""

import math

import numpy as np
import pandas as pd

from tsadlab.intervals import flag_runs
from tsadlab.thresholds import register_threshold
from tsadlab.thresholds.base import ThresholdStrategy, finite, require


def padded_runs(above: np.ndarray, padding: int) -> np.ndarray:
    """[first, last] runs of `above` after widening every True row by `padding` each side."""
    if padding > 0 and above.any():
        kernel = np.ones(2 * padding + 1)
        above = np.convolve(above.astype(float), kernel, mode="same") > 0.5
    return flag_runs(above)


def prune_runs(errors: np.ndarray, runs: np.ndarray, min_percent: float) -> np.ndarray:
    """Keep the strongest runs down to the last clear (>= min_percent) drop in peak error."""
    if len(runs) == 0:
        return runs
    peaks = np.array([errors[a : b + 1].max() for a, b in runs])
    inside = np.zeros(len(errors), dtype=bool)
    for a, b in runs:
        inside[a : b + 1] = True
    below = errors[~inside].max() if (~inside).any() else 0.0
    order = np.argsort(-peaks, kind="stable")
    ranked = np.append(peaks[order], below)
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = (ranked[:-1] - ranked[1:]) / ranked[:-1]
    clear = np.flatnonzero(drop >= min_percent)
    if len(clear) == 0:
        return runs[:0]
    return runs[np.sort(order[: clear[-1] + 1])]


class SequenceThreshold(ThresholdStrategy):
    """Shared driver: subclasses yield (window slice, judged slice, threshold) triples."""

    def fit(self, scores: np.ndarray, y: np.ndarray | None = None) -> "SequenceThreshold":
        self.check_params()
        scores = finite(scores)
        self.threshold_ = float(scores.mean() + self._summary_k * scores.std())
        return self

    def flag(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._detect(scores)

    def row_thresholds(self, scores: np.ndarray) -> np.ndarray:
        return self._detect(scores)[1]

    def _detect(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        scores = np.asarray(scores, dtype=np.float64)
        scored = np.isfinite(scores)
        flags, thresholds = np.zeros(len(scores), dtype=bool), np.full(len(scores), np.nan)
        errors = self._prepare(scores[scored])
        if len(errors) == 0:
            return flags, thresholds
        found = np.zeros(len(errors), dtype=bool)
        row_threshold = np.full(len(errors), np.inf)
        for window, judged, threshold in self._windows(errors):
            values = errors[window]
            runs = padded_runs(values > threshold, self.padding)
            for a, b in prune_runs(values, runs, self.min_percent) + window.start:
                lo, hi = max(a, judged.start), min(b, judged.stop - 1)
                found[lo : hi + 1] = True
            row_threshold[judged] = np.minimum(row_threshold[judged], threshold)
        flags[scored], thresholds[scored] = found, row_threshold
        return flags, thresholds

    def _prepare(self, errors: np.ndarray) -> np.ndarray:
        return errors


@register_threshold("windowed_std")
class WindowedStdThreshold(SequenceThreshold):
    """Orion's rule: mean + k std in windows of `window_portion` of the scores."""

    _summary_k = property(lambda self: self.k)

    def __init__(
        self,
        k: float = 4.0,
        window_portion: float = 0.33,
        step_portion: float = 0.1,
        padding: int = 50,
        min_percent: float = 0.13,  # find_anomalies primitive default that MLBlocks applies
    ):
        self.k = k
        self.window_portion = window_portion
        self.step_portion = step_portion
        self.padding = padding
        self.min_percent = min_percent

    def check_params(self) -> None:
        require(
            0 < self.window_portion <= 1,
            f"Received: threshold.window_portion={self.window_portion} (must be in (0, 1])",
        )
        require(
            0 < self.step_portion <= 1,
            f"Received: threshold.step_portion={self.step_portion} (must be in (0, 1])",
        )
        require(self.padding >= 0, f"Received: threshold.padding={self.padding} (must be >= 0)")

    def _windows(self, errors: np.ndarray):
        n = len(errors)
        size = math.ceil(n * self.window_portion)
        step = math.ceil(size * self.step_portion)
        start = end = 0
        while end < n:  # as Orion: windows until one reaches the end of the scores
            end = start + size
            window = slice(start, min(end, n))
            values = errors[window]
            yield window, window, values.mean() + self.k * values.std()
            start += step


@register_threshold("dynamic")
class DynamicThreshold(SequenceThreshold):
    """telemanom's nonparametric dynamic threshold over EWMA-smoothed scores."""

    _summary_k = property(lambda self: self.z_max)

    def __init__(
        self,
        smoothing_span: int = 105,
        window: int = 2100,
        step: int = 70,
        z_min: float = 2.5,
        z_max: float = 12.0,
        z_step: float = 0.5,
        padding: int = 100,
        min_percent: float = 0.13,
        max_sequences: int = 5,
    ):
        self.smoothing_span = smoothing_span
        self.window = window
        self.step = step
        self.z_min = z_min
        self.z_max = z_max
        self.z_step = z_step
        self.padding = padding
        self.min_percent = min_percent
        self.max_sequences = max_sequences

    def check_params(self) -> None:
        require(
            self.smoothing_span >= 1,
            f"Received: threshold.smoothing_span={self.smoothing_span} (must be >= 1)",
        )
        require(
            self.window >= 2 and 1 <= self.step <= self.window,
            f"Received: threshold.window={self.window}, threshold.step={self.step} "
            "(need window >= 2 and 1 <= step <= window)",
        )
        require(
            self.z_step > 0 and self.z_min < self.z_max,
            f"Received: threshold.z_min={self.z_min}, z_max={self.z_max}, "
            f"z_step={self.z_step} (need z_min < z_max and z_step > 0)",
        )

    def _prepare(self, errors: np.ndarray) -> np.ndarray:
        return pd.Series(errors).ewm(span=self.smoothing_span).mean().to_numpy()

    def _windows(self, errors: np.ndarray):
        n = len(errors)
        # Each window judges only the rows that are new since the previous window.
        last = max(0, (n - self.window) // self.step)
        judged_from = 0
        for i in range(last + 1):
            lo = i * self.step
            hi = n if i == last else min(self.window + i * self.step, n)
            yield slice(lo, hi), slice(judged_from, hi), self._epsilon(errors[lo:hi])
            judged_from = hi

    def _epsilon(self, values: np.ndarray) -> float:
        mean, std = values.mean(), values.std()
        best_score, best = -np.inf, mean + self.z_max * std
        for z in np.arange(self.z_min, self.z_max, self.z_step):
            epsilon = mean + z * std
            below = values[values < epsilon]
            runs = padded_runs(values >= epsilon, self.padding)
            n_flagged = int(sum(b - a + 1 for a, b in runs))
            if len(below) == 0 or len(runs) == 0:
                continue
            if len(runs) > self.max_sequences or n_flagged >= 0.5 * len(values):
                continue
            gain = (mean - below.mean()) / mean if mean else 0.0
            gain += (std - below.std()) / std if std else 0.0
            score = gain / (len(runs) ** 2 + n_flagged)
            if score >= best_score:
                best_score, best = score, epsilon
        return float(best)
