"""The oracle threshold: chosen with the labels it is scored on. Evaluation only."""

import numpy as np
from sklearn.metrics import precision_recall_curve

from tsadlab.errors import ConfigError
from tsadlab.thresholds import register_threshold
from tsadlab.thresholds.base import ThresholdStrategy


@register_threshold("best_f1")
class BestF1Threshold(ThresholdStrategy):
    """The threshold that maximises point F1 on the given labels (an upper bound, not a result)."""

    oracle = True

    def fit(self, scores: np.ndarray, y: np.ndarray | None = None) -> "BestF1Threshold":
        if y is None:
            raise ConfigError("threshold=best_f1 is an oracle and needs labels to fit on")
        scores, y = np.asarray(scores, dtype=np.float64), np.asarray(y).astype(bool)
        scored = np.isfinite(scores)
        if not y[scored].any():
            raise ConfigError("threshold=best_f1 needs at least one labeled anomaly")
        precision, recall, cutoffs = precision_recall_curve(y[scored], scores[scored])
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
        best = int(np.argmax(f1[:-1]))  # the last PR point has no cutoff
        # precision_recall_curve flags scores >= cutoff; predict flags scores > threshold_.
        self.threshold_ = float(np.nextafter(cutoffs[best], -np.inf))
        self.best_f1_ = float(f1[best])
        return self
