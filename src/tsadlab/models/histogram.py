"""`sub_hbos`: the histogram-based outlier score (Goldstein & Dengel, KI 2012) of z-normalised
windows, as TSB-AD runs it for its univariate leaderboard (Liu & Paparrizos, NeurIPS 2024).
One histogram per window position (per position and channel: several channels are
flattened) over the training windows; a window's score is minus the sum over positions of
log2(density of its bin + alpha); a value outside the histogram's range counts in the end
bin within `tol` bin widths of it, in the emptiest bin beyond. It is PyOD's `HBOS`, which
TSB-AD's `TSB_AD.models.HBOS` (through `run_Sub_HBOS`) adapts;
`tests/test_subsequence_zoo.py` compares the two.

Defaults are TSB-AD's tuned univariate settings (`Optimal_Uni_algo_HP_dict`: 10 bins,
`periodicity` 1) and PyOD's `tol` 0.5 and `alpha` 0.1. Differences from TSB-AD, both
deliberate:
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`; set
  `data.window` to it to match);
- fitted on the training part's windows, then scoring any windows (TSB-AD's unsupervised
  protocol fits on the whole series: `protocol=orion` does that here). Every window is
  scored the same way, fitted or not, as in TSB-AD.
"""

from dataclasses import dataclass

import numpy as np

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import flat_windows, znormalised_rows

# PyOD's regulariser inside the log of a bin's density (its default, TSB-AD's too)
ALPHA = 0.1


@dataclass
class SubHbosConfig(DetectorConfig):
    """Histogram-based outlier score: a histogram per position of the z-normalised windows
    (Sub-HBOS, TSB-AD's)"""

    name: str = "sub_hbos"
    n_bins: int = 10
    tol: float = 0.5  # how far outside the range, in bin widths, still counts in the end bin


class SubHbosDetector(WindowDetector):
    """PyOD's HBOS over z-normalised flattened windows."""

    def __init__(self, n_bins: int, tol: float) -> None:
        self.n_bins = n_bins
        self.tol = tol

    def fit(self, windows: np.ndarray) -> "SubHbosDetector":
        from pyod.models.hbos import HBOS  # 0.2 s (numba): only for this model

        self.hbos_ = HBOS(n_bins=self.n_bins, alpha=ALPHA, tol=self.tol)
        self.hbos_.fit(znormalised_rows(flat_windows(windows)))
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return self.hbos_.decision_function(znormalised_rows(flat_windows(windows)))


@register_model(SubHbosConfig, seeded=False, alignment="centre")
def build_sub_hbos(cfg: SubHbosConfig, window: int, n_features: int, seed: int) -> SubHbosDetector:
    """Sub-HBOS over windows of `window` rows (several channels: flattened)."""
    if cfg.n_bins < 2 or not 0.0 < cfg.tol < 1.0:
        raise ConfigError(
            f"Received: model.n_bins={cfg.n_bins}, model.tol={cfg.tol} (need >= 2 and in (0, 1))"
        )
    return SubHbosDetector(cfg.n_bins, cfg.tol)
