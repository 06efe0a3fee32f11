import numpy as np
import pytest

from tsadlab.errors import ConfigError
from tsadlab.models import build_model
from tsadlab.runtime import load_keras

keras = load_keras("tensorflow")


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


def test_saved_model_loads_in_safe_mode(tmp_path):
    model = build_model("lstm_ae", window=5, n_features=1, encoder_units=[3], decoder_units=[3])
    x = np.ones((2, 5, 1), dtype="float32")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


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


def test_unknown_model_name():
    with pytest.raises(ConfigError, match="model.name=transformer"):
        build_model("transformer", window=5, n_features=1)
