import numpy as np
import pytest
from sklearn.base import clone

from tsadlab.errors import ConfigError, DataError
from tsadlab.thresholds import THRESHOLDS, FixedThreshold, make_threshold


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_every_strategy_follows_the_estimator_contract(name):
    strategy = make_threshold(name)
    assert not hasattr(strategy, "threshold_")
    with pytest.raises(ConfigError, match="fitted"):
        strategy.predict(np.ones(3))
    assert clone(strategy).get_params() == strategy.get_params()
    train = np.concatenate([np.linspace(0, 1, 100), [np.nan]])
    assert strategy.fit(train) is strategy
    assert np.isfinite(strategy.threshold_)
    flags = strategy.predict(np.array([-1.0, np.nan, 1e9]))
    assert flags.dtype == bool
    assert flags.tolist() == [False, False, True]  # NaN is never flagged
    with pytest.raises(DataError, match="no finite scores"):
        clone(strategy).fit(np.array([np.nan, np.inf]))


def test_strategy_values_hand_computed():
    scores = np.arange(101, dtype=float)
    assert make_threshold("fixed", value=0.65).fit(scores).threshold_ == 0.65
    assert make_threshold("quantile", q=0.9).fit(scores).threshold_ == pytest.approx(90.0)
    assert make_threshold("max").fit(scores).threshold_ == 100.0


def test_predict_is_strictly_above():
    strategy = FixedThreshold(value=1.0).fit(np.ones(3))
    assert strategy.predict(np.array([0.5, 1.0, 1.5])).tolist() == [False, False, True]


def test_bad_parameters_and_names():
    with pytest.raises(ConfigError, match="threshold.q=1.5"):
        make_threshold("quantile", q=1.5).fit(np.ones(3))
    with pytest.raises(ConfigError, match="threshold=magic"):
        make_threshold("magic")
