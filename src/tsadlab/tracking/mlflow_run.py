"""One run in MLflow, live: created (or continued) when the run starts, its losses after
every epoch, and everything its folder holds once it has ended, with its status.

The run's MLflow id is recorded in the folder (mlflow_run.json): a run resumed after an
interruption continues the MLflow run of the folder it resumes from, and a job run again
into its folder (a benchmark's retry) continues its own.
"""

import logging
from pathlib import Path
from typing import Any

from tsadlab.runtime import git_commit, package_versions
from tsadlab.tracking.config import (
    MlflowConfig,
    how_to_see,
    local_artifact_location,
    tracking_uri,
    without_credentials,
)
from tsadlab.tracking.context import TrackingContext
from tsadlab.tracking.mlflow_store import (
    GuardedStore,
    experiment_id,
    fill_run,
    later_upload,
    log_batches,
    new_run,
    now_ms,
    parent_of,
    record_of,
    usable_run,
)
from tsadlab.tracking.record import config_params, identity_tags, read_record, write_record

log = logging.getLogger(__name__)


class MlflowRunLogger:
    """A run's MLflow run; every call goes through a GuardedStore, so none can fail the run."""

    def __init__(
        self, options: MlflowConfig, settings: dict, run_dir: Path, context: TrackingContext
    ) -> None:
        self.options = options
        self.settings = settings
        self.run_dir = Path(run_dir)
        self.context = context
        self.uri = tracking_uri(options.tracking_uri)
        self.experiment = options.experiment or context.experiment or str(settings["name"])
        self.store = GuardedStore(self.uri, later_upload(self.run_dir, self.uri))
        self.run_id: str | None = None
        self.logged_epochs = 0  # a continued run's epochs: those a resumed fit replays
        self._begun = False

    def begin(self, sha256: str | None = None, resumed_from: Path | None = None) -> None:
        """Create the MLflow run, or continue the one of the folder this run resumes (or of
        its own folder); log the params and identity tags."""
        if self._begun:
            return
        self._begun = True
        self.run_id = self.store.call(
            "starting the run", lambda client: self._start(client, sha256, resumed_from)
        )

    def _start(self, client: Any, sha256: str | None, resumed_from: Path | None) -> str:
        earlier = [read_record(folder) for folder in (resumed_from, self.run_dir) if folder]
        run_id = next((r for r in (usable_run(client, e, self.uri) for e in earlier) if r), None)
        tags = {
            **identity_tags(
                self.settings.get("seed"),
                self.settings.get("backend"),
                sha256,
                package_versions(),
                git_commit(),
            ),
            **self.context.tags,
            "tsadlab.run_dir": str(self.run_dir),
        }
        if run_id is not None:
            client.update_run(run_id, status="RUNNING")
            known = client.get_run(run_id).data.params
            # a resumed fit starts again after its last saved epoch, which may be one the
            # interrupted run had logged already (with the same losses: training resumes exactly)
            logged = client.get_metric_history(run_id, "loss")
            self.logged_epochs = max((m.step for m in logged), default=0)
        else:
            experiment = experiment_id(client, self.experiment, local_artifact_location(self.uri))
            parent = parent_of(client, self.context.parent_dir, self.uri)
            name = self.context.run_name or self.run_dir.name
            run_id = new_run(client, experiment, name, tags, parent)
            known = {}
        write_record(self.run_dir, record_of(self.uri, self.experiment, run_id))
        params = {k: v for k, v in config_params(self.settings).items() if k not in known}
        log_batches(client, run_id, params=params, tags=tags)
        return run_id

    def keras_callbacks(self) -> list:
        """A callback that logs each epoch's losses as it ends."""
        from tsadlab.training.callbacks import EpochReport

        return [EpochReport(self.log_epoch)]

    def log_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """One epoch's losses, at step `epoch`."""
        if self.run_id is None or epoch <= self.logged_epochs:
            return
        from mlflow.entities import Metric

        stamp = now_ms()
        points = [Metric(key, value, stamp, epoch) for key, value in logs.items()]
        self.store.call(
            f"logging epoch {epoch}",
            lambda client: log_batches(client, self.run_id, points),
        )

    def finish(self) -> None:
        """Log everything the folder holds and end the run with its status."""
        self.begin()  # a run that failed before its data was loaded is recorded too
        if self.run_id is None:
            return
        params = config_params(self.settings)
        done = self.store.call(
            "logging the run's results",
            lambda client: (
                fill_run(client, self.run_id, self.run_dir, params, self.options) or True
            ),
        )
        if done:
            log.info(
                "MLflow: run %s of experiment '%s' in %s; to see it: %s",
                self.run_id,
                self.experiment,
                without_credentials(self.uri),
                how_to_see(without_credentials(self.uri)),
            )
