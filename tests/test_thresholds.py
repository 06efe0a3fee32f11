import numpy as np
import pandas as pd
import pytest
from scipy.stats import genpareto

from tsadlab.detection.detect import detect
from tsadlab.errors import ConfigError
from tsadlab.thresholds import THRESHOLDS, ThresholdStrategy
from tsadlab.thresholds.sequences import padded_runs, prune_runs
from tsadlab.thresholds.static import FixedThreshold


def make_threshold(name: str, **params: object) -> ThresholdStrategy:
    return THRESHOLDS.get(name)(**params)


RNG = np.random.default_rng(0)
TRAIN = np.abs(RNG.normal(size=3000))


def test_static_values_hand_computed():
    scores = np.arange(101, dtype=float)
    assert make_threshold("fixed", value=0.65).fit(scores).threshold_ == 0.65
    assert make_threshold("quantile", q=0.9).fit(scores).threshold_ == pytest.approx(90.0)
    assert make_threshold("max").fit(scores).threshold_ == 100.0
    x = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    assert make_threshold("mean_std", k=2).fit(x).threshold_ == pytest.approx(
        x.mean() + 2 * x.std()
    )
    # median 3, MAD 1 -> scaled 1.4826; robust to the outlier 100
    assert make_threshold("mad", k=2).fit(x).threshold_ == pytest.approx(3 + 2 * 1.482602218)


def test_predict_is_strictly_above():
    strategy = FixedThreshold(value=1.0).fit(np.ones(3))
    assert strategy.predict(np.array([0.5, 1.0, 1.5])).tolist() == [False, False, True]


def test_pot_recovers_a_known_tail_quantile():
    # Exponential scores: the exact (1 - q) quantile is -log(q).
    scores = np.random.default_rng(1).exponential(size=200_000)
    pot = make_threshold("pot", level=0.98, q=1e-4).fit(scores)
    assert pot.threshold_ == pytest.approx(-np.log(1e-4), rel=0.05)
    assert pot.initial_threshold_ == pytest.approx(-np.log(0.02), rel=0.02)


def test_pot_matches_the_formula_with_scipy_fit():
    scores = np.random.default_rng(2).pareto(3, size=5000)
    pot = make_threshold("pot", level=0.95, q=1e-3).fit(scores)
    t = np.quantile(scores, 0.95)
    excess = scores[scores > t] - t
    shape, _, scale = genpareto.fit(excess, floc=0)
    expected = t + scale / shape * ((1e-3 * 5000 / len(excess)) ** -shape - 1)
    assert pot.threshold_ == pytest.approx(expected)


def test_spot_streaming_adapts_to_a_heavier_regime():
    rng = np.random.default_rng(3)
    train = rng.exponential(size=5000)
    stream = rng.exponential(scale=1.5, size=5000)
    spot = make_threshold("pot", level=0.98, q=1e-3, streaming=True).fit(train)
    thresholds = spot.row_thresholds(stream)
    assert thresholds[0] == pytest.approx(spot.threshold_)
    assert thresholds[-1] > thresholds[0]  # the tail learnt from the stream is heavier
    static = make_threshold("pot", level=0.98, q=1e-3).fit(train)
    assert spot.predict(stream).sum() < static.predict(stream).sum()


def test_pot_needs_enough_peaks():
    with pytest.raises(ConfigError, match="POT needs >= 10"):
        make_threshold("pot", level=0.99).fit(np.arange(100.0))


def test_padding_and_pruning_hand_computed():
    above = np.array([0, 0, 1, 0, 0, 0, 0, 0, 1, 0], dtype=bool)
    assert padded_runs(above, 1).tolist() == [[1, 3], [7, 9]]
    errors = np.array([0, 1, 10, 1, 0, 5, 0, 0, 9.5, 1.0])
    runs = np.array([[1, 3], [7, 9]])
    # peaks 10, 9.5, then the largest unflagged 5: 10 -> 9.5 is a 5 % drop, 9.5 -> 5 a 47 %
    # drop, so both runs stay; with min_percent 0.5 neither drop is clear and both go.
    assert prune_runs(errors, runs, 0.1).tolist() == [[1, 3], [7, 9]]
    assert prune_runs(errors, runs, 0.5).tolist() == []
    errors[8] = 6.0  # peaks 10, 6, 5: only 10 -> 6 (40 %) is clear; the 6 run is pruned
    assert prune_runs(errors, runs, 0.3).tolist() == [[1, 3]]


