"""One run: config -> series -> windows -> model -> scores -> threshold -> detections -> artifacts.

`run(cfg, run_dir)` is the whole job; the CLI in `train.py` only composes the config and
chooses the directory. Every stage below is a plain function a notebook can call too.
A data config naming several series (a NAB category) runs each into `series/<name>/` and
writes their aggregate (event counts micro-averaged, as the Orion benchmark does).
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from tsadlab import artifacts, plots
from tsadlab.data.dataset import load_dataset
from tsadlab.data.prepare import PreparedSeries, prepare, scaler_json
from tsadlab.data.series import Series
from tsadlab.data.windows import model_windows, validation_split_at, window_span
from tsadlab.detection import Detection, detect, is_oracle, threshold_params
from tsadlab.errors import ConfigError, DataError, TrainingError, TsadlabError
from tsadlab.metrics import EventCounts
from tsadlab.models import is_baseline
from tsadlab.models.baselines import WindowDetector
from tsadlab.resume import TrainingBackup
from tsadlab.run_summary import (
    column_means,
    detector_record,
    labeled_metrics,
    run_metrics,
    series_summary,
)
from tsadlab.runtime import (
    Terminated,
    git_commit,
    load_keras,
    package_versions,
    seed_everything,
)
from tsadlab.scoring import (
    point_errors,
    point_scores,
    predicted_window_errors,
    smooth_scores,
)
from tsadlab.thresholds import make_threshold
from tsadlab.training import check_trainer, fit_model, training_data

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a finished run wrote, also kept in memory for callers."""

    run_dir: Path
    metrics: dict
    scores: pd.DataFrame
    events: pd.DataFrame


@dataclass(frozen=True)
class Windows:
    """Windows of the training and test parts, and where validation starts."""

    x_train: np.ndarray  # every window of the training period, validation included
    y_train: np.ndarray
    x_test: np.ndarray  # empty when the whole series is the training part
    val_start: int  # index of the first validation window (== len(x_train) if none)
    span: int


