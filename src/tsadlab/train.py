"""`tsadlab-train`: compose the config with Hydra and run the pipeline into Hydra's run dir.

tsadlab-train                                   # the default (corrected) S&P 500 run
tsadlab-train experiment=sp500_tutorial         # the tutorial, faithfully
tsadlab-train model.encoder_units=[64] data.window=60 threshold=max seed=3
tsadlab-train -m model.dropout=0,0.2 seed=0,1   # a sweep
"""

import dataclasses
import difflib
import sys
from pathlib import Path

import hydra
from hydra import compose, initialize_config_dir
from hydra.core.hydra_config import HydraConfig
from hydra.errors import MissingConfigException
from hydra.types import RunMode
from hydra.utils import to_absolute_path
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ValidationError

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


def config_error_line(exc: Exception, overrides: list[str]) -> str | None:
    """One line for a config that cannot be composed, naming what would be accepted."""
    cause = exc.__cause__
    if isinstance(cause, ConfigAttributeError) and cause.full_key:
        valid = (
            [f.name for f in dataclasses.fields(cause.object_type)]
            if dataclasses.is_dataclass(cause.object_type)
            else []
        )
        close = difflib.get_close_matches(str(cause.key), valid, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        group = cause.full_key.rsplit(".", 1)[0]
        return (
            f"unknown config key '{cause.full_key}'; valid keys of {group}: "
            f"{', '.join(valid)}{hint}"
        )
    if isinstance(cause, ValidationError) and cause.full_key:
        reason = str(cause).splitlines()[0]
        return f"invalid value for {cause.full_key}: {reason}"
    if isinstance(exc, MissingConfigException):
        for override in overrides:
            group, _, choice = override.partition("=")
            folder = CONFIG_DIR / group.lstrip("+~")
            if folder.is_dir() and not (folder / f"{choice}.yaml").exists():
                options = sorted(p.stem for p in folder.glob("*.yaml"))
                return f"unknown choice {group}={choice}; available: {', '.join(options)}"
    return None


def precheck_overrides(argv: list[str]) -> str | None:
    """Compose a plain single run's config first, to report config errors in one line.

    Anything with flags (-m, --cfg, --help, ...) goes to Hydra untouched.
    """
    if any(arg.startswith("-") for arg in argv):
        return None
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            compose(config_name="config", overrides=argv)
    except Exception as exc:  # Hydra reports anything this does not recognise itself
        return config_error_line(exc, argv)
    return None


def main() -> None:
    """Console entry point."""
    if not CONFIG_DIR.is_dir():
        sys.exit(
            f"error: config folder {CONFIG_DIR} not found; install tsadlab from a clone "
            "with `pip install -e .`"
        )
    problem = precheck_overrides(sys.argv[1:])
    if problem:
        sys.exit(f"error: {problem}")
    _hydra_main()


if __name__ == "__main__":
    main()
