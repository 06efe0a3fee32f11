"""Threshold strategies in scikit-learn's estimator style, and their registry.

`fit(scores)` learns `threshold_` from training (or validation) scores only; `predict(scores)`
flags scores strictly above it. NaN scores (rows no window reaches) are ignored by `fit` and
never flagged by `predict`.
"""

import numpy as np
from sklearn.base import BaseEstimator

from tsadlab.errors import ConfigError, DataError


class ThresholdStrategy(BaseEstimator):
    """Base class: subclasses implement `_compute(finite_scores) -> float`."""

    def fit(self, scores: np.ndarray, y: None = None) -> "ThresholdStrategy":
        finite = _finite(scores)
        self.threshold_ = float(self._compute(finite))
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        if not hasattr(self, "threshold_"):
            raise ConfigError(f"{type(self).__name__} must be fitted before predict")
        scores = np.asarray(scores, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(scores, nan=-np.inf) > self.threshold_

    def _compute(self, scores: np.ndarray) -> float:
        raise NotImplementedError


class FixedThreshold(ThresholdStrategy):
    """A threshold set by hand (the tutorial uses 0.65); `fit` only checks the scores."""

    def __init__(self, value: float = 0.65):
        self.value = value

    def _compute(self, scores: np.ndarray) -> float:
        if not np.isfinite(self.value):
            raise ConfigError(f"Received: threshold.value={self.value} (must be finite)")
        return self.value


class QuantileThreshold(ThresholdStrategy):
    """The q-quantile of the fitting scores."""

    def __init__(self, q: float = 0.99):
        self.q = q

    def _compute(self, scores: np.ndarray) -> float:
        if not 0.0 < self.q <= 1.0:
            raise ConfigError(f"Received: threshold.q={self.q} (must be in (0, 1])")
        return float(np.quantile(scores, self.q))


class MaxThreshold(ThresholdStrategy):
    """The largest fitting score: nothing seen in training is flagged."""

    def _compute(self, scores: np.ndarray) -> float:
        return float(np.max(scores))


THRESHOLDS: dict[str, type[ThresholdStrategy]] = {
    "fixed": FixedThreshold,
    "quantile": QuantileThreshold,
    "max": MaxThreshold,
}


def make_threshold(name: str, **params: object) -> ThresholdStrategy:
    """Build a registered strategy from its config name and parameters."""
    if name not in THRESHOLDS:
        raise ConfigError(f"Received: threshold={name} (must be one of {tuple(THRESHOLDS)})")
    return THRESHOLDS[name](**params)


def _finite(scores: np.ndarray) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    finite = scores[np.isfinite(scores)]
    if finite.size == 0:
        raise DataError("no finite scores to fit the threshold on")
    return finite
