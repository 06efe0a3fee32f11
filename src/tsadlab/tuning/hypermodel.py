"""The pipeline as a KerasTuner HyperModel: each trial's config is the run config with the
trial's values set, built by the same builder and fitted by the same fit as `tsadlab-train`.

A trial that changes how the data is loaded, prepared or windowed gets its own windows;
those are cached, since a search revisits the same few windows and transforms.
"""

import dataclasses
import json
from collections import Counter
from typing import Any

import keras_tuner
import numpy as np

from tsadlab.config import RunConfig, settings_of, to_run_config
from tsadlab.data.prepare import PreparedSeries, prepare
from tsadlab.data.series import Series
from tsadlab.data.sources import load_dataset
from tsadlab.data.windows import Windows, make_windows, row_splits
from tsadlab.detection.detect import detect
from tsadlab.errors import ConfigError, TsadlabError
from tsadlab.metrics import METRICS, labeled_report
from tsadlab.metrics.vus import vus_buffer
from tsadlab.models import is_keras_model
from tsadlab.protocol import Protocol, fitted_data
from tsadlab.scoring.align import align_errors
from tsadlab.scoring.predict import check_scoring, predict_errors
from tsadlab.training.fit import fit, new_model
from tsadlab.tuning.config import LOSS_OBJECTIVE, detection_objectives
from tsadlab.tuning.space import SearchSpace, apply_values

# Data keys by the stage that uses them; a trial varying one redoes that stage and later ones.
PREPARE_KEYS = (
    "train_fraction",
    "test_start",
    "source_split",
    "transform",
    "scaler",
    "scaler_range",
)
WINDOW_KEYS = ("window", "stride", "tail_rows")


class PipelineHyperModel(keras_tuner.HyperModel):
    """Builds and fits one trial of a search over the run settings (plain data)."""

    def __init__(self, settings: dict, space: SearchSpace, objective: str = "auto") -> None:
        super().__init__(name="tsadlab")
        settings = {k: v for k, v in settings.items() if k != "search"}  # the run's part
        cfg = to_run_config(settings)
        if not is_keras_model(cfg.model):
            raise ConfigError(
                f"Received: model={cfg.model.name} (a detector has no training to tune: "
                "searches are for Keras models; compare detectors with a sweep)"
            )
        if cfg.trainer.validation_split <= 0:
            raise ConfigError(
                f"Received: trainer.validation_split={cfg.trainer.validation_split} (a search "
                "needs a validation part: must be > 0)"
            )
        self.settings = settings
        self.space = space
        self._cache: dict[str, Any] = {}
        self._builds: Counter[str] = Counter()
        self.objective = choose_objective(cfg, objective, validation_labels(self, cfg))

    def declare_hyperparameters(self, hp: keras_tuner.HyperParameters) -> None:
        self.space.declare(hp)

    def trial_settings(self, hp: keras_tuner.HyperParameters) -> dict:
        """The run settings of the trial whose hyperparameters are `hp`, as plain data."""
        return apply_values(self.settings, self.space.declare(hp))

    def trial_config(self, hp: keras_tuner.HyperParameters) -> RunConfig:
        """The run config of the trial whose hyperparameters are `hp`."""
        return to_run_config(self.trial_settings(hp))

    def start_trial(self) -> None:
        """Forget the executions counted for the previous trial."""
        self._builds.clear()

    def build(self, hp: keras_tuner.HyperParameters) -> Any:
        try:
            cfg = self.trial_config(hp)
            # Each execution of a trial gets its own seed, so repeats measure seed variance.
            key = json.dumps(hp.values, sort_keys=True, default=str)
            seed = cfg.seed + self._builds[key]
            self._builds[key] += 1
            n_features = len(self.series(cfg).columns)
            return new_model(cfg.model, cfg.data.window, n_features, seed, cfg.backend)
        except TsadlabError as exc:
            raise keras_tuner.errors.FailedTrialError(str(exc)) from None

    def fit(
        self,
        hp: keras_tuner.HyperParameters,
        model: Any,
        *args: Any,
        callbacks: list | None = None,
        epochs: int | None = None,
        initial_epoch: int = 0,
        **kwargs: Any,
    ) -> dict[str, float]:
        """Fit the trial's model; returns its objective with the other validation metrics."""
        try:
            cfg = self.trial_config(hp)
            prepared, windows = self.windows(cfg)
            if self.objective != LOSS_OBJECTIVE:  # scored on the training period only
                check_scoring(model, cfg.scoring, training_part(windows), cfg.model.name)
            history = fit(model, windows, cfg.trainer, cfg.seed, callbacks, epochs, initial_epoch)
            metrics = {
                LOSS_OBJECTIVE: float(history["val_loss"].min()),
                "epochs_run": float(len(history)),
            }
            if self.objective != LOSS_OBJECTIVE:
                metrics.update(validation_metrics(model, prepared, windows, cfg))
        except TsadlabError as exc:
            raise keras_tuner.errors.FailedTrialError(str(exc)) from None
        if not np.isfinite(metrics[self.objective]):
            raise keras_tuner.errors.FailedTrialError(
                f"objective {self.objective} is {metrics[self.objective]}"
            )
        return metrics

    def series(self, cfg: RunConfig) -> Series:
        """The one series the search runs on, loaded once per loading config."""
        data = settings_of(cfg.data)
        key = "load:" + _key({k: v for k, v in data.items() if k not in PREPARE_KEYS + WINDOW_KEYS})
        if key not in self._cache:
            dataset = load_dataset(cfg.data)
            if len(dataset) != 1:
                raise ConfigError(
                    f"Received a data config of {len(dataset)} series (a search runs on one "
                    "series: choose one, e.g. data.series=<name>)"
                )
            self._cache[key] = dataset.load(dataset.names[0])
        return self._cache[key]

    def windows(self, cfg: RunConfig) -> tuple[PreparedSeries, Windows]:
        """The trial's prepared series and windows (cached per data config)."""
        data = settings_of(cfg.data)
        prepare_key = "prepare:" + _key({k: v for k, v in data.items() if k not in WINDOW_KEYS})
        if prepare_key not in self._cache:
            data_split = fitted_data(cfg.data, cfg.protocol)
            self._cache[prepare_key] = prepare(self.series(cfg), data_split)
        prepared = self._cache[prepare_key]
        target, split = cfg.model.target, cfg.trainer.validation_split
        window_key = "windows:" + _key([data, target.value, split])
        if window_key not in self._cache:
            self._cache[window_key] = make_windows(
                prepared, cfg.data.window, target, cfg.data.stride, split, cfg.data.tail_rows
            )
        return prepared, self._cache[window_key]


