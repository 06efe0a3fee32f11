"""Baselines that reviewers ask for, as WindowDetectors: fit on the training windows, then one
score per window (higher = more anomalous). No Keras, no epochs.

- `isolation_forest`: scikit-learn's IsolationForest on the flattened windows; a window's
  score goes to its centre row (`scoring.alignment=auto`: `centre`, as TSB-AD's IForest).
- `rolling_zscore`: how far each window's last row lies from the rows before it, in standard
  deviations (or, with `robust`, in scaled median absolute deviations); the largest over the
  channels. It scores the last row, so its windows are aligned `end`.
- `random_score`: uniform noise. A metric that ranks it well rewards noise, not detection.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import IsolationForest

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model

# MAD times this estimates the standard deviation of normally distributed data.
MAD_TO_STD = 1.4826


@dataclass
class IsolationForestConfig(DetectorConfig):
    """scikit-learn's IsolationForest on the flattened windows."""

    name: str = "isolation_forest"
    n_estimators: int = 100
    max_samples: int = 256


@dataclass
class RollingZScoreConfig(DetectorConfig):
    """How far each window's last row lies from the rows before it (robust: in scaled MADs)."""

    name: str = "rolling_zscore"
    robust: bool = False


@dataclass
class RandomScoreConfig(DetectorConfig):
    """Uniform noise from the run's seed: the floor any detector must beat."""

    name: str = "random_score"


class IsolationForestDetector(WindowDetector):
    """Isolation forest over flattened windows; the score is minus sklearn's `score_samples`."""

    def __init__(self, n_estimators: int, max_samples: int, seed: int) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "IsolationForestDetector":
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=min(self.max_samples, len(windows)),
            random_state=self.seed,
        ).fit(_flat(windows))
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return -self.forest_.score_samples(_flat(windows))


class RollingZScoreDetector(WindowDetector):
    """|last row - centre of the rows before it| / their spread, the largest over channels."""

    def __init__(self, robust: bool) -> None:
        self.robust = robust

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        before, last = windows[:, :-1, :], windows[:, -1, :]
        if self.robust:
            centre = np.median(before, axis=1)
            spread = MAD_TO_STD * np.median(np.abs(before - centre[:, None, :]), axis=1)
        else:
            centre, spread = before.mean(axis=1), before.std(axis=1)
        # a flat stretch has no spread: any move out of it is as surprising as can be measured
        tiny = np.finfo(np.float32).eps
        return (np.abs(last - centre) / np.maximum(spread, tiny)).max(axis=1)


class RandomScoreDetector(WindowDetector):
    """Scores drawn uniformly from [0, 1), seeded: the floor any detector must beat."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "RandomScoreDetector":
        self.rng_ = np.random.default_rng(self.seed)
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return self.rng_.random(len(windows))


def _flat(windows: np.ndarray) -> np.ndarray:
    return np.asarray(windows).reshape(len(windows), -1)


@register_model(IsolationForestConfig, alignment="centre")
def build_isolation_forest(
    cfg: IsolationForestConfig, window: int, n_features: int, seed: int
) -> IsolationForestDetector:
    """The isolation-forest baseline."""
    if cfg.n_estimators < 1 or cfg.max_samples < 2:
        raise ConfigError(
            f"Received: model.n_estimators={cfg.n_estimators}, model.max_samples="
            f"{cfg.max_samples} (need >= 1 and >= 2)"
        )
    return IsolationForestDetector(cfg.n_estimators, cfg.max_samples, seed)


@register_model(RollingZScoreConfig, seeded=False)
def build_rolling_zscore(
    cfg: RollingZScoreConfig, window: int, n_features: int, seed: int
) -> RollingZScoreDetector:
    """The rolling z-score (robust: MAD) baseline; `window` rows, the last one scored."""
    return RollingZScoreDetector(cfg.robust)


@register_model(RandomScoreConfig)
def build_random_score(
    cfg: RandomScoreConfig, window: int, n_features: int, seed: int
) -> RandomScoreDetector:
    """The random-score baseline."""
    return RandomScoreDetector(seed)
