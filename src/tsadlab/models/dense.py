"""Fully connected autoencoder over the flattened window: the simplest baseline network."""

from dataclasses import dataclass, field
from typing import Any

from tsadlab.models import KerasModelConfig, check_dropout, check_sizes, register_model


@dataclass
class DenseAeConfig(KerasModelConfig):
    """Flatten -> Dense(relu) per encoder entry (the last is the code) -> Dense(relu) per
    decoder entry -> Dense(window * n_features) -> Reshape to the window."""

    name: str = "dense_ae"
    encoder_units: list[int] = field(default_factory=lambda: [64, 16])
    decoder_units: list[int] = field(default_factory=lambda: [64])
    dropout: float = 0.0


@register_model(DenseAeConfig)
def build_dense_ae(cfg: DenseAeConfig, window: int, n_features: int, seed: int) -> Any:
    """The dense autoencoder, compiled."""
    import keras

    from tsadlab.models._keras import compile_model

    encoder = check_sizes("encoder_units", cfg.encoder_units)
    decoder = check_sizes("decoder_units", cfg.decoder_units)
    check_dropout(cfg.dropout)
    layers: list[Any] = [
        keras.Input(shape=(window, n_features), name="window"),
        keras.layers.Flatten(name="flatten"),
    ]
    for part, sizes in (("encoder", encoder), ("decoder", decoder)):
        for i, units in enumerate(sizes):
            layers += [
                keras.layers.Dense(units, activation="relu", name=f"{part}_dense_{i}"),
                keras.layers.Dropout(cfg.dropout, name=f"{part}_dropout_{i}"),
            ]
    layers += [
        keras.layers.Dense(window * n_features, name="output"),
        keras.layers.Reshape((window, n_features), name="window_shape"),
    ]
    model = keras.Sequential(layers, name="dense_ae")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
