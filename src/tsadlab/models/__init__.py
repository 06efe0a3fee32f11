"""Model registry: one builder function per architecture, imported only when it is used.

Builders import Keras, whose backend is fixed at first import; keeping the registry as import
paths lets the pipeline choose the backend before any model module is loaded.
"""

import importlib
from collections.abc import Callable
from typing import Any

from tsadlab.errors import ConfigError

MODELS: dict[str, str] = {
    "lstm_ae": "tsadlab.models.recurrent:build_lstm_ae",
    "gru_ae": "tsadlab.models.recurrent:build_gru_ae",
    "conv_ae": "tsadlab.models.conv:build_conv_ae",
    "dense_ae": "tsadlab.models.dense:build_dense_ae",
    "lstm_vae": "tsadlab.models.vae:build_lstm_vae",
    "isolation_forest": "tsadlab.models.baselines:build_isolation_forest",
    "rolling_zscore": "tsadlab.models.baselines:build_rolling_zscore",
    "random_score": "tsadlab.models.baselines:build_random_score",
}
# Not Keras models: fitted once on the training windows, given the run's seed, never saved
# as model.keras (their fitted state would need pickle); a rerun refits them identically.
BASELINES = ("isolation_forest", "rolling_zscore", "random_score")


def is_baseline(name: str) -> bool:
    """Whether `name` is a baseline detector rather than a Keras model."""
    return name in BASELINES


def check_shape(window: int, n_features: int) -> None:
    """A window of at least 2 steps and at least one feature (every builder checks it; here,
    where importing it loads no Keras, so that the baselines can share it)."""
    if window < 2 or n_features < 1:
        raise ConfigError(f"Received: window={window}, n_features={n_features} (need >= 2, >= 1)")


def get_builder(name: str) -> Callable[..., Any]:
    """The builder function registered as `name`."""
    if name not in MODELS:
        raise ConfigError(f"Received: model.name={name} (must be one of {tuple(MODELS)})")
    module, function = MODELS[name].split(":")
    return getattr(importlib.import_module(module), function)


def build_model(name: str, **params: Any) -> Any:
    """Build and compile the registered model `name` with its config parameters."""
    return get_builder(name)(**params)
