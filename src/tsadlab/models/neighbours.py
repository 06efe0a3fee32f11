"""Nearest-neighbour detectors on windows, as TSB-AD runs them for its univariate leaderboard
(Liu & Paparrizos, NeurIPS 2024):

- `sub_knn`: a window's distance to its k-th nearest training window (or the mean or median
  of its k distances) after each window is z-normalised (Ramaswamy, Rastogi & Shim, SIGMOD
  2000; Angiulli & Pizzuti, PKDD 2002). Reference: `TSB_AD.models.KNN` through
  `run_Sub_KNN` (scikit-learn's `NearestNeighbors`, PyOD's KNN adapted).
- `sub_lof`: the local outlier factor of a window among the training windows (Breunig,
  Kriegel, Ng & Sander, SIGMOD 2000). Reference: `TSB_AD.models.LOF` through `run_Sub_LOF`
  (scikit-learn's `LocalOutlierFactor`, novelty mode). Its normalisation is TSB-AD's: one
  channel, each window position standardised over the training windows; several channels,
  each window z-normalised.

Defaults are TSB-AD's tuned univariate settings (`Optimal_Uni_algo_HP_dict`): Sub-KNN 50
neighbours, Sub-LOF 30, both with `periodicity` 2: the window is `data.window` (TSB-AD: the
series' second-ranked period, `find_length_rank(rank=2)`; set `data.window` to it to match).
`tests/test_subsequence_zoo.py` compares both with TSB-AD's classes.

Differences from TSB-AD, all deliberate:
- fitted on the training part's windows, then scoring any windows (TSB-AD's unsupervised
  protocol fits on the whole series: `protocol=orion` does that here);
- the fitted windows, scored again (the training part), keep the scores of the fit, each
  window left out of its own neighbours: TSB-AD's `decision_scores_`, what its leaderboard
  reports. Other windows are scored against every training window;
- other windows are normalised as the training windows were (TSB-AD's `decision_function`
  skips the normalisation, and its KNN counts a training window as its own neighbour);
- more neighbours than there are other training windows use them all, with a warning (as
  scikit-learn's LOF does; TSB-AD's KNN fails).
"""

import logging
from dataclasses import dataclass
from enum import Enum

import numpy as np

from tsadlab.errors import ConfigError, choice
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import (
    TsbAdStandardiser,
    fitted_first,
    flat_windows,
    require_windows,
    znormalised_rows,
)

log = logging.getLogger(__name__)


class KnnScore(Enum):
    """How a window's k neighbour distances become its score."""

    largest = "largest"
    mean = "mean"
    median = "median"


@dataclass
class SubKnnConfig(DetectorConfig):
    """Distance to the k-th nearest training window (or the mean or median of the k), windows
    z-normalised (Sub-KNN, TSB-AD's)"""

    name: str = "sub_knn"
    n_neighbors: int = 50
    method: KnnScore = KnnScore.largest


@dataclass
class SubLofConfig(DetectorConfig):
    """Local outlier factor of a window among the training windows (Sub-LOF, TSB-AD's)"""

    name: str = "sub_lof"
    n_neighbors: int = 30


class SubKnnDetector(WindowDetector):
    """k-NN distances between z-normalised flattened windows."""

    def __init__(self, n_neighbors: int, method: str) -> None:
        self.n_neighbors = n_neighbors
        self.method = method

    def fit(self, windows: np.ndarray) -> "SubKnnDetector":
        from sklearn.neighbors import NearestNeighbors  # 0.1 s: only for this model

        require_windows(windows, 2, "sub_knn")
        self.n_neighbors_ = usable_neighbours(self.n_neighbors, len(windows), "sub_knn")
        vectors = znormalised_rows(flat_windows(windows))
        self.index_ = NearestNeighbors(n_neighbors=self.n_neighbors_).fit(vectors)
        distances, _ = self.index_.kneighbors()  # no query: each window without itself
        self.fitted_windows_ = windows
        self.fitted_scores_ = self._combine(distances)
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return fitted_first(windows, self.fitted_windows_, self.fitted_scores_, self._score_new)

    def _score_new(self, windows: np.ndarray) -> np.ndarray:
        distances, _ = self.index_.kneighbors(znormalised_rows(flat_windows(windows)))
        return self._combine(distances)

    def _combine(self, distances: np.ndarray) -> np.ndarray:
        method = KnnScore(self.method)
        if method is KnnScore.largest:
            return distances[:, -1]
        if method is KnnScore.mean:
            return distances.mean(axis=1)
        return np.median(distances, axis=1)


class SubLofDetector(WindowDetector):
    """Local outlier factor of standardised flattened windows."""

    def __init__(self, n_neighbors: int) -> None:
        self.n_neighbors = n_neighbors

    def fit(self, windows: np.ndarray) -> "SubLofDetector":
        from sklearn.neighbors import LocalOutlierFactor  # 0.1 s: only for this model

        require_windows(windows, 2, "sub_lof")
        self.standardise_ = TsbAdStandardiser(windows)
        neighbours = usable_neighbours(self.n_neighbors, len(windows), "sub_lof")
        self.lof_ = LocalOutlierFactor(n_neighbors=neighbours, novelty=True)
        self.lof_.fit(self.standardise_(windows))
        self.fitted_windows_ = windows
        self.fitted_scores_ = -self.lof_.negative_outlier_factor_
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return fitted_first(windows, self.fitted_windows_, self.fitted_scores_, self._score_new)

    def _score_new(self, windows: np.ndarray) -> np.ndarray:
        return -self.lof_.score_samples(self.standardise_(windows))


def usable_neighbours(n_neighbors: int, n_windows: int, model: str) -> int:
    """`n_neighbors`, or every other training window when there are fewer (with a warning)."""
    if n_neighbors < n_windows:
        return n_neighbors
    log.warning(
        "model=%s: n_neighbors=%d with %d training windows, using %d",
        model,
        n_neighbors,
        n_windows,
        n_windows - 1,
    )
    return n_windows - 1


def check_neighbours(n_neighbors: int) -> None:
    """At least one neighbour."""
    if n_neighbors < 1:
        raise ConfigError(f"Received: model.n_neighbors={n_neighbors} (must be >= 1)")


@register_model(SubKnnConfig, seeded=False, alignment="centre")
def build_sub_knn(cfg: SubKnnConfig, window: int, n_features: int, seed: int) -> SubKnnDetector:
    """Sub-KNN over windows of `window` rows (several channels: flattened)."""
    check_neighbours(cfg.n_neighbors)
    return SubKnnDetector(cfg.n_neighbors, choice(KnnScore, cfg.method, "model.method").value)


@register_model(SubLofConfig, seeded=False, alignment="centre")
def build_sub_lof(cfg: SubLofConfig, window: int, n_features: int, seed: int) -> SubLofDetector:
    """Sub-LOF over windows of `window` rows (several channels: flattened)."""
    check_neighbours(cfg.n_neighbors)
    return SubLofDetector(cfg.n_neighbors)
