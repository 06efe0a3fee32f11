"""A run: the config, checked, and the series it names, each run end to end into the run
directory; `status.json` says finished only when everything is in place.

`run(cfg, run_dir)` is the whole job; `tsadlab-train` only composes the config and chooses the
directory. A data config naming several series (a NAB category) runs each into
`series/<name>/` (side by side in `workers` processes: `tsadlab.series_workers`) and writes
their aggregate (event counts micro-averaged, as the Orion benchmark does).
"""

import contextlib
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from tsadlab import artifacts
from tsadlab.config import RunConfig, settings_of, to_run_config
from tsadlab.data.series import Dataset, Series
from tsadlab.data.sources import load_dataset
from tsadlab.errors import ConfigError, DataError, TsadlabError
from tsadlab.metrics.events import EventCounts
from tsadlab.models import MODELS
from tsadlab.parallel import (
    job_cores,
    limit_threads_to_cores_given,
    resolve_workers,
    threads_per_worker,
)
from tsadlab.protocol import fitted_data
from tsadlab.run_series import RunResult, StageTimer, run_series
from tsadlab.run_summary import column_means, series_summary
from tsadlab.runtime import Terminated, git_commit, package_versions, raise_if_terminated
from tsadlab.scoring.predict import self_scoring_record
from tsadlab.series_workers import run_in_workers
from tsadlab.thresholds import is_oracle
from tsadlab.tracking.context import TrackingContext
from tsadlab.tracking.tracker import RunTracker

log = logging.getLogger(__name__)


def run(
    cfg: RunConfig | DictConfig | dict,
    run_dir: Path,
    only: str | None = None,
    context: TrackingContext | None = None,
) -> RunResult:
    """Run the whole job into `run_dir` (with `only`, just that series of the dataset: a
    benchmark's job); on any error the directory is marked failed. The trackers of
    `cfg.logger` record it, placed by `context` (a sweep's job, a benchmark's)."""
    run_dir = artifacts.start_run_dir(Path(run_dir))
    tracker = RunTracker()
    try:
        cfg = to_run_config(cfg)
        limit_threads_to_cores_given(cfg.backend.value)  # before any library starts a pool
        tracker = RunTracker.for_run(cfg, run_dir, context)
        if is_oracle(cfg.threshold):
            raise ConfigError(
                f"threshold={cfg.threshold.name} is an oracle: it picks the threshold from the "
                "labels it is scored on, so a training run cannot report it; re-evaluate a "
                f"finished run instead: tsadlab-evaluate run_dir=... threshold={cfg.threshold.name}"
            )
        timer = StageTimer()
        with timer("load"):
            dataset = load_dataset(fitted_data(cfg.data, cfg.protocol))
            if only is not None:
                dataset = dataset.only(only)
            first = dataset.load(dataset.names[0]) if len(dataset) == 1 else None
        if first is not None:
            result = run_series(cfg, first, run_dir, timer, tracker)
        else:
            tracker.begin()
            result = run_dataset(cfg, dataset, run_dir)
    except BaseException as exc:  # Ctrl-C too: a stopped run must not look unfinished-but-alive
        # on a full or vanished disk this may fail too; the original error is what to report
        with contextlib.suppress(OSError):
            artifacts.mark_status(run_dir, "failed", error=failure_reason(exc))
        tracker.finish()
        raise
    artifacts.mark_status(run_dir, "finished")
    tracker.finish()  # after the folder is complete: tracking never decides a result
    return result


