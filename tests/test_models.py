"""The Keras models: the tutorial's architecture exactly, the others' shapes, and their
settings checked in one line. What every model must do (train, save, reload safely) is the
contract test's (test_contracts.py)."""

import numpy as np
import pytest
from conftest import model_config

from tsadlab.errors import ConfigError
from tsadlab.models import build_model
from tsadlab.runtime import load_keras
from tsadlab.scoring.predict import unrolled_copy

keras = load_keras("jax")


def keras_model(name: str, window: int, n_features: int, **params):
    return build_model(model_config(name, **params), window, n_features)


def test_tutorial_architecture_and_parameter_count():
    model = keras_model("lstm_ae", window=30, n_features=1)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["LSTM", "Dropout", "RepeatVector", "LSTM", "Dropout", "TimeDistributed"]
    # LSTM(128) on 1 feature: 4 * (128 * (1 + 128) + 128) = 66,560; decoder LSTM(128) on 128:
    # 4 * (128 * 256 + 128) = 131,584; Dense(1) per step: 129.
    assert model.count_params() == 66_560 + 131_584 + 129
    assert model.output_shape == (None, 30, 1)


def test_deeper_multivariate_model_reconstructs_every_channel():
    model = keras_model(
        "lstm_ae", window=12, n_features=3, encoder_units=[8, 4], decoder_units=[4, 8], dropout=0.0
    )
    x = np.random.default_rng(0).normal(size=(5, 12, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (5, 12, 3)
    assert sum(type(layer).__name__ == "LSTM" for layer in model.layers) == 4


SMALL_VAE = {"encoder_units": [3], "decoder_units": [3], "latent_dim": 2}


@pytest.mark.parametrize("name", ["lstm_ae", "gru_ae", "lstm_vae"])
def test_the_unrolled_copy_predicts_the_same_numbers(name):
    x = np.random.default_rng(0).normal(size=(16, 13, 3)).astype("float32")
    model = keras_model(name, window=13, n_features=3, encoder_units=[3], decoder_units=[3])
    model.fit(x, x, epochs=1, batch_size=8, verbose=0)
    unrolled = unrolled_copy(model)  # what scoring many windows predicts with
    assert all(layer.unroll for layer in unrolled.layers if hasattr(layer, "unroll"))
    np.testing.assert_allclose(
        unrolled.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


@pytest.mark.parametrize("name", ["conv_ae", "dense_ae"])
def test_models_without_recurrent_layers_have_no_unrolled_copy(name):
    assert unrolled_copy(keras_model(name, window=13, n_features=3)) is None


def test_gru_parameter_count():
    # GRU(128) on 1 feature (reset_after): 3 * (128 * (1 + 128) + 2 * 128) = 50,304; decoder
    # GRU(128) on 128: 3 * (128 * 256 + 2 * 128) = 99,072; Dense(1) per step: 129.
    assert keras_model("gru_ae", window=30, n_features=1).count_params() == 50_304 + 99_072 + 129


def test_vae_adds_its_kl_term_to_the_loss():
    x = np.random.default_rng(0).normal(size=(8, 6, 1)).astype("float32")
    plain = keras_model("lstm_vae", window=6, n_features=1, **SMALL_VAE, kl_weight=0.0)
    weighted = keras_model("lstm_vae", window=6, n_features=1, **SMALL_VAE, kl_weight=5)
    weighted.set_weights(plain.get_weights())
    # at their common mean code, the two differ only by 5 * KL (> 0 for any non-zero code)
    assert weighted.evaluate(x, x, verbose=0) > plain.evaluate(x, x, verbose=0)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"encoder_units": []}, "model.encoder_units=\\[\\]"),
        ({"decoder_units": [0]}, "model.decoder_units=\\[0\\]"),
        ({"dropout": 1.0}, "model.dropout=1.0"),
        ({"learning_rate": 0.0}, "model.learning_rate=0.0"),
        ({"optimizer": "nope"}, "model.optimizer=nope"),
    ],
)
def test_bad_model_settings(params, message):
    with pytest.raises(ConfigError, match=message):
        keras_model("lstm_ae", window=5, n_features=1, **params)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("conv_ae", {"filters": []}, "model.filters=\\[\\]"),
        ("conv_ae", {"kernel_size": 0}, "model.kernel_size=0"),
        ("dense_ae", {"encoder_units": [0]}, "model.encoder_units=\\[0\\]"),
        ("lstm_vae", {"latent_dim": 0}, "model.latent_dim=0 \\(must be >= 1\\)"),
        ("lstm_vae", {"kl_weight": -1.0}, "model.kl_weight=-1.0"),
        ("gru_ae", {"loss": "nope"}, "model.loss=nope"),
    ],
)
def test_bad_settings_of_other_models(name, params, message):
    with pytest.raises(ConfigError, match=message):
        keras_model(name, window=5, n_features=1, **params)


def test_unknown_model_name_lists_the_registered_ones():
    with pytest.raises(
        ConfigError,
        match="model.name=transformer \\(must be one of aer, cnn_forecaster, conv_ae, dense_ae",
    ):
        model_config("transformer")
