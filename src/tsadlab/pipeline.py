"""One run: config -> series -> windows -> model -> scores -> threshold -> detections -> artifacts.

`run(cfg, run_dir)` is the whole job; the CLI in `train.py` only composes the config and
chooses the directory. Every stage below is a plain function a notebook can call too.
"""

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
from tsadlab.data.prepare import PreparedSeries, prepare, scaler_json
from tsadlab.data.sources import Series, load_series
from tsadlab.data.windows import model_windows, validation_split_at, window_span
from tsadlab.detection import events_table
from tsadlab.errors import ConfigError, DataError, TsadlabError
from tsadlab.runtime import git_commit, load_keras, package_versions, seed_everything
from tsadlab.scoring import point_scores, window_errors
from tsadlab.thresholds import ThresholdStrategy, make_threshold
from tsadlab.training import fit_model, fit_targets

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
    x_test: np.ndarray
    y_test: np.ndarray
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
        finally:
            self.seconds[stage] = round(time.perf_counter() - start, 3)


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
    try:
        x_train, y_train = model_windows(train, window, target, stride)
        x_test, y_test = model_windows(test, window, target, stride)
    except DataError as exc:
        part = "training" if len(train) < window_span(window, target) else "test"
        raise DataError(f"{part} part: {exc}") from None
    split_at = validation_split_at(len(x_train), validation_split)
    return Windows(x_train, y_train, x_test, y_test, split_at, window_span(window, target))


def row_splits(n_rows: int, n_train: int, windows: Windows, stride: int) -> np.ndarray:
    """'train' / 'val' / 'test' per row; val rows start where the first validation window ends."""
    split = np.full(n_rows, "test", dtype=object)
    split[:n_train] = "train"
    if windows.val_start < len(windows.x_train):
        split[windows.val_start * stride + windows.span - 1 : n_train] = "val"
    return split


def train_model(s: dict, windows: Windows, run_dir: Path | None) -> tuple[Any, pd.DataFrame]:
    """Build the configured model and fit it on the training windows."""
    from tsadlab.models import build_model

    keras = load_keras(s["backend"])
    # Runs in one process (sweeps, notebooks) must not accumulate graphs or layer names.
    keras.backend.clear_session()
    seed_everything(keras, s["seed"])
    model_cfg = {k: v for k, v in s["model"].items() if k not in ("name", "target")}
    model = build_model(
        s["model"]["name"],
        window=s["data"]["window"],
        n_features=windows.x_train.shape[2],
        **model_cfg,
    )
    x, y, at = windows.x_train, windows.y_train, windows.val_start
    validation = None
    if at < len(x):
        validation = (np.ascontiguousarray(x[at:]), fit_targets(x[at:], y[at:]))
    t = s["trainer"]
    history = fit_model(
        model,
        np.ascontiguousarray(x[:at]),
        fit_targets(x[:at], y[:at]),
        validation,
        epochs=t["epochs"],
        batch_size=t["batch_size"],
        shuffle=t["shuffle"],
        patience=t["patience"],
        restore_best_weights=t["restore_best_weights"],
        tensorboard_dir=(run_dir / "tensorboard") if t["tensorboard"] and run_dir else None,
        verbose=t["verbose"],
    )
    return model, history


def score_rows(model: Any, prepared: PreparedSeries, windows: Windows, s: dict) -> np.ndarray:
    """Per-row scores: window errors of each part aligned to that part's rows."""
    batch = s["trainer"]["predict_batch_size"]
    stride, alignment = s["data"]["stride"], s["scoring"]["alignment"]
    parts = []
    for x, n_rows in (
        (windows.x_train, prepared.n_train),
        (windows.x_test, len(prepared.timestamps) - prepared.n_train),
    ):
        # As in the tutorial, the error is measured against the input window for either target.
        errors = window_errors(
            x, model.predict(x, batch_size=batch, verbose=0), s["scoring"]["error"]
        )
        parts.append(point_scores(errors, n_rows, windows.span, stride, alignment))
    return np.concatenate(parts)


