"""Copy a finished tsadlab-bench folder's tables into an experiment folder, and print what
the README reports: the summary, a category x method table (NAB's categories are the
part of a series name before `__`; TSB-AD's have none) and the wall time.

    python experiments/bench_nab/collect.py /work/runs/bench_nab experiments/bench_nab

Wall time is measured from the jobs' own status.json records: the first job's start to
the last job's end (the planning before and the tables after take seconds).
"""

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd

TABLES = ("summary.md", "summary.csv", "results_wide.csv", "jobs.csv")


def wall_time(bench: Path, jobs: pd.DataFrame) -> tuple[float, int]:
    """Seconds from the first job's start to the last job's end, and jobs that ran."""
    starts, ends = [], []
    for run_dir in jobs["run_dir"]:
        status = json.loads((bench / run_dir / "status.json").read_text())
        starts.append(pd.Timestamp(status["started"]))
        ends.append(pd.Timestamp(status["time"]))
    return (max(ends) - min(starts)).total_seconds(), len(starts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench", type=Path, help="the benchmark's folder (hydra.sweep.dir)")
    parser.add_argument("out", type=Path, help="where the tables go")
    parser.add_argument("--metric", default="vus_pr")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        shutil.copy(args.bench / name, args.out / name)
    if (args.bench / "placement").is_dir():
        shutil.copytree(args.bench / "placement", args.out / "placement", dirs_exist_ok=True)
    jobs = pd.read_csv(args.bench / "jobs.csv")
    long = pd.read_csv(args.bench / "results_long.csv")
    print((args.bench / "summary.md").read_text())
    chosen = long[long["metric"] == args.metric].copy()
    chosen["category"] = chosen["series"].str.split("__").str[0]
    if chosen["category"].nunique() < len(chosen["series"].unique()):
        table = chosen.pivot_table(
            index="category", columns="method", values="value", aggfunc="mean"
        )
        table = table[[m for m in jobs["method"].unique() if m in table.columns]]
        path = args.out / f"{args.metric}_by_category.csv"
        table.round(4).to_csv(path)
        print(f"{args.metric} by category (mean over series and seeds):")
        print(table.round(3).to_string())
    seconds, ran = wall_time(args.bench, jobs)
    series = jobs["series"].nunique()
    print(
        f"\nwall time {seconds / 60:.1f} min for {ran} jobs ({series} series): "
        f"{ran / seconds * 60:.1f} jobs/min, "
        f"{ran / seconds * 60 / (ran / series):.2f} series/min (all methods and seeds of a "
        "series)"
    )


if __name__ == "__main__":
    main()
