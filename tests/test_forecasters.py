"""The forecasting detectors (TSB-AD's LSTMAD and CNN), forecast errors, and the learning
rate's step decay."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_config, model_config

from tsadlab.errors import ConfigError
from tsadlab.models import build_model
from tsadlab.run import run
from tsadlab.runtime import load_keras
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.predict import unrolled_copy

keras = load_keras("jax")
RUN = ["trainer.epochs=2", "trainer.verbose=0", "data.rows=400", "data.window=10"]


def forecaster(name: str, window: int = 12, n_features: int = 2, **params):
    return build_model(model_config(name, **params), window, n_features)


@pytest.mark.parametrize("name", ["lstm_forecaster", "cnn_forecaster"])
def test_a_forecaster_gives_one_row_per_window(name):
    x = np.random.default_rng(0).normal(size=(7, 12, 2)).astype("float32")
    assert forecaster(name).predict(x, verbose=0).shape == (7, 2)


def test_the_lstm_forecaster_unrolled_predicts_the_same_numbers():
    x = np.random.default_rng(1).normal(size=(9, 12, 2)).astype("float32")
    model = forecaster("lstm_forecaster", units=5)
    unrolled = unrolled_copy(model)
    assert unrolled is not None
    np.testing.assert_allclose(
        unrolled.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


def test_a_trained_forecaster_scores_a_spike_highest():
    rng = np.random.default_rng(2)
    t = np.arange(1200)
    values = (np.sin(2 * np.pi * t / 25) + 0.05 * rng.standard_normal(len(t)))[:, None]
    windows = np.lib.stride_tricks.sliding_window_view(values[:, 0], 25)[:-1, :, None]
    following = values[25:]
    model = forecaster("lstm_forecaster", window=25, n_features=1, units=16)
    model.fit(windows[:1000], following[:1000], epochs=15, batch_size=32, verbose=0)
    test = values[1000:].copy()
    test[100] += 3.0
    x = np.lib.stride_tricks.sliding_window_view(test[:, 0], 25)[:-1, :, None]
    errors = SCORING_ERRORS.get("forecast_mse").compute(test[25:], model.predict(x, verbose=0))
    assert np.argmax(errors) == 100 - 25


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"target": "reconstruction"}, "model.target=reconstruction with model=cnn_forecaster"),
        ({"filters": [32, 40, 40, 40]}, "leave no step"),
        ({"kernel_size": 0}, "model.kernel_size=0"),
    ],
)
def test_bad_forecaster_settings_are_one_line(params, message):
    with pytest.raises(ConfigError, match=message):
        forecaster("cnn_forecaster", window=30, **params)


def test_a_forecaster_run_scores_its_forecasts(tmp_path: Path):
    overrides = [*RUN, "model=cnn_forecaster", "scoring.error=forecast_mse"]
    result = run(compose_config(overrides), tmp_path / "run")
    assert result.metrics["sizes"]["target"] == "next"
    scored = result.scores["score"].to_numpy()
    # window i forecasts row i + 10 of its part: the first 10 rows of each part have no score
    assert np.isnan(scored[:10]).all() and np.isfinite(scored[10:319]).all()


def test_a_forecaster_scored_by_reconstruction_is_one_line(tmp_path: Path):
    with pytest.raises(ConfigError, match="a forecaster: use scoring.error=forecast_mse"):
        run(compose_config([*RUN, "model=cnn_forecaster"]), tmp_path / "run")


def test_a_forecast_error_needs_a_forecasting_target(tmp_path: Path):
    overrides = [*RUN, "model.encoder_units=[4]", "model.decoder_units=[4]"]
    with pytest.raises(ConfigError, match="use model.target=next"):
        run(compose_config([*overrides, "scoring.error=forecast_mae"]), tmp_path / "run")


def test_the_learning_rate_decays_in_steps(tmp_path: Path):
    overrides = [*RUN, "model=cnn_forecaster", "scoring.error=forecast_mse", "trainer.epochs=5"]
    overrides += ["trainer.patience=10", "trainer.lr_decay_every=2", "trainer.lr_decay_factor=0.5"]
    run(compose_config(overrides), tmp_path / "run")
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["learning_rate"].tolist() == pytest.approx([8e-4, 8e-4, 4e-4, 4e-4, 2e-4])


def test_tsb_ad_lstmad_network_computes_what_ours_does():
    """With the weights copied across, TSB-AD's own LSTMAD network (PyTorch) forecasts what
    ours does. Needs torch (`pip install -e .[bench]`)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torchinfo")
    from TSB_AD.models.LSTMAD import LSTMModel

    window, features, units = 15, 2, 6
    ours = forecaster("lstm_forecaster", window=window, n_features=features, units=units)
    theirs = LSTMModel(window, features, units, 1, 2, 4, "cpu")
    pairs = [("encoder_lstm", theirs.lstm_encoder), ("decoder_lstm", theirs.lstm_decoder)]
    for prefix, lstm in pairs:
        for i in range(2):
            kernel, recurrent, bias = ours.get_layer(f"{prefix}_{i}").get_weights()
            state = lstm.state_dict()
            state[f"weight_ih_l{i}"] = torch.tensor(kernel.T)
            state[f"weight_hh_l{i}"] = torch.tensor(recurrent.T)
            state[f"bias_ih_l{i}"] = torch.tensor(bias)
            state[f"bias_hh_l{i}"] = torch.zeros_like(torch.tensor(bias))
            lstm.load_state_dict(state)
    kernel, bias = ours.get_layer("forecast").get_weights()
    theirs.fc.load_state_dict({"weight": torch.tensor(kernel.T), "bias": torch.tensor(bias)})
    x = np.random.default_rng(3).normal(size=(4, window, features)).astype("float32")
    with torch.no_grad():
        expected = theirs(torch.tensor(x))[0].numpy()
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "stream"), [("cnn_forecaster", False), ("lstm_dt", False), ("cnn_forecaster", True)]
)
def test_a_two_channel_forecaster_fits_each_window_to_its_next_row(
    tmp_path: Path, write_csv, name, stream
):
    t = np.arange(300)
    values = np.stack([np.sin(t / 6), np.cos(t / 9)], axis=1)
    path = write_csv(pd.DataFrame({"a": values[:, 0], "b": values[:, 1]}).to_csv(index=False))
    overrides = ["data=csv", f"data.path={path}", "data.time_column=null"]
    overrides += ["data.value_columns=[a,b]", "data.window=12", f"model={name}"]
    overrides += ["trainer.epochs=1", "trainer.verbose=0", "scoring.error=forecast_mae"]
    overrides += ["trainer.steps_per_epoch=3"] if stream else []
    result = run(compose_config(overrides), tmp_path / "run")
    assert np.isfinite(result.scores["score"].to_numpy()[12:]).any()


def test_a_forecasters_targets_are_its_rows_and_a_sequence_models_are_stretched():
    from tsadlab.training.batches import WindowBatches
    from tsadlab.training.data import fit_targets

    x = np.zeros((8, 5, 2), dtype=np.float32)
    y = np.arange(16, dtype=np.float32).reshape(8, 2)
    assert fit_targets(x, y, sequence_output=False) is y
    stretched = fit_targets(x, y)
    assert stretched.shape == x.shape and (stretched[:, 3] == y).all()
    assert WindowBatches(x, y, 4, stretch=False)[1][1].tolist() == y[4:].tolist()
    assert WindowBatches(x, y, 4)[1][1].shape == (4, 5, 2)
