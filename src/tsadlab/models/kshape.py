"""`kshape`: KShapeAD, TSB-AD's name for SAND's offline mode (Boniol, Paparrizos, Palpanas &
Franklin, "SAND: Streaming Subsequence Anomaly Detection", VLDB 2021): k-Shape clusters
(Paparrizos & Gravano, SIGMOD 2015) of long subsequences stand for the normal behaviour, and a
window is scored by its weighted distance to them. TSB-AD ranks it second on its univariate
leaderboard (Liu & Paparrizos, NeurIPS 2024, VUS-PR .40). Reference: `TSB_AD.models.SAND`
through `run_KShapeAD` (`periodicity` 1); `tests/test_subsequence_zoo.py` compares the two.

As SAND's offline mode fits (its defaults: 6 clusters, subsequences 4 windows long, one every
int(1.5 x window) rows):
- tslearn's `KShape` (the maintained k-Shape, which SAND itself calls) clusters the
  subsequences of the training rows;
- each cluster gets SAND's weight: frequency (its size) squared over centrality (its summed
  shape-based distance to the other centroids), both min-max scaled to [1, 2], then
  averaged with itself decayed by how long ago the cluster was last seen
  (w / (1 + rows since its last subsequence), SAND's update at alpha 0.5);
- a window's score is the weighted mean, over the clusters, of its z-normalised Euclidean
  distance to the nearest window-long stretch of the cluster's centroid (SAND's stumpy
  AB-join with the centroid; computed here with `matrix_profile.nearest_distances`, which
  is stumpy's distance to 1e-9).

Differences from TSB-AD, all deliberate:
- one score per window: TSB-AD's running mean of a window over the window scores is
  `scoring.alignment=mean`, the alignment `auto` takes for this model (equal on every row
  that a full window's worth of windows covers; at the ends of each scored part they
  differ: TSB-AD gives the first window - 1 rows the value of row window - 1, and pads the
  window scores with the last one before averaging, where tsadlab averages the windows
  that reach a row), and its final
  z-normalisation of the scores by their own mean and deviation is left out (an affine map:
  no ranking metric changes; a threshold fitted on training scores stays meaningful);
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`);
- k-Shape clusters the series as `data.scaler` left it (TSB-AD: the raw values). Its
  cross-correlation is not invariant to an offset, so the clusters, and the scores, change
  with the scaling: `data.scaler=none` matches TSB-AD;
- fitted on the rows of the windows a detector is fitted on (the training part's, without
  its validation windows), then scoring any windows (TSB-AD's unsupervised protocol fits on
  the whole series; `protocol=orion` comes closest here, leaving out only the validation
  rows), so the time decay counts rows to the end of the fitted rows;
- k-Shape is seeded with the run's seed (TSB-AD leaves it unseeded).

One channel only: SAND clusters one series (registered with `channels=1`, so a run with
several refuses in one line). tslearn compiles its kernels (numba) the first time: 20-40 s,
once per machine (the compiled code is cached; see `private_apis.cache_tslearn_kernels`).
"""

from dataclasses import dataclass

import numpy as np

from tsadlab.data.windows import sliding_windows
from tsadlab.errors import ConfigError, DataError
from tsadlab.models import DetectorConfig, WindowDetector, check_channels, register_model
from tsadlab.models._windows import rows_of
from tsadlab.models.matrix_profile import nearest_distances

# SAND's offline settings, as TSB-AD's run_KShapeAD sets them: subsequences 4 windows long,
# one every int(1.5 x window) rows; alpha 0.5 averages a weight with its time-decayed self
SUBSEQUENCE_WINDOWS = 4
STEP_WINDOWS = 1.5
ALPHA = 0.5
SCALE_GUARD = 1e-7  # SAND's guard against equal extremes in its [1, 2] scaling


@dataclass
class KShapeConfig(DetectorConfig):
    """Weighted distance of a window to k-Shape centroids of the training subsequences
    (KShapeAD: SAND offline, TSB-AD's)"""

    name: str = "kshape"
    n_clusters: int = 6


class KShapeDetector(WindowDetector):
    """k-Shape clusters of the training rows' subsequences, weighted as SAND weighs them; a
    window scored by its weighted distance to the centroids."""

    def __init__(self, n_clusters: int, seed: int) -> None:
        self.n_clusters = n_clusters
        self.seed = seed

    def fit(self, windows: np.ndarray) -> "KShapeDetector":
        from tslearn.clustering import KShape

        from tsadlab.private_apis import cache_tslearn_kernels

        check_channels("kshape", 1, windows.shape[2])  # also when built directly, not by a run
        window = windows.shape[1]
        series = rows_of(windows)[0][:, 0]
        length, step = SUBSEQUENCE_WINDOWS * window, int(STEP_WINDOWS * window)
        starts = np.arange(0, len(series) - length, step)
        if len(starts) < self.n_clusters:
            raise DataError(
                f"{len(series)} training rows give {len(starts)} subsequences of "
                f"{length} rows, one every {step} (4 and 1.5 windows), too few for "
                f"model=kshape's {self.n_clusters} clusters; use a longer training part, a "
                "smaller data.window or a smaller model.n_clusters"
            )
        subsequences = np.stack([series[s : s + length] for s in starts])
        cache_tslearn_kernels()
        kshape = KShape(n_clusters=self.n_clusters, random_state=self.seed)
        labels = kshape.fit_predict(subsequences)
        found = [k for k in range(self.n_clusters) if np.any(labels == k)]  # SAND drops empty ones
        centroids = [kshape.cluster_centers_[k][:, 0] for k in found]
        frequency = scaled([np.sum(labels == k) for k in found])
        centrality = scaled(
            [
                sum(sbd(c, other) for j, other in enumerate(centroids) if j != i)
                for i, c in enumerate(centroids)
            ]
        )
        weights = frequency**2 / centrality
        last_seen = np.array([starts[labels == k][-1] for k in found])
        decayed = weights / (1.0 + (len(series) - last_seen))
        self.weights_ = (1.0 - ALPHA) * weights + ALPHA * decayed
        # each centroid as the window-long stretches a window is compared with
        self.centroid_windows_ = [sliding_windows(c.reshape(-1, 1), window, 1) for c in centroids]
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        distances = np.stack(
            [nearest_distances(windows, stretches) for stretches in self.centroid_windows_]
        )
        return self.weights_ @ distances / self.weights_.sum()


def scaled(values: list[float]) -> np.ndarray:
    """Values min-max scaled to [1, 2], as SAND scales frequency and centrality."""
    v = np.asarray(values, dtype=np.float64)
    return (v - v.min()) / (v.max() - v.min() + SCALE_GUARD) + 1.0


def sbd(x: np.ndarray, y: np.ndarray) -> float:
    """Shape-based distance (Paparrizos & Gravano, 2015): 1 minus the largest normalised
    cross-correlation over all shifts; 1 when either series is all zeros (as SAND's)."""
    norms = np.linalg.norm(x) * np.linalg.norm(y)
    if norms == 0:
        return 1.0
    return float(1.0 - np.max(np.correlate(x, y, mode="full")) / norms)


@register_model(KShapeConfig, channels=1, alignment="mean")
def build_kshape(cfg: KShapeConfig, window: int, n_features: int, seed: int) -> KShapeDetector:
    """KShapeAD over windows of `window` rows of one channel."""
    if cfg.n_clusters < 1:
        raise ConfigError(f"Received: model.n_clusters={cfg.n_clusters} (must be >= 1)")
    return KShapeDetector(cfg.n_clusters, seed)
