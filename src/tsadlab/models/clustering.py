"""`kmeans`: k-means clustering of z-normalised windows; a window's score is its Euclidean
distance to the nearest centroid (Yairi, Kato & Hori, i-SAIRAS 2001, as TimeEval and TSB-AD
implement it). It is TSB-AD's `KMeansAD` as its univariate leaderboard runs it
(`run_KMeansAD_U`, Liu & Paparrizos, NeurIPS 2024): scikit-learn's `KMeans` with its
defaults (k-means++, one initialisation), each window z-normalised (ddof=1; several
channels are flattened). `tests/test_subsequence_zoo.py` compares the two.

Defaults are TSB-AD's tuned univariate settings (`Optimal_Uni_algo_HP_dict`, `KMeansAD_U`:
10 clusters, `periodicity` 2). Differences from TSB-AD, all deliberate:
- the window is `data.window` (TSB-AD: the series' second-ranked period,
  `find_length_rank(rank=2)`; set `data.window` to it to match);
- fitted on the training part's windows, then scoring any windows (TSB-AD's unsupervised
  protocol fits on the whole series: `protocol=orion` does that here);
- k-means is seeded with the run's seed (TSB-AD leaves it unseeded: its scores change from
  run to run);
- one score per window: tsadlab maps windows to rows; its authors' alignment, which
  `scoring.alignment=auto` takes, is `mean`: the windows covering a row averaged, as
  TSB-AD's reverse windowing does.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import flat_windows, require_windows, znormalised_rows


@dataclass
class KMeansConfig(DetectorConfig):
    """Distance of a z-normalised window to its nearest k-means centroid (TSB-AD's KMeansAD)"""

    name: str = "kmeans"
    n_clusters: int = 10


class KMeansDetector(WindowDetector):
    """k-means over z-normalised flattened windows, scored by the distance to the nearest
    centroid."""

    def __init__(self, n_clusters: int, seed: int) -> None:
        self.n_clusters = n_clusters
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "KMeansDetector":
        require_windows(windows, self.n_clusters, "kmeans")  # a window per cluster
        vectors = znormalised_rows(flat_windows(windows))
        self.kmeans_ = KMeans(n_clusters=self.n_clusters, random_state=self.seed).fit(vectors)
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        vectors = znormalised_rows(flat_windows(windows))
        nearest = self.kmeans_.cluster_centers_[self.kmeans_.predict(vectors)]
        return np.linalg.norm(vectors - nearest, axis=1)


@register_model(KMeansConfig, alignment="mean")
def build_kmeans(cfg: KMeansConfig, window: int, n_features: int, seed: int) -> KMeansDetector:
    """k-means anomaly scores over windows of `window` rows (several channels: flattened)."""
    if cfg.n_clusters < 1:
        raise ConfigError(f"Received: model.n_clusters={cfg.n_clusters} (must be >= 1)")
    return KMeansDetector(cfg.n_clusters, seed)
