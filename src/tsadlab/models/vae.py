"""Variational LSTM autoencoder: an LSTM encoder to a Gaussian latent code, sampled in
training and taken at its mean when scoring, so that its reconstruction error is a
deterministic anomaly score."""

from dataclasses import dataclass
from typing import Any

from tsadlab.errors import ConfigError
from tsadlab.models import check_dropout, check_sizes, register_model
from tsadlab.models.recurrent import LstmAeConfig


@dataclass
class LstmVaeConfig(LstmAeConfig):
    """LSTM encoder -> Dense mean and log-variance (latent_dim) -> sample -> RepeatVector ->
    LSTM decoder -> TimeDistributed(Dense); loss = reconstruction + kl_weight * KL."""

    name: str = "lstm_vae"
    latent_dim: int = 16
    kl_weight: float = 0.01


@register_model(LstmVaeConfig)
def build_lstm_vae(cfg: LstmVaeConfig, window: int, n_features: int, seed: int) -> Any:
    """The variational LSTM autoencoder, compiled."""
    import keras

    from tsadlab.models._keras import LatentSample, compile_model
    from tsadlab.models._recurrent_layers import LSTM

    encoder = check_sizes("encoder_units", cfg.encoder_units)
    decoder = check_sizes("decoder_units", cfg.decoder_units)
    check_dropout(cfg.dropout)
    if cfg.latent_dim < 1:
        raise ConfigError(f"Received: model.latent_dim={cfg.latent_dim} (must be >= 1)")
    if not cfg.kl_weight >= 0:
        raise ConfigError(f"Received: model.kl_weight={cfg.kl_weight} (must be >= 0)")
    inputs = keras.Input(shape=(window, n_features), name="window")
    x = inputs
    for i, units in enumerate(encoder):
        x = LSTM(units, return_sequences=i < len(encoder) - 1, name=f"encoder_lstm_{i}")(x)
        x = keras.layers.Dropout(cfg.dropout, name=f"encoder_dropout_{i}")(x)
    mean = keras.layers.Dense(cfg.latent_dim, name="z_mean")(x)
    log_var = keras.layers.Dense(cfg.latent_dim, name="z_log_var")(x)
    x = LatentSample(cfg.kl_weight, name="z")([mean, log_var])
    x = keras.layers.RepeatVector(window, name="repeat")(x)
    for i, units in enumerate(decoder):
        x = LSTM(units, return_sequences=True, repeated_input=i == 0, name=f"decoder_lstm_{i}")(x)
        x = keras.layers.Dropout(cfg.dropout, name=f"decoder_dropout_{i}")(x)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output")(x)
    model = keras.Model(inputs, outputs, name="lstm_vae")
    return compile_model(model, cfg.loss, cfg.optimizer, cfg.learning_rate)
