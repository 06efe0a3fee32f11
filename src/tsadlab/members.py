"""One series of a collection run (a NAB category, a list of files): run into
series/<name>/ and marked finished or failed, kept when an earlier run finished it with the
same settings on the same data, and its outcome (metrics, or the error it failed with) for
the collection's tables. The parent process runs `member_outcome` for each series when
`workers=1`; each worker process runs it for the series it is given
(`tsadlab.series_workers`), so both paths run exactly this.
"""

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from tsadlab import artifacts
from tsadlab.config import RunConfig, settings_of
from tsadlab.data.series import Dataset, Series
from tsadlab.errors import TsadlabError
from tsadlab.models import MODELS
from tsadlab.run_series import RunResult, StageTimer, run_series
from tsadlab.run_summary import series_summary
from tsadlab.scoring.predict import self_scoring_record

log = logging.getLogger(__name__)


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
        artifacts.mark_status(series_dir, "failed", error=artifacts.failure_reason(exc))
        raise
    artifacts.mark_status(series_dir, "finished")
    return result
