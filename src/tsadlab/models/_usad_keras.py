"""USAD's Keras side: the two-autoencoder model, its layer and its epoch callback.
Importing this module imports Keras, so `usad.py` imports it when it builds and
`load_keras_model` before it loads; why the layers and the loss look as they do is in
`usad.py`'s docstring."""

import keras
import numpy as np
from keras import ops

from tsadlab.runtime import raise_if_terminated

AUTOENCODERS = (1, 2)


@keras.saving.register_keras_serializable(package="tsadlab")
class UsadDense(keras.layers.Layer):
    """A Dense layer whose kernel and bias are each a sum of parts, one per autoencoder in
    `owners` (1: AE1, 2: AE2). Called with `learner=k`, gradients reach only the parts that
    AE k owns (the others are held constant); `learner=None` lets every part learn.
    Initialised as PyTorch's nn.Linear (uniform in +-1/sqrt(fan_in)); parts after the first
    start at zero, so that the sum starts as one such layer."""

    def __init__(
        self, units: int, activation: str | None = None, owners: tuple = (1,), **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.owners = tuple(owners)
        self._activation = keras.activations.get(activation)

    def build(self, input_shape) -> None:
        fan_in = int(input_shape[-1])
        bound = 1.0 / np.sqrt(fan_in)
        self.kernels, self.biases = [], []
        for i, owner in enumerate(self.owners):
            first = i == 0
            kernel_init = keras.initializers.VarianceScaling(1 / 3, "fan_in", "uniform")
            bias_init = keras.initializers.RandomUniform(-bound, bound)
            self.kernels.append(
                self.add_weight(
                    name=f"kernel_ae{owner}",
                    shape=(fan_in, self.units),
                    initializer=kernel_init if first else "zeros",
                )
            )
            self.biases.append(
                self.add_weight(
                    name=f"bias_ae{owner}",
                    shape=(self.units,),
                    initializer=bias_init if first else "zeros",
                )
            )

    def call(self, inputs, learner: int | None = None):
        kernel = self._combined(self.kernels, learner)
        bias = self._combined(self.biases, learner)
        return self._activation(ops.matmul(inputs, kernel) + bias)

    def _combined(self, parts: list, learner: int | None):
        """The sum of the parts, with gradients only to those of `learner` (None: all)."""
        total = None
        for owner, part in zip(self.owners, parts, strict=True):
            value = part if learner in (None, owner) else ops.stop_gradient(part)
            total = value if total is None else total + value
        return total

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "owners": list(self.owners),
        }


