"""`tsadlab-bench`: run a benchmark (`conf/benchmark/<name>.yaml`): every method on every
series of a collection with every seed, each as one Hydra job, through any launcher.

tsadlab-bench benchmark=nab data.root=/path/to/nab
tsadlab-bench benchmark=nab data.root=/path/to/nab hydra/launcher=joblib hydra.launcher.n_jobs=2
tsadlab-bench benchmark=tsb_ad_u data.root=$HOME/TSB-AD-U hydra/launcher=slurm
tsadlab-bench benchmark=tsb_ad_u data.root=$HOME/TSB-AD-U bench.published=my_table.csv

The same command again resumes: finished jobs are skipped, failed ones rerun. Results land
in outputs/bench/<bench.name>/ (hydra.sweep.dir=... moves them).
"""

import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from tsadlab.bench.config import split_bench_config
from tsadlab.bench.plan import Job, mark_done, start_record
from tsadlab.cli.common import CONFIG_DIR, error_line, run_hydra_app
from tsadlab.errors import TsadlabError
from tsadlab.run import run
from tsadlab.runtime import Terminated, sigterm_stops_the_run
from tsadlab.tracking.context import bench_job as bench_tracking

log = logging.getLogger(__name__)


def bench_job(cfg: DictConfig, run_dir: Path) -> None:
    """One job: the run config without the benchmark's keys, on the job's one series; its
    folder counts the attempt under the benchmark's settings (`bench_job.json`). Trackers
    log it as method/series/seed<k> of the experiment bench/<bench.name>."""
    bench, settings = split_bench_config(cfg)
    run_dir.mkdir(parents=True, exist_ok=True)
    start_record(run_dir, bench.fingerprint)
    context = bench_tracking(bench.name, str(bench.method), str(bench.series), cfg.seed)
    run(settings, run_dir, only=bench.series, context=context)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="bench")
def _hydra_main(cfg: DictConfig) -> None:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    job = Job(cfg.bench.method, cfg.bench.series, "", cfg.seed)
    state = "failed"
    try:
        with sigterm_stops_the_run():
            bench_job(cfg, run_dir)
        state = "finished"
    except (KeyboardInterrupt, Terminated):
        raise  # the whole benchmark stops; its next run resumes it
    except (TsadlabError, OSError) as exc:
        log.error("%s: %s", job.subdir, error_line(exc))
    except Exception:  # a bug in one method must not stop the others; its folder says failed
        log.exception("%s failed", job.subdir)
    log.info(mark_done(Path(hydra_cfg.sweep.dir), job, state))


def main() -> None:
    """Console entry point."""
    if not any(a.startswith("benchmark=") for a in sys.argv[1:]) and "--help" not in sys.argv:
        sys.exit("error: name a benchmark: tsadlab-bench benchmark=<name> data.root=<folder>")
    run_hydra_app(_hydra_main, "bench")


if __name__ == "__main__":
    main()
