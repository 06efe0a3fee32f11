"""`sub_ocsvm`: a one-class SVM (Schölkopf, Platt, Shawe-Taylor, Smola & Williamson, Neural
Computation 2001) on windows, as TSB-AD runs it for its univariate leaderboard (Liu &
Paparrizos, NeurIPS 2024): scikit-learn's `OneClassSVM` (gamma 'auto': 1 / the window's
length x channels), fitted on the training windows each z-normalised and then scaled to
[0, 1] (min-max per window; several channels are flattened), the score minus its decision
function. Reference: `TSB_AD.models.OCSVM` through `run_Sub_OCSVM`, one of TSB-AD's
semi-supervised methods (fitted on the training part, scoring the test part);
`tests/test_subsequence_zoo.py` compares the two.

Defaults are TSB-AD's tuned univariate settings (`Optimal_Uni_algo_HP_dict`: rbf kernel,
`periodicity` 2; `nu` 0.5 from `run_Sub_OCSVM`). Differences from TSB-AD, both deliberate:
- the window is `data.window` (TSB-AD: the series' second-ranked period,
  `find_length_rank(rank=2)`; set `data.window` to it to match);
- every window scored is normalised as the training windows were, z-normalised then scaled
  to [0, 1]. TSB-AD's `decision_function`, which gives its published test scores, skips the
  [0, 1] scaling, so its test windows lie on another scale than the windows it was fitted
  on; its scores of the training windows (`decision_scores_`) are these.
"""

from dataclasses import dataclass
from enum import Enum

import numpy as np
from sklearn.svm import OneClassSVM

from tsadlab.errors import ConfigError, choice
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import flat_windows, znormalised_rows


class SvmKernel(Enum):
    """scikit-learn's one-class SVM kernels."""

    linear = "linear"
    poly = "poly"
    rbf = "rbf"
    sigmoid = "sigmoid"


@dataclass
class SubOcsvmConfig(DetectorConfig):
    """One-class SVM on the windows, each z-normalised then scaled to [0, 1] (Sub-OCSVM,
    TSB-AD's)"""

    name: str = "sub_ocsvm"
    kernel: SvmKernel = SvmKernel.rbf
    nu: float = 0.5  # upper bound on the share of training windows outside the boundary


class SubOcsvmDetector(WindowDetector):
    """scikit-learn's one-class SVM over flattened windows scaled to [0, 1]."""

    def __init__(self, kernel: str, nu: float) -> None:
        self.kernel = kernel
        self.nu = nu

    def fit(self, windows: np.ndarray) -> "SubOcsvmDetector":
        self.svm_ = OneClassSVM(kernel=self.kernel, nu=self.nu, gamma="auto")
        self.svm_.fit(unit_scaled(windows))
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        return -self.svm_.decision_function(unit_scaled(windows))


def unit_scaled(windows: np.ndarray) -> np.ndarray:
    """Each flattened window z-normalised (ddof=1), then min-max scaled to [0, 1] (a constant
    window: all zeros), as TSB-AD's OCSVM fit prepares its windows."""
    rows = znormalised_rows(flat_windows(windows))
    low = rows.min(axis=1, keepdims=True)
    span = rows.max(axis=1, keepdims=True) - low
    return (rows - low) / np.where(span > 0, span, 1.0)


@register_model(SubOcsvmConfig, seeded=False, alignment="centre")
def build_sub_ocsvm(
    cfg: SubOcsvmConfig, window: int, n_features: int, seed: int
) -> SubOcsvmDetector:
    """Sub-OCSVM over windows of `window` rows (several channels: flattened)."""
    if not 0.0 < cfg.nu <= 1.0:
        raise ConfigError(f"Received: model.nu={cfg.nu} (must be in (0, 1])")
    return SubOcsvmDetector(choice(SvmKernel, cfg.kernel, "model.kernel").value, cfg.nu)
