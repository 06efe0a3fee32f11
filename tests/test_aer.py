"""AER (model=aer, scoring.error=aer): its score against Orion 0.7.1's own score_anomalies
(orion-ml and pyts installed with --no-deps by `make setup`), its loss, its network, and
tiny runs."""

import importlib
import importlib.util
import inspect
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_config, model_config

from tsadlab import artifacts
from tsadlab.config import settings_of
from tsadlab.errors import ConfigError
from tsadlab.models import build_model, load_keras_model
from tsadlab.run import run
from tsadlab.runtime import load_keras
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring import predict as scoring_predict
from tsadlab.scoring.aer import aer_scores, dtw_errors
from tsadlab.scoring.predict import predicted_row_errors, row_stack
from tsadlab.training.config import TrainerConfig

keras = load_keras("jax")
RUN = [
    "model=aer",
    "model.lstm_units=4",
    "scoring.error=aer",
    "trainer.epochs=1",
    "trainer.verbose=0",
    "data.rows=400",
    "data.window=10",
]


def stub(monkeypatch, name: str, **attributes: object) -> types.ModuleType:
    """An empty module `name` in sys.modules while the test runs."""
    module = types.ModuleType(name)
    for key, value in attributes.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)
    return module


@pytest.fixture
def orion(monkeypatch):
    """Orion's `orion.primitives.aer` and `timeseries_errors` modules, loaded without what
    they import but never use here: the `orion` package's own __init__ (MLBlocks pipelines),
    TensorFlow (the network) and MLBlocks (ml-stars' annotations) are empty stand-ins while
    they load. Two shims keep Orion's numbers and let its pins' successors run it: pyts 0.13
    (Orion's pin, < 0.14) passes scikit-learn's `force_all_finite`, now `ensure_all_finite`;
    pandas 3 gives read-only arrays where Orion (pandas < 3) writes into them."""
    spec = importlib.util.find_spec("orion")
    if spec is None or importlib.util.find_spec("pyts") is None:
        pytest.skip("orion-ml 0.7.1 and pyts 0.13 (pip install --no-deps) are not installed")
    stub(monkeypatch, "orion", __path__=list(spec.submodule_search_locations))
    stub(monkeypatch, "mlblocks", MLBlock=object)
    layers = stub(monkeypatch, "tensorflow.keras.layers", Input=object)
    models = stub(monkeypatch, "tensorflow.keras.models", Model=object)
    tf_keras = stub(monkeypatch, "tensorflow.keras", layers=layers, models=models)
    stub(monkeypatch, "tensorflow", keras=tf_keras)
    errors = importlib.import_module("orion.primitives.timeseries_errors")
    aer = importlib.import_module("orion.primitives.aer")
    import pyts.metrics  # noqa: F401  (its dtw module, by name below)
    from sklearn.utils import check_array

    dtw_module = sys.modules["pyts.metrics.dtw"]
    if "force_all_finite" not in inspect.signature(check_array).parameters:

        def renamed(*args, force_all_finite=True, **kwargs):
            return check_array(*args, ensure_all_finite=force_all_finite, **kwargs)

        monkeypatch.setattr(dtw_module, "check_array", renamed)
    monkeypatch.setattr(
        aer, "regression_errors", lambda *a, **k: np.array(errors.regression_errors(*a, **k))
    )
    monkeypatch.setattr(
        aer,
        "reconstruction_errors",
        lambda *a, **k: tuple(np.array(r) for r in errors.reconstruction_errors(*a, **k)),
    )
    return types.SimpleNamespace(aer=aer, errors=errors)


def aer_outputs(windows: np.ndarray) -> np.ndarray:
    """A stand-in for AER's output: a fixed, imperfect function of each window."""
    return 0.8 * windows + 0.3 * np.tanh(3 * windows[:, ::-1]) + 0.05


class FixedModel:
    """A model whose prediction of a window is `aer_outputs` of it."""

    def predict(self, x: np.ndarray, batch_size: int, verbose: int) -> np.ndarray:
        return aer_outputs(np.asarray(x, np.float64))


