"""The threshold-strategy contract, in scikit-learn's estimator style.

`__init__` stores parameters only (its keyword defaults are the strategy's config defaults);
`fit(scores[, labels])` learns `threshold_` from training (or validation) scores and returns
self; `flag(scores)` returns per-row flags and the threshold each row was compared with, in
one pass; `predict` and `row_thresholds` are its two halves. NaN scores (rows no window
reached) are ignored by `fit` and never flagged.
"""

import numpy as np
from sklearn.base import BaseEstimator

from tsadlab.errors import ConfigError, DataError


class ThresholdStrategy(BaseEstimator):
    """Base class: a constant threshold from `_compute(finite_scores)`."""

    #: The strategy's config name (set by `register_threshold`).
    name = ""
    #: True for strategies that look at labels; their results must say "oracle".
    oracle = False

    def check_params(self) -> None:
        """Raise ConfigError for a parameter out of range; needs no scores, so that a run can
        check its threshold before it trains."""

    def fit(self, scores: np.ndarray, y: np.ndarray | None = None) -> "ThresholdStrategy":
        self.check_params()
        self.threshold_ = float(self._compute(finite(scores)))
        return self

    def row_thresholds(self, scores: np.ndarray) -> np.ndarray:
        """The threshold each row is compared with (constant unless a subclass says)."""
        self._check_fitted()
        return np.full(len(scores), self.threshold_)

    def flag(self, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row flags (score above its row's threshold; NaN never) and the thresholds."""
        scores = np.asarray(scores, dtype=np.float64)
        thresholds = self.row_thresholds(scores)
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(scores, nan=-np.inf) > thresholds, thresholds

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """Per-row flags."""
        return self.flag(scores)[0]

    def _compute(self, scores: np.ndarray) -> float:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "threshold_"):
            raise ConfigError(f"{type(self).__name__} must be fitted before predict")


def finite(scores: np.ndarray) -> np.ndarray:
    """The finite scores, flattened; an error if there are none."""
    scores = np.asarray(scores, dtype=np.float64).ravel()
    kept = scores[np.isfinite(scores)]
    if kept.size == 0:
        raise DataError("no finite scores to fit the threshold on")
    return kept


def require(condition: bool, message: str) -> None:
    """Raise ConfigError(message) unless condition holds."""
    if not condition:
        raise ConfigError(message)
