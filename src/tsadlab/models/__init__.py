"""Models: the registry, the schemas every model extends, and `build_model`.

A model is one module of this package (or a plugin) that registers its schema with a
builder. A Keras model's schema extends `KerasModelConfig` and its builder returns a compiled
`keras.Model` that reconstructs windows (trained by tsadlab's fit, scored by reconstruction
error); any other detector's schema extends `DetectorConfig` and its builder returns a
`WindowDetector` (fitted once on the training windows, one score per window):

    @dataclass
    class MyAeConfig(KerasModelConfig):
        name: str = "my_ae"
        units: int = 32

    @register_model(MyAeConfig)
    def build_my_ae(cfg: MyAeConfig, window: int, n_features: int, seed: int) -> keras.Model:
        import keras  # here, not at the top: the backend is chosen after the config
        ...

Modules here are imported to find the built-in models before the Keras backend is chosen,
so none imports Keras at import time; `_keras.py` holds what the builders need from it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import MISSING
from sklearn.base import BaseEstimator

from tsadlab.data.windows import Target
from tsadlab.errors import ConfigError
from tsadlab.registry import Kind, Registry, origin
from tsadlab.scoring.config import Alignment


@dataclass
class ModelConfig:
    """Keys every model has; each model's schema adds its own."""

    name: str = MISSING
    target: Target = Target.reconstruction


@dataclass
class KerasModelConfig(ModelConfig):
    """Keys of every Keras model: its loss and optimizer."""

    loss: str = "mae"
    optimizer: str = "adam"
    learning_rate: float = 0.001


@dataclass
class DetectorConfig(ModelConfig):
    """Keys of a detector that is not a Keras model (fitted once, no epochs)."""


