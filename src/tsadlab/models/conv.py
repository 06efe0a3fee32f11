"""Convolutional autoencoder, as in the keras-io time-series anomaly detection example:
strided Conv1D layers down, Conv1DTranspose layers back up."""

from collections.abc import Sequence

import keras

from tsadlab.errors import ConfigError
from tsadlab.models import check_shape
from tsadlab.models.common import check_dropout, check_sizes, compile_model


def build_conv_ae(
    window: int,
    n_features: int,
    filters: Sequence[int] = (32, 16),
    kernel_size: int = 7,
    dropout: float = 0.2,
    loss: str = "mae",
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Conv1D(filters[i], stride 2, relu) per entry, dropout after the first, then the
    transposed layers in reverse and a Conv1DTranspose(n_features) output.

    Each stride halves the length, so the input is zero-padded at the end to a multiple of
    2**len(filters) and the output cropped back to `window`: any window works.
    """
    check_shape(window, n_features)
    sizes = check_sizes("filters", filters)
    check_dropout(dropout)
    if kernel_size < 1:
        raise ConfigError(f"Received: model.kernel_size={kernel_size} (must be >= 1)")
    factor = 2 ** len(sizes)
    padded = -(-window // factor) * factor
    inputs = keras.Input(shape=(window, n_features), name="window")
    x = keras.layers.ZeroPadding1D((0, padded - window), name="pad")(inputs)
    for i, size in enumerate(sizes):
        x = keras.layers.Conv1D(
            size, kernel_size, strides=2, padding="same", activation="relu", name=f"conv_{i}"
        )(x)
        if i == 0:
            x = keras.layers.Dropout(dropout, name="encoder_dropout")(x)
    for i, size in enumerate(reversed(sizes)):
        x = keras.layers.Conv1DTranspose(
            size, kernel_size, strides=2, padding="same", activation="relu", name=f"deconv_{i}"
        )(x)
        if i == 0:
            x = keras.layers.Dropout(dropout, name="decoder_dropout")(x)
    x = keras.layers.Conv1DTranspose(n_features, kernel_size, padding="same", name="output")(x)
    outputs = keras.layers.Cropping1D((0, padded - window), name="crop")(x)
    model = keras.Model(inputs, outputs, name="conv_ae")
    return compile_model(model, loss, optimizer, learning_rate)
