"""Threshold strategies (scikit-learn estimator style) and their registry."""

from tsadlab.errors import ConfigError
from tsadlab.thresholds.base import ThresholdStrategy
from tsadlab.thresholds.oracle import BestF1Threshold
from tsadlab.thresholds.pot import PotThreshold
from tsadlab.thresholds.sequences import DynamicThreshold, WindowedStdThreshold
from tsadlab.thresholds.static import (
    FixedThreshold,
    MadThreshold,
    MaxThreshold,
    MeanStdThreshold,
    QuantileThreshold,
)

THRESHOLDS: dict[str, type[ThresholdStrategy]] = {
    "fixed": FixedThreshold,
    "quantile": QuantileThreshold,
    "max": MaxThreshold,
    "mean_std": MeanStdThreshold,
    "mad": MadThreshold,
    "pot": PotThreshold,
    "dynamic": DynamicThreshold,
    "windowed_std": WindowedStdThreshold,
    "best_f1": BestF1Threshold,
}


def make_threshold(name: str, **params: object) -> ThresholdStrategy:
    """Build a registered strategy from its config name and parameters."""
    if name not in THRESHOLDS:
        raise ConfigError(f"Received: threshold={name} (must be one of {tuple(THRESHOLDS)})")
    return THRESHOLDS[name](**params)


__all__ = [
    "THRESHOLDS",
    "ThresholdStrategy",
    "make_threshold",
    *(cls.__name__ for cls in THRESHOLDS.values()),
]
