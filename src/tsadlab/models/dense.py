"""Fully connected autoencoder over the flattened window: the simplest baseline network."""

from collections.abc import Sequence

import keras

from tsadlab.models import check_shape
from tsadlab.models.common import check_dropout, check_sizes, compile_model


def build_dense_ae(
    window: int,
    n_features: int,
    encoder_units: Sequence[int] = (64, 16),
    decoder_units: Sequence[int] = (64,),
    dropout: float = 0.0,
    loss: str = "mae",
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Flatten -> Dense(relu) per encoder entry (the last is the code) -> Dense(relu) per
    decoder entry -> Dense(window * n_features) -> Reshape to the window."""
    check_shape(window, n_features)
    encoder = check_sizes("encoder_units", encoder_units)
    decoder = check_sizes("decoder_units", decoder_units)
    check_dropout(dropout)
    layers: list[keras.layers.Layer] = [
        keras.Input(shape=(window, n_features), name="window"),
        keras.layers.Flatten(name="flatten"),
    ]
    for part, sizes in (("encoder", encoder), ("decoder", decoder)):
        for i, units in enumerate(sizes):
            layers += [
                keras.layers.Dense(units, activation="relu", name=f"{part}_dense_{i}"),
                keras.layers.Dropout(dropout, name=f"{part}_dropout_{i}"),
            ]
    layers += [
        keras.layers.Dense(window * n_features, name="output"),
        keras.layers.Reshape((window, n_features), name="window_shape"),
    ]
    model = keras.Sequential(layers, name="dense_ae")
    return compile_model(model, loss, optimizer, learning_rate)
