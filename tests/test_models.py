import numpy as np
import pytest

from tsadlab.errors import ConfigError
from tsadlab.models import MODELS, build_model, is_baseline
from tsadlab.models.common import unrolled_copy
from tsadlab.runtime import load_keras

keras = load_keras("jax")


def test_tutorial_architecture_and_parameter_count():
    model = build_model("lstm_ae", window=30, n_features=1)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["LSTM", "Dropout", "RepeatVector", "LSTM", "Dropout", "TimeDistributed"]
    # LSTM(128) on 1 feature: 4 * (128 * (1 + 128) + 128) = 66,560; decoder LSTM(128) on 128:
    # 4 * (128 * 256 + 128) = 131,584; Dense(1) per step: 129.
    assert model.count_params() == 66_560 + 131_584 + 129
    assert model.output_shape == (None, 30, 1)


def test_deeper_multivariate_model_reconstructs_every_channel():
    model = build_model(
        "lstm_ae", window=12, n_features=3, encoder_units=[8, 4], decoder_units=[4, 8], dropout=0.0
    )
    x = np.random.default_rng(0).normal(size=(5, 12, 3)).astype("float32")
    assert model.predict(x, verbose=0).shape == (5, 12, 3)
    assert sum(type(layer).__name__ == "LSTM" for layer in model.layers) == 4


# Small settings for each architecture of the zoo.
SMALL = {
    "lstm_ae": {"encoder_units": [3], "decoder_units": [3]},
    "gru_ae": {"encoder_units": [3], "decoder_units": [3]},
    "conv_ae": {"filters": [4, 2], "kernel_size": 3},
    "dense_ae": {"encoder_units": [8, 2], "decoder_units": [8]},
    "lstm_vae": {"encoder_units": [3], "decoder_units": [3], "latent_dim": 2},
}


@pytest.mark.parametrize("name", sorted(m for m in MODELS if not is_baseline(m)))
def test_every_model_reconstructs_every_channel_and_reloads_safely(tmp_path, name):
    # 13 steps: not a multiple of the convolutional model's stride product (4)
    x = np.random.default_rng(0).normal(size=(16, 13, 3)).astype("float32")
    model = build_model(name, window=13, n_features=3, **SMALL[name])
    history = model.fit(x, x, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    predicted = model.predict(x, verbose=0)
    assert predicted.shape == x.shape
    np.testing.assert_array_equal(predicted, model.predict(x, verbose=0))  # deterministic
    unrolled = unrolled_copy(model)  # what scoring many windows predicts with
    if name in ("conv_ae", "dense_ae"):
        assert unrolled is None
    else:
        assert all(layer.unroll for layer in unrolled.layers if hasattr(layer, "unroll"))
        np.testing.assert_allclose(unrolled.predict(x, verbose=0), predicted, atol=1e-6)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predicted, rtol=1e-5, atol=1e-6)


def test_gru_parameter_count():
    # GRU(128) on 1 feature (reset_after): 3 * (128 * (1 + 128) + 2 * 128) = 50,304; decoder
    # GRU(128) on 128: 3 * (128 * 256 + 2 * 128) = 99,072; Dense(1) per step: 129.
    assert build_model("gru_ae", window=30, n_features=1).count_params() == 50_304 + 99_072 + 129


def test_vae_adds_its_kl_term_to_the_loss():
    x = np.random.default_rng(0).normal(size=(8, 6, 1)).astype("float32")
    plain = build_model("lstm_vae", window=6, n_features=1, **SMALL["lstm_vae"], kl_weight=0.0)
    weighted = build_model("lstm_vae", window=6, n_features=1, **SMALL["lstm_vae"], kl_weight=5)
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
        build_model("lstm_ae", window=5, n_features=1, **params)


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
        build_model(name, window=5, n_features=1, **params)


def test_unknown_model_name():
    with pytest.raises(ConfigError, match="model.name=transformer"):
        build_model("transformer", window=5, n_features=1)
