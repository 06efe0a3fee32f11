"""A KerasTuner search in MLflow: a parent run per search project (recorded in its folder, so
that a resumed search and its workers continue it), and a nested run per trial with the
trial's values as params and its objective and metrics, ended as the trial ended."""

from pathlib import Path
from typing import Any

from tsadlab.tracking.config import MlflowConfig, local_artifact_location, tracking_uri
from tsadlab.tracking.mlflow_store import (
    GuardedStore,
    experiment_id,
    log_batches,
    new_run,
    now_ms,
    record_of,
    upload_files,
    usable_run,
)
from tsadlab.tracking.record import config_params, metric_key, read_record, write_record

TRIAL_STATUS = {"COMPLETED": "FINISHED", "FAILED": "FAILED", "INVALID": "FAILED"}


class SearchTracker:
    """The search's parent run and its trials' runs."""

    def __init__(self, options: MlflowConfig, settings: dict, project_dir: Path) -> None:
        self.options = options
        self.settings = settings
        self.project_dir = Path(project_dir)
        self.uri = tracking_uri(options.tracking_uri)
        self.experiment = options.experiment or str(settings["name"])
        self.store = GuardedStore(self.uri, f"its trials are in {self.project_dir / 'trials.csv'}")
        self.parent: str | None = None

    @classmethod
    def for_search(cls, settings: dict, project_dir: Path, chief: bool) -> "SearchTracker | None":
        """The tracker of a search with logger=mlflow (None otherwise); the chief (or a lone
        process) creates the parent run, a worker finds it in the project folder."""
        chosen = (settings.get("logger") or {}).get("mlflow")
        if chosen is None:
            return None
        from tsadlab.tracking.mlflow_store import require_mlflow

        require_mlflow()
        tracker = cls(MlflowConfig(**chosen), settings, project_dir)
        tracker.store.call("starting the search's parent run", lambda c: tracker._start(c, chief))
        return tracker

    def _start(self, client: Any, chief: bool) -> None:
        self.parent = usable_run(client, read_record(self.project_dir), self.uri)
        if self.parent is not None or not chief:
            return
        experiment = experiment_id(client, self.experiment, local_artifact_location(self.uri))
        tags = {"tsadlab.search_dir": str(self.project_dir)}
        self.parent = new_run(client, experiment, self.project_dir.name, tags, None)
        log_batches(client, self.parent, params=config_params(self.settings))
        write_record(self.project_dir, record_of(self.uri, self.experiment, self.parent))

    def log_trial(self, trial: Any, space: Any, worker: str, seconds: float) -> None:
        """One ended trial as a nested run: its values of the search space (config keys),
        objective and metrics, and its status."""
        from mlflow.entities import Metric

        try:
            values = space.values_from(trial.hyperparameters.values)
        except KeyError:  # a trial never given values
            values = {}

        stamp = now_ms()
        metrics = {"seconds": seconds}
        if trial.score is not None:
            metrics["objective"] = float(trial.score)
        for name, observations in trial.metrics.metrics.items():
            best = observations.get_best_value()
            if best is not None:
                metrics[metric_key(name)] = float(best)
        params = config_params(values)
        tags = {"trial": str(trial.trial_id), "worker": worker}
        if trial.message:
            tags["tsadlab.error"] = str(trial.message)[-2000:]

        def log(client: Any) -> None:
            experiment = experiment_id(client, self.experiment, local_artifact_location(self.uri))
            run_id = new_run(client, experiment, f"trial {trial.trial_id}", tags, self.parent)
            points = [Metric(k, v, stamp, 0) for k, v in metrics.items()]
            log_batches(client, run_id, points, params)
            client.set_terminated(run_id, TRIAL_STATUS.get(trial.status, "FAILED"))

        self.store.call(f"logging trial {trial.trial_id}", log)

    def finish(self, best_trial: str | None = None, best_objective: float | None = None) -> None:
        """End the parent run with the search's tables and figures and its best trial
        (FAILED when no trial completed)."""
        if self.parent is None:
            return

        def finish(client: Any) -> None:
            from mlflow.entities import Metric

            if best_trial is not None:
                best = [Metric("best_objective", float(best_objective), now_ms(), 0)]
                log_batches(client, self.parent, best, tags={"best_trial": str(best_trial)})
            if self.options.artifacts:
                upload_files(client, self.parent, self.project_dir, self.options)
            client.set_terminated(self.parent, "FINISHED" if best_trial is not None else "FAILED")

        self.store.call("ending the search's parent run", finish)
