"""`sub_iforest`: an isolation forest (Liu, Ting & Zhou, ICDM 2008) on windows, as TSB-AD runs
it for its univariate leaderboard (Liu & Paparrizos, NeurIPS 2024): scikit-learn's
`IsolationForest`, each tree drawing `max_features` window positions (TSB-AD: 1, so each tree
isolates on one position) and up to 256 windows, the score minus scikit-learn's
`score_samples`. Its normalisation is TSB-AD's: one channel, each window position
standardised over the training windows; several channels, each window z-normalised.
Reference: `TSB_AD.models.IForest` through `run_Sub_IForest`; `tests/test_subsequence_zoo.py`
compares the two.

Defaults are TSB-AD's tuned univariate settings (`Optimal_Uni_algo_HP_dict`: 150 trees,
`periodicity` 1; `max_features` 1 from `run_Sub_IForest`). The trees are seeded with the
run's seed (TSB-AD: always 0; seed=0 matches it). It differs from the `isolation_forest`
baseline in the normalisation and in `max_features`.

Differences from TSB-AD, all deliberate:
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`; set
  `data.window` to it to match);
- fitted on the training part's windows, then scoring any windows (TSB-AD's unsupervised
  protocol fits on the whole series: `protocol=orion` does that here), all normalised with
  the training statistics (TSB-AD's `decision_function` skips the normalisation);
- the score has no constant added (TSB-AD's are these plus scikit-learn's `offset_`, fitted
  with contamination 0.1): the same order, the same metrics.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import IsolationForest

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import TsbAdStandardiser


@dataclass
class SubIForestConfig(DetectorConfig):
    """Isolation forest on the standardised windows, each tree on max_features positions
    (Sub-IForest, TSB-AD's)"""

    name: str = "sub_iforest"
    n_estimators: int = 150
    max_features: int = 1  # window positions (x channels) each tree draws


class SubIForestDetector(WindowDetector):
    """scikit-learn's isolation forest over standardised flattened windows."""

    def __init__(self, n_estimators: int, max_features: int, seed: int) -> None:
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "SubIForestDetector":
        self.standardise_ = TsbAdStandardiser(windows)
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators, max_features=self.max_features, random_state=self.seed
        ).fit(self.standardise_(windows))
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return -self.forest_.score_samples(self.standardise_(windows))


@register_model(SubIForestConfig, alignment="centre")
def build_sub_iforest(
    cfg: SubIForestConfig, window: int, n_features: int, seed: int
) -> SubIForestDetector:
    """Sub-IForest over windows of `window` rows (several channels: flattened)."""
    if cfg.n_estimators < 1 or not 1 <= cfg.max_features <= window * n_features:
        raise ConfigError(
            f"Received: model.n_estimators={cfg.n_estimators}, model.max_features="
            f"{cfg.max_features} (need >= 1, and between 1 and window x channels = "
            f"{window * n_features})"
        )
    return SubIForestDetector(cfg.n_estimators, cfg.max_features, seed)