def series_windows(seed: int, n_windows: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """A (n_windows + window - 1, 1) series with a few spikes, and its windows."""
    rng = np.random.default_rng(seed)
    n = n_windows + window - 1
    values = np.sin(np.arange(n) / 7)[:, None] + 0.1 * rng.standard_normal((n, 1))
    values[rng.integers(0, n, 4)] += 2.0
    windows = np.lib.stride_tricks.sliding_window_view(values[:, 0], window)[:, :, None]
    return values, windows


@pytest.mark.parametrize("comb", ["mult", "sum", "reg", "rec"])
@pytest.mark.parametrize("rec_error_type", ["dtw", "point"])
@pytest.mark.parametrize(("n_windows", "window"), [(150, 3), (420, 16), (1250, 40)])
def test_aer_scores_are_orions_score_anomalies(orion, comb, rec_error_type, n_windows, window):
    values, windows = series_windows(n_windows + window, n_windows, window)
    rng = np.random.default_rng(window)
    outputs = windows + rng.normal(scale=0.2, size=windows.shape)  # masks from 150 windows on
    theirs = orion.aer.score_anomalies(
        windows,
        outputs[:, 0],
        outputs[:, 1:-1],
        outputs[:, -1],
        comb=comb,
        rec_error_type=rec_error_type,
    )
    stack = row_stack(np.arange(n_windows), outputs, 1, 0, len(values))
    ours = aer_scores(values, stack, comb=comb, rec_error_type=rec_error_type)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [30, 200])
def test_dtw_errors_are_orions(orion, n):
    rng = np.random.default_rng(n)
    truth, predicted = rng.normal(size=n), rng.normal(size=n)
    expected = orion.errors._dtw_error(truth, predicted, score_window=10)
    np.testing.assert_allclose(dtw_errors(truth, predicted), expected, rtol=1e-12)


@pytest.mark.parametrize("name", ["aer", "aer_reg"])
def test_the_registered_errors_score_each_part_as_orion_scores_it(orion, monkeypatch, name):
    """Predicted in several chunks, a whole-part error still sees the whole part at once; the
    last row, in no window (data.tail_rows=1), has no score."""
    monkeypatch.setattr(scoring_predict, "PREDICT_CHUNK_WINDOWS", 64)
    values, windows = series_windows(7, 300, 20)
    values = np.concatenate([values, [[0.5]]])  # the row no window reaches
    error = SCORING_ERRORS.get(name)
    trainer = TrainerConfig(predict_batch_size=16)
    ours = predicted_row_errors(FixedModel(), windows, values, 1, trainer, error)
    outputs = aer_outputs(windows)
    comb = {"aer": "mult", "aer_reg": "reg"}[name]
    theirs = orion.aer.score_anomalies(
        windows, outputs[:, 0], outputs[:, 1:-1], outputs[:, -1], comb=comb, rec_error_type="dtw"
    )
    assert np.isnan(ours[-1])
    np.testing.assert_allclose(ours[:-1], theirs, rtol=1e-12, atol=1e-12)


def test_a_perfect_model_scores_zero_and_a_spike_scores_highest():
    values, windows = series_windows(3, 400, 12)
    stack = row_stack(np.arange(len(windows)), windows, 1, 0, len(values))
    np.testing.assert_array_equal(aer_scores(values, stack), 0.0)
    wrong = windows.copy()
    wrong[200 - np.arange(12), np.arange(12)] += 3.0  # every reconstruction of row 200
    scores = aer_scores(values, row_stack(np.arange(len(windows)), wrong, 1, 0, len(values)))
    assert 190 <= np.argmax(scores) <= 210  # DTW spreads it over 11 rows, a step late
    assert scores.min() >= 1.0 and scores.max() <= 4.0  # mult: [1, 2] times [1, 2]


def test_aer_needs_windows_one_row_apart():
    values, windows = series_windows(0, 50, 6)
    stack = row_stack(np.arange(0, 50, 2), windows[::2], 2, 0, len(values))
    with pytest.raises(ConfigError, match="use data.stride=1"):
        aer_scores(values, stack)


def test_the_network_is_orions():
    """Orion's AER on one channel has 29,581 weights (whatever the window); the first and
    last rows of a window never reach the encoder; the output is the whole window."""
    assert build_model(model_config("aer"), 100, 1).count_params() == 29581
    model = build_model(model_config("aer", lstm_units=3), 7, 1)
    x = np.random.default_rng(0).normal(size=(5, 7, 1)).astype("float32")
    predicted = model.predict(x, verbose=0)
    assert predicted.shape == (5, 7, 1)
    ends = x.copy()
    ends[:, [0, -1]] += 5.0
    np.testing.assert_array_equal(model.predict(ends, verbose=0), predicted)


