"""`tsadlab-report`: runs, sweeps and searches turned into the tables and figures of a paper.

tsadlab-report outputs/default/multirun_2026-11-24_10-00-00      # a sweep
tsadlab-report 'outputs/*/2026-11-*' --out outputs/reports/nov   # globs of runs or sweeps

Writes into --out (default outputs/reports/<date_time>):
  runs.csv              every run: state, error, config.* and metrics.* (reporting/collect.py)
  summary.csv/.md/.tex  finished runs grouped by what varied (or --group-by): mean, std,
                        95 % CI, n per metric
  not_finished.csv      failed, interrupted and incomplete runs, never averaged in
  figures/              metric by group, training curves, score distributions
  comparison.md, ranks.csv, pairs.csv, figures/cd_diagram.png
                        with several datasets: ranks, Friedman, Wilcoxon-Holm, CD diagram
  index.html            all of it on one page, offline
"""

import argparse
import sys
from datetime import datetime
from pathlib import Path

from tsadlab.cli.common import error_line, register_all
from tsadlab.errors import TsadlabError
from tsadlab.reporting.collect import state_summary
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
    args = parser.parse_args(argv)
    out = args.out or Path("outputs/reports") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    try:
        register_all()  # plugins' metrics are columns too
        result = report(args.paths, out, args.metric, args.dataset_key, args.group_by)
    except (TsadlabError, OSError) as exc:
        sys.exit(f"error: {error_line(exc)}")
    print("\n".join(state_summary(result.runs)))
    print(f"wrote {out / 'index.html'}")


if __name__ == "__main__":
    main()