class StageTimer:
    """Wall seconds per named stage, for metrics.json."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:  # a stage may come back (artifacts are written as soon as they are final)
            spent = time.perf_counter() - start + self.seconds.get(stage, 0.0)
            self.seconds[stage] = round(spent, 3)


def settings(cfg: DictConfig | dict) -> dict:
    """The config as plain Python data (enums as their names)."""
    node = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(cfg)
    return OmegaConf.to_container(node, resolve=True, enum_to_str=True)


def make_windows(
    prepared: PreparedSeries, window: int, target: str, stride: int, validation_split: float
) -> Windows:
    """Window the training and test parts separately, as the tutorial does."""
    train = prepared.model_input[: prepared.n_train]
    test = prepared.model_input[prepared.n_train :]
    span = window_span(window, target)
    try:
        x_train, y_train = model_windows(train, window, target, stride)
        # no test part (train_fraction=1.0): an empty array of the same shape
        x_test = model_windows(test, window, target, stride)[0] if len(test) else x_train[:0]
    except DataError as exc:
        part = "training" if len(train) < span else "test"
        raise DataError(f"{part} part: {exc}") from None
    split_at = validation_split_at(len(x_train), validation_split)
    return Windows(x_train, y_train, x_test, split_at, span)


SPLIT_NAMES = ("train", "val", "test")


def row_splits(n_rows: int, n_train: int, windows: Windows, stride: int) -> np.ndarray:
    """'train' / 'val' / 'test' per row; val rows start where the first validation window ends."""
    # one shared "test" object in every slot: np.full would make a string object per row
    split = np.empty(n_rows, dtype=object)
    split[:] = "test"
    split[:n_train] = "train"
    if windows.val_start < len(windows.x_train):
        split[windows.val_start * stride + windows.span - 1 : n_train] = "val"
    return split


def build_configured_model(s: dict, n_features: int) -> Any:
    """The configured model, built and compiled on a fresh Keras session with the run's seed
    (a baseline detector gets the seed as a parameter)."""
    from tsadlab.models import build_model

    model_cfg = {k: v for k, v in s["model"].items() if k not in ("name", "target")}
    if is_baseline(s["model"]["name"]):
        if s["model"]["target"] != "reconstruction":
            raise ConfigError(
                f"Received: model.target={s['model']['target']} with model="
                f"{s['model']['name']} (baselines score windows: use model.target=reconstruction)"
            )
        return build_model(
            s["model"]["name"],
            window=s["data"]["window"],
            n_features=n_features,
            seed=s["seed"],
            **model_cfg,
        )
    keras = load_keras(s["backend"])
    # Runs in one process (sweeps, searches, notebooks) must not accumulate graphs or layers.
    keras.backend.clear_session()
    seed_everything(keras, s["seed"])
    return build_model(
        s["model"]["name"], window=s["data"]["window"], n_features=n_features, **model_cfg
    )


def fit_configured_model(
    model: Any,
    s: dict,
    windows: Windows,
    run_dir: Path | None = None,
    callbacks: list | None = None,
    epochs: int | None = None,
    initial_epoch: int = 0,
    backup: TrainingBackup | None = None,
) -> pd.DataFrame:
    """Fit on the training windows, validating on their unshuffled tail, as configured.

    `callbacks`, `epochs` and `initial_epoch` let a tuner add its own callbacks and budget;
    a `backup` makes the training resumable.
    """
    x, y, at = windows.x_train, windows.y_train, windows.val_start
    if isinstance(model, WindowDetector):  # fitted once, on the windows before validation
        model.fit(x[:at])
        return pd.DataFrame({"epoch": pd.Series(dtype=int), "loss": pd.Series(dtype=float)})
    t = s["trainer"]
    first_epoch = backup.initial_epoch if backup else initial_epoch
    train, targets, validation = training_data(x, y, at, t, s["seed"], first_epoch)
    return fit_model(
        model,
        train,
        targets,
        validation,
        epochs=t["epochs"] if epochs is None else epochs,
        batch_size=t["batch_size"],
        shuffle=t["shuffle"],
        patience=t["patience"],
        min_delta=t["min_delta"],
        restore_best_weights=t["restore_best_weights"],
        tensorboard_dir=(run_dir / "tensorboard") if t["tensorboard"] and run_dir else None,
        verbose=t["verbose"],
        callbacks=callbacks,
        initial_epoch=initial_epoch,
        backup=backup,
    )


def train_model(
    s: dict, windows: Windows, run_dir: Path | None, backup: TrainingBackup | None = None
) -> tuple[Any, pd.DataFrame]:
    """Build the configured model and fit it on the training windows (resuming `backup`)."""
    model = build_configured_model(s, windows.x_train.shape[2])
    return model, fit_configured_model(model, s, windows, run_dir, backup=backup)


def predict_errors(model: Any, windows: Windows, prepared: PreparedSeries, s: dict) -> pd.DataFrame:
    """Reconstruction errors of each part as a table: part, window, start (row), error.

    mae/mse give one error per window, measured (as in the tutorial) against the input
    window for either target; `point` gives one error per row (Orion's), with window = start
    = the row.
    """
    batch, stride = s["trainer"]["predict_batch_size"], s["data"]["stride"]
    metric = s["scoring"]["error"]
    parts = {
        "train": prepared.model_input[: prepared.n_train],
        "test": prepared.model_input[prepared.n_train :],
    }
    if metric == "point" and isinstance(model, WindowDetector):
        raise ConfigError(
            f"Received: scoring.error=point with model={s['model']['name']} (a baseline scores "
            "whole windows: use scoring.error=mae)"
        )
    model = scoring_model(model, len(windows.x_train) + len(windows.x_test), s["trainer"])
    names, columns = [], {"window": [], "start": [], "error": []}
    for part, x in (("train", windows.x_train), ("test", windows.x_test)):
        if len(x) == 0:
            continue
        if isinstance(model, WindowDetector):
            errors = model.score_windows(x)
        elif metric == "point":
            x_hat = model.predict(x, batch_size=batch, verbose=0)
            errors = point_errors(parts[part], x_hat, stride)
        else:
            errors = predicted_window_errors(model, x, batch, metric)
        small = len(errors) * stride < 2**31  # row numbers fit int32: half the memory
        index = np.arange(len(errors), dtype=np.int32 if small else np.int64)
        names.append((part, len(errors)))
        columns["window"].append(index)
        columns["start"].append(index if metric == "point" else index * stride)
        columns["error"].append(errors)
    # one table built once (a categorical part): a long series' errors are held only once
    part_codes = np.concatenate([np.full(n, i, dtype=np.int8) for i, (_, n) in enumerate(names)])
    table = {"part": pd.Categorical.from_codes(part_codes, [name for name, _ in names])}
    for key, arrays in columns.items():
        table[key] = np.concatenate(arrays)
        arrays.clear()
    return pd.DataFrame(table, copy=False)


def scoring_model(model: Any, n_windows: int, trainer: dict) -> Any:
    """The model that scores `n_windows`: an unrolled copy of a recurrent one from
    trainer.predict_unroll_from windows on (the same numbers, faster for many windows)."""
    threshold = trainer.get("predict_unroll_from")
    if isinstance(model, WindowDetector) or threshold is None or n_windows < threshold:
        return model
    from tsadlab.models.common import unrolled_copy  # imports Keras

    unrolled = unrolled_copy(model)
    if unrolled is None:
        return model
    log.info("scoring %d windows with unrolled recurrent layers", n_windows)
    return unrolled


def align_errors(
    errors: pd.DataFrame, n_rows: int, n_train: int, span: int, stride: int, scoring: dict
) -> np.ndarray:
    """Per-row scores of each part: window errors aligned (or point errors as they are), then
    smoothed within the part, so training scores never mix with test scores."""
    parts = []
    for part, rows in (("train", n_train), ("test", n_rows - n_train)):
        if rows == 0:
            continue
        e = errors["error"].to_numpy()[(errors["part"] == part).to_numpy()]
        if scoring["error"] == "point":
            scores = e
        else:
            scores = point_scores(e, rows, span, stride, scoring["alignment"])
        parts.append(smooth_scores(scores, scoring["smoothing"]))
    return np.concatenate(parts)


def value_names(columns: tuple[str, ...]) -> list[str]:
    """scores.csv names for the original values: 'value', or 'value_<column>' for several."""
    return ["value"] if len(columns) == 1 else [f"value_{c}" for c in columns]


def scores_frame(
    timestamps: pd.DatetimeIndex,
    raw: np.ndarray,
    names: list[str],
    split: np.ndarray,
    scores: np.ndarray,
    detection: Detection,
    labels: np.ndarray | None,
) -> pd.DataFrame:
    """The scores.csv table: one row per timestamp, values in original units."""
    frame = pd.DataFrame({"timestamp": timestamps})
    for j, name in enumerate(names):
        frame[name] = raw[:, j]
    frame["split"] = pd.Categorical(split, categories=list(SPLIT_NAMES))
    frame["score"] = scores
    frame["threshold"] = detection.thresholds
    frame["is_anomaly"] = detection.flags.astype(np.int8)
    if labels is not None:
        frame["label"] = labels
    return frame


def failure_reason(exc: BaseException) -> str:
    """What status.json says about a failed run."""
    if isinstance(exc, KeyboardInterrupt | Terminated):
        # the names run_state reads as `interrupted`
        return artifacts.INTERRUPTIONS[isinstance(exc, Terminated)]
    if isinstance(exc, TsadlabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def run(cfg: DictConfig | dict, run_dir: Path) -> RunResult:
    """Run the whole job into `run_dir`; on any error the directory is marked failed."""
    run_dir = artifacts.start_run_dir(Path(run_dir))
    try:
        s = settings(cfg)
        if is_oracle(s["threshold"]):
            raise ConfigError(
                f"threshold={s['threshold']['name']} is an oracle: it picks the threshold from "
                "the labels it is scored on, so a training run cannot report it; re-evaluate "
                f"a finished run instead: tsadlab-evaluate run_dir=... "
                f"threshold={s['threshold']['name']}"
            )
        check_before_training(s)
        timer = StageTimer()
        with timer("load"):
            dataset = load_dataset(s["data"])
        if len(dataset) == 1:
            result = run_series(s, dataset[0], run_dir, timer)
        else:
            result = run_dataset(s, dataset, run_dir)
    except BaseException as exc:  # Ctrl-C too: a stopped run must not look unfinished-but-alive
        # on a full or vanished disk this may fail too; the original error is what to report
        with contextlib.suppress(OSError):
            artifacts.mark_status(run_dir, "failed", error=failure_reason(exc))
        raise
    artifacts.mark_status(run_dir, "finished")
    return result


def check_before_training(s: dict) -> None:
    """Settings that are only used after the training, checked before it: a bad threshold
    parameter must not cost a training."""
    t = s["trainer"]
    check_trainer(t["epochs"], t["batch_size"], t["patience"])
    for key in ("predict_batch_size", "steps_per_epoch"):
        if t.get(key) is not None and t[key] < 1:
            raise ConfigError(f"Received: trainer.{key}={t[key]} (must be >= 1)")
    if t.get("predict_unroll_from") is not None and t["predict_unroll_from"] < 0:
        raise ConfigError(
            f"Received: trainer.predict_unroll_from={t['predict_unroll_from']} (must be >= 0 "
            "windows, or null for never)"
        )
    smooth_scores(np.zeros(4), s["scoring"]["smoothing"])
    make_threshold(s["threshold"]["name"], **threshold_params(s["threshold"])).check_params()


def run_dataset(s: dict, dataset: list[Series], run_dir: Path) -> RunResult:
    """Run every series into series/<name>/ and write the aggregate; any failure fails it."""
    rows, counts, failed = [], EventCounts(), []
    for i, series in enumerate(dataset, 1):
        log.info("series %d of %d: %s", i, len(dataset), series.name)
        series_dir = artifacts.start_run_dir(run_dir / "series" / series.name)
        try:
            result = run_series(s, series, series_dir, StageTimer())
        except TsadlabError as exc:
            artifacts.mark_status(series_dir, "failed", error=str(exc))
            log.error("series %s failed: %s", series.name, exc)
            failed.append(series.name)
            rows.append({"series": series.name, "status": "failed", "error": str(exc)})
            continue
        artifacts.mark_status(series_dir, "finished")
        rows.append({"series": series.name, "status": "finished", **series_summary(result.metrics)})
        labeled = result.metrics.get("labeled")
        if labeled:
            counts = counts + EventCounts(**labeled["event_counts"])
    table = pd.DataFrame(rows)
    artifacts.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(s))
    artifacts.write_csv(run_dir / "series.csv", table)
    metrics = {
        "experiment": s["name"],
        "seed": s["seed"],
        "data": s["data"],
        "n_series": len(dataset),
        "failed_series": failed,
        "event_micro": counts.summary(),
        "means": column_means(table),
        "total_seconds": float(table.get("seconds", pd.Series(dtype=float)).sum()),
        "versions": package_versions(),
        "git_commit": git_commit(),
    }
    artifacts.write_json(run_dir / "metrics.json", metrics)
    if failed:
        raise DataError(f"{len(failed)} of {len(dataset)} series failed: {', '.join(failed)}")
    log.info("dataset of %d series: micro overlap F1 %.3f", len(dataset), counts.scores()["f1"])
    return RunResult(run_dir, metrics, table, pd.DataFrame())


def run_series(s: dict, series: Series, run_dir: Path, timer: StageTimer) -> RunResult:
    """Every stage for one series, into `run_dir`; training resumes from the saved state of
    an interrupted run of the same config and data, and that state is deleted at the end."""
    backup = (
        None if is_baseline(s["model"]["name"]) else TrainingBackup.open(s, series.sha256, run_dir)
    )
    try:
        result = run_series_stages(s, series, run_dir, timer, backup)
    except BaseException as exc:
        if backup and isinstance(exc, TrainingError):
            backup.discard()  # NaN loss: the same command would only fail the same way
        elif backup:
            backup.release()
        raise
    if backup:
        backup.discard()
    return result


def run_series_stages(
    s: dict, series: Series, run_dir: Path, timer: StageTimer, backup: TrainingBackup | None
) -> RunResult:
    """The stages of `run_series`."""
    total_start = time.perf_counter()
    d = s["data"]
    log.info(
        "loaded %s: %d rows, %s .. %s",
        series.name,
        len(series),
        series.timestamps[0],
        series.timestamps[-1],
    )
    with timer("prepare"):
        prepared = prepare(
            series,
            d["train_fraction"],
            d["test_start"],
            d["transform"],
            d["scaler"],
            d["scaler_range"],
        )
    with timer("window"):
        windows = make_windows(
            prepared,
            d["window"],
            s["model"]["target"],
            d["stride"],
            s["trainer"]["validation_split"],
        )
    log.info(
        "windows: %d train (%d for validation), %d test; window %d, target %s",
        len(windows.x_train),
        len(windows.x_train) - windows.val_start,
        len(windows.x_test),
        d["window"],
        s["model"]["target"],
    )
    with timer("train"):
        model, history = train_model(s, windows, run_dir, backup)
    with timer("score"):
        errors = predict_errors(model, windows, prepared, s)
        scores = align_errors(
            errors,
            len(prepared.timestamps),
            prepared.n_train,
            windows.span,
            d["stride"],
            s["scoring"],
        )
    with timer("artifacts"):  # written now: a long series' table need not be held until the end
        artifacts.write_csv(run_dir / "window_errors.csv", errors)
        del errors
    split = row_splits(len(scores), prepared.n_train, windows, d["stride"])
    with timer("threshold"):
        detection = detect(s["threshold"], prepared.timestamps, scores, split, prepared.labels)
    frame = scores_frame(
        prepared.timestamps,
        prepared.raw,
        value_names(series.columns),
        split,
        scores,
        detection,
        prepared.labels,
    )
    labeled = labeled_metrics(frame, d["window"])
    log.info(
        "threshold %s = %.4g; anomalies: %d test rows in %d test events%s",
        s["threshold"]["name"],
        detection.strategy.threshold_,
        int(detection.flags[split == "test"].sum()),
        int((detection.events["split"] == "test").sum()),
        f"; overlap F1 {labeled['event']['f1']:.3f} on {labeled['rows']} rows" if labeled else "",
    )
    with timer("figures"):
        figures = run_dir / "figures"
        if len(history):  # baselines have no epochs
            plots.loss_curve(history, figures / "loss_curve.png")
        plots.series_page(
            prepared.timestamps, prepared.raw, series.columns, figures / "series.html"
        )
        plots.detection_figures(frame, detection.strategy.threshold_, figures)
    with timer("artifacts"):
        artifacts.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(s))
        if isinstance(model, WindowDetector):
            artifacts.write_json(run_dir / "detector.json", detector_record(s, model))
        else:
            artifacts.save_keras_model(run_dir / "model.keras", model)
        artifacts.write_text(run_dir / "scaler.json", scaler_json(prepared.scaler))
        artifacts.write_csv(run_dir / "history.csv", history)
        artifacts.write_csv(run_dir / "scores.csv", frame)
        artifacts.write_csv(run_dir / "events.csv", detection.events)
    timer.seconds["total"] = round(
        time.perf_counter() - total_start + timer.seconds.get("load", 0.0), 3
    )
    metrics = run_metrics(
        s, series, prepared, windows, history, detection, frame, model, timer.seconds
    )
    if labeled:
        metrics["labeled"] = labeled
    resumed = backup.resumed_from() if backup else None
    if resumed:
        metrics["training"]["resumed_from"] = resumed
        artifacts.note_resumed(Path(resumed["run_dir"]), run_dir)
    artifacts.write_json(run_dir / "metrics.json", metrics)
    log.info("run finished in %.1f s: %s", timer.seconds["total"], run_dir)
    return RunResult(run_dir, metrics, frame, detection.events)
