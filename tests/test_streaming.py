"""Long series: training batches cut from window views on the fly (bounded steps per epoch),
scoring in chunks, and figures thinned to a bounded number of points."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab.config import to_run_config
from tsadlab.data.windows import Windows, model_windows
from tsadlab.errors import ConfigError
from tsadlab.figures import common as figures_common
from tsadlab.figures import run as run_figures
from tsadlab.runtime import load_keras
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring import predict as scoring
from tsadlab.training.data import stream_windows
from tsadlab.training.fit import fit, new_model

load_keras("jax")
from tsadlab.training.batches import WindowBatches  # noqa: E402  (needs the backend first)


def tiny_model(cfg):
    return new_model(cfg.model, cfg.data.window, 1, cfg.seed, cfg.backend)


def series(n: int = 2000) -> np.ndarray:
    return np.sin(np.arange(n) / 10.0)[:, None].astype(np.float32)


def test_sequential_batches_are_the_windows_in_order():
    x, y = model_windows(series(), 10, "next")
    batches = WindowBatches(x, y, 64)
    assert len(batches) == -(-len(x) // 64)
    first_x, first_y = batches[0]
    np.testing.assert_array_equal(first_x, x[:64])
    # target `next`: the following row, spread over every output step
    np.testing.assert_array_equal(first_y, np.broadcast_to(y[:64, None, :], first_x.shape))
    last_x, _ = batches[len(batches) - 1]
    np.testing.assert_array_equal(last_x, x[(len(batches) - 1) * 64 :])
    recon_x, recon_y = WindowBatches(x, None, 64)[3]
    assert recon_y is recon_x


def test_sampled_epochs_are_bounded_fresh_and_reproducible():
    x, _ = model_windows(series(), 10, "reconstruction")
    batches = WindowBatches(x, None, 32, order="sample", steps=5, seed=7)
    assert len(batches) == 5
    epoch0 = np.concatenate([batches[i][0] for i in range(5)])
    batches.on_epoch_end()
    epoch1 = np.concatenate([batches[i][0] for i in range(5)])
    assert epoch0.shape == (160, 10, 1) and not np.array_equal(epoch0, epoch1)
    # a resumed training (first_epoch=1) draws the same batches as epoch 1 did
    resumed = WindowBatches(x, None, 32, order="sample", steps=5, seed=7, first_epoch=1)
    np.testing.assert_array_equal(np.concatenate([resumed[i][0] for i in range(5)]), epoch1)
    # evenly spaced validation: fixed, spread over the whole range
    even = WindowBatches(x, None, 32, order="even", steps=2)
    starts = np.concatenate([even[i][0][:, 0, 0] for i in range(2)])
    assert len(starts) == 64 and starts[0] == x[0, 0, 0] and starts[-1] == x[-1, 0, 0]


def test_streaming_is_chosen_by_size_or_steps():
    assert not stream_windows(6523, (30, 1), None)
    assert stream_windows(6523, (30, 1), 10)
    assert stream_windows(10_000_000, (30, 1), None)


def test_a_bounded_run_trains_on_steps_per_epoch_batches(tmp_path):
    cfg = to_run_config(
        compose_config([*TINY, "trainer.steps_per_epoch=3", "trainer.batch_size=16"])
    )
    seen = []

    class Count(load_keras("jax").callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    prepared_windows = Windows(*_windows(cfg), span=cfg.data.window, stride=1)
    model = tiny_model(cfg)
    history = fit(model, prepared_windows, cfg.trainer, cfg.seed, callbacks=[Count()])
    assert len(history) == 2 and seen == [0, 1, 2, 0, 1, 2]
    assert np.isfinite(history["val_loss"]).all()


def _windows(cfg):
    x, y = model_windows(series(400), cfg.data.window, "reconstruction")
    return x, y, x[:0], 300


def test_chunked_scoring_equals_one_predict(monkeypatch):
    model = tiny_model(to_run_config(compose_config(TINY)))
    x, _ = model_windows(series(500), 10, "reconstruction")
    whole = np.abs(model.predict(x, batch_size=64, verbose=0) - x).mean(axis=(1, 2))
    monkeypatch.setattr(scoring, "PREDICT_CHUNK_WINDOWS", 100)
    mae = SCORING_ERRORS.get("mae")
    np.testing.assert_allclose(scoring.predicted_window_errors(model, x, 32, mae), whole, rtol=1e-6)


@pytest.mark.parametrize("stride", [1, 3])
def test_chunked_row_errors_equal_one_predict(monkeypatch, stride):
    """Orion's point errors predicted in chunks: every row still sees every reconstruction of
    it, so the errors equal those from one predict over every window."""
    cfg = to_run_config(compose_config(TINY))
    model = tiny_model(cfg)
    values = series(700)
    x, _ = model_windows(values, 10, "reconstruction", stride)
    point = SCORING_ERRORS.get("point")
    whole = scoring.predicted_row_errors(model, x, values, stride, cfg.trainer, point)
    monkeypatch.setattr(scoring, "PREDICT_CHUNK_WINDOWS", 64)
    cfg.trainer.predict_batch_size = 32
    chunked = scoring.predicted_row_errors(model, x, values, stride, cfg.trainer, point)
    np.testing.assert_allclose(chunked, whole, rtol=1e-6)
    covered = (len(x) - 1) * stride + 10
    assert np.isfinite(chunked[:covered]).all() and np.isnan(chunked[covered:]).all()
    # by hand for one row: |value - median of its reconstructions|
    x_hat = model.predict(x, verbose=0)
    row = 25
    mine = [x_hat[i, row - i * stride, 0] for i in range(len(x)) if 0 <= row - i * stride < 10]
    assert chunked[row] == pytest.approx(abs(values[row, 0] - np.median(mine)), rel=1e-5)


def test_line_rows_keep_every_extreme_and_bound_the_points():
    values = np.random.default_rng(0).normal(size=1_000_003)
    values[123_457] = 50.0  # a spike must survive thinning
    values[999_999] = -50.0
    values[10:20] = np.nan
    rows = figures_common.line_rows(values, limit=2000)
    assert len(rows) <= 2000 and np.all(np.diff(rows) > 0)
    assert 123_457 in rows and 999_999 in rows
    np.testing.assert_array_equal(
        figures_common.line_rows(values[:500], limit=2000), np.arange(500)
    )


def test_long_frames_are_drawn_from_thinned_rows_with_every_flag():
    n = 300_000
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2020", periods=n, freq="min"),
            "value": np.sin(np.arange(n) / 50.0),
            "split": pd.Categorical(np.where(np.arange(n) < 200_000, "train", "test")),
            "score": np.random.default_rng(1).random(n),
            "threshold": 0.99,
            "is_anomaly": np.zeros(n, dtype=np.int8),
            "label": np.zeros(n, dtype=np.int8),
        }
    )
    frame.loc[[5, 150_001, 299_998], "is_anomaly"] = 1
    frame.loc[250_000:250_010, "label"] = 1
    rows = run_figures.plotted_rows(frame, limit=4000)
    assert len(rows) < 20_000
    assert {5, 150_001, 299_998, 199_999, 200_000, 250_000, 250_010} <= set(rows)


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_bad_steps_per_epoch_is_refused_before_training(bad):
    with pytest.raises(ConfigError, match="steps_per_epoch"):
        to_run_config(compose_config([*TINY, f"trainer.steps_per_epoch={bad}"]))
