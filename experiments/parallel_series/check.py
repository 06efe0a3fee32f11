"""The check after run.sh: every run's per-series results must be identical (series.csv but
for its timings, and each series' scores, window errors and events byte for byte); then the
wall times of each round and the sequential / parallel ratio.

Usage: python experiments/parallel_series/check.py <run.sh's output folder>
Exit status 1 when two runs differ or a run did not finish.
"""

import hashlib
import json
import statistics
import sys
from pathlib import Path

import pandas as pd

TIMING_COLUMNS = ("seconds",)
SERIES_FILES = ("scores.csv", "window_errors.csv", "events.csv")


def series_table(run_dir: Path) -> pd.DataFrame:
    """series.csv without its timing columns."""
    table = pd.read_csv(run_dir / "series.csv")
    return table.drop(columns=[c for c in TIMING_COLUMNS if c in table])


def series_hashes(run_dir: Path) -> dict[str, str]:
    """The SHA-256 of every series' result files, by `<series>/<file>`."""
    return {
        f"{folder.name}/{name}": hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for folder in sorted((run_dir / "series").iterdir())
        for name in SERIES_FILES
        if (folder / name).exists()
    }


def differences(reference: Path, other: Path) -> list[str]:
    """What differs between two runs' results, one line each."""
    found = []
    if not series_table(reference).equals(series_table(other)):
        found.append(f"{other.name}/series.csv differs from {reference.name}'s")
    mine, theirs = series_hashes(reference), series_hashes(other)
    for key in sorted(set(mine) | set(theirs)):
        if mine.get(key) != theirs.get(key):
            found.append(f"{other.name}/series/{key} differs from {reference.name}'s")
    return found


def unfinished(run_dir: Path) -> bool:
    status = json.loads((run_dir / "status.json").read_text(encoding="utf-8"))
    return status["status"] != "finished"


def main(out: Path) -> int:
    times = pd.read_csv(out / "times.csv")
    runs = [out / f"round{r}_{m}" for r, m in zip(times["round"], times["mode"], strict=True)]
    problems = [f"{run.name} did not finish" for run in runs if unfinished(run)]
    if not problems:
        problems = [line for run in runs[1:] for line in differences(runs[0], run)]
    table = times.pivot(index="round", columns="mode", values="seconds")
    table["sequential / parallel"] = table["sequential"] / table["parallel"]
    n_series = len(pd.read_csv(runs[0] / "series.csv"))
    print(f"{n_series} series, {len(table)} rounds; wall seconds:")
    print(table.round(2).to_string())
    ratio = statistics.median(table["sequential / parallel"])
    print(f"median ratio sequential / parallel: {ratio:.2f}")
    for line in problems:
        print(f"DIFFERS: {line}")
    if not problems:
        print(f"identical: every series' results in all {len(runs)} runs")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
