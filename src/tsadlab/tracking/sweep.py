"""A sweep in MLflow: a parent run, created before any job starts and recorded in the sweep
folder, under which every job's run is nested; ended with the jobs table once every job has
returned. Whichever launcher runs the jobs (processes, SLURM nodes), each finds the parent's
id in the folder."""

from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from tsadlab.tracking.config import MlflowConfig, local_artifact_location, tracking_uri
from tsadlab.tracking.context import swept_keys
from tsadlab.tracking.mlflow_store import (
    GuardedStore,
    experiment_id,
    later_upload,
    log_batches,
    new_run,
    record_of,
    usable_run,
)
from tsadlab.tracking.record import read_record, write_record


def sweep_options(config: DictConfig) -> MlflowConfig | None:
    """The sweep's MLflow settings, if `logger=mlflow` is chosen for all its jobs."""
    chosen = OmegaConf.select(config, "logger.mlflow")
    return None if chosen is None else MlflowConfig(**OmegaConf.to_container(chosen))


def start_sweep(config: DictConfig, sweep_dir: Path) -> None:
    """Create (or continue) the sweep's parent run and record it in `sweep_dir`."""
    options = sweep_options(config)
    if options is None:
        return
    uri = tracking_uri(options.tracking_uri)
    experiment = options.experiment or str(config.name)
    keys = swept_keys(list(OmegaConf.select(config, "hydra.overrides.task") or []))
    store = GuardedStore(uri, later_upload(sweep_dir, uri))

    def start(client: object) -> None:
        run_id = usable_run(client, read_record(sweep_dir), uri)
        if run_id is None:
            exp = experiment_id(client, experiment, local_artifact_location(uri))
            tags = {"tsadlab.sweep_dir": str(sweep_dir)}
            run_id = new_run(client, exp, Path(sweep_dir).name, tags, None)
            log_batches(client, run_id, params={"swept": " ".join(keys) or "-"})
        write_record(sweep_dir, record_of(uri, experiment, run_id, swept_keys=keys))

    Path(sweep_dir).mkdir(parents=True, exist_ok=True)
    store.call("starting the sweep's parent run", start)


def finish_sweep(sweep_dir: Path, jobs: pd.DataFrame) -> None:
    """End the sweep's parent run: the jobs table, how many finished, FAILED if any failed."""
    record = read_record(sweep_dir)
    if not record:
        return
    from mlflow.entities import Metric

    from tsadlab.tracking.mlflow_store import now_ms

    uri = record["tracking_uri"]
    store = GuardedStore(uri, later_upload(sweep_dir, uri))
    finished = int((jobs["status"] == "finished").sum()) if len(jobs) else 0
    stamp = now_ms()
    counts = {"jobs": len(jobs), "jobs_finished": finished, "jobs_failed": len(jobs) - finished}

    def finish(client: object) -> None:
        run_id = usable_run(client, record, uri)
        if run_id is None:
            return
        metrics = [Metric(key, value, stamp, 0) for key, value in counts.items()]
        log_batches(client, run_id, metrics)
        jobs_file = Path(sweep_dir) / "jobs.csv"
        if jobs_file.exists():
            client.log_artifact(run_id, str(jobs_file))
        client.set_terminated(run_id, "FINISHED" if finished == len(jobs) else "FAILED")

    store.call("ending the sweep's parent run", finish)
