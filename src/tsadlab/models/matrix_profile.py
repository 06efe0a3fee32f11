"""`matrix_profile`: a window's z-normalised Euclidean distance to its nearest neighbour, the
matrix profile (Yeh et al., ICDM 2016; computed by STOMP, Zhu et al., ICDM 2016), as TSB-AD
runs it for its univariate leaderboard (Liu & Paparrizos, NeurIPS 2024) with stumpy's `stump`
(Law, JOSS 2019). Reference: `TSB_AD.models.MatrixProfile` through `run_MatrixProfile`
(`periodicity` 1, its only setting); `tests/test_subsequence_zoo.py` compares the two.

Which windows a window is compared with:
- the fitted windows, scored again (with the validation windows after them: the training
  part), are the matrix profile of the training part, a self-join: each window's nearest
  other window of the part, trivial matches excluded (windows starting within ceil(window
  / 4) rows of it, stumpy's exclusion zone). Under `protocol=orion` (the whole series
  fitted and scored) that is TSB-AD's score;
- any other windows (the test part) are joined against the fitted windows (an AB-join, no
  exclusion zone: they share no rows with them), each scored by its distance to the nearest
  fitted window.

One channel and stride 1: the windows' series is given to stumpy, as TSB-AD does. Otherwise
(data.stride > 1, several channels) the distances are computed here, on the windows
directly, with stumpy's conventions (a constant window is 0 from another constant one and
sqrt(window) from any other); the self-join's exclusion zone is then measured in rows,
from the windows' stride (windows that do not overlap exclude only themselves). Several
channels: each is z-normalised on its own and the squared distances are summed over them
(TSB-AD's matrix profile takes one channel).

Differences from TSB-AD, both deliberate:
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`; set
  `data.window` to it to match);
- the test part is joined against the training part (TSB-AD's unsupervised protocol takes
  the whole series' self-join: `protocol=orion` does that here);
- a window's score goes to its centre row (`scoring.alignment=auto` takes `centre`), as in
  TSB-AD, but the rows before the first centre and after the last take the first and last
  window's score, where TSB-AD fills them with the profile's smallest value (window / 2
  rows at each end).

stumpy compiles its kernels (numba) the first time a process uses them: about 30-50 s on
this project's shared 2-core machine, then milliseconds per thousand windows.
"""

import math
from dataclasses import dataclass

import numpy as np

from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import fitted_lead, overlap_stride, rows_of

# stumpy's default exclusion zone: windows starting within ceil(window / 4) rows are trivial
EXCLUSION_DENOMINATOR = 4
# query windows compared at once when computing here: chunk x reference distances are held
CHUNK_DISTANCES = 2**22


@dataclass
class MatrixProfileConfig(DetectorConfig):
    """z-normalised distance of a window to its nearest training window, trivial matches
    excluded (the matrix profile, TSB-AD's)"""

    name: str = "matrix_profile"


class MatrixProfileDetector(WindowDetector):
    """The matrix profile of the training windows; other windows joined against them."""

    def fit(self, windows: np.ndarray) -> "MatrixProfileDetector":
        self.fitted_windows_ = windows
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        if fitted_lead(windows, self.fitted_windows_):
            return self_join(windows)
        return ab_join(windows, self.fitted_windows_)


def self_join(windows: np.ndarray) -> np.ndarray:
    """Each window's distance to its nearest window of the same set, trivial matches excluded."""
    rows, starts = rows_of(windows)
    if _one_series(windows):
        import stumpy  # 3 s to import, and a numba compilation on first use

        return np.asarray(stumpy.stump(rows[:, 0], windows.shape[1]).P_, dtype=np.float64)
    zone = math.ceil(windows.shape[1] / EXCLUSION_DENOMINATOR)
    return nearest_distances(windows, windows, starts, zone)


def ab_join(windows: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each window's distance to its nearest reference window."""
    if _one_series(windows) and _one_series(reference):
        import stumpy  # 3 s to import, and a numba compilation on first use

        query, against = rows_of(windows)[0][:, 0], rows_of(reference)[0][:, 0]
        profile = stumpy.stump(query, windows.shape[1], against, ignore_trivial=False)
        return np.asarray(profile.P_, dtype=np.float64)
    return nearest_distances(windows, reference)


def nearest_distances(
    query: np.ndarray,
    reference: np.ndarray,
    starts: np.ndarray | None = None,
    zone: int = 0,
) -> np.ndarray:
    """z-normalised Euclidean distance of each query window to its nearest reference window;
    for a self-join (`starts`: the windows' first rows), windows starting within `zone` rows
    of each other are not compared (inf when nothing is left)."""
    q, r = znormalised_channels(query), znormalised_channels(reference)
    q_norms, r_norms = (q**2).sum(axis=1), (r**2).sum(axis=1)
    chunk = max(1, CHUNK_DISTANCES // max(len(r), 1))
    nearest = np.empty(len(q))
    for lo in range(0, len(q), chunk):
        hi = min(lo + chunk, len(q))
        squared = q_norms[lo:hi, None] + r_norms[None, :] - 2.0 * (q[lo:hi] @ r.T)
        if starts is not None:
            squared[np.abs(starts[lo:hi, None] - starts[None, :]) <= zone] = np.inf
        nearest[lo:hi] = squared.min(axis=1)
    return np.sqrt(np.maximum(nearest, 0.0))


def znormalised_channels(windows: np.ndarray) -> np.ndarray:
    """(n, window * channels): each window's channels z-normalised on their own (population
    standard deviation, as stumpy), a constant one all zeros."""
    values = np.asarray(windows, dtype=np.float64)
    centred = values - values.mean(axis=1, keepdims=True)
    spread = values.std(axis=1, keepdims=True)
    constant = np.ptp(values, axis=1, keepdims=True) == 0  # stumpy's test of constancy
    scaled = np.where(constant, 0.0, centred / np.where(constant, 1.0, spread))
    return scaled.reshape(len(values), -1)


def _one_series(windows: np.ndarray) -> bool:
    """One channel, stride 1: stumpy takes the series itself."""
    return windows.shape[2] == 1 and overlap_stride(np.asarray(windows)) == 1


@register_model(MatrixProfileConfig, seeded=False, alignment="centre")
def build_matrix_profile(
    cfg: MatrixProfileConfig, window: int, n_features: int, seed: int
) -> MatrixProfileDetector:
    """The matrix profile over windows of `window` rows."""
    return MatrixProfileDetector()
