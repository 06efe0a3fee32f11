"""Keras objects the builders share: compiling with a named loss and optimizer, and the
variational autoencoder's sampling layer. Importing this module imports Keras, so builders
import it when they run, after the backend is chosen."""

import keras
from keras import ops

from tsadlab.errors import ConfigError


def compile_model(
    model: keras.Model, loss: str, optimizer: str, learning_rate: float
) -> keras.Model:
    """Compile with Keras' loss and optimizer of these names; a bad name is one line."""
    if not learning_rate > 0:
        raise ConfigError(f"Received: model.learning_rate={learning_rate} (must be > 0)")
    try:
        keras.losses.get(loss)
    except ValueError:
        raise ConfigError(
            f"Received: model.loss={loss} (must be a Keras loss such as mae, mse, huber)"
        ) from None
    try:
        chosen = keras.optimizers.get(
            {"class_name": optimizer, "config": {"learning_rate": learning_rate}}
        )
    except ValueError:
        raise ConfigError(
            f"Received: model.optimizer={optimizer} "
            "(must be a Keras optimizer such as adam, rmsprop, sgd)"
        ) from None
    model.compile(loss=loss, optimizer=chosen)
    return model


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


@keras.saving.register_keras_serializable(package="tsadlab")
class ZeroStep(keras.layers.Layer):
    """One time step of zeros per sample, shaped (batch, 1, features) like the input: the
    start token of a decoder that forecasts from its states alone (TSB-AD's LSTMAD)."""

    def call(self, inputs):
        return ops.zeros_like(inputs[:, :1, :])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, input_shape[2])


@keras.saving.register_keras_serializable(package="tsadlab")
class AerLoss(keras.losses.Loss):
    """AER's loss (Wong et al., 2022): the MSE of a window's first step (the reverse
    regression), of its inner steps (the reconstruction) and of its last step (the forward
    regression), weighted reg_ratio / 2, 1 - reg_ratio and reg_ratio / 2. Per window, so that
    the batch mean equals Orion's three weighted outputs' losses."""

    def __init__(self, reg_ratio: float = 0.5, name: str = "aer_loss", **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.reg_ratio = reg_ratio

    def call(self, y_true, y_pred):
        squared = ops.square(y_pred - y_true)
        reverse = ops.mean(squared[:, 0], axis=-1)
        inner = ops.mean(squared[:, 1:-1], axis=(1, 2))
        forward = ops.mean(squared[:, -1], axis=-1)
        return self.reg_ratio / 2 * (reverse + forward) + (1 - self.reg_ratio) * inner

    def get_config(self) -> dict:
        return {**super().get_config(), "reg_ratio": self.reg_ratio}
