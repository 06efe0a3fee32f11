"""A run: the config, checked, and the series it names, each run end to end into the run
directory; `status.json` says finished only when everything is in place.

`run(cfg, run_dir)` is the whole job; `tsadlab-train` only composes the config and chooses the
directory. A data config naming several series (a NAB category) runs each into
`series/<name>/` (`tsadlab.members`; side by side in `workers` processes:
`tsadlab.series_workers`) and writes their aggregate (event counts micro-averaged, as the
Orion benchmark does).
"""

import contextlib
import logging
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from tsadlab import artifacts
from tsadlab.config import RunConfig, settings_of, to_run_config
from tsadlab.data.series import Dataset
from tsadlab.data.sources import load_dataset
from tsadlab.errors import ConfigError, DataError
from tsadlab.members import MemberOutcome, member_outcome
from tsadlab.metrics.events import EventCounts
from tsadlab.parallel import (
    job_cores,
    limit_threads_to_cores_given,
    resolve_workers,
    threads_per_worker,
)
from tsadlab.protocol import fitted_data
from tsadlab.run_series import RunResult, StageTimer, run_series
from tsadlab.run_summary import column_means
from tsadlab.runtime import git_commit, package_versions, raise_if_terminated
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
            artifacts.mark_status(run_dir, "failed", error=artifacts.failure_reason(exc))
        tracker.finish()
        raise
    artifacts.mark_status(run_dir, "finished")
    tracker.finish()  # after the folder is complete: tracking never decides a result
    return result


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
    `members.finished_member` decides whether it is kept)."""
    return artifacts.read_status(run_dir / "series" / name)["status"] == "finished"


def run_members_here(cfg: RunConfig, dataset: Dataset, run_dir: Path) -> list[MemberOutcome]:
    """Every series' outcome, one after another in this process."""
    outcomes = []
    for i, name in enumerate(dataset.names, 1):
        raise_if_terminated()
        log.info("series %d of %d: %s", i, len(dataset), name)
        outcomes.append(member_outcome(cfg, dataset, name, run_dir))
    return outcomes
