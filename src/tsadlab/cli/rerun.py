"""`tsadlab-rerun`: run a finished run again from its own directory and say whether it matches.

tsadlab-rerun outputs/default/<time>             # into outputs/default/<time>/reruns/<now>/
tsadlab-rerun outputs/default/<time> --into DIR

The rerun uses the run's saved config.yaml (every resolved setting, the seed and the backend),
so it needs nothing else from the command line. Exit status 0 when every result matches,
1 when something differs (each difference is listed) or the rerun fails.
"""

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tsadlab import artifacts
from tsadlab.cli.common import error_line, register_all
from tsadlab.errors import ArtifactError, TsadlabError
from tsadlab.run import run

# What legitimately differs between two runs of the same config: time, versions, paths,
# and how the backend was chosen (a rerun runs on the backend its run saved, never `auto`).
VOLATILE_KEYS = {
    "timings_s",
    "total_seconds",
    "versions",
    "git_commit",
    "seconds",
    "resumed_from",
    "backend_choice",
}
SKIPPED_FOLDERS = {"reruns", "evaluations", "figures", "tensorboard", ".hydra"}


def rerun(run_dir: Path, into: Path | None = None) -> tuple[Path, list[str]]:
    """Run `run_dir`'s config again into `into`; returns the new run and every difference."""
    run_dir = Path(run_dir)
    status = artifacts.read_status(run_dir)["status"]
    if status != "finished":
        raise ArtifactError(
            f"{run_dir} holds no finished run (status: {status}); tsadlab-rerun needs a run "
            "directory with status.json 'finished' and its config.yaml"
        )
    config_file = run_dir / "config.yaml"
    if not config_file.exists():
        raise ArtifactError(f"{config_file} not found; a finished run saves its config there")
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    stamp = datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    into = Path(into) if into else run_dir / "reruns" / stamp
    run(config, into)
    return into, compare_runs(run_dir, into)


def compare_runs(first: Path, second: Path) -> list[str]:
    """Every difference between two run directories' results, one line each."""
    differences = []
    for path in result_files(first):
        relative = path.relative_to(first)
        other = second / relative
        if not other.exists():
            differences.append(f"{relative}: missing in the rerun")
        elif path.suffix == ".csv":
            differences += [f"{relative}: {d}" for d in compare_tables(path, other)]
        else:
            a, b = (strip_volatile(json.loads(p.read_text())) for p in (path, other))
            differences += [f"{relative}: {d}" for d in compare_values(a, b, "")]
    return differences


def result_files(run_dir: Path) -> list[Path]:
    """The CSV tables and metrics.json files a run wrote, not its reruns or figures."""
    files = []
    for path in sorted(run_dir.rglob("*")):
        parts = set(path.relative_to(run_dir).parts[:-1])
        if parts & SKIPPED_FOLDERS:
            continue
        if path.suffix == ".csv" or path.name == "metrics.json":
            files.append(path)
    return files


def compare_tables(a: Path, b: Path) -> list[str]:
    """Columns whose values differ (timing columns aside)."""
    first, second = pd.read_csv(a), pd.read_csv(b)
    if first.shape != second.shape or list(first.columns) != list(second.columns):
        return [f"shape {first.shape} vs {second.shape}"]
    return [
        f"column {column} differs"
        for column in first.columns
        if column not in VOLATILE_KEYS and not first[column].equals(second[column])
    ]


def strip_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_volatile(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    return value


def compare_values(a: Any, b: Any, where: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [
            d
            for key in sorted(set(a) | set(b))
            for d in compare_values(a.get(key), b.get(key), f"{where}.{key}".lstrip("."))
        ]
    return [] if a == b else [f"{where} = {a!r} vs {b!r}"]


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    parser = argparse.ArgumentParser(
        prog="tsadlab-rerun",
        description="Run a finished run again from its own config and compare the results.",
    )
    parser.add_argument("run_dir", type=Path, help="a finished run directory")
    parser.add_argument(
        "--into", type=Path, help="where the rerun goes (default: RUN_DIR/reruns/<now>)"
    )
    args = parser.parse_args(argv)
    try:
        register_all()  # a run of a plugin's component needs the plugin
        into, differences = rerun(args.run_dir, args.into)
    except (TsadlabError, OSError) as exc:
        sys.exit(f"error: {error_line(exc)}")
    if differences:
        print(f"rerun {into} differs from {args.run_dir} in {len(differences)} places:")
        for line in differences:
            print(f"  {line}")
        sys.exit(1)
    print(f"rerun {into} matches {args.run_dir}: every table and metric is identical")


if __name__ == "__main__":
    main()