def fit_threshold(threshold: dict, scores: np.ndarray, split: np.ndarray) -> ThresholdStrategy:
    """Fit the configured strategy on training-period (or validation) scores only."""
    params = {k: v for k, v in threshold.items() if k not in ("name", "fit_on")}
    rows = split != "test" if threshold["fit_on"] == "train" else split == "val"
    if not rows.any():
        raise ConfigError(
            "threshold.fit_on=val needs validation rows (trainer.validation_split > 0)"
        )
    return make_threshold(threshold["name"], **params).fit(scores[rows])


def scores_frame(
    prepared: PreparedSeries,
    columns: tuple[str, ...],
    split: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    flags: np.ndarray,
) -> pd.DataFrame:
    """The scores.csv table: one row per timestamp, values in original units."""
    frame = pd.DataFrame({"timestamp": prepared.timestamps})
    names = ["value"] if len(columns) == 1 else [f"value_{c}" for c in columns]
    for j, name in enumerate(names):
        frame[name] = prepared.raw[:, j]
    frame["split"] = split
    frame["score"] = scores
    frame["threshold"] = threshold
    frame["is_anomaly"] = flags.astype(np.int8)
    if prepared.labels is not None:
        frame["label"] = prepared.labels
    return frame


def run(cfg: DictConfig | dict, run_dir: Path) -> RunResult:
    """Run the whole job into `run_dir`; on any error the directory is marked failed."""
    run_dir = artifacts.start_run_dir(Path(run_dir))
    try:
        result = _run(settings(cfg), run_dir)
    except BaseException as exc:  # Ctrl-C too: a stopped run must not look unfinished-but-alive
        artifacts.mark_status(run_dir, "failed", error=failure_reason(exc))
        raise
    artifacts.mark_status(run_dir, "finished")
    return result


def failure_reason(exc: BaseException) -> str:
    """What status.json says about a failed run."""
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, TsadlabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _run(s: dict, run_dir: Path) -> RunResult:
    timer = StageTimer()
    total_start = time.perf_counter()
    d = s["data"]
    with timer("load"):
        series = load_series(d)
    log.info(
        "loaded %s: %d rows, %s .. %s",
        series.name,
        len(series),
        series.timestamps[0].date(),
        series.timestamps[-1].date(),
    )
    with timer("prepare"):
        prepared = prepare(
            series, d["train_fraction"], d["test_start"], d["transform"], d["scaler"]
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
        model, history = train_model(s, windows, run_dir)
    with timer("score"):
        scores = score_rows(model, prepared, windows, s)
    split = row_splits(len(scores), prepared.n_train, windows, d["stride"])
    with timer("threshold"):
        strategy = fit_threshold(s["threshold"], scores, split)
        flags = strategy.predict(scores)
        events = events_table(prepared.timestamps, flags, scores, split)
    frame = scores_frame(prepared, series.columns, split, scores, strategy.threshold_, flags)
    log.info(
        "threshold %s = %.4g; anomalies: %d test rows in %d test events",
        s["threshold"]["name"],
        strategy.threshold_,
        int(flags[split == "test"].sum()),
        int((events["split"] == "test").sum()),
    )
    with timer("figures"):
        _write_figures(run_dir, prepared, series.columns, history, frame, strategy.threshold_)
    with timer("artifacts"):
        artifacts.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(s))
        artifacts.save_keras_model(run_dir / "model.keras", model)
        artifacts.write_text(run_dir / "scaler.json", scaler_json(prepared.scaler))
        artifacts.write_csv(run_dir / "history.csv", history)
        artifacts.write_csv(run_dir / "scores.csv", frame)
        artifacts.write_csv(run_dir / "events.csv", events)
    timer.seconds["total"] = round(time.perf_counter() - total_start, 3)
    metrics = _metrics(
        s, series, prepared, windows, history, strategy, frame, events, model, timer.seconds
    )
    artifacts.write_json(run_dir / "metrics.json", metrics)
    log.info("run finished in %.1f s: %s", timer.seconds["total"], run_dir)
    return RunResult(run_dir, metrics, frame, events)


