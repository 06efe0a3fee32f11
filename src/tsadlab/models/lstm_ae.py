"""LSTM autoencoder: the tutorial's architecture, with sizes and depth from config."""

from collections.abc import Sequence

import keras

from tsadlab.errors import ConfigError


def build_lstm_ae(
    window: int,
    n_features: int,
    encoder_units: Sequence[int] = (128,),
    decoder_units: Sequence[int] = (128,),
    dropout: float = 0.2,
    loss: str = "mae",
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """LSTM encoder -> RepeatVector(window) -> LSTM decoder -> TimeDistributed(Dense), compiled.

    With one encoder and one decoder layer of 128 units and dropout 0.2 this is the tutorial's
    model; every LSTM but the encoder's last returns sequences.
    """
    _check(window, n_features, encoder_units, decoder_units, dropout, learning_rate)
    layers: list[keras.layers.Layer] = [keras.Input(shape=(window, n_features), name="window")]
    for i, units in enumerate(encoder_units):
        last = i == len(encoder_units) - 1
        layers += [
            keras.layers.LSTM(int(units), return_sequences=not last, name=f"encoder_lstm_{i}"),
            keras.layers.Dropout(dropout, name=f"encoder_dropout_{i}"),
        ]
    layers.append(keras.layers.RepeatVector(window, name="repeat"))
    for i, units in enumerate(decoder_units):
        layers += [
            keras.layers.LSTM(int(units), return_sequences=True, name=f"decoder_lstm_{i}"),
            keras.layers.Dropout(dropout, name=f"decoder_dropout_{i}"),
        ]
    layers.append(keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output"))
    model = keras.Sequential(layers, name="lstm_ae")
    model.compile(loss=_loss(loss), optimizer=_optimizer(optimizer, learning_rate))
    return model


def _loss(name: str) -> keras.losses.Loss | str:
    try:
        keras.losses.get(name)
    except ValueError:
        raise ConfigError(
            f"Received: model.loss={name} (must be a Keras loss such as mae, mse, huber)"
        ) from None
    return name


def _optimizer(name: str, learning_rate: float) -> keras.optimizers.Optimizer:
    try:
        return keras.optimizers.get(
            {"class_name": name, "config": {"learning_rate": learning_rate}}
        )
    except ValueError:
        raise ConfigError(
            f"Received: model.optimizer={name} "
            "(must be a Keras optimizer such as adam, rmsprop, sgd)"
        ) from None


def _check(
    window: int,
    n_features: int,
    encoder_units: Sequence[int],
    decoder_units: Sequence[int],
    dropout: float,
    learning_rate: float,
) -> None:
    if window < 2 or n_features < 1:
        raise ConfigError(f"Received: window={window}, n_features={n_features} (need >= 2, >= 1)")
    for key, units in (("encoder_units", encoder_units), ("decoder_units", decoder_units)):
        if len(units) == 0 or any(int(u) < 1 for u in units):
            raise ConfigError(
                f"Received: model.{key}={list(units)} (must be a non-empty list of positive ints)"
            )
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"Received: model.dropout={dropout} (must be in [0, 1))")
    if not learning_rate > 0:
        raise ConfigError(f"Received: model.learning_rate={learning_rate} (must be > 0)")
