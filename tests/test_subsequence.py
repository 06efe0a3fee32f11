"""Sub-PCA against TSB-AD's own PCA class (tsb-ad 1.5, installed with --no-deps)."""

import sys
import types

import numpy as np
import pytest

from tsadlab.models import MODELS
from tsadlab.models.subsequence import SubPcaDetector
from tsadlab.scoring.align import point_scores


@pytest.fixture
def reference_pca(monkeypatch):
    """TSB-AD's PCA class. Its package's utility module imports torch for the deep models
    (never for PCA) and its feature module `hurst`: an empty torch stands in for the
    import while the class loads, and is gone after the test."""
    pytest.importorskip("hurst")
    torch, nn = types.ModuleType("torch"), types.ModuleType("torch.nn")
    torch.nn = nn
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch.nn", nn)
    module = pytest.importorskip("TSB_AD.models.PCA")
    return module.PCA


def windows_of(values: np.ndarray, window: int) -> np.ndarray:
    """(n - window + 1, window, 1) windows, stride 1, in time order."""
    view = np.lib.stride_tricks.sliding_window_view(values, window)
    return view[:, :, None]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("window", [5, 24, 60])
def test_sub_pca_scores_every_row_as_tsb_ad_does(reference_pca, seed, window):
    rng = np.random.default_rng(seed)
    n = 1500
    values = np.sin(np.arange(n) * 2 * np.pi / 48) + 0.2 * rng.standard_normal(n)
    values[rng.integers(100, n - 100, 3)] += 4.0  # a few spikes
    expected = reference_pca(slidingWindow=window).fit(values.reshape(-1, 1)).decision_scores_
    windows = windows_of(values, window)
    ours = SubPcaDetector(None).fit(windows).score_windows(windows)
    # per row, aligned as sub_pca declares (scoring.alignment=auto): TSB-AD's padded ends too
    rows = point_scores(ours, n, window, 1, MODELS.get("sub_pca").alignment)
    np.testing.assert_allclose(rows, expected, rtol=1e-9, atol=1e-9)


def test_sub_pca_prunes_constant_columns_in_scoring_too():
    rng = np.random.default_rng(0)
    train = rng.standard_normal((200, 6, 2))
    train[:, :, 1] = 3.0  # a channel constant over training
    detector = SubPcaDetector(None).fit(train)
    test = rng.standard_normal((50, 6, 2))
    scores = detector.score_windows(test)
    assert scores.shape == (50,) and np.isfinite(scores).all()
    far = test.copy()
    far[0, :, 0] += 10.0
    assert detector.score_windows(far)[0] > np.median(scores)
