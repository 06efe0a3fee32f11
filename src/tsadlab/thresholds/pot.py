"""Peaks-Over-Threshold (Siffer et al., KDD 2017): an extreme-value threshold for risk q.

The fitting scores above an initial quantile t are peaks; a generalized Pareto distribution
(scipy) fitted to their excesses gives the score z that is exceeded with probability q. With
`streaming=True`, `predict` runs SPOT over the scores in time order: a score above z is an
anomaly and left out; a score between t and z becomes a new peak and z is refitted.
"""

import warnings

import numpy as np
from scipy.stats import genpareto

from tsadlab.thresholds import register_threshold
from tsadlab.thresholds.base import ThresholdStrategy, finite, require

MIN_PEAKS = 10


@register_threshold("pot")
class PotThreshold(ThresholdStrategy):
    """The (1 - q) extreme quantile of the scores from a GPD tail over quantile `level`."""

    def __init__(self, level: float = 0.98, q: float = 1e-3, streaming: bool = False):
        self.level = level
        self.q = q
        self.streaming = streaming

    def check_params(self) -> None:
        require(
            0.0 < self.level < 1.0, f"Received: threshold.level={self.level} (must be in (0, 1))"
        )
        require(
            0.0 < self.q < 1.0 - self.level,
            f"Received: threshold.q={self.q} (must be in (0, 1 - threshold.level))",
        )

    def fit(self, scores: np.ndarray, y: np.ndarray | None = None) -> "PotThreshold":
        self.check_params()
        scores = finite(scores)
        self.initial_threshold_ = float(np.quantile(scores, self.level))
        peaks = scores[scores > self.initial_threshold_] - self.initial_threshold_
        require(
            len(peaks) >= MIN_PEAKS,
            f"threshold.level={self.level} leaves {len(peaks)} scores above the initial "
            f"threshold; POT needs >= {MIN_PEAKS} (lower threshold.level)",
        )
        self.peaks_ = peaks
        self.n_ = len(scores)
        self.threshold_ = self._extreme_quantile(peaks, self.n_)
        return self

    def row_thresholds(self, scores: np.ndarray) -> np.ndarray:
        self._check_fitted()
        if not self.streaming:
            return np.full(len(scores), self.threshold_)
        peaks, n, z = list(self.peaks_), self.n_, self.threshold_
        out = np.empty(len(scores))
        for i, x in enumerate(np.asarray(scores, dtype=np.float64)):
            out[i] = z
            if not np.isfinite(x) or x > z:
                continue  # unscored rows and anomalies do not update the tail
            n += 1
            if x > self.initial_threshold_:
                peaks.append(x - self.initial_threshold_)
                z = self._extreme_quantile(np.asarray(peaks), n)
        return out

    def _extreme_quantile(self, peaks: np.ndarray, n: int) -> float:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            shape, _, scale = genpareto.fit(peaks, floc=0)
        ratio = self.q * n / len(peaks)
        if abs(shape) < 1e-8:
            excess = -scale * np.log(ratio)
        else:
            excess = scale / shape * (ratio ** (-shape) - 1)
        return float(self.initial_threshold_ + excess)