def failure_reason(exc: BaseException) -> str:
    """What status.json says about a failed run."""
    if isinstance(exc, KeyboardInterrupt | Terminated):
        # the names run_state reads as `interrupted`
        return artifacts.INTERRUPTIONS[isinstance(exc, Terminated)]
    if isinstance(exc, TsadlabError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class MemberOutcome:
    """What one series of a dataset gave: its metrics, or the error it failed with."""

    name: str
    metrics: dict | None = None  # None: it failed
    error: str | None = None

    def row(self) -> dict:
        """The series' row of series.csv."""
        if self.metrics is None:
            return {"series": self.name, "status": "failed", "error": self.error}
        return {"series": self.name, "status": "finished", **series_summary(self.metrics)}

    def headline(self) -> str:
        """' (overlap F1 0.500, 12.3 s)', or ': failed: <why>', for a progress line."""
        if self.metrics is None:
            return f": failed: {self.error}"
        labeled = self.metrics.get("labeled")
        f1 = f"overlap F1 {labeled['event']['f1']:.3f}, " if labeled else ""
        return f" ({f1}{self.metrics['timings_s']['total']:.1f} s)"


def run_dataset(cfg: RunConfig, dataset: Dataset, run_dir: Path) -> RunResult:
    """Run every series into series/<name>/ and write the aggregate; any failure fails it."""
    rows, counts, failed = [], EventCounts(), []
    for outcome in run_members(cfg, dataset, run_dir):
        rows.append(outcome.row())
        if outcome.metrics is None:
            failed.append(outcome.name)
            continue
        labeled = outcome.metrics.get("labeled")
        if labeled:
            counts = counts + EventCounts(**labeled["event_counts"])
    table = pd.DataFrame(rows)
    settings = settings_of(cfg)
    artifacts.write_text(run_dir / "config.yaml", OmegaConf.to_yaml(settings))
    artifacts.write_csv(run_dir / "series.csv", table)
    metrics = {
        "experiment": cfg.name,
        "seed": cfg.seed,
        "data": settings["data"],
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


def run_members(cfg: RunConfig, dataset: Dataset, run_dir: Path) -> list[MemberOutcome]:
    """Every series' outcome, in the dataset's order: in `cfg.workers` worker processes, or
    one after another in this process when that resolves to 1 (`tsadlab.parallel`)."""
    to_run = [name for name in dataset.names if not finished_before(run_dir, name)]
    workers = resolve_workers(cfg.workers, len(to_run))
    if workers == 1:
        return run_members_here(cfg, dataset, run_dir)
    threads = threads_per_worker(job_cores(), workers)
    outcomes = run_in_workers(cfg, dataset.names, run_dir, workers, threads)
    return [outcomes[name] for name in dataset.names]


def finished_before(run_dir: Path, name: str) -> bool:
    """Whether the series' folder says finished (a cheap look, to count the series left;
    `finished_member` decides whether it is kept)."""
    return artifacts.read_status(run_dir / "series" / name)["status"] == "finished"


def run_members_here(cfg: RunConfig, dataset: Dataset, run_dir: Path) -> list[MemberOutcome]:
    """Every series' outcome, one after another in this process."""
    outcomes = []
    for i, name in enumerate(dataset.names, 1):
        raise_if_terminated()
        log.info("series %d of %d: %s", i, len(dataset), name)
        outcomes.append(member_outcome(cfg, dataset, name, run_dir))
    return outcomes


def member_outcome(cfg: RunConfig, dataset: Dataset, name: str, run_dir: Path) -> MemberOutcome:
    """`run_member`, a TsadlabError recorded as the series' failure (the others still run);
    what a worker process runs for each series it is given."""
    try:
        result = run_member(cfg, dataset, name, run_dir)
    except TsadlabError as exc:
        log.error("series %s failed: %s", name, exc)
        return MemberOutcome(name, error=str(exc))
    return MemberOutcome(name, result.metrics)


def finished_member(cfg: RunConfig, series: Series, series_dir: Path) -> RunResult | None:
    """The series' result when its folder holds a run finished with these settings on this
    data (a stopped category run, started again, keeps the series it had finished); None
    otherwise (a finished run with other settings is refused by `start_run_dir`)."""
    if artifacts.read_status(series_dir)["status"] != "finished":
        return None
    try:
        saved = (series_dir / "config.yaml").read_text(encoding="utf-8")
        metrics = json.loads((series_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # a model that scores windows itself recorded the error it was scored by, not the one
    # asked; any other model's record must be the one asked
    scores_itself = MODELS.get(cfg.model.name).scores_itself
    recorded = self_scoring_record(cfg.scoring) if scores_itself else None
    expected = [cfg] + ([replace(cfg, scoring=recorded)] if recorded is not None else [])
    if saved not in [OmegaConf.to_yaml(settings_of(c)) for c in expected]:
        return None
    if metrics["data"]["sha256"] != series.sha256:
        return None
    log.info("%s finished earlier with these settings: kept", series_dir)
    return RunResult(series_dir, metrics, pd.DataFrame(), pd.DataFrame())


def run_member(cfg: RunConfig, dataset: Dataset, name: str, run_dir: Path) -> RunResult:
    """One series of a dataset into series/<its name>/, marked finished or failed."""
    series = dataset.load(name)  # a series that cannot be read has no folder: series.csv says
    kept = finished_member(cfg, series, run_dir / "series" / series.name)
    if kept is not None:
        return kept
    series_dir = artifacts.start_run_dir(run_dir / "series" / series.name)
    try:
        result = run_series(cfg, series, series_dir, StageTimer())
    except BaseException as exc:  # an interruption too: the series says why it stopped
        artifacts.mark_status(series_dir, "failed", error=failure_reason(exc))
        raise
    artifacts.mark_status(series_dir, "finished")
    return result
