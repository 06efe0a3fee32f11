"""What the entry points share: the config folders, composing a config, and bad config or a
failing disk reported in one line."""

import dataclasses
import difflib
import errno
import os
import re
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import ConfigAttributeError, ValidationError

from tsadlab.bench.config import BenchRunConfig, register_bench_configs
from tsadlab.config import RunConfig, register_configs, to_run_config
from tsadlab.errors import TsadlabError
from tsadlab.evaluation.config import EvaluateConfig, register_evaluate_configs
from tsadlab.tuning.config import TuneConfig, register_tune_configs

# The default configs ship inside the package, so any install (editable or not) finds them.
CONFIG_DIR = Path(__file__).resolve().parents[1] / "conf"
# A folder of the user's own configs (conf/<group>/<name>.yaml, experiments), searched after
# the packaged ones: conf/ where the command runs, or $TSADLAB_CONFIG_DIR. The primary
# configs name it in hydra.searchpath.
USER_CONFIG_ENV = "TSADLAB_CONFIG_DIR"
# The schema each entry point's primary config is checked against.
SCHEMAS = {
    "config": RunConfig,
    "tune": TuneConfig,
    "evaluate": EvaluateConfig,
    "bench": BenchRunConfig,
}

# Hydra warns about a search-path folder that does not exist; a user without configs of their
# own has none, and that is fine.
warnings.filterwarnings(
    "ignore", message=r"provider=hydra\.searchpath in main, path=.* is not available"
)


def user_config_dir() -> Path:
    """The user's own config folder (it may not exist)."""
    return Path(os.environ.get(USER_CONFIG_ENV) or "conf").absolute()


def register_all() -> None:
    """Every schema and component in Hydra's ConfigStore (idempotent)."""
    register_configs()
    register_tune_configs()
    register_evaluate_configs()
    register_bench_configs()


def compose_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """The config an entry point would run with these overrides (`config`: tsadlab-train,
    `tune`: tsadlab-tune), for notebooks, tests and benchmarks."""
    register_all()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name=config_name, overrides=overrides or [])


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
    if isinstance(exc, MissingConfigException) and exc.options:
        wanted = str(exc.missing_cfg_file or "")
        group, _, choice = wanted.rpartition("/")
        options = sorted(o for o in exc.options if not o.startswith("base_"))
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
    register_all()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=overrides, return_hydra_config=True)
            run_dir = Path(str(cfg.hydra.sweep.dir if multirun else cfg.hydra.run.dir))
    except TsadlabError as exc:  # a plugin that cannot be imported, a registry clash
        return str(exc)
    except Exception as exc:  # Hydra reports anything this does not recognise itself
        return None if multirun else config_error_line(exc, overrides)
    problem = target_problem(cfg) or output_dir_problem(run_dir)
    if problem or multirun:  # each job of a sweep checks its own values
        return problem
    with open_dict(cfg):
        del cfg["hydra"]
    try:
        to_run_config(cfg, SCHEMAS[config_name])  # every schema checks its values
    except TsadlabError as exc:
        return str(exc)
    return None


def run_hydra_app(hydra_main: Callable[[], object], config_name: str) -> None:
    """Check the overrides, then hand over to the Hydra app."""
    try:
        register_all()
    except TsadlabError as exc:
        sys.exit(f"error: {exc}")
    problem = precheck_overrides(sys.argv[1:], config_name)
    if problem:
        sys.exit(f"error: {problem}")
    hydra_main()
