"""Convolutional autoencoder, as in the keras-io time-series anomaly detection example:
strided Conv1D layers down, Conv1DTranspose layers back up."""

from dataclasses import dataclass, field
from typing import Any

from tsadlab.errors import ConfigError
from tsadlab.models import KerasModelConfig, check_dropout, check_sizes, register_model


@dataclass
class ConvAeConfig(KerasModelConfig):
    """Conv1D(filters[i], stride 2, relu) per entry, dropout after the first, then the
    transposed layers in reverse and a Conv1DTranspose(n_features) output."""

    name: str = "conv_ae"
    filters: list[int] = field(default_factory=lambda: [32, 16])
    kernel_size: int = 7
    dropout: float = 0.2


@register_model(ConvAeConfig)
def build_conv_ae(cfg: ConvAeConfig, window: int, n_features: int, seed: int) -> Any:
    """The convolutional autoencoder, compiled.

    Each stride halves the length, so the input is zero-padded at the end to a multiple of
    2**len(filters) and the output cropped back to `window`: any window works.
    """
    import keras

    from tsadlab.models._keras import compile_model

    sizes = check_sizes("filters", cfg.filters)
    check_dropout(cfg.dropout)
    if cfg.kernel_size < 1:
        raise ConfigError(f"Received: model.kernel_size={cfg.kernel_size} (must be >= 1)")
    factor = 2 ** len(sizes)
    padded = -(-window // factor) * factor
    inputs = keras.Input(shape=(window, n_features), name="window")
    x = keras.layers.ZeroPadding1D((0, padded - window), name="pad")(inputs)
    for i, size in enumerate(sizes):
        x = keras.layers.Conv1D(
            size, cfg.kernel_size, strides=2, padding="same", activation="relu", name=f"conv_{i}"
        )(x)
        if i == 0:
            x = keras.layers.Dropout(cfg.dropout, name="encoder_dropout")(x)
    for i, size in enumerate(reversed(sizes)):
        x = keras.layers.Conv1DTranspose(
            size,
            cfg.kernel_size,
            strides=2,
            padding="same",
            activation="relu",
            name=f"deconv_{i}",
        )(x)
        if i == 0:
            x = keras.layers.Dropout(cfg.dropout, name="decoder_dropout")(x)
    x = keras.layers.Conv1DTranspose(n_features, cfg.kernel_size, padding="same", name="output")(x)
    outputs = keras.layers.Cropping1D((0, padded - window), name="crop")(x)
    model = keras.Model(inputs, outputs, name="conv_ae")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
