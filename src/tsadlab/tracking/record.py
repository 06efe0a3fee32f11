"""What a run folder tells a tracker, read from its files: the settings as flat params, the
numbers of metrics.json, the per-epoch history, the status, and the files worth uploading.

Plain functions without any tracker's library: live tracking and the upload of finished
folders (`tsadlab-report --to-mlflow`) log the same things from the same files.
"""

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tsadlab import artifacts

# The folder's MLflow run (tracking URI, experiment, run id), so that a resumed run, a
# re-evaluation and a later upload continue that run instead of starting another.
RECORD_FILE = "mlflow_run.json"
# MLflow's limits: key and value lengths, and the characters a key may hold.
MAX_KEY = 250
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
NOT_A_KEY_CHARACTER = re.compile(r"[^\w.\- /:]")
# Files of a run folder that are its tables, records, configuration and console log (figures
# are all uploaded).
TABLE_SUFFIXES = (".csv", ".json", ".yaml", ".log")
STATUSES = {"finished": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}


def metric_key(key: str) -> str:
    """A key MLflow accepts: other characters become '_', cut to its length limit."""
    return NOT_A_KEY_CHARACTER.sub("_", key)[:MAX_KEY]


def flat_items(data: dict, prefix: str = "") -> dict[str, Any]:
    """Nested keys joined by '.'; lists and other leaves as they are."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flat_items(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def config_params(settings: dict) -> dict[str, str]:
    """The run's settings as flat params (`model.dropout` -> '0.2'); the trackers' own
    settings (`logger`) are not the run's."""
    params = {}
    for key, value in flat_items({k: v for k, v in settings.items() if k != "logger"}).items():
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        params[metric_key(key)] = text[:MAX_PARAM_VALUE]
    return params


def numeric_metrics(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Every finite number of metrics.json by its flat key (flags and text are not metrics)."""
    return {
        metric_key(f"{prefix}{key}"): float(value)
        for key, value in flat_items(metrics).items()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    }


def identity_tags(
    seed: Any, backend: Any, sha256: str | None, versions: dict, commit: str | None
) -> dict[str, str]:
    """What makes a run reproducible, as tags: seed, backend, data hash, package versions."""
    tags = {"seed": str(seed), "backend": str(backend)}
    if sha256:
        tags["data.sha256"] = sha256
    tags.update({metric_key(f"version.{name}"): str(v) for name, v in versions.items()})
    if commit:
        tags["git_commit"] = commit
    return tags


def folder_tags(run_dir: Path, metrics: dict) -> dict[str, str]:
    """The tags a finished (or failed) folder adds: its identity from metrics.json, where it
    lies and, for a failure, why."""
    data = metrics.get("data") or {}
    tags = {"tsadlab.run_dir": str(run_dir)}
    if metrics:
        tags.update(
            identity_tags(
                metrics.get("seed"),
                metrics.get("backend"),
                data.get("sha256") if isinstance(data, dict) else None,
                metrics.get("versions") or {},
                metrics.get("git_commit"),
            )
        )
    error = artifacts.read_status(run_dir).get("error")
    if error:
        tags["tsadlab.error"] = str(error)[:MAX_TAG_VALUE]
    return tags


def run_status(run_dir: Path) -> str:
    """The MLflow status that mirrors status.json: FINISHED, FAILED, KILLED (Ctrl-C or
    SIGTERM), or RUNNING for a run whose process is still alive."""
    state = artifacts.run_state(run_dir)
    return STATUSES.get(state, "RUNNING" if state == "running" else "FAILED")


def read_json(path: Path) -> dict:
    """A JSON object from `path`, or {} where there is none (a failed run has no metrics)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def folder_settings(run_dir: Path) -> dict:
    """The run's settings: its config.yaml, else Hydra's copy (a run that failed early)."""
    for path in (run_dir / "config.yaml", run_dir / ".hydra" / "config.yaml"):
        try:
            settings = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(settings, dict):
            return settings
    return {}


def history_points(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """history.csv as {column: [(epoch, value), ...]}, finite values only."""
    path = run_dir / "history.csv"
    if not path.exists():
        return {}
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError):
        return {}
    if "epoch" not in table:
        return {}
    return {
        metric_key(column): [
            (int(epoch), float(value))
            for epoch, value in zip(table["epoch"], table[column], strict=True)
            if math.isfinite(value)
        ]
        for column in table.columns
        if column != "epoch" and pd.api.types.is_numeric_dtype(table[column])
    }


def artifact_files(
    run_dir: Path, max_mb: float, with_model: bool
) -> tuple[list[tuple[Path, str | None]], list[str]]:
    """The files to upload as (file, folder in the run's artifacts), and the names of those
    left out for their size: every figure; the tables, records, config and log at the top."""
    chosen: list[tuple[Path, str | None]] = []
    for path in sorted(run_dir.iterdir()) if run_dir.is_dir() else []:
        if not path.is_file() or path.name.startswith(".") or path.name == RECORD_FILE:
            continue  # temporary files of atomic writes start with '.'
        if path.suffix in TABLE_SUFFIXES or (with_model and path.suffix == ".keras"):
            chosen.append((path, None))
    figures = run_dir / "figures"
    if figures.is_dir():
        chosen += [(p, "figures") for p in sorted(figures.iterdir()) if p.is_file()]
    limit = max_mb * 2**20
    kept = [(p, where) for p, where in chosen if p.stat().st_size <= limit]
    skipped = [p.name for p, _ in chosen if p.stat().st_size > limit]
    return kept, skipped


def read_record(folder: Path) -> dict | None:
    """The folder's MLflow record, or None."""
    return read_json(Path(folder) / RECORD_FILE) or None


def write_record(folder: Path, record: dict) -> None:
    """Write the folder's MLflow record (atomically)."""
    artifacts.write_json(Path(folder) / RECORD_FILE, record)
