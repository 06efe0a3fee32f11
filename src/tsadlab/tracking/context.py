"""Where a run sits among others, for its tracker: its experiment, its name, and the
folder whose record is its parent run (a sweep's). The entry points say it; an upload after
the fact reads it from the folders."""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from tsadlab.tracking.record import read_record

BENCH_RECORD = "bench_job.json"  # tsadlab.bench.plan.RECORD_FILE: a benchmark's job folder


@dataclass(frozen=True)
class TrackingContext:
    """A run's place: experiment (null: the run's `name`), run name (null: its folder's
    name), the folder holding its parent's record, and tags of its own."""

    experiment: str | None = None
    run_name: str | None = None
    parent_dir: Path | None = None
    tags: dict[str, str] = field(default_factory=dict)


def swept_keys(overrides: list[str]) -> list[str]:
    """The keys a sweep's command line varies (`seed=0,1,2` -> seed), as Hydra parses it."""
    try:
        parsed = OverridesParser.create().parse_overrides(list(overrides))
    except Exception:  # Hydra's parse errors: the jobs are then named by their number
        return []
    return [o.get_key_element().lstrip("+~") for o in parsed if o.is_sweep_override()]


def sweep_job(sweep_dir: Path, run_dir: Path, overrides: list[str]) -> TrackingContext:
    """A sweep's job: nested under the sweep's parent run, named by the values it sweeps
    (`seed=1 model.dropout=0.2`), or `job <n>`."""
    keys = (read_record(sweep_dir) or {}).get("swept_keys") or []
    named = [o for o in overrides if o.partition("=")[0].lstrip("+~") in keys]
    return TrackingContext(
        run_name=" ".join(named) or f"job {run_dir.name}", parent_dir=Path(sweep_dir)
    )


def bench_job(bench_name: str, method: str, series: str, seed: int) -> TrackingContext:
    """A benchmark's job: one experiment per benchmark, a run per (method, series, seed)."""
    return TrackingContext(
        experiment=f"bench/{bench_name}",
        run_name=f"{method}/{series}/seed{seed}",
        tags={"bench.name": bench_name, "bench.method": method, "bench.series": series},
    )


def is_sweep(folder: Path) -> bool:
    """Whether `folder` is a Hydra sweep folder (it holds multirun.yaml)."""
    return (folder / "multirun.yaml").is_file()


def folder_context(run_dir: Path) -> TrackingContext:
    """The context a finished folder had when it ran: a benchmark's job, a sweep's job (with
    the values it swept, from Hydra's record of its overrides), or a run of its own."""
    if (run_dir / BENCH_RECORD).exists() and len(run_dir.parents) > 3:
        bench_dir = run_dir.parents[3]
        settings = _yaml(bench_dir / "multirun.yaml")
        name = (settings.get("bench") or {}).get("name") or bench_dir.name
        seed = run_dir.name.removeprefix("seed")
        return bench_job(name, run_dir.parents[1].name, run_dir.parent.name, int(seed))
    if is_sweep(run_dir.parent):
        overrides = _yaml(run_dir / ".hydra" / "overrides.yaml") or []
        keys = sweep_keys(run_dir.parent)
        named = [o for o in overrides if o.partition("=")[0].lstrip("+~") in keys]
        return TrackingContext(
            run_name=" ".join(named) or f"job {run_dir.name}", parent_dir=run_dir.parent
        )
    return TrackingContext()


def sweep_keys(sweep_dir: Path) -> list[str]:
    """The keys a finished sweep varied, from Hydra's multirun.yaml in its folder."""
    sweep = _yaml(Path(sweep_dir) / "multirun.yaml")
    task = ((sweep.get("hydra") or {}).get("overrides") or {}).get("task") or []
    return swept_keys(task)


def _yaml(path: Path) -> dict | list:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
