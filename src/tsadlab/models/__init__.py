"""Model registry: one builder function per architecture, imported only when it is used.

Builders import Keras, whose backend is fixed at first import; keeping the registry as import
paths lets the pipeline choose the backend before any model module is loaded.
"""

import importlib
from collections.abc import Callable
from typing import Any

from tsadlab.errors import ConfigError

MODELS: dict[str, str] = {
    "lstm_ae": "tsadlab.models.lstm_ae:build_lstm_ae",
}


def get_builder(name: str) -> Callable[..., Any]:
    """The builder function registered as `name`."""
    if name not in MODELS:
        raise ConfigError(f"Received: model.name={name} (must be one of {tuple(MODELS)})")
    module, function = MODELS[name].split(":")
    return getattr(importlib.import_module(module), function)


def build_model(name: str, **params: Any) -> Any:
    """Build and compile the registered model `name` with its config parameters."""
    return get_builder(name)(**params)
