"""Recurrent autoencoders: the tutorial's LSTM one, and the same shape with GRU cells."""

from dataclasses import dataclass, field
from typing import Any

from tsadlab.models import KerasModelConfig, check_dropout, check_sizes, register_model


@dataclass
class LstmAeConfig(KerasModelConfig):
    """The tutorial's LSTM autoencoder: LSTM(128) -> Dropout -> RepeatVector -> LSTM(128) ->
    Dropout -> TimeDistributed(Dense). Lists give one LSTM layer per entry."""

    name: str = "lstm_ae"
    encoder_units: list[int] = field(default_factory=lambda: [128])
    decoder_units: list[int] = field(default_factory=lambda: [128])
    dropout: float = 0.2


@dataclass
class GruAeConfig(LstmAeConfig):
    """The same autoencoder with GRU cells (a quarter fewer parameters per layer)."""

    name: str = "gru_ae"


def build_recurrent_ae(cell: str, cfg: LstmAeConfig, window: int, n_features: int) -> Any:
    """Recurrent encoder -> RepeatVector(window) -> recurrent decoder ->
    TimeDistributed(Dense(n_features)), compiled; every layer but the encoder's last returns
    sequences."""
    import keras

    from tsadlab.models._keras import compile_model
    from tsadlab.models._recurrent_layers import GRU, LSTM

    encoder = check_sizes("encoder_units", cfg.encoder_units)
    decoder = check_sizes("decoder_units", cfg.decoder_units)
    check_dropout(cfg.dropout)
    layer = {"lstm": LSTM, "gru": GRU}[cell]
    layers: list[Any] = [keras.Input(shape=(window, n_features), name="window")]
    for i, units in enumerate(encoder):
        last = i == len(encoder) - 1
        layers += [
            layer(units, return_sequences=not last, name=f"encoder_{cell}_{i}"),
            keras.layers.Dropout(cfg.dropout, name=f"encoder_dropout_{i}"),
        ]
    layers.append(keras.layers.RepeatVector(window, name="repeat"))
    for i, units in enumerate(decoder):
        layers += [
            layer(units, return_sequences=True, repeated_input=i == 0, name=f"decoder_{cell}_{i}"),
            keras.layers.Dropout(cfg.dropout, name=f"decoder_dropout_{i}"),
        ]
    layers.append(keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output"))
    model = keras.Sequential(layers, name=f"{cell}_ae")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)


@register_model(LstmAeConfig)
def build_lstm_ae(cfg: LstmAeConfig, window: int, n_features: int, seed: int) -> Any:
    """The LSTM autoencoder (with the defaults, the tutorial's model)."""
    return build_recurrent_ae("lstm", cfg, window, n_features)


@register_model(GruAeConfig)
def build_gru_ae(cfg: GruAeConfig, window: int, n_features: int, seed: int) -> Any:
    """The GRU autoencoder."""
    return build_recurrent_ae("gru", cfg, window, n_features)
