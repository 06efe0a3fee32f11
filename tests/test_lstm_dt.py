"""LSTM-DT (model=lstm_dt) as Orion's lstm_dynamic_threshold pipeline runs it: the network,
and its scoring (forecast error, EWMA smoothing) against Orion 0.7.1's own regression_errors
(orion-ml and pyts installed with --no-deps by `make setup`)."""

import importlib
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config, model_config

from tsadlab import artifacts
from tsadlab.config import settings_of, to_run_config
from tsadlab.data.windows import Target, model_windows
from tsadlab.errors import ConfigError
from tsadlab.models import build_model, load_keras_model
from tsadlab.run import run
from tsadlab.runtime import load_keras
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.align import align_errors, smooth_scores
from tsadlab.scoring.config import ScoringConfig
from tsadlab.scoring.predict import predicted_window_errors

keras = load_keras("jax")
RUN = [
    "model=lstm_dt",
    "model.units=[4,4]",
    "scoring.error=forecast_mae",
    "scoring.smoothing=0.01",
    "scoring.smoothing_of=windows",
    "scoring.smoothing_kind=ewma",
    "trainer.epochs=1",
    "trainer.verbose=0",
    "data.rows=400",
    "data.window=10",
]


@pytest.fixture
def orion_errors(monkeypatch):
    """Orion's `orion.primitives.timeseries_errors`, loaded without the `orion` package's
    own __init__ (its MLBlocks pipelines, never used here)."""
    spec = importlib.util.find_spec("orion")
    if spec is None or importlib.util.find_spec("pyts") is None:
        pytest.skip("orion-ml 0.7.1 and pyts 0.13 (pip install --no-deps) are not installed")
    package = types.ModuleType("orion")
    package.__path__ = list(spec.submodule_search_locations)
    monkeypatch.setitem(sys.modules, "orion", package)
    return importlib.import_module("orion.primitives.timeseries_errors")


class NextRowGuess:
    """A forecaster whose forecast is a fixed, imperfect function of the window."""

    def predict(self, x: np.ndarray, batch_size: int, verbose: int) -> np.ndarray:
        return 0.9 * x[:, -1] + 0.1 * np.tanh(x.mean(axis=1))


@pytest.mark.parametrize(("n", "window"), [(180, 10), (1500, 250), (5000, 40)])
def test_scores_are_orions_regression_errors_at_the_rows_forecast(orion_errors, n, window):
    rng = np.random.default_rng(n)
    values = (np.sin(np.arange(n) / 9) + 0.2 * rng.standard_normal(n))[:, None]
    x, y = model_windows(values, window, Target.next)
    errors = predicted_window_errors(NextRowGuess(), x, 64, SCORING_ERRORS.get("forecast_mae"), y)
    table = pd.DataFrame(
        {"part": "train", "window": np.arange(len(x)), "start": np.arange(len(x)), "error": errors}
    )
    scoring = ScoringConfig(  # end: the alignment lstm_dt declares (its forecast row)
        error="forecast_mae",
        alignment="end",
        smoothing=0.01,
        smoothing_of="windows",
        smoothing_kind="ewma",
    )
    scores = align_errors(table, n, n, window + 1, 1, scoring)
    theirs = orion_errors.regression_errors(y, NextRowGuess().predict(x, 64, 0))
    assert np.isnan(scores[:window]).all()
    np.testing.assert_allclose(scores[window:], theirs, rtol=1e-12, atol=1e-12)


def test_ewma_smoothing_by_hand():
    """Span 3 (alpha 1/2) over the scored rows only: 1, (2 + 1/2) / 1.5, (3 + 1 + 1/4) / 1.75."""
    scores = np.array([np.nan, np.nan, 1.0, 2.0, 3.0])
    smoothed = smooth_scores(scores, 1.0, base=3, kind="ewma")
    np.testing.assert_allclose(smoothed[2:], [1.0, 2.5 / 1.5, 4.25 / 1.75])
    assert np.isnan(smoothed[:2]).all()
    np.testing.assert_array_equal(smooth_scores(scores, 0.01, kind="ewma"), scores)  # span 1


def test_the_network_is_orions():
    """ml-stars' LSTMTimeSeriesRegressor on one channel: 77,841 weights, one row out."""
    model = build_model(model_config("lstm_dt"), 250, 1)
    assert model.count_params() == 77841
    small = build_model(model_config("lstm_dt", units=[3, 2]), 6, 2)
    x = np.random.default_rng(0).normal(size=(4, 6, 2)).astype("float32")
    assert small.predict(x, verbose=0).shape == (4, 2)


def test_the_model_trains_saves_and_loads_with_the_same_predictions(tmp_path: Path):
    model = build_model(model_config("lstm_dt", units=[5], dropout=0.1), 8, 1)
    x = np.random.default_rng(1).normal(size=(32, 8, 1)).astype("float32")
    history = model.fit(x, x[:, -1], epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    artifacts.save_keras_model(tmp_path / "model.keras", model)
    loaded = load_keras_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"target": "reconstruction"}, "model.target=reconstruction with model=lstm_dt"),
        ({"units": []}, "model.units=\\[\\]"),
        ({"dropout": 1.0}, "model.dropout=1.0"),
    ],
)
def test_bad_lstm_dt_settings_are_one_line(params, message):
    with pytest.raises(ConfigError, match=message):
        build_model(model_config("lstm_dt", **params), 10, 1)


def test_an_lstm_dt_run_scores_the_rows_it_forecasts(tmp_path: Path):
    result = run(compose_config(RUN), tmp_path / "run")
    assert result.metrics["sizes"]["target"] == "next"
    scores = result.scores["score"].to_numpy()
    n_train = int((result.scores["split"] != "test").sum())
    # window i forecasts row i + 10 of its part: the first 10 rows of each part have no score
    assert np.isnan(scores[:10]).all() and np.isfinite(scores[10:n_train]).all()
    assert np.isnan(scores[n_train : n_train + 10]).all()
    assert np.isfinite(scores[n_train + 10 :]).all()


def test_the_experiment_composes_orions_lstm_dt_settings():
    overrides = ["experiment=nab_orion_lstm_dt", "data.root=/nab", "data.category=realTweets"]
    s = settings_of(compose_config(overrides))
    assert s["model"] == {
        "name": "lstm_dt",
        "target": "next",
        "loss": "mse",
        "optimizer": "adam",
        "learning_rate": 0.001,
        "units": [80, 80],
        "dropout": 0.3,
    }
    assert (s["data"]["window"], s["data"]["tail_rows"], s["data"]["train_fraction"]) == (
        250,
        0,
        1.0,
    )
    t = s["trainer"]
    assert (t["epochs"], t["batch_size"], t["validation_split"], t["patience"]) == (35, 64, 0.2, 10)
    assert s["scoring"] == {
        "error": "forecast_mae",
        "alignment": "end",
        "smoothing": 0.01,
        "smoothing_of": "windows",
        "smoothing_kind": "ewma",
    }
    assert s["threshold"]["name"] == "windowed_std" and s["threshold"]["k"] == 4.0
    to_run_config(compose_config(overrides))  # every key fits its schema
