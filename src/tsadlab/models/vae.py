"""Variational LSTM autoencoder: an LSTM encoder to a Gaussian latent code, sampled in
training and taken at its mean when scoring, so that its reconstruction error is a
deterministic anomaly score."""

from collections.abc import Sequence

import keras
from keras import ops

from tsadlab.errors import ConfigError
from tsadlab.models import check_shape
from tsadlab.models.common import check_dropout, check_sizes, compile_model


@keras.saving.register_keras_serializable(package="tsadlab")
class LatentSample(keras.layers.Layer):
    """z = mean + exp(log_var / 2) * noise in training, z = mean otherwise; adds the KL
    divergence from N(0, I), times `kl_weight`, to the model's loss."""

    def __init__(self, kl_weight: float = 0.01, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kl_weight = kl_weight
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        mean, log_var = inputs
        kl = -0.5 * ops.mean(ops.sum(1 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1))
        self.add_loss(self.kl_weight * kl)
        if not training:
            return mean
        noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_var) * noise

    def get_config(self) -> dict:
        return {**super().get_config(), "kl_weight": self.kl_weight, "seed": self.seed}


def build_lstm_vae(
    window: int,
    n_features: int,
    encoder_units: Sequence[int] = (128,),
    decoder_units: Sequence[int] = (128,),
    latent_dim: int = 16,
    kl_weight: float = 0.01,
    dropout: float = 0.2,
    loss: str = "mae",
    optimizer: str = "adam",
    learning_rate: float = 1e-3,
) -> keras.Model:
    """LSTM encoder -> Dense mean and log-variance (latent_dim) -> sample -> RepeatVector ->
    LSTM decoder -> TimeDistributed(Dense(n_features)); loss = reconstruction + KL term."""
    check_shape(window, n_features)
    encoder = check_sizes("encoder_units", encoder_units)
    decoder = check_sizes("decoder_units", decoder_units)
    check_dropout(dropout)
    if latent_dim < 1:
        raise ConfigError(f"Received: model.latent_dim={latent_dim} (must be >= 1)")
    if not kl_weight >= 0:
        raise ConfigError(f"Received: model.kl_weight={kl_weight} (must be >= 0)")
    inputs = keras.Input(shape=(window, n_features), name="window")
    x = inputs
    for i, units in enumerate(encoder):
        x = keras.layers.LSTM(
            units, return_sequences=i < len(encoder) - 1, name=f"encoder_lstm_{i}"
        )(x)
        x = keras.layers.Dropout(dropout, name=f"encoder_dropout_{i}")(x)
    mean = keras.layers.Dense(latent_dim, name="z_mean")(x)
    log_var = keras.layers.Dense(latent_dim, name="z_log_var")(x)
    x = LatentSample(kl_weight, name="z")([mean, log_var])
    x = keras.layers.RepeatVector(window, name="repeat")(x)
    for i, units in enumerate(decoder):
        x = keras.layers.LSTM(units, return_sequences=True, name=f"decoder_lstm_{i}")(x)
        x = keras.layers.Dropout(dropout, name=f"decoder_dropout_{i}")(x)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="output")(x)
    model = keras.Model(inputs, outputs, name="lstm_vae")
    return compile_model(model, loss, optimizer, learning_rate)
