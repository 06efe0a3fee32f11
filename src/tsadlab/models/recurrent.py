"""Recurrent autoencoders: the tutorial's LSTM one, and the same shape with GRU cells."""

from collections.abc import Sequence
from typing import Any

import keras

from tsadlab.models import check_shape
from tsadlab.models.common import check_dropout, check_sizes, compile_model

CELLS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


def build_recurrent_ae(
    cell: str,
    window: int,
    n_features: int,
    encoder_units: Sequence[int] = (128,),
    decoder_units: Sequence[int] = (128,),
    dropout: float = 0.2,
    loss: str = "mae",
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Recurrent encoder -> RepeatVector(window) -> recurrent decoder ->
    TimeDistributed(Dense(n_features)), compiled; every layer but the encoder's last returns
    sequences."""
    check_shape(window, n_features)
    encoder = check_sizes("encoder_units", encoder_units)
    decoder = check_sizes("decoder_units", decoder_units)
    check_dropout(dropout)
    layer = CELLS[cell]
    layers: list[keras.layers.Layer] = [keras.Input(shape=(window, n_features), name="window")]
    for i, units in enumerate(encoder):
        last = i == len(encoder) - 1
        layers += [
            layer(units, return_sequences=not last, name=f"encoder_{cell}_{i}"),
            keras.layers.Dropout(dropout, name=f"encoder_dropout_{i}"),
        ]
    layers.append(keras.layers.RepeatVector(window, name="repeat"))
    for i, units in enumerate(decoder):
        layers += [
            layer(units, return_sequences=True, name=f"decoder_{cell}_{i}"),
            keras.layers.Dropout(dropout, name=f"decoder_dropout_{i}"),
        ]
    layers.append(keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output"))
    model = keras.Sequential(layers, name=f"{cell}_ae")
    return compile_model(model, loss, optimizer, learning_rate)


def build_lstm_ae(window: int, n_features: int, **params: Any) -> keras.Model:
    """The LSTM autoencoder. With one encoder and one decoder layer of 128 units and dropout
    0.2 (the defaults) this is the tutorial's model."""
    return build_recurrent_ae("lstm", window, n_features, **params)


def build_gru_ae(window: int, n_features: int, **params: Any) -> keras.Model:
    """The same autoencoder with GRU cells (a quarter fewer parameters per layer)."""
    return build_recurrent_ae("gru", window, n_features, **params)
