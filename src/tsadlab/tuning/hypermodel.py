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

from tsadlab.data.dataset import load_dataset
from tsadlab.data.prepare import PreparedSeries, prepare
from tsadlab.detection import detect
from tsadlab.errors import ConfigError, TsadlabError
from tsadlab.metrics import detection_report
from tsadlab.models import is_baseline
from tsadlab.pipeline import (
    Windows,
    align_errors,
    build_configured_model,
    fit_configured_model,
    make_windows,
    predict_errors,
    row_splits,
)
from tsadlab.tuning.space import SearchSpace, apply_values

# Data keys by the stage that uses them; a trial varying one redoes that stage and later ones.
PREPARE_KEYS = ("train_fraction", "test_start", "transform", "scaler", "scaler_range")
WINDOW_KEYS = ("window", "stride")

# Search objective -> (direction, how to read it from a validation detection report).
DETECTION_OBJECTIVES = {
    "val_event_f1": lambda r: r.event["f1"],
    "val_point_f1": lambda r: r.point["f1"],
    "val_pr_auc": lambda r: r.auc["pr_auc"],
    "val_roc_auc": lambda r: r.auc["roc_auc"],
    "val_vus_pr": lambda r: r.vus_pr,
}


def objective_direction(objective: str) -> str:
    """'min' for the validation loss, 'max' for every detection metric."""
    return "min" if objective == "val_loss" else "max"


class PipelineHyperModel(keras_tuner.HyperModel):
    """Builds and fits one trial of a search over the run config `settings`."""

    def __init__(self, settings: dict, space: SearchSpace, objective: str = "auto") -> None:
        super().__init__(name="tsadlab")
        if is_baseline(settings["model"]["name"]):
            raise ConfigError(
                f"Received: model={settings['model']['name']} (a baseline has no training to "
                "tune: searches are for Keras models; compare baselines with a sweep)"
            )
        if settings["trainer"]["validation_split"] <= 0:
            raise ConfigError(
                f"Received: trainer.validation_split={settings['trainer']['validation_split']} "
                "(a search needs a validation part: must be > 0)"
            )
        self.settings = settings
        self.space = space
        self._cache: dict[str, Any] = {}
        self._builds: Counter[str] = Counter()
        self.objective = choose_objective(settings, objective, validation_labels(self))

    def declare_hyperparameters(self, hp: keras_tuner.HyperParameters) -> None:
        self.space.declare(hp)

    def trial_settings(self, hp: keras_tuner.HyperParameters) -> dict:
        """The run settings of the trial whose hyperparameters are `hp`."""
        return apply_values(self.settings, self.space.declare(hp))

    def start_trial(self) -> None:
        """Forget the executions counted for the previous trial."""
        self._builds.clear()

    def build(self, hp: keras_tuner.HyperParameters) -> Any:
        s = self.trial_settings(hp)
        # Each execution of a trial gets its own seed, so that repeats measure seed variance.
        key = json.dumps(hp.values, sort_keys=True, default=str)
        s["seed"] += self._builds[key]
        self._builds[key] += 1
        try:
            n_features = len(self.series(s).columns)
            return build_configured_model(s, n_features)
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
        s = self.trial_settings(hp)
        try:
            prepared, windows = self.windows(s)
            history = fit_configured_model(
                model, s, windows, None, callbacks, epochs, initial_epoch
            )
            metrics = {
                "val_loss": float(history["val_loss"].min()),
                "epochs_run": float(len(history)),
            }
            if self.objective != "val_loss":
                metrics.update(validation_metrics(model, prepared, windows, s))
        except TsadlabError as exc:
            raise keras_tuner.errors.FailedTrialError(str(exc)) from None
        if not np.isfinite(metrics[self.objective]):
            raise keras_tuner.errors.FailedTrialError(
                f"objective {self.objective} is {metrics[self.objective]}"
            )
        return metrics

    def series(self, s: dict) -> Any:
        """The one series the search runs on, loaded once per loading config."""
        d = s["data"]
        key = "load:" + _key({k: v for k, v in d.items() if k not in PREPARE_KEYS + WINDOW_KEYS})
        if key not in self._cache:
            dataset = load_dataset(d)
            if len(dataset) != 1:
                raise ConfigError(
                    f"Received a data config of {len(dataset)} series (a search runs on one "
                    "series: choose one, e.g. data.series=<name>)"
                )
            self._cache[key] = dataset[0]
        return self._cache[key]

    def windows(self, s: dict) -> tuple[PreparedSeries, Windows]:
        """The trial's prepared series and windows (cached per data config)."""
        d = s["data"]
        prepare_key = "prepare:" + _key({k: v for k, v in d.items() if k not in WINDOW_KEYS})
        if prepare_key not in self._cache:
            self._cache[prepare_key] = prepare(
                self.series(s),
                d["train_fraction"],
                d["test_start"],
                d["transform"],
                d["scaler"],
                d["scaler_range"],
            )
        prepared = self._cache[prepare_key]
        window_key = "windows:" + _key([d, s["model"]["target"], s["trainer"]["validation_split"]])
        if window_key not in self._cache:
            self._cache[window_key] = make_windows(
                prepared,
                d["window"],
                s["model"]["target"],
                d["stride"],
                s["trainer"]["validation_split"],
            )
        return prepared, self._cache[window_key]


def validation_metrics(
    model: Any, prepared: PreparedSeries, windows: Windows, s: dict
) -> dict[str, float]:
    """Detection metrics on the validation rows, with the configured threshold fitted on the
    training period's scores; the test part is neither scored nor looked at."""
    if prepared.labels is None:
        raise ConfigError("a detection objective needs a labeled series (or objective=val_loss)")
    n = prepared.n_train
    training_only = dataclasses.replace(windows, x_test=windows.x_train[:0])
    errors = predict_errors(model, training_only, prepared, s)
    scores = align_errors(errors, n, n, windows.span, s["data"]["stride"], s["scoring"])
    split = row_splits(n, n, windows, s["data"]["stride"])
    detection = detect(s["threshold"], prepared.timestamps[:n], scores, split)
    val = split == "val"
    report = detection_report(
        prepared.labels[:n][val], detection.flags[val], scores[val], s["data"]["window"]
    )
    return {name: float(read(report)) for name, read in DETECTION_OBJECTIVES.items()}


def choose_objective(settings: dict, requested: str, labeled_val_rows: int) -> str:
    """`auto`: a detection metric when the validation part holds labeled anomalies, else
    val_loss. An explicit detection objective without labeled validation rows is an error."""
    if requested == "auto":
        return "val_event_f1" if labeled_val_rows else "val_loss"
    if requested != "val_loss" and not labeled_val_rows:
        raise ConfigError(
            f"Received: search.objective={requested} (the validation part of "
            f"{settings['data']['name']} holds no labeled anomaly; use objective=val_loss or "
            "a series with anomalies before the test part)"
        )
    return requested


def validation_labels(hypermodel: PipelineHyperModel) -> int:
    """How many labeled anomaly rows the default trial's validation part holds."""
    s = hypermodel.settings
    prepared, windows = hypermodel.windows(s)
    if prepared.labels is None:
        return 0
    split = row_splits(prepared.n_train, prepared.n_train, windows, s["data"]["stride"])
    return int(prepared.labels[: prepared.n_train][split == "val"].sum())


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
