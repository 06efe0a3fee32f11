"""What the entry points share: the config folder, and bad config reported in one line."""

import dataclasses
import difflib
import errno
import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import MissingConfigException
from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigAttributeError, ValidationError

from tsadlab.config import register_configs
from tsadlab.errors import TsadlabError

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


# Less free space than this and a run would fail part-way: a default run writes about 9 MB.
MIN_FREE_BYTES = 64 * 2**20
WRITE_HINT = "choose another folder with hydra.run.dir=... (sweeps: hydra.sweep.dir=...)"


def error_line(exc: TsadlabError | OSError) -> str:
    """The one line an entry point prints for a user's error or a failing disk."""
    if not isinstance(exc, OSError):
        return str(exc)
    where = exc.filename or "a file"
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device while writing {where}; free space or {WRITE_HINT}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write {where}: {exc.strerror}; {WRITE_HINT}"
    return f"{where}: {exc.strerror or exc}"


def output_dir_problem(run_dir: Path) -> str | None:
    """Why Hydra could not create `run_dir` and write a run into it, or None."""
    existing = run_dir.absolute()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        return f"cannot create run directory {run_dir}: {existing} is a file; {WRITE_HINT}"
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"cannot create run directory {run_dir}: {existing} is not writable; {WRITE_HINT}"
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return (
            f"only {free / 2**20:.1f} MB free on the disk of {existing}; a run needs about "
            f"{MIN_FREE_BYTES // 2**20} MB; free space or {WRITE_HINT}"
        )
    return None


# What Hydra may instantiate from a config (`_target_`): tsadlab's own classes and Hydra's
# plugins (launchers, sweepers, callbacks). tsadlab itself never instantiates from config.
ALLOWED_TARGETS = ("tsadlab.", "hydra.", "hydra_plugins.")
MULTIRUN_FLAGS = ("-m", "--multirun")
SWEEP_SYNTAX = re.compile(r",|^[^=]*=\s*(range|choice|interval|glob|tag|sort|shuffle)\(")


def target_problem(cfg: DictConfig | dict, where: str = "") -> str | None:
    """The first `_target_` outside ALLOWED_TARGETS: a config must not run arbitrary code."""
    node = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else cfg
    for key, value in node.items():
        path = f"{where}.{key}" if where else str(key)
        if key == "_target_" and not str(value).startswith(ALLOWED_TARGETS):
            return (
                f"Received: {path}={value} (config may only instantiate classes of "
                f"{', '.join(p.rstrip('.') for p in ALLOWED_TARGETS)})"
            )
        problem = target_problem(value, path) if isinstance(value, dict) else None
        if problem:
            return problem
    return None


def precheck_overrides(argv: list[str], config_name: str) -> str | None:
    """Compose the config before Hydra runs it, and say in one line what is wrong with it:
    a bad key or value, a `_target_` outside tsadlab and Hydra, or a run directory that
    cannot be written.

    A sweep (-m) is checked without its swept overrides (each job reports its own). Other
    flags (--cfg, --help, ...) go to Hydra untouched.
    """
    multirun = any(arg in MULTIRUN_FLAGS for arg in argv)
    if any(arg.startswith("-") and arg not in MULTIRUN_FLAGS for arg in argv):
        return None
    overrides = [a for a in argv if a not in MULTIRUN_FLAGS]
    if multirun:
        overrides = [a for a in overrides if not SWEEP_SYNTAX.search(a)]
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
            run_dir = Path(str(cfg.hydra.sweep.dir if multirun else cfg.hydra.run.dir))
    except Exception as exc:  # Hydra reports anything this does not recognise itself
        return None if multirun else config_error_line(exc, overrides)
    return target_problem(cfg) or output_dir_problem(run_dir)


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
