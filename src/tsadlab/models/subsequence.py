"""Subsequence detectors: classical outlier detectors applied to sliding windows, the family
that leads TSB-AD's univariate leaderboard (Liu & Paparrizos, NeurIPS 2024: Sub-PCA first
by VUS-PR over its 350 evaluation series).

- `sub_pca`: PCA on the standardised windows; a window's score is the sum, over the principal
  components, of its Euclidean distance to the component, each divided by the share of the
  variance that component explains (Shyu et al., 2003, as PyOD's `PCA` and TSB-AD's
  `TSB_AD.models.PCA` compute it, with their defaults: every component kept and selected,
  weighted, standardised, constant columns pruned). `tests/test_subsequence.py` compares it
  with TSB-AD's own class.

Differences from TSB-AD's `run_Sub_PCA`, both deliberate:
- the window is `data.window` (TSB-AD: the series' dominant period, `find_length_rank`, which
  `metrics.vus.dominant_period` computes; set `data.window` to it to match);
- the detector is fitted on the training part's windows and scores every window (TSB-AD's
  unsupervised protocol fits on the whole series: `protocol=orion` does that here), and the
  constant columns pruned in fitting are pruned in scoring too (TSB-AD's
  `decision_function` forgets to, and fails on new data when any was pruned).

Each window's score goes to its centre row (`scoring.alignment=auto` takes `centre` for
every Sub-* detector and the matrix profile): TSB-AD gives window i to row
i + ceil((window - 1) / 2) and pads the rows before the first and after the last with the
first and last score (the matrix profile's own edge fill differs: see its module).

The rest of the leaderboard's subsequence and statistical detectors live in their families'
modules: `neighbours` (sub_knn, sub_lof), `histogram` (sub_hbos), `isolation`
(sub_iforest), `one_class_svm` (sub_ocsvm), `clustering` (kmeans), `poly` and
`matrix_profile`; what they share with Sub-PCA (flattening, TSB-AD's normalisations) is in
`_windows`.
"""

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

from tsadlab.errors import ConfigError
from tsadlab.models import DetectorConfig, WindowDetector, register_model
from tsadlab.models._windows import flat_windows


@dataclass
class SubPcaConfig(DetectorConfig):
    """PCA on the windows; score = sum of distances to the components / their explained
    variance ratio (Sub-PCA, TSB-AD's leader)"""

    name: str = "sub_pca"
    n_components: int | None = None  # null: every component


class SubPcaDetector(WindowDetector):
    """PCA over standardised flattened windows, scored as PyOD and TSB-AD score it."""

    def __init__(self, n_components: int | None) -> None:
        self.n_components = n_components

    def fit(self, windows: np.ndarray) -> "SubPcaDetector":
        flat = flat_windows(windows)
        self.scaler_ = StandardScaler().fit(flat)
        standard = self.scaler_.transform(flat)
        # a column constant over the training windows is all zeros once standardised
        self.kept_ = np.any(standard != 0, axis=0)
        # a fixed random_state: with few components of many windows PCA's "auto" solver is a
        # randomized SVD, which would otherwise change from run to run (TSB-AD's does)
        self.pca_ = PCA(n_components=self.n_components, random_state=0).fit(standard[:, self.kept_])
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        standard = self.scaler_.transform(flat_windows(windows))[:, self.kept_]
        distances = cdist(standard, self.pca_.components_)
        return (distances / self.pca_.explained_variance_ratio_).sum(axis=1)


@register_model(SubPcaConfig, seeded=False, alignment="centre")
def build_sub_pca(cfg: SubPcaConfig, window: int, n_features: int, seed: int) -> SubPcaDetector:
    """Sub-PCA over windows of `window` rows and `n_features` channels."""
    if cfg.n_components is not None and not 1 <= cfg.n_components <= window * n_features:
        raise ConfigError(
            f"Received: model.n_components={cfg.n_components} (between 1 and window x "
            f"channels = {window * n_features}, or null for every component)"
        )
    return SubPcaDetector(cfg.n_components)
