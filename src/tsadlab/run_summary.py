"""What a run says about itself: metrics.json, and the columns of a dataset run's per-series
table. Plain functions of the stages' results; `run` calls them at the end of a run."""

from typing import Any

import numpy as np
import pandas as pd

from tsadlab.config import RunConfig
from tsadlab.data.prepare import PreparedSeries
from tsadlab.data.series import Series
from tsadlab.data.windows import Windows
from tsadlab.detection.detect import Detection
from tsadlab.metrics import report_columns
from tsadlab.models import WindowDetector
from tsadlab.plugins import loaded_plugins
from tsadlab.runtime import git_commit, package_versions
from tsadlab.thresholds import threshold_params


def column_means(table: pd.DataFrame) -> dict:
    """Mean of every numeric column over the series that have it (None where none has)."""
    means = table.select_dtypes("number").mean().round(6)
    return {k: (None if pd.isna(v) else float(v)) for k, v in means.items()}


def series_summary(metrics: dict) -> dict:
    """The headline numbers of one series' run, for the per-series table."""
    summary = {
        "rows": metrics["data"]["rows"],
        "epochs": metrics["training"]["epochs_run"],
        "threshold": metrics["threshold"]["value"],
        "flagged": sum(metrics["anomalies"]["rows"].values()),
        "seconds": metrics["timings_s"]["total"],
    }
    labeled = metrics.get("labeled")
    if labeled:
        summary.update(report_columns(labeled))
    return summary


def threshold_summary(cfg: RunConfig, detection: Detection) -> dict:
    """What metrics.json says about the threshold."""
    varies = not np.allclose(
        detection.thresholds[np.isfinite(detection.thresholds)], detection.strategy.threshold_
    )
    return {
        "strategy": cfg.threshold.name,
        "fit_on": detection.fitted_on,
        "params": threshold_params(cfg.threshold),
        "value": detection.strategy.threshold_,
        "per_row": bool(varies),
        "oracle": detection.oracle,
        "alignment": cfg.scoring.alignment.value,
        "error": cfg.scoring.error,
        "smoothing": cfg.scoring.smoothing,
    }


def run_metrics(
    cfg: RunConfig,
    series: Series,
    prepared: PreparedSeries,
    windows: Windows,
    history: pd.DataFrame,
    detection: Detection,
    frame: pd.DataFrame,
    model: Any,
    seconds: dict,
) -> dict:
    """Everything measured about one series' run (labeled metrics are added by the caller)."""
    split, flags = frame["split"].to_numpy(), detection.flags
    events = detection.events
    flagged_test = frame.loc[flags & (split == "test"), "timestamp"]
    data = {
        "name": series.name,
        "source": series.source,
        "sha256": series.sha256,
        "rows": len(series),
        "columns": list(series.columns),
        "first": str(series.timestamps[0]),
        "last": str(series.timestamps[-1]),
        "transform": cfg.data.transform.value,
        "volatility": cfg.data.volatility.value,
        "scaler": cfg.data.scaler.value,
        "labeled": series.labels is not None,
    }
    if series.repairs:  # rows the file needed sorted or merged
        data["repairs"] = series.repairs
    metrics = {
        "experiment": cfg.name,
        "seed": cfg.seed,
        "protocol": cfg.protocol.value,  # which rows were fitted and which scored
        "backend": cfg.backend.value,  # what a Keras model ran on (detectors use none)
        **_backend_choice(cfg),
        "data": data,
        "sizes": {
            "rows_train_period": prepared.n_train,
            "rows_val": int((split == "val").sum()),
            "rows_test": len(split) - prepared.n_train,
            "windows_train": windows.val_start,
            "windows_val": len(windows.x_train) - windows.val_start,
            "windows_test": len(windows.x_test),
            "window": cfg.data.window,
            "span": windows.span,
            "stride": windows.stride,
            "target": cfg.model.target.value,
            "parameters": None if isinstance(model, WindowDetector) else int(model.count_params()),
        },
        "training": training_summary(history),
        "threshold": threshold_summary(cfg, detection),
        "anomalies": {
            "rows": {
                part: int((flags & (split == part)).sum()) for part in ("train", "val", "test")
            },
            "events_total": len(events),
            "events_test": int((events["split"] == "test").sum()),
            "test_rows_scored": int(np.isfinite(frame.loc[split == "test", "score"]).sum()),
            "first_test_anomaly": str(flagged_test.iloc[0]) if len(flagged_test) else None,
            "last_test_anomaly": str(flagged_test.iloc[-1]) if len(flagged_test) else None,
        },
        "timings_s": seconds,
        "versions": package_versions(),
        "git_commit": git_commit(),
    }
    plugins = loaded_plugins()
    if plugins:  # a rerun needs them too
        metrics["plugins"] = plugins
    return metrics


def training_summary(history: pd.DataFrame) -> dict:
    """Epochs, best epoch and losses for metrics.json (None for a baseline: no epochs)."""
    monitor = "val_loss" if "val_loss" in history else "loss"
    if history.empty:
        return {
            "epochs_run": 0,
            "best_epoch": None,
            "monitor": None,
            "best_monitor": None,
            "final_loss": None,
            "final_val_loss": None,
        }
    best = int(history[monitor].idxmin())
    return {
        "epochs_run": len(history),
        "best_epoch": best + 1,
        "monitor": monitor,
        "best_monitor": float(history[monitor].iloc[best]),
        "final_loss": float(history["loss"].iloc[-1]),
        "final_val_loss": float(history["val_loss"].iloc[-1]) if "val_loss" in history else None,
    }


def detector_record(cfg: RunConfig, detector: WindowDetector) -> dict:
    """What detector.json holds for a detector: its name and parameters. Its fitted state is
    not saved (that would need pickle); the same config and seed refit it identically."""
    return {"model": cfg.model.name, "params": detector.get_params()}


def _backend_choice(cfg: RunConfig) -> dict:
    """How backend=auto chose the backend (nothing when it was named)."""
    choice = getattr(cfg, "backend_choice", None)
    return {"backend_choice": choice.as_dict()} if choice else {}