@pytest.mark.parametrize("name", ["windowed_std", "dynamic"])
def test_sequence_strategies_find_an_injected_burst(name):
    rng = np.random.default_rng(4)
    # Gaussian noise, as the mean + k std rules assume (Orion smooths its errors first).
    scores = 1 + 0.1 * rng.normal(size=6000)
    scores[4000:4030] += 2
    strategy = make_threshold(name).fit(scores[:3000])
    flags = strategy.predict(scores)
    assert flags[4000:4030].all()
    # the burst and its padding (50 or 100 rows each side), not the noise
    assert flags[:3900].sum() == 0 and flags[4200:].sum() == 0


def test_windowed_std_uses_orions_window_sizes():
    strategy = make_threshold("windowed_std").fit(TRAIN)
    windows = list(strategy._windows(np.zeros(1000)))
    # ceil(1000 * 0.33) = 330 rows, moved by ceil(330 * 0.1) = 33, until a window reaches 1000
    assert windows[0][0] == slice(0, 330)
    assert windows[1][0] == slice(33, 363)
    assert windows[-1][0].stop == 1000 and windows[-2][0].start + 330 < 1000


def test_best_f1_is_an_oracle_and_maximises_f1():
    scores = np.array([0.1, 0.4, 0.35, 0.8, 0.9, 0.2])
    labels = np.array([0, 0, 1, 1, 1, 0])
    oracle = make_threshold("best_f1").fit(scores, labels)
    assert oracle.oracle and not make_threshold("quantile").oracle
    assert oracle.predict(scores).astype(int).tolist() == [0, 1, 1, 1, 1, 0]  # F1 = 6/7
    assert oracle.best_f1_ == pytest.approx(6 / 7)
    with pytest.raises(ConfigError, match="needs labels"):
        make_threshold("best_f1").fit(scores)


def test_bad_parameters_and_names():
    with pytest.raises(ConfigError, match="threshold.q=1.5"):
        make_threshold("quantile", q=1.5).fit(np.ones(3))
    with pytest.raises(
        ConfigError, match="threshold.name=magic \\(must be one of best_f1, dynamic, fixed"
    ):
        make_threshold("magic")
    with pytest.raises(ConfigError, match="threshold.window_portion=0"):
        make_threshold("windowed_std", window_portion=0).fit(TRAIN)


@pytest.mark.parametrize(
    ("name", "params"), [("windowed_std", {}), ("dynamic", {}), ("pot", {"streaming": True})]
)
def test_a_run_computes_a_sequence_or_streaming_threshold_once(monkeypatch, name, params):
    """detect() asks the strategy for flags and per-row thresholds in one pass (they used to
    be two: predict, then row_thresholds, each redoing the sequence or streaming loop)."""
    strategy = THRESHOLDS.get(name)
    method = "row_thresholds" if name == "pot" else "_detect"
    calls = []
    original = getattr(strategy, method)

    def counted(self, scores):
        calls.append(len(scores))
        return original(self, scores)

    monkeypatch.setattr(strategy, method, counted)
    scores = np.abs(RNG.normal(size=4000))
    split = np.where(np.arange(4000) < 3000, "train", "test").astype(object)
    detection = detect(strategy.schema(**params), pd.RangeIndex(4000), scores, split)
    assert calls == [4000]
    # and what it returned is what each half gives on its own
    fitted = strategy(**params).fit(scores[split != "test"])
    np.testing.assert_array_equal(detection.flags, fitted.predict(scores))
    np.testing.assert_array_equal(detection.thresholds, fitted.row_thresholds(scores))
