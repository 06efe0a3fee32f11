"""How a finished benchmark's time grew with the series it ran: from each job's own
status.json, the minutes until the jobs of the first k series were all done, for a few k,
and the overall rate.

    python experiments/bench_scaling/growth.py /tmp/bench_scaling/syn500_w2
"""

import json
import sys
from pathlib import Path

import pandas as pd


def main() -> None:
    bench = Path(sys.argv[1])
    jobs = pd.read_csv(bench / "jobs.csv")
    times = []
    for run_dir in jobs["run_dir"]:
        status = json.loads((bench / run_dir / "status.json").read_text())
        times.append((pd.Timestamp(status["started"]), pd.Timestamp(status["time"])))
    jobs["start"], jobs["end"] = zip(*times, strict=True)
    origin = jobs["start"].min()
    order = list(dict.fromkeys(jobs["series"]))  # the order the jobs were planned in
    done = jobs.groupby("series")["end"].max().reindex(order)
    total = (jobs["end"].max() - origin).total_seconds()
    print(f"{len(jobs)} jobs, {len(order)} series, {jobs['status'].eq('finished').sum()} finished")
    print(
        f"wall time {total / 60:.2f} min: {len(jobs) / total * 60:.1f} jobs/min, "
        f"{len(order) / total * 60:.2f} series/min"
    )
    for k in sorted({len(order) // 5, len(order) // 2, len(order)} - {0}):
        minutes = (done.iloc[:k].max() - origin).total_seconds() / 60
        print(f"  first {k} series done after {minutes:.2f} min ({k / minutes:.1f} series/min)")


if __name__ == "__main__":
    main()
