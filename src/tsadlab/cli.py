"""What the entry points share: the config folder, and bad config reported in one line."""

import dataclasses
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import MissingConfigException
from hydra.utils import to_absolute_path
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ValidationError

from tsadlab.config import register_configs

# conf/ lives at the repository root (the design's fixed layout); the package is installed
# editable from the clone, so the path is found from this file.
CONFIG_DIR = Path(__file__).resolve().parents[2] / "conf"

register_configs()


def compose_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """The config an entry point would run with these overrides (`config`: tsadlab-train,
    `tune`: tsadlab-tune), for notebooks, tests and benchmarks."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides or [])


def absolute_paths(cfg: DictConfig) -> None:
    """Make data.path, data.root and trainer.resume_dir absolute: on the command line they are
    relative to where it ran, and Hydra's job may run elsewhere."""
    for key in ("path", "root"):
        if cfg.data.get(key):
            cfg.data[key] = to_absolute_path(cfg.data[key])
    if cfg.trainer.get("resume_dir"):
        cfg.trainer.resume_dir = to_absolute_path(cfg.trainer.resume_dir)


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


def precheck_overrides(argv: list[str], config_name: str) -> str | None:
    """Compose a plain single run's config first, to report config errors in one line.

    Anything with flags (-m, --cfg, --help, ...) goes to Hydra untouched.
    """
    if any(arg.startswith("-") for arg in argv):
        return None
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            compose(config_name=config_name, overrides=argv)
    except Exception as exc:  # Hydra reports anything this does not recognise itself
        return config_error_line(exc, argv)
    return None


def run_hydra_app(hydra_main: Callable[[], object], config_name: str) -> None:
    """Check the config folder and the overrides, then hand over to the Hydra app."""
    if not CONFIG_DIR.is_dir():
        sys.exit(
            f"error: config folder {CONFIG_DIR} not found; install tsadlab from a clone "
            "with `pip install -e .`"
        )
    problem = precheck_overrides(sys.argv[1:], config_name)
    if problem:
        sys.exit(f"error: {problem}")
    hydra_main()
