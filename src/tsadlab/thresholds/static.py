"""Constant thresholds from the distribution of the fitting scores."""

import numpy as np
from scipy.stats import median_abs_deviation

from tsadlab.thresholds import register_threshold
from tsadlab.thresholds.base import ThresholdStrategy, require


@register_threshold("fixed")
class FixedThreshold(ThresholdStrategy):
    """A threshold set by hand (the tutorial uses 0.65); `fit` only checks the scores."""

    def __init__(self, value: float = 0.65):
        self.value = value

    def check_params(self) -> None:
        require(np.isfinite(self.value), f"Received: threshold.value={self.value} (must be finite)")

    def _compute(self, scores: np.ndarray) -> float:
        return self.value


@register_threshold("quantile")
class QuantileThreshold(ThresholdStrategy):
    """The q-quantile of the fitting scores."""

    def __init__(self, q: float = 0.99):
        self.q = q

    def check_params(self) -> None:
        require(0.0 < self.q <= 1.0, f"Received: threshold.q={self.q} (must be in (0, 1])")

    def _compute(self, scores: np.ndarray) -> float:
        return float(np.quantile(scores, self.q))


@register_threshold("max")
class MaxThreshold(ThresholdStrategy):
    """The largest fitting score: nothing seen in training is flagged."""

    def _compute(self, scores: np.ndarray) -> float:
        return float(np.max(scores))


@register_threshold("mean_std")
class MeanStdThreshold(ThresholdStrategy):
    """mean + k * std of the fitting scores."""

    def __init__(self, k: float = 3.0):
        self.k = k

    def check_params(self) -> None:
        require(self.k >= 0, f"Received: threshold.k={self.k} (must be >= 0)")

    def _compute(self, scores: np.ndarray) -> float:
        return float(scores.mean() + self.k * scores.std())


@register_threshold("mad")
class MadThreshold(ThresholdStrategy):
    """median + k * MAD, the MAD scaled to estimate a normal std (robust to the outliers)."""

    def __init__(self, k: float = 3.0):
        self.k = k

    def check_params(self) -> None:
        require(self.k >= 0, f"Received: threshold.k={self.k} (must be >= 0)")

    def _compute(self, scores: np.ndarray) -> float:
        return float(np.median(scores) + self.k * median_abs_deviation(scores, scale="normal"))
