"""A re-evaluation (`tsadlab-evaluate`) added to the MLflow run of the run it re-scores:
its numbers as metrics under `evaluations/<name>/`, its tables and figures as artifacts
there. Runs without an MLflow record are left alone."""

from pathlib import Path
from typing import Any

from tsadlab.tracking.config import MlflowConfig
from tsadlab.tracking.mlflow_store import (
    GuardedStore,
    later_upload,
    log_batches,
    now_ms,
    upload_files,
    usable_run,
)
from tsadlab.tracking.record import metric_key, numeric_metrics, read_json, read_record


def log_evaluation(run_dir: Path, out_dir: Path) -> None:
    """Add the evaluation in `out_dir` to `run_dir`'s MLflow run, if it has one."""
    record = read_record(run_dir)
    if not record:
        return
    uri = record["tracking_uri"]
    store = GuardedStore(uri, later_upload(run_dir, uri))

    def log(client: Any) -> None:
        run_id = usable_run(client, record, uri)
        if run_id is None:
            raise LookupError(f"run {record['run_id']} is not in this store")
        add_evaluation(client, run_id, Path(out_dir))

    store.call(f"adding the evaluation {Path(out_dir).name}", log)


def add_evaluation(client: Any, run_id: str, out_dir: Path) -> None:
    """Log one evaluation folder's metrics and files to the run."""
    from mlflow.entities import Metric

    prefix = f"evaluations/{metric_key(out_dir.name)}"
    stamp = now_ms()
    numbers = numeric_metrics(read_json(out_dir / "metrics.json"), f"{prefix}/")
    log_batches(client, run_id, [Metric(k, v, stamp, 0) for k, v in numbers.items()])
    upload_files(client, run_id, out_dir, MlflowConfig(), prefix)