@keras.saving.register_keras_serializable(package="tsadlab")
class Usad(keras.Model):
    """USAD on flattened windows: a shared encoder (its weights = AE1's part + AE2's part)
    and two decoders. `model(x)` is AE1's reconstruction, shaped like the window;
    `score_windows` gives USAD's score per window; training minimises L1 for AE1's part of
    the encoder and L2 for AE2's, weighted by the epoch number n held in `epoch_number` (set
    by the `fit_callbacks()` callback); the decoders learn from L1 + L2, or with
    `adversarial_decoders` decoder 1 from L1 and decoder 2 from L2."""

    def __init__(
        self,
        window: int,
        n_features: int,
        hidden_units: list[int],
        latent_dim: int,
        alpha: float = 0.5,
        beta: float = 0.5,
        output_activation: str = "sigmoid",
        adversarial_decoders: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.window = window
        self.n_features = n_features
        self.hidden_units = [int(u) for u in hidden_units]
        self.latent_dim = latent_dim
        self.alpha = alpha
        self.beta = beta
        self.output_activation = output_activation
        self.adversarial_decoders = adversarial_decoders
        size = window * n_features
        encoder_sizes = [*self.hidden_units, latent_dim]
        decoder_sizes = [*reversed(self.hidden_units), size]
        self.encoder = [
            UsadDense(units, "relu", AUTOENCODERS, name=f"encoder_{i}")
            for i, units in enumerate(encoder_sizes)
        ]
        self.decoder1, self.decoder2 = (
            [
                UsadDense(
                    units,
                    "relu" if i < len(decoder_sizes) - 1 else output_activation,
                    (owner,),
                    name=f"decoder{owner}_{i}",
                )
                for i, units in enumerate(decoder_sizes)
            ]
            for owner in AUTOENCODERS
        )
        self.epoch_number = self.add_weight(
            name="epoch_number", shape=(), initializer="ones", trainable=False
        )
        self.loss1_tracker = keras.metrics.Mean(name="loss1")
        self.loss2_tracker = keras.metrics.Mean(name="loss2")

    def build(self, input_shape=None) -> None:
        size = self.window * self.n_features
        for layers, first in (
            (self.encoder, size),
            (self.decoder1, self.latent_dim),
            (self.decoder2, self.latent_dim),
        ):
            for layer in layers:
                if not layer.built:
                    layer.build((None, first))
                first = layer.units

    def call(self, inputs, training=None):
        w1 = self.decode(self.encode(self.flatten(inputs)), self.decoder1)
        return ops.reshape(w1, (-1, self.window, self.n_features))

    def flatten(self, x):
        """(batch, window, features) windows as (batch, window * features) rows W."""
        return ops.reshape(ops.cast(x, self.compute_dtype), (-1, self.window * self.n_features))

    def encode(self, w, learner: int | None = None):
        """The shared encoder's code of the rows `w`."""
        for layer in self.encoder:
            w = layer(w, learner=learner)
        return w

    def decode(self, z, decoder: list, learner: int | None = None):
        """One decoder's rows from the codes `z`."""
        for layer in decoder:
            z = layer(z, learner=learner)
        return z

    def reconstructions(self, w, learner: int | None = None):
        """(w1, w2, w3) = AE1(W), AE2(W), AE2(AE1(W)), with gradients only to what autoencoder
        `learner` owns: its part of the encoder, and its decoder if the decoders are
        adversarial (else both decoders learn from either loss); None: everything learns."""
        decoders_learner = learner if self.adversarial_decoders else None
        z = self.encode(w, learner)
        w1 = self.decode(z, self.decoder1, decoders_learner)
        w2 = self.decode(z, self.decoder2, decoders_learner)
        w3 = self.decode(self.encode(w1, learner), self.decoder2, decoders_learner)
        return w1, w2, w3

    def usad_losses(self, x):
        """(L1, L2): USAD's losses of the windows `x` at the epoch number n,
        L1 = 1/n mse(W, w1) + (1 - 1/n) mse(W, w3), L2 = 1/n mse(W, w2) - (1 - 1/n) mse(W, w3),
        L1 with gradients to AE1's part of the encoder, L2 to AE2's (the decoders: see
        `reconstructions`)."""
        w = self.flatten(x)
        weight = 1.0 / ops.cast(self.epoch_number, w.dtype)
        w1, _, w3 = self.reconstructions(w, learner=1)
        loss1 = weight * _mse(w, w1) + (1 - weight) * _mse(w, w3)
        _, w2, w3 = self.reconstructions(w, learner=2)
        loss2 = weight * _mse(w, w2) - (1 - weight) * _mse(w, w3)
        return loss1, loss2

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """L1 + L2, with each loss's gradient routed as `usad_losses` says (the target y, the
        prediction and sample weights are not used)."""
        loss1, loss2 = self.usad_losses(x)
        self.loss1_tracker.update_state(loss1)
        self.loss2_tracker.update_state(loss2)
        return loss1 + loss2

    def window_scores(self, x):
        """alpha * mse(W, AE1(W)) + beta * mse(W, AE2(AE1(W))) of each window in `x`."""
        w = self.flatten(x)
        w1 = self.decode(self.encode(w), self.decoder1)
        w3 = self.decode(self.encode(w1), self.decoder2)
        return self.alpha * _mse(w, w1, axis=-1) + self.beta * _mse(w, w3, axis=-1)

    def score_windows(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """USAD's score of each window in `x` (n, window, features), computed a batch at a
        time, so that only one batch of windows is ever held as a tensor (eagerly: for these
        few Dense layers as fast as a compiled predict, measured on JAX)."""
        scores = np.empty(len(x))
        for start in range(0, len(x), batch_size):
            batch = ops.convert_to_tensor(np.ascontiguousarray(x[start : start + batch_size]))
            scores[start : start + len(batch)] = ops.convert_to_numpy(self.window_scores(batch))
            raise_if_terminated()
        return scores

    def fit_callbacks(self) -> list:
        """What tsadlab's fit adds to the callbacks: the one that sets the epoch number."""
        return [UsadEpochNumber(self)]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "window": self.window,
            "n_features": self.n_features,
            "hidden_units": self.hidden_units,
            "latent_dim": self.latent_dim,
            "alpha": self.alpha,
            "beta": self.beta,
            "output_activation": self.output_activation,
            "adversarial_decoders": self.adversarial_decoders,
        }


class UsadEpochNumber(keras.callbacks.Callback):
    """Sets USAD's epoch number n = epoch + 1 as each epoch begins, so that n counts from 1
    and goes on from where a resumed training (`initial_epoch`) starts."""

    def __init__(self, usad: Usad) -> None:
        super().__init__()
        self.usad = usad

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.usad.epoch_number.assign(epoch + 1)


def _mse(w, reconstruction, axis=None):
    return ops.mean(ops.square(w - reconstruction), axis=axis)
