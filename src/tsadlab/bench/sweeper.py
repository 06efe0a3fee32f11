"""The Hydra sweeper behind `tsadlab-bench`: it expands a benchmark into its jobs and hands
the ones not finished yet to whichever Hydra launcher is configured (one after another,
joblib, submitit on SLURM), then writes the result tables.

Hydra's own sweeper takes its jobs from the command line; a benchmark's come from its
config and the archive (the series are only known once `data.root` is read), hence this
class. Any launcher works unchanged: each job is an ordinary Hydra job whose overrides
are the method's, the command line's, and its method, series, seed and folder.
"""

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.plugins import Plugins
from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf

from tsadlab.bench.config import BenchConfig, split_bench_config
from tsadlab.bench.plan import Job, fingerprint, job_overrides, job_states, make_jobs, write_plan
from tsadlab.bench.results import write_results
from tsadlab.config import to_run_config
from tsadlab.data.sources import load_dataset
from tsadlab.errors import ConfigError, TsadlabError
from tsadlab.models import uses_seed

log = logging.getLogger(__name__)


def seed_free_note(seeds: dict[str, list[int]], bench_seeds: list[int]) -> str:
    """', once for <methods>...' naming the methods that run fewer seeds than the benchmark
    has (those whose scores do not depend on it), if any."""
    once = [method for method, chosen in seeds.items() if len(chosen) < len(bench_seeds)]
    return f", once for {', '.join(once)}: seed-free" if once else ""


class BenchSweeper(Sweeper):
    """Runs every unfinished (method, series, seed) of the benchmark through the launcher.

    `max_batch_size` hands the launcher that many jobs at a time (null: all at once); a
    SLURM array of thousands of tasks may want smaller ones."""

    def __init__(self, max_batch_size: int | None = None, params: Any = None) -> None:
        self.max_batch_size = max_batch_size
        self.config: DictConfig | None = None
        self.launcher: Launcher | None = None
        self.hydra_context: HydraContext | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None
        bench_dir = Path(str(self.config.hydra.sweep.dir))
        try:  # a benchmark that cannot start says why in one line, before any job runs
            bench, jobs, pending, fingerprints = self.plan(arguments, bench_dir)
        except (TsadlabError, OSError) as exc:
            sys.exit(f"error: {exc}")
        batch_size = self.max_batch_size or max(len(pending), 1)
        returns = []
        try:
            for start in range(0, len(pending), batch_size):
                batch = [
                    job_overrides(
                        job, list(bench.methods[job.method]), arguments, fingerprints[job.method]
                    )
                    for job in pending[start : start + batch_size]
                ]
                try:
                    # a failed job's folder says why; its return value is not read (re-raises)
                    returns.append(self.launcher.launch(batch, initial_job_idx=start))
                except Exception as exc:  # a worker killed for memory, a job killed by SLURM
                    log.error(
                        "jobs %d..%d stopped: %s: %s (the jobs left are run by the same "
                        "command again)",
                        start,
                        start + len(batch) - 1,
                        type(exc).__name__,
                        str(exc).splitlines()[0] if str(exc) else "",
                    )
        finally:  # interrupted too: the tables say what is on disk
            try:
                write_results(bench_dir, jobs, bench)
            except (TsadlabError, OSError) as exc:
                sys.exit(f"error: {exc}")
        return returns

    def plan(
        self, arguments: list[str], bench_dir: Path
    ) -> tuple[BenchConfig, list[Job], list[Job], dict[str, str]]:
        """The benchmark's keys, all its jobs, those to run now and each method's settings
        fingerprint; plan.json written."""
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        for override in parser.parse_overrides(arguments):
            if override.is_sweep_override():
                raise ConfigError(
                    f"Received: {override.input_line} (a benchmark's jobs come from "
                    "bench.methods and bench.seeds; give one value per key)"
                )
        bench, settings = split_bench_config(self.config)
        run_cfg = to_run_config(settings)
        dataset = load_dataset(run_cfg.data)
        fingerprints = {
            method: fingerprint(list(overrides), arguments, settings)
            for method, overrides in bench.methods.items()
        }
        # each method composed once, before any job: a bad override fails here, in one line
        # naming the method; a method whose scores do not depend on the seed runs once
        seeds = {
            method: bench.seeds
            if self.method_uses_seed(bench, method, arguments)
            else bench.seeds[:1]
            for method in bench.methods
        }
        jobs = make_jobs(seeds, list(dataset.names), dataset.files)
        states = job_states(bench_dir, jobs, fingerprints, bench.max_attempts)
        if states.stale and not bench.rerun_stale:
            first = states.stale[0]
            raise ConfigError(
                f"{len(states.stale)} finished jobs in {bench_dir} were run with other settings "
                f"(e.g. {first.subdir}); choose another folder (hydra.sweep.dir=...) or run "
                "them again with bench.rerun_stale=true"
            )
        for job in states.stale:  # asked for: their old results go, they run again
            shutil.rmtree(bench_dir / job.subdir)
        pending = states.pending + states.stale
        for job in states.given_up:
            log.warning(
                "%s failed %d times with these settings and is not run again (its "
                "status.json says why; delete the folder to try once more)",
                job.subdir,
                bench.max_attempts,
            )
        write_plan(bench_dir, jobs, pending)
        OmegaConf.save(self.config, bench_dir / "multirun.yaml")
        log.info(
            "benchmark %s: %d jobs (%d methods x %d series x %d seeds%s, protocol %s); "
            "%d finished earlier, %d to run in %s",
            bench.name,
            len(jobs),
            len(bench.methods),
            len(dataset),
            len(bench.seeds),
            seed_free_note(seeds, bench.seeds),
            run_cfg.protocol.value,
            len(jobs) - len(pending) - len(states.given_up),
            len(pending),
            bench_dir,
        )
        return bench, jobs, pending, fingerprints

    def method_uses_seed(self, bench: BenchConfig, method: str, arguments: list[str]) -> bool:
        """Compose one job of `method` (its overrides, the command line's) and say whether its
        model's scores depend on the seed."""
        overrides = list(bench.methods[method])
        job = Job(method, "composed", "composed", bench.seeds[0])
        try:
            composed = self.hydra_context.config_loader.load_sweep_config(
                self.config, job_overrides(job, overrides, arguments, "composed")
            )
            _, settings = split_bench_config(composed)
            return uses_seed(to_run_config(settings).model)
        except Exception as exc:  # Hydra's composition errors and ours: one line, named
            reason = str(exc).strip().splitlines()[0]
            raise ConfigError(f"Received: bench.methods.{method}={overrides} ({reason})") from None