class WindowDetector(BaseEstimator):
    """A detector that is not a Keras model: `fit(windows)` learns from (n, window, features)
    training windows and returns self; `score_windows(windows)` gives one score per window
    (higher = more anomalous). Its fitted state is not saved (that would need pickle); the
    same config and seed refit it identically."""

    def fit(self, windows: np.ndarray) -> "WindowDetector":
        return self

    def score_windows(self, windows: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: its name, schema and builder."""

    name: str
    schema: type[ModelConfig]
    build: Callable[..., Any]
    origin: str
    # whether its results depend on the run's seed; a detector that is not gives the same
    # scores for every seed, so a benchmark runs it once (the contract test checks it)
    seeded: bool = True
    # the channels it can take: None for any number, 1 for a univariate method (build_model
    # refuses more in one line; the contract test checks it)
    channels: int | None = None
    # whether its Keras model scores windows itself (`score_windows`, as USAD does) rather
    # than by the run's scoring.error; a WindowDetector always does (the contract test checks it)
    keras_scores_windows: bool = False
    # the rows its authors give a window's score (`scoring.alignment=auto` takes it); for a
    # model scored by a per-row error it changes nothing
    alignment: Alignment = Alignment.end

    @property
    def keras(self) -> bool:
        """Whether the builder returns a Keras model (else a WindowDetector)."""
        return issubclass(self.schema, KerasModelConfig)

    @property
    def scores_itself(self) -> bool:
        """Whether the built model scores windows its own way (`scoring.predict.scores_itself`
        of it), known before it is built."""
        return not self.keras or self.keras_scores_windows


MODELS: Registry[ModelSpec] = Registry(Kind("model", "model.name", "model", "tsadlab.models"))


def register_model(
    schema: type[ModelConfig],
    *,
    seeded: bool = True,
    channels: int | None = None,
    keras_scores_windows: bool = False,
    alignment: str = "end",
) -> Callable[[Callable], Callable]:
    """Register the decorated builder as the model named by `schema.name`; `seeded=False`
    declares a detector whose scores do not depend on the seed (Keras models always do);
    `channels=1` declares a univariate method (`build_model` refuses several channels);
    `keras_scores_windows=True` a Keras model with its own `score_windows`; `alignment`
    the rows its authors give a window's score (`scoring.config.Alignment`: end, mean or
    centre)."""
    aligned = Alignment(alignment)
    if aligned is Alignment.auto:
        raise TypeError(f"{schema.__name__}: a model declares end, mean or centre alignment")
    if not issubclass(schema, KerasModelConfig | DetectorConfig):
        raise TypeError(f"{schema.__name__} must extend KerasModelConfig or DetectorConfig")
    if not seeded and issubclass(schema, KerasModelConfig):
        raise TypeError(f"{schema.__name__}: a Keras model's initial weights depend on the seed")
    if keras_scores_windows and not issubclass(schema, KerasModelConfig):
        raise TypeError(f"{schema.__name__}: a detector scores its windows already")

    def decorate(build: Callable) -> Callable:
        spec = ModelSpec(
            schema.name,
            schema,
            build,
            origin(build),
            seeded=seeded,
            channels=channels,
            keras_scores_windows=keras_scores_windows,
            alignment=aligned,
        )
        MODELS.add(spec, schema)
        return build

    return decorate


def resolved_alignment(alignment: Alignment | str, model_name: str) -> Alignment:
    """`alignment`, or, for `auto`, the alignment model `model_name` declares (its authors')."""
    alignment = Alignment(alignment)
    return MODELS.get(model_name).alignment if alignment is Alignment.auto else alignment


def is_keras_model(model: ModelConfig) -> bool:
    """Whether the configured model is a Keras model (else a WindowDetector)."""
    return MODELS.get(model.name).keras


def uses_keras(model: ModelConfig) -> bool:
    """Whether fitting `model` runs Keras: a Keras model, or a detector with Keras `members`
    (an ensemble), which then needs the run's backend loaded first."""
    members = getattr(model, "members", None) or []
    return is_keras_model(model) or any(MODELS.get(str(m)).keras for m in members)


def uses_seed(model: ModelConfig) -> bool:
    """Whether `model`'s scores depend on the run's seed: its own, or any of its `members`'
    (an ensemble's)."""
    members = getattr(model, "members", None) or []
    return MODELS.get(model.name).seeded or any(MODELS.get(str(m)).seeded for m in members)


def build_model(model: ModelConfig, window: int, n_features: int, seed: int = 0) -> Any:
    """Build the configured model (a Keras model compiled, or a WindowDetector). Keras must
    already run on the chosen backend (`runtime.load_keras`)."""
    spec = MODELS.get(model.name)
    if not isinstance(model, spec.schema):
        raise ConfigError(
            f"Received: model.name={model.name} with the keys of {type(model).__name__} "
            f"(choose the model as a group: model={model.name})"
        )
    if not spec.keras and model.target is not Target.reconstruction:
        raise ConfigError(
            f"Received: model.target={model.target.value} with model={model.name} (a detector "
            "scores windows: use model.target=reconstruction)"
        )
    check_shape(window, n_features)
    built = spec.build(model, window, n_features, seed)
    # after the builder: a bad setting of the model is reported before the data's channels
    check_channels(spec.name, spec.channels, n_features)
    return built


def check_channels(name: str, channels: int | None, n_features: int) -> None:
    """Refuse, in one line, more channels than model `name` declares it takes (None: any)."""
    if channels is not None and n_features > channels:
        raise ConfigError(
            f"Received: model={name} with {n_features} channels (it takes {channels}: choose "
            "the column, data.value_columns=[name] for CSV data, or another model)"
        )


def check_shape(window: int, n_features: int) -> None:
    """A window of at least 2 steps and at least one feature."""
    if window < 2 or n_features < 1:
        raise ConfigError(f"Received: window={window}, n_features={n_features} (need >= 2, >= 1)")


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


def load_keras_model(path: str | Path) -> Any:
    """A saved `model.keras`, loaded in Keras' safe mode with tsadlab's own layers known
    (Keras must already run on the chosen backend)."""
    import keras

    from tsadlab.models import _keras, _recurrent_layers, _usad_keras  # noqa: F401  (register them)
    from tsadlab.private_apis import tensorflow_hidden_from_keras

    with tensorflow_hidden_from_keras():  # deserializing some layers imports it otherwise
        return keras.saving.load_model(path, safe_mode=True)
