"""A benchmark's jobs: every (method, series, seed), each with its own run folder under
`<benchmark dir>/runs/<method>/<series>/seed<seed>/`, and which of them are still to run."""

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tsadlab import artifacts

PLAN_FILE = "plan.json"
PROGRESS_DIR = "progress"
ATTEMPT_FILE = "attempt.json"


@dataclass(frozen=True)
class Job:
    """One (method, series, seed) of a benchmark."""

    method: str
    series: str  # the series' name in run folders
    file: str  # the file it comes from, relative to the archive's root
    seed: int

    @property
    def subdir(self) -> str:
        return f"runs/{self.method}/{self.series}/seed{self.seed}"


def make_jobs(
    methods: list[str], series: list[str], files: dict[str, str], seeds: list[int]
) -> list[Job]:
    """Every combination, method by method, series by series, then seed."""
    return [
        Job(method, name, files.get(name, name), seed)
        for method in methods
        for name in series
        for seed in seeds
    ]


def job_state(bench_dir: Path, job: Job) -> str:
    """finished, failed, interrupted, running or missing: the job folder's status."""
    return artifacts.read_status(bench_dir / job.subdir)["status"]


def quoted(value: str) -> str:
    """A value for a Hydra override, quoted so that any file name parses as one string."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def job_overrides(job: Job, method_overrides: list[str], arguments: list[str]) -> list[str]:
    """The overrides that make a job's config: the method's, then the command line's (so a
    setting given there applies to every method), then the job's own keys and folder."""
    return [
        *method_overrides,
        *arguments,
        f"bench.method={job.method}",
        f"bench.series={quoted(job.series)}",
        f"seed={job.seed}",
        f"hydra.sweep.subdir={quoted(job.subdir)}",
    ]


def write_plan(bench_dir: Path, jobs: list[Job], pending: list[Job]) -> None:
    """plan.json (every job), and progress/ for this attempt: how many jobs were left when it
    started, and when (for the progress line's rate and ETA), with no job marked yet."""
    artifacts.write_json(bench_dir / PLAN_FILE, {"jobs": [asdict(job) for job in jobs]})
    progress = bench_dir / PROGRESS_DIR
    if progress.is_dir():
        shutil.rmtree(progress)
    progress.mkdir(parents=True)
    artifacts.write_json(
        progress / ATTEMPT_FILE,
        {"started": time.time(), "total": len(jobs), "pending": len(pending)},
    )


def read_plan(bench_dir: Path) -> list[Job]:
    """The jobs of plan.json."""
    plan = json.loads((bench_dir / PLAN_FILE).read_text(encoding="utf-8"))
    return [Job(**job) for job in plan["jobs"]]


def mark_done(bench_dir: Path, job: Job, state: str) -> str:
    """Record that a job of this attempt ended, and return the progress line: '[done/total]
    method series seed<k> state; n jobs/min, ETA ...'. Each job leaves one empty marker
    file, so counting is one directory listing whichever launcher ran it, on any machine
    that shares the folder."""
    progress = bench_dir / PROGRESS_DIR
    attempt = json.loads((progress / ATTEMPT_FILE).read_text(encoding="utf-8"))
    (progress / f"{job.method}__{job.series}__seed{job.seed}.{state}").touch()
    markers = [name for name in os.listdir(progress) if name != ATTEMPT_FILE]
    done_now = len(markers)
    failed = sum(name.endswith(".failed") for name in markers)
    done = attempt["total"] - attempt["pending"] + done_now
    elapsed = time.time() - attempt["started"]
    rate = done_now / elapsed * 60 if elapsed > 0 else 0.0
    left = attempt["total"] - done
    eta = f"ETA {left / rate:.1f} min" if rate > 0 and left > 0 else "done" if left <= 0 else ""
    return (
        f"[{done}/{attempt['total']}] {job.method} {job.series} seed{job.seed} {state}"
        f"{f' ({failed} failed in this attempt)' if failed else ''}; "
        f"{rate:.1f} jobs/min, {eta}"
    )
