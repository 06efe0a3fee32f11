"""What a run says about itself: metrics.json, and the columns of a dataset run's per-series
table. Plain functions of the stages' results; `pipeline` calls them at the end of a run."""

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tsadlab.data.prepare import PreparedSeries
from tsadlab.data.series import Series
from tsadlab.detection import Detection, evaluated_rows, threshold_params
from tsadlab.metrics import detection_report
from tsadlab.models.baselines import WindowDetector
from tsadlab.runtime import git_commit, package_versions

if TYPE_CHECKING:
    from tsadlab.pipeline import Windows


def labeled_metrics(frame: pd.DataFrame, vus_max_buffer: int) -> dict | None:
    """Every labeled metric on the evaluated rows (test, or all without a test part)."""
    if "label" not in frame:
        return None
    rows, which = evaluated_rows(frame["split"].to_numpy())
    part = frame[rows]
    report = detection_report(
        part["label"].to_numpy(),
        part["is_anomaly"].to_numpy(),
        part["score"].to_numpy(),
        vus_max_buffer,
    )
    return {"rows": which, **report.to_dict()}


def column_means(table: pd.DataFrame) -> dict:
    """Mean of every numeric column over the series that have it (None where none has)."""
    means = table.select_dtypes("number").mean().round(6)
    return {k: (None if pd.isna(v) else float(v)) for k, v in means.items()}


def labeled_columns(labeled: dict) -> dict:
    """The labeled metrics of one series as flat columns of a per-series table."""
    return {
        **{f"event_{k}": v for k, v in labeled["event_counts"].items()},
        "event_f1": labeled["event"]["f1"],
        "point_f1": labeled["point"]["f1"],
        "pa_f1_inflated": labeled["point_adjusted"]["f1"],
        "roc_auc": labeled["auc"]["roc_auc"],
        "pr_auc": labeled["auc"]["pr_auc"],
        "vus_pr": labeled["vus_pr"],
    }


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
        summary.update(labeled_columns(labeled))
    return summary


def threshold_summary(s: dict, detection: Detection) -> dict:
    """What metrics.json says about the threshold."""
    params = threshold_params(s["threshold"])
    varies = not np.allclose(
        detection.thresholds[np.isfinite(detection.thresholds)], detection.strategy.threshold_
    )
    return {
        "strategy": s["threshold"]["name"],
        "fit_on": detection.fitted_on,
        "params": params,
        "value": detection.strategy.threshold_,
        "per_row": bool(varies),
        "oracle": detection.oracle,
        "alignment": s["scoring"]["alignment"],
        "error": s["scoring"]["error"],
        "smoothing": s["scoring"]["smoothing"],
    }


def run_metrics(
    s: dict,
    series: Series,
    prepared: PreparedSeries,
    windows: "Windows",
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
            "labeled": series.labels is not None,
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
            "parameters": None if isinstance(model, WindowDetector) else int(model.count_params()),
        },
        "training": training_summary(history),
        "threshold": threshold_summary(s, detection),
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


def detector_record(s: dict, detector: WindowDetector) -> dict:
    """What detector.json holds for a baseline: its name and parameters. Its fitted state is
    not saved (that would need pickle); the same config and seed refit it identically."""
    return {"model": s["model"]["name"], "params": detector.get_params()}


def model_backend() -> str:
    """The Keras backend this process runs on."""
    import keras

    return keras.config.backend()
