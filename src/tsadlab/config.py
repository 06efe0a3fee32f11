"""Structured-config schemas behind the YAML in conf/, registered in Hydra's ConfigStore.

Each group file in conf/ starts from one of these schemas (`defaults: [base_<name>]`), so a
misspelled key or an unknown choice fails when the config is composed and names what is valid.
"""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


class Source(Enum):
    sp500 = "sp500"
    csv = "csv"


class MissingPolicy(Enum):
    error = "error"
    ffill = "ffill"
    interpolate = "interpolate"
    drop = "drop"


class Transform(Enum):
    none = "none"
    diff = "diff"
    log_return = "log_return"


class Scaler(Enum):
    standard = "standard"
    minmax = "minmax"
    robust = "robust"
    none = "none"


class Target(Enum):
    reconstruction = "reconstruction"
    next = "next"


class Alignment(Enum):
    end = "end"
    mean = "mean"


class ErrorMetric(Enum):
    mae = "mae"
    mse = "mse"


class FitOn(Enum):
    train = "train"
    val = "val"


class Backend(Enum):
    tensorflow = "tensorflow"
    jax = "jax"
    torch = "torch"


@dataclass
class DataConfig:
    source: Source = Source.sp500
    name: str = "sp500"
    path: str | None = None
    time_column: str = "date"
    value_columns: list[str] = field(default_factory=lambda: ["close"])
    label_column: str | None = None
    time_format: str | None = None
    rows: int | None = None
    missing: MissingPolicy = MissingPolicy.error
    train_fraction: float = 0.8
    test_start: str | None = None
    transform: Transform = Transform.none
    scaler: Scaler = Scaler.standard
    window: int = 30
    stride: int = 1


@dataclass
class ModelConfig:
    """Keys every model has; each architecture's schema adds its own."""

    name: str = MISSING
    target: Target = Target.reconstruction


@dataclass
class LstmAeConfig(ModelConfig):
    name: str = "lstm_ae"
    encoder_units: list[int] = field(default_factory=lambda: [128])
    decoder_units: list[int] = field(default_factory=lambda: [128])
    dropout: float = 0.2
    loss: str = "mae"
    optimizer: str = "adam"
    learning_rate: float = 0.001


@dataclass
class TrainerConfig:
    epochs: int = 50
    batch_size: int = 32
    shuffle: bool = False
    validation_split: float = 0.1
    patience: int = 3
    restore_best_weights: bool = True
    tensorboard: bool = False
    predict_batch_size: int = 1024
    verbose: int = 2


@dataclass
class ScoringConfig:
    error: ErrorMetric = ErrorMetric.mae
    alignment: Alignment = Alignment.end


@dataclass
class ThresholdConfig:
    name: str = MISSING
    fit_on: FitOn = FitOn.train


@dataclass
class FixedThresholdConfig(ThresholdConfig):
    name: str = "fixed"
    value: float = 0.65


@dataclass
class QuantileThresholdConfig(ThresholdConfig):
    name: str = "quantile"
    q: float = 0.99


@dataclass
class MaxThresholdConfig(ThresholdConfig):
    name: str = "max"


@dataclass
class RunConfig:
    data: DataConfig = MISSING
    # Any: each model and threshold strategy has its own schema, checked by its group file.
    model: Any = MISSING
    trainer: TrainerConfig = MISSING
    threshold: Any = MISSING
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    name: str = "default"
    seed: int = 0
    backend: Backend = Backend.tensorflow


def register_configs() -> None:
    """Register every schema in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=RunConfig)
    cs.store(group="data", name="base_data", node=DataConfig)
    cs.store(group="model", name="base_lstm_ae", node=LstmAeConfig)
    cs.store(group="trainer", name="base_trainer", node=TrainerConfig)
    cs.store(group="threshold", name="base_fixed", node=FixedThresholdConfig)
    cs.store(group="threshold", name="base_quantile", node=QuantileThresholdConfig)
    cs.store(group="threshold", name="base_max", node=MaxThresholdConfig)
