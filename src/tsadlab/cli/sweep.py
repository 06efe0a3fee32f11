"""What a Hydra sweep (`tsadlab-train -m ...`) leaves at its top: jobs.csv and a summary line.

A failed job does not stop a sweep (its own run directory says failed); this callback makes the
failures visible in one place once every job has returned, whichever launcher ran them.
"""

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from tsadlab import artifacts
from tsadlab.tracking.sweep import finish_sweep, start_sweep

log = logging.getLogger(__name__)


def jobs_table(sweep_dir: Path) -> pd.DataFrame:
    """One row per job folder: its number, overrides, status, error, best loss and seconds."""
    rows = []
    for status_file in sorted(Path(sweep_dir).glob(f"*/{artifacts.STATUS_FILE}")):
        job_dir = status_file.parent
        status = artifacts.read_status(job_dir)
        overrides_file = job_dir / ".hydra" / "overrides.yaml"
        overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.exists() else []
        row: dict[str, Any] = {
            "job": job_dir.name,
            "overrides": " ".join(overrides or []),
            "status": status["status"],
            "error": status.get("error"),
            "run_dir": str(job_dir),
        }
        metrics_file = job_dir / "metrics.json"
        if status["status"] == "finished" and metrics_file.exists():
            metrics = json.loads(metrics_file.read_text())
            row["best_monitor"] = metrics.get("training", {}).get("best_monitor")
            row["seconds"] = metrics.get("timings_s", {}).get("total", metrics.get("total_seconds"))
        rows.append(row)
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values("job", key=lambda jobs: jobs.map(_job_order))
    return table.reset_index(drop=True)


def _job_order(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (1 << 30, name)


class SweepSummary(Callback):
    """Hydra callback: write <sweep dir>/jobs.csv and log how many jobs finished or failed;
    with logger=mlflow, open the sweep's parent run before the jobs and end it after them."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        start_sweep(config, Path(config.hydra.sweep.dir))

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        table = jobs_table(sweep_dir)
        if not len(table):
            return
        artifacts.write_csv(sweep_dir / "jobs.csv", table)
        finish_sweep(sweep_dir, table)
        failed = table[table["status"] != "finished"]
        log.info(
            "sweep finished: %d of %d jobs finished; table: %s",
            len(table) - len(failed),
            len(table),
            sweep_dir / "jobs.csv",
        )
        for _, job in failed.iterrows():
            log.error(
                "job %s %s (%s): %s", job["job"], job["status"], job["overrides"], job["error"]
            )
