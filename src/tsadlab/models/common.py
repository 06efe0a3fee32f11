"""What every Keras builder shares: checking sizes and compiling with a named loss and
optimizer; and the unrolled copy of a trained model that scoring many windows uses."""

from collections.abc import Sequence

import keras

from tsadlab.errors import ConfigError
from tsadlab.runtime import tensorflow_hidden_from_keras


def check_sizes(key: str, sizes: Sequence[int]) -> list[int]:
    """`sizes` as ints: a non-empty list of positive layer sizes for `model.<key>`."""
    if len(sizes) == 0 or any(int(u) < 1 for u in sizes):
        raise ConfigError(
            f"Received: model.{key}={list(sizes)} (must be a non-empty list of positive ints)"
        )
    return [int(u) for u in sizes]


def check_dropout(dropout: float) -> None:
    """Dropout in [0, 1)."""
    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"Received: model.dropout={dropout} (must be in [0, 1))")


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


# Keras' recurrent layers, by class name in a model config.
RECURRENT_LAYERS = ("LSTM", "GRU", "SimpleRNN")


def unrolled_copy(model: keras.Model) -> keras.Model | None:
    """A copy of `model` with its recurrent layers unrolled and its weights, for inference;
    None when it has no recurrent layer to unroll.

    A rolled layer runs its steps as a loop (a scan on JAX); unrolled, XLA compiles every
    step into one program and fuses across them. That predicts 2-2.5x faster on CPU with the
    tutorial's model on JAX (experiments/benchmarks), the same numbers, but compiles longer,
    and trains far slower: so it is for scoring many windows only.
    """
    with tensorflow_hidden_from_keras():  # Keras' (de)serialization imports it, on any backend
        config = model.get_config()
        if not _unroll(config):
            return None
        copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy


def _unroll(config: object) -> bool:
    """Set unroll=True on every rolled recurrent layer in a (nested) model config; whether
    any was found."""
    found = False
    if isinstance(config, dict):
        if config.get("class_name") in RECURRENT_LAYERS and not config["config"].get("unroll"):
            config["config"]["unroll"] = True
            found = True
        for value in config.values():
            found = _unroll(value) or found
    elif isinstance(config, list):
        for value in config:
            found = _unroll(value) or found
    return found
