"""MLflow through its public client: the experiments, runs and batches tsadlab logs, and a
guard that keeps a failing tracking store from ever failing a run.

Only this module and its callers inside `tracking` import MLflow, and only when
`logger=mlflow` is chosen: the other entry points start without it.
"""

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from tsadlab.errors import ConfigError
from tsadlab.tracking.config import MlflowConfig, without_credentials
from tsadlab.tracking.record import (
    artifact_files,
    folder_tags,
    history_points,
    numeric_metrics,
    read_json,
    read_record,
    run_status,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# MLflow retries a failed request 7 times over about 4 minutes by default; a run should not
# wait that long on a dead server. Set only where the user has not chosen.
FAST_FAILURE = {
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2",
    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
    "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
}
# Libraries whose own lines (database migrations, each retry) would bury the one warning.
QUIET_LOGGERS = ("mlflow", "alembic", "urllib3")
PARENT_TAG = "mlflow.parentRunId"  # MLflow's system tag that nests a run under another
# MLflow takes at most 100 params or tags and 1000 metrics per batch
BATCH, METRIC_BATCH = 100, 1000


def require_mlflow() -> None:
    """One line instead of an ImportError mid-run when MLflow is not installed."""
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:
        raise ConfigError(
            "logger=mlflow needs MLflow, which is not installed: pip install 'tsadlab[tracking]'"
        )


def new_client(uri: str) -> Any:
    """An MLflow client of the store at `uri`."""
    for name, value in FAST_FAILURE.items():
        os.environ.setdefault(name, value)
    from mlflow import MlflowClient  # its first import sets its loggers' levels: quiet after

    with quiet_libraries():  # the client opens (or creates) the store
        return MlflowClient(tracking_uri=uri)


@contextlib.contextmanager
def quiet_libraries() -> Iterator[None]:
    """Within the block MLflow, Alembic and urllib3 report errors only."""
    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def one_line(exc: BaseException) -> str:
    """An exception as one short line."""
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def later_upload(folder: Path, uri: str) -> str:
    """How a folder is logged to the store at `uri` once its work has ended."""
    return (
        f"once it has ended, log it with: tsadlab-report --to-mlflow {folder} "
        f"--tracking-uri {without_credentials(uri)}"
    )


class GuardedStore:
    """A tracking store whose every call either works or is skipped: the first failure
    turns it off with one warning line that says what was not logged and the command that
    logs it later."""

    def __init__(self, uri: str, later: str) -> None:
        self.uri = uri
        self.later = later  # how to log the rest later
        self.failed = False
        self._client: Any = None

    def call(self, what: str, action: Callable[[Any], T]) -> T | None:
        """`action(client)`, or None once the store has failed."""
        if self.failed:
            return None
        try:
            if self._client is None:
                self._client = new_client(self.uri)
            with quiet_libraries():
                return action(self._client)
        except Exception as exc:  # anything MLflow or the network raises: never the run's
            self.failed = True
            log.warning(
                "MLflow at %s failed while %s (%s); nothing more is logged there, the work goes "
                "on and its folders stay complete; %s",
                without_credentials(self.uri),
                what,
                one_line(exc),
                self.later,
            )
            return None


def experiment_id(client: Any, name: str, artifact_location: str | None) -> str:
    """The id of the experiment `name`, created if it does not exist (by this process or,
    at the same moment, by another job of the sweep)."""
    from mlflow.exceptions import MlflowException

    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name, artifact_location=artifact_location)
    except MlflowException:
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found.experiment_id


def new_run(
    client: Any, experiment: str, name: str, tags: dict[str, str], parent: str | None
) -> str:
    """Create a run (nested under `parent` when given); its id."""
    tags = {**tags, PARENT_TAG: parent} if parent else tags
    return client.create_run(experiment, tags=tags, run_name=name).info.run_id


def usable_run(client: Any, record: dict | None, uri: str) -> str | None:
    """The run id a folder's record names, when it is in this store and not deleted."""
    from mlflow.exceptions import MlflowException

    if not record or record.get("tracking_uri") != without_credentials(uri):
        return None
    try:
        run = client.get_run(record["run_id"])
    except MlflowException:
        return None
    return run.info.run_id if run.info.lifecycle_stage == "active" else None


def record_of(uri: str, experiment: str, run_id: str, **extra: Any) -> dict:
    """What a folder records about its MLflow run (never the URI's credentials)."""
    return {
        "tracking_uri": without_credentials(uri),
        "experiment": experiment,
        "run_id": run_id,
        **extra,
    }


def log_batches(
    client: Any,
    run_id: str,
    metrics: list | None = None,
    params: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> None:
    """Log metrics, params and tags in as many batches as MLflow's limits need."""
    from mlflow.entities import Param, RunTag

    metrics = list(metrics or [])
    params_list = [Param(k, v) for k, v in (params or {}).items()]
    tags_list = [RunTag(k, v) for k, v in (tags or {}).items()]
    while metrics or params_list or tags_list:
        client.log_batch(
            run_id,
            metrics=metrics[:METRIC_BATCH],
            params=params_list[:BATCH],
            tags=tags_list[:BATCH],
        )
        metrics, params_list, tags_list = (
            metrics[METRIC_BATCH:],
            params_list[BATCH:],
            tags_list[BATCH:],
        )


def now_ms() -> int:
    """Now, in the milliseconds MLflow stamps metrics with."""
    return int(time.time() * 1000)


def fill_run(
    client: Any,
    run_id: str,
    run_dir: Path,
    params: dict[str, str],
    options: MlflowConfig,
    status: str | None = None,
) -> None:
    """Log what the run folder holds and end the run with the folder's status: the params
    the run lacks, metrics.json's numbers, the epochs not logged yet, tags, artifacts."""
    from mlflow.entities import Metric

    run = client.get_run(run_id)
    metrics = read_json(run_dir / "metrics.json")
    stamp = now_ms()
    points = [
        Metric(key, value, stamp, 0)
        for key, value in numeric_metrics(metrics).items()
        if run.data.metrics.get(key) != value
    ]
    for key, history in history_points(run_dir).items():
        logged = {m.step for m in client.get_metric_history(run_id, key)}
        points += [Metric(key, v, stamp, step) for step, v in history if step not in logged]
    known = run.data.params  # a resumed run's params are set; MLflow refuses a change
    log_batches(
        client,
        run_id,
        points,
        {k: v for k, v in params.items() if k not in known},
        folder_tags(run_dir, metrics),
    )
    if options.artifacts:
        upload_files(client, run_id, run_dir, options)
    client.set_terminated(run_id, status or run_status(run_dir))


def upload_files(
    client: Any, run_id: str, folder: Path, options: MlflowConfig, under: str = ""
) -> None:
    """The folder's figures and tables as the run's artifacts (under `under`); those over
    the size limit are named in the tag tsadlab.not_uploaded."""
    files, skipped = artifact_files(folder, options.max_artifact_mb, options.log_model)
    for path, where in files:
        place = "/".join(p for p in (under, where) if p) or None
        client.log_artifact(run_id, str(path), place)
    if skipped:
        client.set_tag(run_id, "tsadlab.not_uploaded", ", ".join(skipped))


def parent_of(client: Any, folder: Path | None, uri: str) -> str | None:
    """The run id of the parent a folder records (a sweep's), if it is in this store."""
    return usable_run(client, read_record(folder), uri) if folder else None
