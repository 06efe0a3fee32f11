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
    nab = "nab"
    synthetic = "synthetic"


class MissingPolicy(Enum):
    error = "error"
    ffill = "ffill"
    interpolate = "interpolate"
    drop = "drop"


class DuplicatePolicy(Enum):
    error = "error"
    mean = "mean"
    first = "first"
    last = "last"


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
    point = "point"


class FitOn(Enum):
    train = "train"
    val = "val"


class Backend(Enum):
    tensorflow = "tensorflow"
    jax = "jax"
    torch = "torch"


@dataclass
class DataConfig:
    """Keys every data source has: what to do with the series once loaded."""

    source: Source = MISSING
    name: str = MISSING
    rows: int | None = None
    missing: MissingPolicy = MissingPolicy.error
    duplicates: DuplicatePolicy = DuplicatePolicy.error
    resample: str | None = None
    train_fraction: float = 0.8
    test_start: str | None = None
    transform: Transform = Transform.none
    scaler: Scaler = Scaler.standard
    scaler_range: list[float] = field(default_factory=lambda: [0.0, 1.0])
    window: int = 30
    stride: int = 1


@dataclass
class Sp500DataConfig(DataConfig):
    source: Source = Source.sp500
    name: str = "sp500"


@dataclass
class CsvDataConfig(DataConfig):
    source: Source = Source.csv
    name: str = "csv"
    path: str = MISSING
    time_column: str = "timestamp"
    value_columns: list[str] = field(default_factory=lambda: ["value"])
    label_column: str | None = None
    time_format: str | None = None


@dataclass
class NabDataConfig(DataConfig):
    source: Source = Source.nab
    name: str = "nab"
    root: str = MISSING
    category: str | None = None
    series: str | None = None


@dataclass
class SyntheticDataConfig(DataConfig):
    source: Source = Source.synthetic
    name: str = "synthetic"
    length: int = 5000
    period: int = 100
    amplitude: float = 1.0
    trend: float = 0.0
    noise: float = 0.1
    anomalies: list[str] = field(
        default_factory=lambda: [
            "spike",
            "level_shift",
            "variance_burst",
            "flatline",
            "frequency_change",
        ]
    )
    n_anomalies: int = 10
    anomaly_length: int = 50
    clean_fraction: float = 0.5
    seed: int = 0
    freq: str = "h"
    # one series per kind in `anomalies` (a dataset, like a NAB category) instead of one
    # series cycling through them
    suite: bool = False


@dataclass
class ModelConfig:
    """Keys every model has; each architecture's schema adds its own."""

    name: str = MISSING
    target: Target = Target.reconstruction


@dataclass
class CompiledModelConfig(ModelConfig):
    """Keys of every Keras model: its loss and optimizer."""

    loss: str = "mae"
    optimizer: str = "adam"
    learning_rate: float = 0.001


@dataclass
class LstmAeConfig(CompiledModelConfig):
    name: str = "lstm_ae"
    encoder_units: list[int] = field(default_factory=lambda: [128])
    decoder_units: list[int] = field(default_factory=lambda: [128])
    dropout: float = 0.2


@dataclass
class GruAeConfig(LstmAeConfig):
    name: str = "gru_ae"


@dataclass
class ConvAeConfig(CompiledModelConfig):
    name: str = "conv_ae"
    filters: list[int] = field(default_factory=lambda: [32, 16])
    kernel_size: int = 7
    dropout: float = 0.2


@dataclass
class DenseAeConfig(CompiledModelConfig):
    name: str = "dense_ae"
    encoder_units: list[int] = field(default_factory=lambda: [64, 16])
    decoder_units: list[int] = field(default_factory=lambda: [64])
    dropout: float = 0.0


@dataclass
class LstmVaeConfig(LstmAeConfig):
    name: str = "lstm_vae"
    latent_dim: int = 16
    kl_weight: float = 0.01


@dataclass
class IsolationForestConfig(ModelConfig):
    name: str = "isolation_forest"
    n_estimators: int = 100
    max_samples: int = 256


@dataclass
class RollingZScoreConfig(ModelConfig):
    name: str = "rolling_zscore"
    robust: bool = False


@dataclass
class RandomScoreConfig(ModelConfig):
    name: str = "random_score"


@dataclass
class TrainerConfig:
    epochs: int = 50
    batch_size: int = 32
    shuffle: bool = False
    validation_split: float = 0.1
    patience: int = 3
    min_delta: float = 0.0
    restore_best_weights: bool = True
    tensorboard: bool = False
    predict_batch_size: int = 1024
    predict_unroll_from: int | None = 50000
    steps_per_epoch: int | None = None
    verbose: int = 2
    resume: bool = True
    resume_dir: str | None = "outputs/.resume"


@dataclass
class ScoringConfig:
    error: ErrorMetric = ErrorMetric.mae
    alignment: Alignment = Alignment.end
    smoothing: float = 0.0


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
class MeanStdThresholdConfig(ThresholdConfig):
    name: str = "mean_std"
    k: float = 3.0