def _write_figures(
    run_dir: Path,
    prepared: PreparedSeries,
    columns: tuple[str, ...],
    history: pd.DataFrame,
    frame: pd.DataFrame,
    threshold: float,
) -> None:
    figures = run_dir / "figures"
    scores, split = frame["score"].to_numpy(), frame["split"].to_numpy()
    flags = frame["is_anomaly"].to_numpy().astype(bool)
    plots.loss_curve(history, figures / "loss_curve.png")
    plots.score_distribution(
        scores[split != "test"],
        threshold,
        "Training-period scores",
        figures / "train_score_dist.png",
    )
    plots.score_distribution(
        scores[split == "test"], threshold, "Test scores", figures / "test_score_dist.png"
    )
    plots.series_page(prepared.timestamps, prepared.raw, columns, figures / "series.html")
    plots.scores_page(
        prepared.timestamps, scores, split, threshold, figures / "scores_vs_threshold.html"
    )
    plots.anomalies_page(
        prepared.timestamps, prepared.raw, columns, flags, split, figures / "anomalies.html"
    )


def _metrics(
    s: dict,
    series: Series,
    prepared: PreparedSeries,
    windows: Windows,
    history: pd.DataFrame,
    strategy: ThresholdStrategy,
    frame: pd.DataFrame,
    events: pd.DataFrame,
    model: Any,
    seconds: dict,
) -> dict:
    split, flags = frame["split"].to_numpy(), frame["is_anomaly"].to_numpy().astype(bool)
    monitor = "val_loss" if "val_loss" in history else "loss"
    best = int(history[monitor].idxmin())
    test_events = events[events["split"] == "test"]
    flagged_test = frame.loc[flags & (split == "test"), "timestamp"]
    return {
        "experiment": s["name"],
        "seed": s["seed"],
        "backend": model_backend(),
        "data": {
            "name": series.name,
            "source": series.source,
            "sha256": series.sha256,
            "rows": len(series),
            "columns": list(series.columns),
            "first": str(series.timestamps[0]),
            "last": str(series.timestamps[-1]),
            "transform": s["data"]["transform"],
            "scaler": s["data"]["scaler"],
        },
        "sizes": {
            "rows_train_period": prepared.n_train,
            "rows_val": int((split == "val").sum()),
            "rows_test": len(split) - prepared.n_train,
            "windows_train": windows.val_start,
            "windows_val": len(windows.x_train) - windows.val_start,
            "windows_test": len(windows.x_test),
            "window": s["data"]["window"],
            "span": windows.span,
            "stride": s["data"]["stride"],
            "target": s["model"]["target"],
            "parameters": int(model.count_params()),
        },
        "training": {
            "epochs_run": len(history),
            "best_epoch": best + 1,
            "monitor": monitor,
            "best_monitor": float(history[monitor].iloc[best]),
            "final_loss": float(history["loss"].iloc[-1]),
            "final_val_loss": float(history["val_loss"].iloc[-1])
            if "val_loss" in history
            else None,
        },
        "threshold": {
            "strategy": s["threshold"]["name"],
            "fit_on": s["threshold"]["fit_on"],
            "params": {k: v for k, v in s["threshold"].items() if k not in ("name", "fit_on")},
            "value": strategy.threshold_,
            "alignment": s["scoring"]["alignment"],
            "error": s["scoring"]["error"],
        },
        "anomalies": {
            "rows": {
                part: int((flags & (split == part)).sum()) for part in ("train", "val", "test")
            },
            "events_total": len(events),
            "events_test": len(test_events),
            "test_rows_scored": int(np.isfinite(frame.loc[split == "test", "score"]).sum()),
            "first_test_anomaly": str(flagged_test.iloc[0]) if len(flagged_test) else None,
            "last_test_anomaly": str(flagged_test.iloc[-1]) if len(flagged_test) else None,
        },
        "timings_s": seconds,
        "versions": package_versions(),
        "git_commit": git_commit(),
    }


def model_backend() -> str:
    """The Keras backend this process runs on."""
    import keras

    return keras.config.backend()
