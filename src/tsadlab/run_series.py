"""One series end to end: prepare -> windows -> model -> fit -> scores -> threshold ->
detections -> metrics, figures and artifacts. Each step is a stage function a notebook can
call too; `run.run` chooses the series and the directory."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from tsadlab import artifacts
from tsadlab.config import RunConfig, replace_settings, settings_of
from tsadlab.data.prepare import prepare
from tsadlab.data.scalers import scaler_json
from tsadlab.data.series import Series
from tsadlab.data.windows import make_windows, row_splits
from tsadlab.detection.detect import detect
from tsadlab.detection.frame import labeled_metrics, scores_frame, value_names
from tsadlab.errors import TrainingError
from tsadlab.figures import run as figures
from tsadlab.models import WindowDetector, is_keras_model
from tsadlab.protocol import fitted_data
from tsadlab.reporting.finding import run_finding
from tsadlab.run_summary import detector_record, run_metrics
from tsadlab.runtime import raise_if_terminated
from tsadlab.scoring.align import align_errors
from tsadlab.scoring.predict import check_scoring, predict_errors, scoring_for
from tsadlab.tracking.tracker import RunTracker
from tsadlab.training.fit import fit, new_model
from tsadlab.training.resume import TrainingBackup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    """What a finished run wrote, also kept in memory for callers."""

    run_dir: Path
    metrics: dict
    scores: pd.DataFrame
    events: pd.DataFrame


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
        raise_if_terminated()  # between stages too: a SIGTERM a library swallowed stops here


def run_series(
    cfg: RunConfig,
    series: Series,
    run_dir: Path,
    timer: StageTimer,
    tracker: RunTracker | None = None,
) -> RunResult:
    """Every stage for one series, into `run_dir`; training resumes from the saved state of
    an interrupted run of the same config and data, and that state is deleted at the end.
    The `tracker`'s run starts here (continuing the interrupted run's, if resumed)."""
    tracker = tracker or RunTracker()
    backup = None
    if is_keras_model(cfg.model):
        backup = TrainingBackup.open(settings_of(cfg), series.sha256, run_dir)
    resumed_from = backup.found["run_dir"] if backup and backup.found else None
    tracker.begin(series.sha256, Path(resumed_from) if resumed_from else None)
    try:
        result = run_stages(cfg, series, run_dir, timer, backup, tracker)
    except BaseException as exc:
        if backup and isinstance(exc, TrainingError):
            backup.discard()  # NaN loss: the same command would only fail the same way
        elif backup:
            backup.release()
        raise
    if backup:
        backup.discard()
    return result


def run_stages(
    cfg: RunConfig,
    series: Series,
    run_dir: Path,
    timer: StageTimer,
    backup: TrainingBackup | None,
    tracker: RunTracker | None = None,
) -> RunResult:
    """The stages of `run_series`, top to bottom."""
    start = time.perf_counter()
    data = fitted_data(cfg.data, cfg.protocol)
    log.info(
        "loaded %s: %d rows, %s .. %s",
        series.name,
        len(series),
        series.timestamps[0],
        series.timestamps[-1],
    )
    with timer("prepare"):
        prepared = prepare(series, data)
    with timer("window"):
        windows = make_windows(
            prepared,
            data.window,
            cfg.model.target,
            data.stride,
            cfg.trainer.validation_split,
            data.tail_rows,
        )
    log.info(
        "windows: %d train (%d for validation), %d test; window %d, target %s",
        len(windows.x_train),
        len(windows.x_train) - windows.val_start,
        len(windows.x_test),
        data.window,
        cfg.model.target.value,
    )
    with timer("train"):
        model = new_model(cfg.model, data.window, windows.x_train.shape[2], cfg.seed, cfg.backend)
        cfg = replace_settings(cfg, scoring=scoring_for(model, cfg.scoring))
        check_scoring(model, cfg.scoring, windows, cfg.model.name)  # before any training
        # a Keras fit's trackers watch it (once the model has chosen Keras' backend)
        watching = tracker.keras_callbacks() if tracker and is_keras_model(cfg.model) else None
        history = fit(model, windows, cfg.trainer, cfg.seed, callbacks=watching, backup=backup)
    with timer("score"):
        errors = predict_errors(model, windows, prepared, cfg.scoring, cfg.trainer)
        n_rows = len(prepared.timestamps)
        scores = align_errors(
            errors, n_rows, prepared.n_train, windows.span, data.stride, cfg.scoring
        )
    with timer("artifacts"):  # written now: a long series' table need not be held until the end
        artifacts.write_csv(run_dir / "window_errors.csv", errors)
        del errors
    split = row_splits(len(scores), prepared.n_train, windows)
    with timer("threshold"):
        detection = detect(
            cfg.threshold, prepared.timestamps, scores, split, prepared.labels, cfg.protocol
        )
    frame = scores_frame(
        prepared.timestamps,
        prepared.raw,
        value_names(series.columns),
        split,
        scores,
        detection,
        prepared.labels,
    )
    labeled = labeled_metrics(frame, cfg.metrics, cfg.protocol)
    log.info(
        "threshold %s = %.4g; anomalies: %d test rows in %d test events%s",
        cfg.threshold.name,
        detection.strategy.threshold_,
        int(detection.flags[split == "test"].sum()),
        int((detection.events["split"] == "test").sum()),
        f"; overlap F1 {labeled['event']['f1']:.3f} on {labeled['rows']} rows" if labeled else "",
    )
    finding = run_finding(frame, detection.events, series.name)
    with timer("figures"):
        folder = run_dir / "figures"
        if len(history):  # detectors have no epochs
            figures.loss_curve(history, folder / "loss_curve.png")
        figures.series_page(
            prepared.timestamps, prepared.raw, series.columns, folder / "series.html"
        )
        figures.detection_figures(
            frame, detection.strategy.threshold_, folder, series.name, finding.text
        )
    with timer("artifacts"):
        artifacts.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(settings_of(cfg)))
        if isinstance(model, WindowDetector):
            artifacts.write_json(run_dir / "detector.json", detector_record(cfg, model))
        else:
            artifacts.save_keras_model(run_dir / "model.keras", model)
        artifacts.write_text(run_dir / "scaler.json", scaler_json(prepared.scaler))
        artifacts.write_csv(run_dir / "history.csv", history)
        artifacts.write_csv(run_dir / "scores.csv", frame)
        artifacts.write_csv(run_dir / "events.csv", detection.events)
    timer.seconds["total"] = round(time.perf_counter() - start + timer.seconds.get("load", 0.0), 3)
    metrics = run_metrics(
        cfg, series, prepared, windows, history, detection, frame, model, timer.seconds
    )
    if labeled:
        metrics["labeled"] = labeled
    metrics["finding"] = finding.record
    resumed = backup.resumed_from() if backup else None
    if resumed:
        metrics["training"]["resumed_from"] = resumed
        artifacts.note_resumed(Path(resumed["run_dir"]), run_dir)
    artifacts.write_json(run_dir / "metrics.json", metrics)
    log.info("run finished in %.1f s: %s", timer.seconds["total"], run_dir)
    for line in finding.lines:  # last: what a reader of the console wants to know
        log.info("%s", line)
    return RunResult(run_dir, metrics, frame, detection.events)
