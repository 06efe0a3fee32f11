"""A benchmark's jobs: every (method, series, seed), each with its own run folder under
`<benchmark dir>/runs/<method>/<series>/seed<seed>/`, and which of them are still to run."""

import hashlib
import json
import os
import shutil
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from tsadlab import artifacts
from tsadlab.config import PATH_KEYS, PLACEMENT_KEYS, absolute_path

PLAN_FILE = "plan.json"
RECORD_FILE = "bench_job.json"
# command-line keys that choose, count or rank a benchmark's jobs without changing one (a
# method's own overrides are in its fingerprint; the benchmark's run config is too), the
# trackers that record them and the keys that only place the work (config.PLACEMENT_KEYS)
IGNORED_ARGUMENTS = ("hydra", "benchmark=", "bench.", "logger", *(f"{k}=" for k in PLACEMENT_KEYS))
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

    @property
    def marker(self) -> str:
        """A file name unique to the job (series names may hold `__`, never `/`)."""
        return self.subdir.removeprefix("runs/").replace("/", "%")


def make_jobs(
    methods: Mapping[str, list[int]], series: list[str], files: Mapping[str, str]
) -> list[Job]:
    """Every (method, series, seed) for each method's seeds, series by series, then seed,
    then method: every method advances together, so the progress line's rate is
    representative from the start."""
    every_seed = sorted({seed for seeds in methods.values() for seed in seeds})
    return [
        Job(method, name, files.get(name, name), seed)
        for name in series
        for seed in every_seed
        for method, seeds in methods.items()
        if seed in seeds
    ]


def fingerprint(method_overrides: list[str], arguments: list[str], base: dict) -> str:
    """What makes a method's jobs what they are: its overrides, the command line's and the
    benchmark's run config (not Hydra's settings, not the bench keys that only place or
    count jobs, not the trackers, not `workers`). A finished job with another fingerprint
    was run with other settings."""
    counted = [
        absolute_argument(a) for a in arguments if not a.lstrip("+~").startswith(IGNORED_ARGUMENTS)
    ]
    base = {key: value for key, value in base.items() if key not in ("logger", *PLACEMENT_KEYS)}
    text = json.dumps([list(method_overrides), counted, base], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def absolute_argument(argument: str) -> str:
    """`data.root=../nab` as `data.root=/abs/nab`: one folder, however it was spelled."""
    key, equals, value = argument.partition("=")
    return f"{key}={absolute_path(value)}" if equals and key in PATH_KEYS and value else argument


def read_record(bench_dir: Path, job: Job) -> dict:
    """The job folder's bench_job.json: its settings' fingerprint and how often it started."""
    path = bench_dir / job.subdir / RECORD_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def start_record(run_dir: Path, fingerprint: str | None) -> None:
    """Count one more start of the job in `run_dir`, under these settings."""
    path = run_dir / RECORD_FILE
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    attempts = previous.get("attempts", 0) if previous.get("fingerprint") == fingerprint else 0
    artifacts.write_json(path, {"fingerprint": fingerprint, "attempts": attempts + 1})


@dataclass(frozen=True)
class JobStates:
    """A benchmark's jobs sorted by what a new attempt does with them."""

    pending: list[Job]  # to run: never run, failed, or stopped, under the current settings
    stale: list[Job]  # finished under other settings
    given_up: list[Job]  # failed `max_attempts` times under the current settings


def job_states(
    bench_dir: Path, jobs: list[Job], fingerprints: dict[str, str], max_attempts: int
) -> JobStates:
    """Which jobs run now. A job still marked running lost its process (killed for memory
    or by a scheduler): it is marked failed, and counts as an attempt."""
    pending, stale, given_up = [], [], []
    for job in jobs:
        status = artifacts.read_status(bench_dir / job.subdir)
        record = read_record(bench_dir, job)
        same = record.get("fingerprint") == fingerprints[job.method]
        if status["status"] == "finished":
            if not same:
                stale.append(job)
            continue
        if status["status"] == "running":
            artifacts.mark_status(
                bench_dir / job.subdir,
                "failed",
                error="its process ended without a word (killed for memory or by a time limit?)",
            )
        if same and record.get("attempts", 0) >= max_attempts:
            given_up.append(job)
        else:
            pending.append(job)
    return JobStates(pending, stale, given_up)


def quoted(value: str) -> str:
    """A value for a Hydra override, quoted so that any file name parses as one string:
    quotes escaped, backslashes doubled where they precede a quote or the end (Hydra's rule
    for quoted values), and `${` escaped so that it is not an interpolation."""
    out = []
    for i, char in enumerate(value):
        rest = value[i + 1 :].lstrip("\\")
        if char == "\\" and (not rest or rest[0] == "'"):
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        else:
            out.append(char)
    return "'" + "".join(out).replace("${", "\\${") + "'"


def job_overrides(
    job: Job, method_overrides: list[str], arguments: list[str], fingerprint: str
) -> list[str]:
    """The overrides that make a job's config: the method's, then the command line's (so a
    setting given there applies to every method), then the job's own keys and folder."""
    return [
        *method_overrides,
        *arguments,
        f"bench.method={job.method}",
        f"bench.series={quoted(job.series)}",
        f"bench.fingerprint={fingerprint}",
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


def mark_done(bench_dir: Path, job: Job, state: str) -> str:
    """Record that a job of this attempt ended, and return the progress line: '[done/total]
    method series seed<k> state; n jobs/min, ETA ...'. Each job leaves one empty marker
    file, so counting is one directory listing whichever launcher ran it, on any machine
    that shares the folder."""
    progress = bench_dir / PROGRESS_DIR
    attempt = json.loads((progress / ATTEMPT_FILE).read_text(encoding="utf-8"))
    (progress / f"{job.marker}.{state}").touch()
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
