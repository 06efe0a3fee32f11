"""Finished run folders logged to MLflow after the fact (`tsadlab-report --to-mlflow`): runs
made without a tracker, or whose tracking server was down. A folder that records an MLflow
run in the target store continues that run (only what it lacks is added); the others get a
new run, placed as they ran (a sweep's jobs under the sweep's parent run, a benchmark's
jobs in its experiment). Unlike live tracking, a failure here is an error: logging is all
this command does.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tsadlab.errors import TsadlabError
from tsadlab.tracking.config import (
    MlflowConfig,
    local_artifact_location,
    tracking_uri,
    without_credentials,
)
from tsadlab.tracking.context import TrackingContext, folder_context, is_sweep, sweep_keys
from tsadlab.tracking.evaluation import add_evaluation
from tsadlab.tracking.mlflow_store import (
    experiment_id,
    fill_run,
    log_batches,
    new_client,
    new_run,
    parent_of,
    quiet_libraries,
    record_of,
    require_mlflow,
    usable_run,
)
from tsadlab.tracking.record import (
    config_params,
    folder_settings,
    read_record,
    run_status,
    write_record,
)
from tsadlab.tracking.sweep import finish_sweep


@dataclass(frozen=True)
class Uploaded:
    """One folder's upload: where it went and whether its run was new."""

    run_dir: Path
    uri: str
    run_id: str | None  # None: skipped (still running)
    created: bool

    def line(self) -> str:
        if self.run_id is None:
            return f"{self.run_dir}: still running, not logged"
        how = "new run" if self.created else "continued run"
        return f"{self.run_dir} -> {without_credentials(self.uri)}: {how} {self.run_id}"


def upload_runs(run_dirs: list[Path], uri: str | None = None) -> list[Uploaded]:
    """Log each run folder to MLflow: to `uri`, else the store its record or its config
    names, else $MLFLOW_TRACKING_URI or outputs/mlflow.db; then end the sweeps they belong
    to."""
    require_mlflow()
    done, sweeps = [], set()
    for run_dir in run_dirs:
        target = tracking_uri(uri or recorded_store(Path(run_dir)))
        try:
            with quiet_libraries():
                done.append(upload_run(new_client(target), Path(run_dir), target))
        except Exception as exc:  # MLflow's and the network's errors: one line, named
            reason = " ".join(str(exc).split())[:300]
            raise TsadlabError(
                f"cannot log {run_dir} to MLflow at {without_credentials(target)}: "
                f"{type(exc).__name__}: {reason}"
            ) from None
        if is_sweep(Path(run_dir).parent):
            sweeps.add(Path(run_dir).parent)
    for sweep_dir in sorted(sweeps):
        if (sweep_dir / "jobs.csv").exists():
            finish_sweep(sweep_dir, pd.read_csv(sweep_dir / "jobs.csv"))
    return done


def recorded_store(run_dir: Path) -> str | None:
    """The store a folder was logged to, or was to be logged to (its config's)."""
    recorded = (read_record(run_dir) or {}).get("tracking_uri")
    configured = ((folder_settings(run_dir).get("logger") or {}).get("mlflow") or {}).get(
        "tracking_uri"
    )
    return recorded or configured


def upload_run(client: Any, run_dir: Path, uri: str) -> Uploaded:
    """One folder into the store at `uri`: its run continued or created, then filled."""
    status = run_status(run_dir)
    if status == "RUNNING":
        return Uploaded(run_dir, uri, None, False)
    settings = folder_settings(run_dir)
    options = MlflowConfig(**((settings.get("logger") or {}).get("mlflow") or {}))
    context = folder_context(run_dir)
    experiment = options.experiment or context.experiment or str(settings.get("name", "default"))
    run_id = usable_run(client, read_record(run_dir), uri)
    created = run_id is None
    if created:
        parent = sweep_parent(client, context, uri, experiment)
        exp = experiment_id(client, experiment, local_artifact_location(uri))
        name = context.run_name or run_dir.name
        run_id = new_run(client, exp, name, context.tags, parent)
        write_record(run_dir, record_of(uri, experiment, run_id))
    fill_run(client, run_id, run_dir, config_params(settings), options, status)
    for evaluation in sorted((run_dir / "evaluations").glob("*/metrics.json")):
        add_evaluation(client, run_id, evaluation.parent)
    return Uploaded(run_dir, uri, run_id, created)


def sweep_parent(client: Any, context: TrackingContext, uri: str, experiment: str) -> str | None:
    """The parent run of the sweep a folder is a job of: the one the sweep folder records
    in this store, else a new one (recorded there)."""
    sweep_dir = context.parent_dir
    if sweep_dir is None:
        return None
    found = parent_of(client, sweep_dir, uri)
    if found:
        return found
    exp = experiment_id(client, experiment, local_artifact_location(uri))
    run_id = new_run(client, exp, sweep_dir.name, {"tsadlab.sweep_dir": str(sweep_dir)}, None)
    keys = sweep_keys(sweep_dir)
    log_batches(client, run_id, params={"swept": " ".join(keys) or "-"})
    write_record(sweep_dir, record_of(uri, experiment, run_id, swept_keys=keys))
    return run_id
