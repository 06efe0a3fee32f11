"""What a search's trials say: trials.csv (one row per trial, from KerasTuner's trial files,
readable by any process) and the one-line formats of the progress lines."""

import json
from pathlib import Path
from typing import Any

import pandas as pd
from keras_tuner.engine.trial import Trial

from tsadlab import artifacts
from tsadlab.tuning.space import SearchSpace


def write_trials_csv(project_dir: Path, space: SearchSpace) -> pd.DataFrame:
    """trials.csv: one row per trial, from KerasTuner's trial files (any process can write it)."""
    table = trials_table(project_dir, space)
    if len(table):
        artifacts.write_csv(project_dir / "trials.csv", table)
    return table


def trials_table(project_dir: Path, space: SearchSpace) -> pd.DataFrame:
    """Trial, status, each searched config key, the objective and metrics, wall time, worker."""
    rows = []
    for path in sorted(project_dir.glob("trial_*/trial.json")):
        trial = Trial.load(str(path))
        hp_values = trial.hyperparameters.values
        row: dict[str, Any] = {"trial": trial.trial_id, "status": trial.status}
        try:
            values = space.values_from(hp_values)
        except KeyError:  # a trial created but never given values
            values = {}
        row.update({k: json.dumps(v) if isinstance(v, list) else v for k, v in values.items()})
        row.update({k: v for k, v in hp_values.items() if k.startswith("tuner/")})
        row["objective"] = trial.score
        for name, observations in trial.metrics.metrics.items():
            row[name] = observations.get_best_value()
        timing = path.parent / "timing.json"
        if timing.exists():
            row.update(json.loads(timing.read_text()))
        row["error"] = last_line(trial.message) if trial.message else None
        rows.append(row)
    return pd.DataFrame(rows)


def format_values(values: dict[str, Any]) -> str:
    """key=value pairs as a command line would take them, floats to 4 significant digits."""
    return " ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={json.dumps(v).replace(' ', '')}"
        for k, v in values.items()
    )


def last_line(message: str | None) -> str:
    """The last non-empty line of a traceback: the error itself."""
    lines = [line for line in (message or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def format_seconds(seconds: float) -> str:
    """'1h02m03s', '2m03s' or '3.0s'."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"