@dataclass
class MadThresholdConfig(ThresholdConfig):
    name: str = "mad"
    k: float = 3.0


@dataclass
class PotThresholdConfig(ThresholdConfig):
    name: str = "pot"
    level: float = 0.98
    q: float = 0.001
    streaming: bool = False


@dataclass
class DynamicThresholdConfig(ThresholdConfig):
    name: str = "dynamic"
    smoothing_span: int = 105
    window: int = 2100
    step: int = 70
    z_min: float = 2.5
    z_max: float = 12.0
    z_step: float = 0.5
    padding: int = 100
    min_percent: float = 0.13
    max_sequences: int = 5


@dataclass
class WindowedStdThresholdConfig(ThresholdConfig):
    name: str = "windowed_std"
    k: float = 4.0
    window_portion: float = 0.33
    step_portion: float = 0.1
    padding: int = 50
    min_percent: float = 0.1


@dataclass
class BestF1ThresholdConfig(ThresholdConfig):
    name: str = "best_f1"


@dataclass
class RunConfig:
    # Any: each data source, model and threshold strategy has its own schema, checked by its
    # group file.
    data: Any = MISSING
    model: Any = MISSING
    trainer: TrainerConfig = MISSING
    threshold: Any = MISSING
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    name: str = "default"
    seed: int = 0
    backend: Backend = Backend.jax


class TunerKind(Enum):
    random = "random"
    bayesian = "bayesian"
    hyperband = "hyperband"


class SearchObjective(Enum):
    auto = "auto"  # val_loss without labels, val_event_f1 with labeled validation rows
    val_loss = "val_loss"
    val_event_f1 = "val_event_f1"
    val_point_f1 = "val_point_f1"
    val_pr_auc = "val_pr_auc"
    val_roc_auc = "val_roc_auc"
    val_vus_pr = "val_vus_pr"


@dataclass
class SearchConfig:
    """A KerasTuner search: the tuner, its budget, and the space as {config key: spec}."""

    name: str = MISSING
    tuner: TunerKind = TunerKind.random
    max_trials: int = 20
    executions_per_trial: int = 1
    seed: int = 0
    objective: SearchObjective = SearchObjective.auto
    max_epochs: int | None = None  # hyperband's budget per model; null: trainer.epochs
    factor: int = 3  # hyperband's reduction factor
    max_consecutive_failed_trials: int = 10
    directory: str = "outputs/tune"
    retrain_best: bool = False
    space: dict[str, Any] = field(default_factory=dict)


@dataclass
class TuneConfig(RunConfig):
    search: SearchConfig = MISSING


@dataclass
class EvaluateConfig:
    run_dir: str = MISSING
    threshold: Any = MISSING
    alignment: Alignment | None = None
    name: str | None = None


def register_configs() -> None:
    """Register every schema in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=RunConfig)
    cs.store(name="base_evaluate", node=EvaluateConfig)
    cs.store(name="base_tune", node=TuneConfig)
    cs.store(group="search", name="base_search", node=SearchConfig)
    cs.store(group="data", name="base_sp500", node=Sp500DataConfig)
    cs.store(group="data", name="base_csv", node=CsvDataConfig)
    cs.store(group="data", name="base_nab", node=NabDataConfig)
    cs.store(group="data", name="base_synthetic", node=SyntheticDataConfig)
    cs.store(group="model", name="base_lstm_ae", node=LstmAeConfig)
    cs.store(group="model", name="base_gru_ae", node=GruAeConfig)
    cs.store(group="model", name="base_conv_ae", node=ConvAeConfig)
    cs.store(group="model", name="base_dense_ae", node=DenseAeConfig)
    cs.store(group="model", name="base_lstm_vae", node=LstmVaeConfig)
    cs.store(group="model", name="base_isolation_forest", node=IsolationForestConfig)
    cs.store(group="model", name="base_rolling_zscore", node=RollingZScoreConfig)
    cs.store(group="model", name="base_random_score", node=RandomScoreConfig)
    cs.store(group="trainer", name="base_trainer", node=TrainerConfig)
    cs.store(group="threshold", name="base_fixed", node=FixedThresholdConfig)
    cs.store(group="threshold", name="base_quantile", node=QuantileThresholdConfig)
    cs.store(group="threshold", name="base_max", node=MaxThresholdConfig)
    cs.store(group="threshold", name="base_mean_std", node=MeanStdThresholdConfig)
    cs.store(group="threshold", name="base_mad", node=MadThresholdConfig)
    cs.store(group="threshold", name="base_pot", node=PotThresholdConfig)
    cs.store(group="threshold", name="base_dynamic", node=DynamicThresholdConfig)
    cs.store(group="threshold", name="base_windowed_std", node=WindowedStdThresholdConfig)
    cs.store(group="threshold", name="base_best_f1", node=BestF1ThresholdConfig)
