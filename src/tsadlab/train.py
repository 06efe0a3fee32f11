"""`tsadlab-train`: compose the config with Hydra and run the pipeline into Hydra's run dir.

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
from hydra.utils import to_absolute_path
from omegaconf import DictConfig

from tsadlab.config import register_configs
from tsadlab.errors import TsadlabError
from tsadlab.pipeline import run

# conf/ lives at the repository root (the design's fixed layout); the package is installed
# editable from the clone, so the path is found from this file.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "conf"

register_configs()


def train(cfg: DictConfig, run_dir: Path) -> float | None:
    """Run one training job; returns the best monitored loss (the sweep objective)."""
    if cfg.data.get("path"):
        cfg.data.path = to_absolute_path(cfg.data.path)
    result = run(cfg, run_dir)
    return result.metrics["training"]["best_monitor"]


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> float | None:
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    try:
        return train(cfg, run_dir)
    except TsadlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if hydra_cfg.mode == RunMode.MULTIRUN:
            return None  # the job's run dir says failed; the rest of the sweep goes on
        sys.exit(1)


def main() -> None:
    """Console entry point."""
    if not CONFIG_DIR.is_dir():
        sys.exit(f"error: config folder {CONFIG_DIR} not found; install tsadlab from a clone "
                 "with `pip install -e .`")
    _hydra_main()


if __name__ == "__main__":
    main()