def training_part(windows: Windows) -> Windows:
    """The windows of the training period only: a search never scores the test part."""
    return dataclasses.replace(windows, x_test=windows.x_train[:0], y_test=windows.y_train[:0])


def validation_metrics(
    model: Any, prepared: PreparedSeries, windows: Windows, cfg: RunConfig
) -> dict[str, float]:
    """Detection metrics on the validation rows, with the configured threshold fitted on the
    training period's scores; the test part is neither scored nor looked at."""
    if prepared.labels is None:
        raise ConfigError("a detection objective needs a labeled series (or objective=val_loss)")
    n = prepared.n_train
    errors = predict_errors(model, training_part(windows), prepared, cfg.scoring, cfg.trainer)
    scores = align_errors(errors, n, n, windows.span, cfg.data.stride, cfg.scoring)
    split = row_splits(n, n, windows)
    detection = detect(cfg.threshold, prepared.timestamps[:n], scores, split)
    val = split == "val"
    buffer, _ = vus_buffer(cfg.metrics.vus_buffer, prepared.raw[:n, 0])  # training rows only
    report = labeled_report(prepared.labels[:n][val], detection.flags[val], scores[val], buffer)
    values = {}
    for objective, (metric, column) in detection_objectives().items():
        value = METRICS.get(metric).values(report[metric])[column]
        values[objective] = float("nan") if value is None else float(value)
    return values


def choose_objective(cfg: RunConfig, requested: str, labeled_val_rows: int) -> str:
    """`auto`: a detection metric when the validation part holds labeled anomalies, else
    val_loss. An explicit detection objective without labeled validation rows is an error,
    and so is one under a protocol that scores the training part too (`tsb_ad`, `orion`):
    the labels it tunes on would be scored again."""
    if requested == "auto":
        scores_only_test = cfg.protocol is Protocol.split
        return "val_event_f1" if labeled_val_rows and scores_only_test else LOSS_OBJECTIVE
    if requested != LOSS_OBJECTIVE and cfg.protocol is not Protocol.split:
        raise ConfigError(
            f"Received: search.objective={requested} with protocol={cfg.protocol.value} (that "
            "protocol scores the training part too, so tuning on its labels would choose on "
            "scored labels; use objective=val_loss, protocol=split, or tune on other series)"
        )
    if requested != LOSS_OBJECTIVE and not labeled_val_rows:
        raise ConfigError(
            f"Received: search.objective={requested} (the validation part of "
            f"{cfg.data.name} holds no labeled anomaly; use objective=val_loss or "
            "a series with anomalies before the test part)"
        )
    return requested


def validation_labels(hypermodel: PipelineHyperModel, cfg: RunConfig) -> int:
    """How many labeled anomaly rows the default trial's validation part holds."""
    prepared, windows = hypermodel.windows(cfg)
    if prepared.labels is None:
        return 0
    split = row_splits(prepared.n_train, prepared.n_train, windows)
    return int(prepared.labels[: prepared.n_train][split == "val"].sum())


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
