"""`tsadlab-report`: runs, sweeps and searches turned into the tables and figures of a paper.

tsadlab-report outputs/default/multirun_2026-11-24_10-00-00      # a sweep
tsadlab-report 'outputs/*/2026-11-*' --out outputs/reports/nov   # globs of runs or sweeps
tsadlab-report --to-mlflow outputs/default/multirun_2026-11-24_10-00-00   # log to MLflow

Writes into --out (default outputs/reports/<date_time>):
  runs.csv              every run: state, error, config.* and metrics.* (reporting/collect.py)
  summary.csv/.md/.tex  finished runs grouped by what varied (or --group-by): mean, std,
                        95 % CI, n per metric
  not_finished.csv      failed, interrupted and incomplete runs, never averaged in
  figures/              metric by group, training curves, score distributions
  comparison.md, ranks.csv, pairs.csv, figures/cd_diagram.png
                        with several datasets: ranks, Friedman, Wilcoxon-Holm, CD diagram
  index.html            all of it on one page, offline

With --to-mlflow it writes no report: it logs the finished run folders to MLflow instead
(--tracking-uri, else the store each folder recorded, else $MLFLOW_TRACKING_URI or
outputs/mlflow.db), continuing the MLflow run a folder records.
"""

import argparse
import sys
from datetime import datetime
from pathlib import Path

from tsadlab.cli.common import error_line, register_all
from tsadlab.errors import TsadlabError
from tsadlab.reporting.collect import find_runs, state_summary
from tsadlab.reporting.report import report


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    parser = argparse.ArgumentParser(prog="tsadlab-report", description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="run, sweep or output folders, or globs")
    parser.add_argument("--out", type=Path, help="report folder (default outputs/reports/<now>)")
    parser.add_argument(
        "--metric",
        action="append",
        help="a metrics.* column of runs.csv to report (repeatable; default: the headline ones)",
    )
    parser.add_argument(
        "--dataset-key",
        help="the config.* column that names the dataset (default: data.name if it varies)",
    )
    parser.add_argument(
        "--group-by",
        action="append",
        help="a config.* column to group runs by (repeatable; default: every key that varies)",
    )
    parser.add_argument(
        "--to-mlflow",
        action="store_true",
        help="log the run folders to MLflow (their figures, tables, metrics) instead",
    )
    parser.add_argument(
        "--tracking-uri",
        help="with --to-mlflow: the store (default: the folder's own, else $MLFLOW_TRACKING_URI, "
        "else sqlite:///outputs/mlflow.db)",
    )
    args = parser.parse_args(argv)
    if args.to_mlflow:
        to_mlflow(args.paths, args.tracking_uri)
        return
    out = args.out or Path("outputs/reports") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    try:
        register_all()  # plugins' metrics are columns too
        result = report(args.paths, out, args.metric, args.dataset_key, args.group_by)
    except (TsadlabError, OSError) as exc:
        sys.exit(f"error: {error_line(exc)}")
    print("\n".join(state_summary(result.runs)))
    print(f"wrote {out / 'index.html'}")


def to_mlflow(paths: list[str], uri: str | None) -> None:
    """Log the run folders under `paths` to MLflow, one line each."""
    from tsadlab.tracking.upload import upload_runs

    try:
        runs = [run for run in find_runs(paths) if (run / "status.json").exists()]
        if not runs:
            raise TsadlabError(f"no run folder under {' '.join(paths)}")
        for uploaded in upload_runs(runs, uri):
            print(uploaded.line())
    except (TsadlabError, OSError) as exc:
        sys.exit(f"error: {error_line(exc)}")


if __name__ == "__main__":
    main()
