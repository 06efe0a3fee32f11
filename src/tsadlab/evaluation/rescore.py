"""Re-evaluate a finished run under another threshold or alignment, without retraining.

A run saves its per-window errors (window_errors.csv) and its rows (scores.csv); everything
after the model (alignment, threshold, detections, metrics, figures) is recomputed from them
into `run_dir/evaluations/<name>/`. A run over several series re-evaluates each series and
aggregates the event counts as training does.
"""

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import yaml

from tsadlab import artifacts
from tsadlab.config import RunConfig, to_run_config
from tsadlab.detection.detect import detect
from tsadlab.detection.frame import labeled_metrics, scores_frame, time_index, value_columns
from tsadlab.errors import ArtifactError
from tsadlab.figures.run import detection_figures
from tsadlab.metrics import report_columns
from tsadlab.metrics.events import EventCounts
from tsadlab.models import resolved_alignment
from tsadlab.reporting.finding import run_finding
from tsadlab.run_summary import column_means
from tsadlab.scoring.align import align_errors
from tsadlab.scoring.config import Alignment
from tsadlab.thresholds import FitOn, ThresholdConfig, is_oracle, threshold_params

ORACLE_NOTE = (
    "ORACLE: the threshold was chosen with the labels it is scored on; an upper bound for "
    "comparison, never a detection result"
)


@dataclass(frozen=True)
class Evaluation:
    """Where a re-evaluation was written and what it measured."""

    out_dir: Path
    metrics: dict


def evaluation_name(threshold: ThresholdConfig, alignment: Alignment) -> str:
    """A folder name of strategy, non-default parameters and alignment, e.g. pot-q0.01-mean."""
    defaults = threshold_params(type(threshold)())
    params = [f"{k}{v}" for k, v in sorted(threshold_params(threshold).items()) if defaults[k] != v]
    fit = [] if threshold.fit_on is FitOn.train else [f"fit_{threshold.fit_on.value}"]
    oracle = ["oracle"] if is_oracle(threshold) else []
    parts = [threshold.name, *params, *fit, alignment.value, *oracle]
    return "-".join(re.sub(r"[^A-Za-z0-9._+]", "", str(p)) for p in parts)


def evaluate_run(
    run_dir: str | Path,
    threshold: ThresholdConfig,
    alignment: Alignment | None = None,
    name: str | None = None,
) -> Evaluation:
    """Re-score a finished run (one series or a category) under `threshold` and `alignment`."""
    run_dir = Path(run_dir)
    if name is not None:
        artifacts.safe_name(name, "name")
    status = artifacts.read_status(run_dir)["status"]
    if status != "finished":
        raise ArtifactError(
            f"run_dir={run_dir} is not a finished run (status: {status}); "
            "evaluate a run whose status.json says finished"
        )
    if (run_dir / "series").is_dir() and not (run_dir / "scores.csv").exists():
        return _evaluate_dataset(run_dir, threshold, alignment, name)
    return _evaluate_series(run_dir, threshold, alignment, name)


def run_config(run_dir: Path) -> RunConfig:
    """The run's own config, from its config.yaml."""
    path = run_dir / "config.yaml"
    if not path.exists():
        raise ArtifactError(f"{path} is missing: was this directory written by tsadlab-train?")
    return to_run_config(yaml.safe_load(path.read_text(encoding="utf-8")))


def _evaluate_series(
    run_dir: Path, threshold: ThresholdConfig, alignment: Alignment | None, name: str | None
) -> Evaluation:
    cfg = run_config(run_dir)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    alignment = resolved_alignment(alignment or cfg.scoring.alignment, cfg.model.name)
    for needed in ("window_errors.csv", "scores.csv"):
        if not (run_dir / needed).exists():
            raise ArtifactError(f"{run_dir / needed} is missing; the run cannot be re-scored")
    rows = pd.read_csv(run_dir / "scores.csv")
    errors = pd.read_csv(run_dir / "window_errors.csv")
    sizes = metrics["sizes"]
    scoring = replace(cfg.scoring, alignment=alignment)
    scores = align_errors(
        errors, len(rows), sizes["rows_train_period"], sizes["span"], sizes["stride"], scoring
    )
    split = rows["split"].to_numpy()
    labels = rows["label"].to_numpy() if "label" in rows else None
    timestamps = time_index(rows["timestamp"])
    detection = detect(threshold, timestamps, scores, split, labels, cfg.protocol)
    names = value_columns(rows)
    frame = scores_frame(
        timestamps, rows[names].to_numpy(), names, split, scores, detection, labels
    )
    out_dir = run_dir / "evaluations" / (name or evaluation_name(threshold, alignment))
    series = metrics.get("data", {}).get("name", run_dir.name)
    finding = run_finding(frame, detection.events, series)
    detection_figures(
        frame, detection.strategy.threshold_, out_dir / "figures", series, finding.text
    )
    artifacts.write_csv(out_dir / "scores.csv", frame)
    artifacts.write_csv(out_dir / "events.csv", detection.events)
    result = {
        "run_dir": str(run_dir),
        "oracle": detection.oracle,
        "protocol": cfg.protocol.value,
        "threshold_note": ORACLE_NOTE
        if detection.oracle
        else (f"threshold fitted on {detection.fitted_on} scores without labels"),
        "threshold": {
            "strategy": threshold.name,
            "fit_on": detection.fitted_on,
            "params": threshold_params(threshold),
            "value": detection.strategy.threshold_,
            "oracle": detection.oracle,
        },
        "alignment": alignment.value,
        "anomalies": {
            part: int((detection.flags & (split == part)).sum())
            for part in ("train", "val", "test")
        },
        "events_total": len(detection.events),
        "finding": finding.record,
    }
    labeled = labeled_metrics(frame, cfg.metrics, cfg.protocol)
    if labeled:
        result["labeled"] = labeled
    artifacts.write_json(out_dir / "metrics.json", result)
    return Evaluation(out_dir, result)


def _evaluate_dataset(
    run_dir: Path, threshold: ThresholdConfig, alignment: Alignment | None, name: str | None
) -> Evaluation:
    rows, counts = [], EventCounts()
    series_dirs = sorted(p for p in (run_dir / "series").iterdir() if p.is_dir())
    if not series_dirs:
        raise ArtifactError(f"{run_dir / 'series'} holds no series to re-score")
    for series_dir in series_dirs:
        evaluation = _evaluate_series(series_dir, threshold, alignment, name)
        labeled = evaluation.metrics.get("labeled")
        row = {"series": series_dir.name, "threshold": evaluation.metrics["threshold"]["value"]}
        if labeled:
            counts = counts + EventCounts(**labeled["event_counts"])
            row.update(report_columns(labeled))
        rows.append(row)
        last = evaluation
    table = pd.DataFrame(rows)
    out_dir = run_dir / "evaluations" / last.out_dir.name
    oracle = last.metrics["oracle"]
    result = {
        "run_dir": str(run_dir),
        "oracle": oracle,
        "protocol": last.metrics["protocol"],
        "threshold_note": last.metrics["threshold_note"],
        "threshold": last.metrics["threshold"],
        "alignment": last.metrics["alignment"],
        "n_series": len(rows),
        "event_micro": counts.summary(),
        "means": column_means(table),
    }
    artifacts.write_csv(out_dir / "series.csv", table)
    artifacts.write_json(out_dir / "metrics.json", result)
    return Evaluation(out_dir, result)
