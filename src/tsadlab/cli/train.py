"""`tsadlab-train`: compose the config with Hydra and run it into Hydra's run dir.

tsadlab-train                                   # the default (corrected) S&P 500 run
tsadlab-train experiment=sp500_tutorial         # the tutorial, faithfully
tsadlab-train model.encoder_units=[64] data.window=60 threshold=max seed=3
tsadlab-train -m model.dropout=0,0.2 seed=0,1   # a sweep
"""

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from tsadlab.cli.common import CONFIG_DIR, error_line, run_hydra_app
from tsadlab.config import absolute_paths
from tsadlab.errors import TsadlabError
from tsadlab.run import run
from tsadlab.runtime import Terminated, sigterm_stops_the_run
from tsadlab.tracking.context import TrackingContext, sweep_job


def train(cfg: DictConfig, run_dir: Path, context: TrackingContext | None = None) -> float | None:
    """Run one training job; returns the best monitored loss (the sweep objective), or None
    for a run over several series (each has its own). `context`: a sweep's job."""
    absolute_paths(cfg)
    result = run(cfg, run_dir, context=context)
    return result.metrics.get("training", {}).get("best_monitor")


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> float | None:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    context = None
    if hydra_cfg.mode == RunMode.MULTIRUN:
        context = sweep_job(Path(hydra_cfg.sweep.dir), run_dir, list(hydra_cfg.overrides.task))
    try:
        with sigterm_stops_the_run():
            return train(cfg, run_dir, context)
    except (KeyboardInterrupt, Terminated) as exc:
        print(
            f"{'terminated' if isinstance(exc, Terminated) else 'interrupted'}: {run_dir} is "
            "marked interrupted; run the same command again to resume from the last epoch",
            file=sys.stderr,
        )
        sys.exit(130 if isinstance(exc, KeyboardInterrupt) else 143)
    except (TsadlabError, OSError) as exc:
        print(f"error: {error_line(exc)}", file=sys.stderr)
        if hydra_cfg.mode == RunMode.MULTIRUN:
            return None  # the job's run dir says failed; the rest of the sweep goes on
        sys.exit(1)


def main() -> None:
    """Console entry point."""
    run_hydra_app(_hydra_main, "config")


if __name__ == "__main__":
    main()
