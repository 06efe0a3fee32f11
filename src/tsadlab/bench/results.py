"""A benchmark's tables, read back from its job folders (so a resumed or partly failed
benchmark reports exactly what is on disk):

- `jobs.csv`: one row per job: method, series, file, seed, status, error, seconds;
- `results_long.csv`: one row per method x series x seed x metric, with the protocol;
- `results_wide.csv`: TSB-AD's layout: `file, <method>, ...` of the ranked metric, each
  cell the mean over seeds;
- `summary.csv` / `summary.md`: per method, the ranked metric's mean over series (the
  spread is over seeds: the standard deviation of the per-seed means);
- with a published table, `placement/` (see `placement.py`).
"""

import json
import logging
from pathlib import Path

import pandas as pd

from tsadlab import artifacts
from tsadlab.bench.config import BenchConfig
from tsadlab.bench.placement import place, published_path
from tsadlab.bench.plan import Job
from tsadlab.metrics import directed_columns, report_columns

log = logging.getLogger(__name__)


def job_rows(bench_dir: Path, jobs: list[Job]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The jobs table and the long results table."""
    rows, long = [], []
    for job in jobs:
        folder = bench_dir / job.subdir
        status = artifacts.read_status(folder)
        row = {
            "method": job.method,
            "series": job.series,
            "file": job.file,
            "seed": job.seed,
            "status": status["status"],
            "error": status.get("error"),
            "seconds": None,
            "run_dir": job.subdir,
        }
        metrics_file = folder / "metrics.json"
        if status["status"] == "finished" and metrics_file.exists():
            metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
            row["seconds"] = metrics.get("timings_s", {}).get("total")
            labeled = metrics.get("labeled") or {}
            for metric, value in report_columns(labeled).items() if labeled else ():
                long.append(
                    {
                        "method": job.method,
                        "series": job.series,
                        "file": job.file,
                        "seed": job.seed,
                        "protocol": metrics.get("protocol"),
                        "rows": labeled.get("rows"),
                        "metric": metric,
                        "value": value,
                    }
                )
        rows.append(row)
    columns = ["method", "series", "file", "seed", "protocol", "rows", "metric", "value"]
    return pd.DataFrame(rows), pd.DataFrame(long, columns=columns)


def wide_table(long: pd.DataFrame, metric: str, methods: list[str]) -> pd.DataFrame:
    """file x method of `metric`, the mean over seeds (TSB-AD's mergedTable layout)."""
    chosen = long[long["metric"] == metric]
    wide = chosen.pivot_table(index="file", columns="method", values="value", aggfunc="mean")
    wide = wide.reindex(columns=[m for m in methods if m in wide.columns])
    return wide.reset_index().rename_axis(columns=None)


def method_summary(jobs: pd.DataFrame, long: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per method: its jobs by status, the series it has the metric on, the metric's mean
    over the series every method has it on (per seed, then mean and standard deviation over
    seeds: methods are compared on the same series), and the mean seconds per job."""
    chosen = long[long["metric"] == metric].dropna(subset=["value"])
    covered = chosen.groupby("method")["file"].unique()
    common = set.intersection(*(set(files) for files in covered)) if len(covered) else set()
    per_seed = chosen[chosen["file"].isin(common)].groupby(["method", "seed"])["value"].mean()
    rows = []
    for method, group in jobs.groupby("method", sort=False):
        seeds = per_seed.get(method)
        status = group["status"]
        rows.append(
            {
                "method": method,
                "finished": int((status == "finished").sum()),
                "failed": int((status == "failed").sum()),
                "not_run": int((~status.isin(["finished", "failed"])).sum()),
                "series": len(covered.get(method, [])),
                "common_series": len(common),
                f"{metric}_mean": None if seeds is None else float(seeds.mean()),
                f"{metric}_std_over_seeds": None
                if seeds is None or len(seeds) < 2
                else float(seeds.std(ddof=1)),
                "seconds_per_job": float(group["seconds"].astype(float).mean()),
            }
        )
    return pd.DataFrame(rows)


def summary_markdown(summary: pd.DataFrame, metric: str, protocol: str | None) -> str:
    """The summary as a Markdown table, the best mean (by the metric's direction) in bold."""
    mean, std = f"{metric}_mean", f"{metric}_std_over_seeds"
    values = summary[mean].dropna()
    best = None
    if len(values):
        best = values.max() if directed_columns()[metric].direction == "max" else values.min()
    common = int(summary["common_series"].max()) if len(summary) else 0
    lines = [
        f"protocol: {protocol}; {metric}: mean over the {common} series every method has it "
        "on, ± std over seeds",
        "",
        f"| method | {metric} | series | finished | failed | not run | s/job |",
        "|---|---|---|---|---|---|---|",
    ]
    for _, row in summary.iterrows():
        value = "-" if pd.isna(row[mean]) else f"{row[mean]:.3f}"
        if not pd.isna(row[std]):
            value += f" ± {row[std]:.3f}"
        if best is not None and row[mean] == best:
            value = f"**{value}**"
        lines.append(
            f"| {row['method']} | {value} | {row['series']} | {row['finished']} | "
            f"{row['failed']} | {row['not_run']} | {row['seconds_per_job']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def write_results(bench_dir: Path, jobs: list[Job], bench: BenchConfig) -> None:
    """Every table of the benchmark into `bench_dir` (see the module docstring)."""
    table, long = job_rows(bench_dir, jobs)
    artifacts.write_csv(bench_dir / "jobs.csv", table)
    artifacts.write_csv(bench_dir / "results_long.csv", long)
    methods = list(bench.methods)
    artifacts.write_csv(bench_dir / "results_wide.csv", wide_table(long, bench.metric, methods))
    summary = method_summary(table, long, bench.metric)
    artifacts.write_csv(bench_dir / "summary.csv", summary)
    protocols = long["protocol"].dropna().unique()
    protocol = ", ".join(protocols) if len(protocols) else None
    artifacts.write_text(
        bench_dir / "summary.md", summary_markdown(summary, bench.metric, protocol)
    )
    failed = table[table["status"] != "finished"]
    log.info(
        "benchmark %s: %d of %d jobs finished; tables in %s",
        bench.name,
        len(table) - len(failed),
        len(table),
        bench_dir,
    )
    for _, job in failed.head(10).iterrows():
        log.error("job %s %s: %s", job["run_dir"], job["status"], job["error"])
    print(summary_markdown(summary, bench.metric, protocol))
    if bench.published:
        published = published_path(bench.published)
        place(long, bench, published, bench_dir / "placement")
