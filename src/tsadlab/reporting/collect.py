"""Finding runs and collecting them into one table.

Every run directory found (a folder with `status.json`; the series of a dataset run and its
reruns belong to it and are not listed apart) becomes one row of `runs.csv`: its state
(`artifacts.run_state`), error, its config flattened as `config.<key>` and its metrics as
`metrics.<key>`. Failed, interrupted and incomplete runs are listed, never averaged in.
"""

import functools
import glob
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from tsadlab import artifacts
from tsadlab.errors import ArtifactError

TRIALS_FILE, SEARCH_FILE = "trials.csv", "search.yaml"
# KerasTuner's trial status as a run state.
TRIAL_STATES = {"COMPLETED": "finished", "FAILED": "failed", "INVALID": "failed"}
# Folders inside a run that hold parts of it, not runs of their own.
RUN_PARTS = {"series", "reruns", "evaluations", "figures", "tensorboard", ".hydra"}


def find_runs(patterns: list[str]) -> list[Path]:
    """Run directories under the given paths or globs, sorted; an unmatched one is an error."""
    found: set[Path] = set()
    for pattern in patterns:
        matches = [Path(p) for p in sorted(glob.glob(pattern))] or [Path(pattern)]
        if not any(m.exists() for m in matches):
            raise ArtifactError(f"no such file or folder: {pattern}")
        for path in matches:
            found.update(_runs_under(path))
    return sorted(found)


def _runs_under(path: Path) -> list[Path]:
    if (path / artifacts.STATUS_FILE).exists():
        return [path.resolve()]
    if is_search(path):  # a tsadlab-tune project folder: its trials are the runs
        trials = pd.read_csv(path / TRIALS_FILE, dtype={"trial": str})
        retrained = _runs_under(path / "retrain") if (path / "retrain").is_dir() else []
        return [(path / f"trial_{t}").resolve() for t in trials["trial"]] + retrained
    if not path.is_dir():
        return []
    return [
        run
        for child in sorted(path.iterdir())
        if child.is_dir() and child.name not in RUN_PARTS
        for run in _runs_under(child)
    ]


def flatten(data: dict, prefix: str) -> dict:
    """Nested keys joined by '.', under `prefix`; lists become JSON text (one cell each)."""
    flat: dict = {}
    for key, value in data.items():
        name = f"{prefix}.{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name))
        elif isinstance(value, list | tuple):
            flat[name] = json.dumps(value)
        else:
            flat[name] = value
    return flat


def _read_mapping(path: Path, reader: Callable[[str], object]) -> dict:
    if not path.exists():
        return {}
    try:
        data = reader(path.read_text(encoding="utf-8"))
    except (ValueError, yaml.YAMLError, OSError):
        return {"unreadable": path.name}
    return data if isinstance(data, dict) else {}


def is_search(path: Path) -> bool:
    """Whether `path` is a search project folder (tsadlab-tune writes both files)."""
    return (path / TRIALS_FILE).is_file() and (path / SEARCH_FILE).is_file()


@functools.lru_cache(maxsize=8)
def _search_files(project: Path, modified: int) -> tuple[pd.DataFrame, dict]:
    """trials.csv by trial id, and search.yaml flattened: read once per search folder (and
    again when trials.csv changes, as during a running search)."""
    trials = pd.read_csv(project / TRIALS_FILE, dtype={"trial": str}).set_index("trial")
    return trials, flatten(_read_mapping(project / SEARCH_FILE, yaml.safe_load), "config")


def trial_row(trial_dir: Path) -> dict:
    """A search trial as a run: the search's settings with the trial's values as config;
    its objective, losses, epochs and seconds as metrics."""
    project = trial_dir.parent
    trials, search = _search_files(project, (project / TRIALS_FILE).stat().st_mtime_ns)
    trial = trials.loc[trial_dir.name.removeprefix("trial_")]
    settings = dict(search)
    metrics = {}
    for column, value in trial.items():
        if f"config.{column}" in settings:
            settings[f"config.{column}"] = value
        elif column not in ("status", "worker", "error"):
            metrics[f"metrics.{column}"] = value
    if "metrics.val_loss" in metrics:  # what a training run calls its best monitored loss
        metrics["metrics.training.best_monitor"] = metrics["metrics.val_loss"]
    error = trial.get("error")
    return {
        "run_dir": str(trial_dir),
        "state": TRIAL_STATES.get(trial["status"], "incomplete"),
        "error": error if isinstance(error, str) else None,
        "started": None,
        "resumed_in": None,
        **settings,
        **metrics,
    }


def run_row(run_dir: Path) -> dict:
    """One run as a flat row: where, state, why it stopped, config and metrics."""
    if is_search(run_dir.parent) and run_dir.name.startswith("trial_"):
        return trial_row(run_dir)
    status = artifacts.read_status(run_dir)
    config = _read_mapping(run_dir / "config.yaml", yaml.safe_load) or _read_mapping(
        run_dir / ".hydra" / "config.yaml", yaml.safe_load
    )
    metrics = _read_mapping(run_dir / "metrics.json", json.loads)
    return {
        "run_dir": str(run_dir),
        "state": artifacts.run_state(run_dir),
        "error": status.get("error"),
        "started": status.get("started"),
        "resumed_in": status.get("resumed_in"),
        **flatten(config, "config"),
        **flatten(metrics, "metrics"),
    }


def collect_runs(run_dirs: list[Path]) -> pd.DataFrame:
    """Every run as one row (columns: see `run_row`)."""
    return pd.DataFrame([run_row(run_dir) for run_dir in run_dirs])


def state_summary(runs: pd.DataFrame) -> list[str]:
    """Lines for the terminal: counts by state, then every run that did not finish."""
    counts = runs["state"].value_counts()
    lines = [
        f"{len(runs)} runs: "
        + ", ".join(f"{counts[s]} {s}" for s in artifacts.RUN_STATES if s in counts)
    ]
    for row in runs[runs["state"] != "finished"].itertuples():
        why = f": {row.error}" if isinstance(row.error, str) else ""
        resumed = f" (resumed in {row.resumed_in})" if isinstance(row.resumed_in, str) else ""
        lines.append(f"  {row.state} {row.run_dir}{why}{resumed}")
    return lines