def test_the_loss_is_orions_three_weighted_losses():
    rng = np.random.default_rng(1)
    y, y_hat = rng.normal(size=(2, 8, 9, 2)).astype("float32")
    model = build_model(model_config("aer", reg_ratio=0.3), 9, 2)
    squared = np.square(y_hat.astype(np.float64) - y)
    expected = 0.15 * squared[:, 0].mean() + 0.7 * squared[:, 1:-1].mean()
    expected += 0.15 * squared[:, -1].mean()
    assert float(model.loss(y, y_hat)) == pytest.approx(expected, rel=1e-6)


def test_the_model_trains_saves_and_loads_with_the_same_predictions(tmp_path: Path):
    model = build_model(model_config("aer", lstm_units=5, reg_ratio=0.4), 8, 2)
    x = np.random.default_rng(2).normal(size=(32, 8, 2)).astype("float32")
    history = model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    artifacts.save_keras_model(tmp_path / "model.keras", model)
    loaded = load_keras_model(tmp_path / "model.keras")
    assert loaded.loss.reg_ratio == 0.4
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize(
    ("params", "window", "message"),
    [
        ({"target": "next"}, 10, "model.target=next with model=aer"),
        ({}, 2, "data.window=2 with model=aer"),
        ({"reg_ratio": 1.5}, 10, "model.reg_ratio=1.5"),
        ({"lstm_units": 0}, 10, "model.lstm_units=0"),
        ({"loss": "nonsense"}, 10, "model.loss=nonsense"),
    ],
)
def test_bad_aer_settings_are_one_line(params, window, message):
    with pytest.raises(ConfigError, match=message):
        build_model(model_config("aer", **params), window, 1)


def test_an_aer_score_is_refused_on_a_run_with_a_test_part_before_training(tmp_path: Path):
    # min-max scaled over the part it scores: a test part would be scaled on itself
    with pytest.raises(ConfigError, match="scoring.error=aer on a run with a test part"):
        run(compose_config(RUN), tmp_path / "run")
    assert not (tmp_path / "run" / "history.csv").exists()


def test_an_aer_score_of_another_model_is_refused(tmp_path: Path):
    overrides = [o for o in RUN if not o.startswith("model")] + ["protocol=orion"]
    overrides += ["model=lstm_ae", "model.encoder_units=[4]", "model.decoder_units=[4]"]
    with pytest.raises(ConfigError, match="it reads the output of model=aer"):
        run(compose_config(overrides), tmp_path / "run")


def test_an_aer_run_under_orions_protocol_is_one_part(tmp_path: Path):
    overrides = [*RUN, "protocol=orion", "threshold=windowed_std", "data.tail_rows=1"]
    scores = run(compose_config(overrides), tmp_path / "run").scores["score"].to_numpy()
    assert np.isnan(scores[-1]) and np.isfinite(scores[:-1]).all()
    assert scores[:-1].min() >= 1.0 and scores[:-1].max() <= 4.0


def test_the_experiment_composes_orions_aer_settings():
    overrides = ["experiment=nab_orion_aer", "data.root=/nab", "data.category=realTweets"]
    s = settings_of(compose_config(overrides))
    assert s["model"] == {
        "name": "aer",
        "target": "reconstruction",
        "loss": "aer",
        "optimizer": "adam",
        "learning_rate": 0.001,
        "lstm_units": 30,
        "reg_ratio": 0.5,
    }
    assert (s["data"]["window"], s["data"]["tail_rows"], s["data"]["train_fraction"]) == (
        100,
        1,
        1.0,
    )
    t = s["trainer"]
    assert (t["epochs"], t["batch_size"], t["validation_split"], t["patience"]) == (35, 64, 0.2, 10)
    assert s["scoring"]["error"] == "aer" and s["scoring"]["smoothing"] == 0.0
    assert s["threshold"]["name"] == "windowed_std" and s["threshold"]["min_percent"] == 0.13
