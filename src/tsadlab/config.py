"""The run config: its schema, assembled from the stages' own schemas, and its conversion to
typed objects.

Every stage owns the schema of its config group (`data/config.py`, `models`,
`training/config.py`, `scoring/config.py`, `thresholds`); each registered component adds its
own subclass as an option of its group. `register_configs` finds every component and puts
the top-level schemas in Hydra's ConfigStore; `to_run_config` turns a composed config (or a
run's saved config.yaml) into a `RunConfig` of dataclass instances, which checks itself.
"""

import os
from dataclasses import dataclass, field, replace
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.utils import to_absolute_path
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from tsadlab.data.sources import DATA_SOURCES
from tsadlab.errors import ConfigError
from tsadlab.metrics import METRICS
from tsadlab.metrics.config import MetricsConfig
from tsadlab.models import MODELS, resolved_alignment
from tsadlab.parallel import check_workers
from tsadlab.plugins import load_plugins
from tsadlab.protocol import Protocol
from tsadlab.runtime import Backend
from tsadlab.scoring import SCORING_ERRORS
from tsadlab.scoring.config import ScoringConfig
from tsadlab.thresholds import THRESHOLDS
from tsadlab.tracking.config import LoggerConfig, register_logger_configs
from tsadlab.training.config import TrainerConfig

# group -> (the registry of its options, the key that names the option)
GROUPS = {
    "data": (DATA_SOURCES, "source"),
    "model": (MODELS, "name"),
    "threshold": (THRESHOLDS, "name"),
}


@dataclass
class RunConfig:
    """One run: a data source, a model, its training, its scoring and its threshold."""

    data: Any = MISSING  # a DataConfig: the schema of the chosen source
    model: Any = MISSING  # a ModelConfig: the schema of the chosen model
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    threshold: Any = MISSING  # a ThresholdConfig: the schema of the chosen strategy
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    protocol: Protocol = Protocol.split  # which rows are fitted and which scored
    name: str = "default"  # the experiment's name: outputs/<name>/
    seed: int = 0
    # auto, config.yaml's default too (tune.yaml and bench.yaml set jax); resolved in
    # __post_init__, so a saved run records the backend it ran on
    backend: Backend = Backend.auto
    logger: LoggerConfig = field(default_factory=LoggerConfig)  # trackers: logger=mlflow, ...
    # processes a collection's series run in: auto (the cores this job may use) or an int
    # >= 1 (1: one after another in this process); never changes a result (tsadlab.parallel)
    workers: Any = "auto"

    def __post_init__(self) -> None:
        if not 0 <= self.seed < 2**32:
            raise ConfigError(f"Received: seed={self.seed} (must be in [0, 2**32))")
        check_workers(self.workers)
        # `auto` resolved here, so that a run saves the alignment it used
        aligned = resolved_alignment(self.scoring.alignment, self.model.name)
        if aligned != self.scoring.alignment:
            self.scoring = replace(self.scoring, alignment=aligned)
        if self.backend is Backend.auto:  # resolved here: a run saves the backend it ran on
            from tsadlab.backend_choice import choose_backend

            self.backend_choice = choose_backend(getattr(self.model, "name", ""))
            self.backend = Backend(self.backend_choice.backend)


def replace_settings(cfg: RunConfig, **changes: Any) -> RunConfig:
    """`dataclasses.replace` that keeps what `backend=auto` resolved to: `backend_choice` is
    set by __post_init__ only for `auto`, and a copy is made with the backend it chose."""
    copy = replace(cfg, **changes)
    if hasattr(cfg, "backend_choice"):
        copy.backend_choice = cfg.backend_choice
    return copy


# Keys that only place the work (how many processes), never change what a run computes:
# left out of the settings a run saves, so that a run resumes, and a rerun matches, with
# any value of them.
PLACEMENT_KEYS = ("workers",)


def register_configs() -> None:
    """Find every component (built in and plugins; each stores its own schema) and store the
    top-level schemas in Hydra's ConfigStore (idempotent)."""
    load_plugins()
    for registry in (DATA_SOURCES, MODELS, THRESHOLDS, SCORING_ERRORS, METRICS):
        registry.discover()
    cs = ConfigStore.instance()
    if "base_config.yaml" not in cs.repo:
        cs.store(name="base_config", node=RunConfig)
        cs.store(group="trainer", name="default", node=TrainerConfig)
        register_logger_configs()


def to_run_config(cfg: DictConfig | dict | RunConfig, schema: type = RunConfig) -> Any:
    """A composed config, or a saved one as plain data, as typed dataclass instances; every
    schema checks its values on the way (one line for the first bad one)."""
    if isinstance(cfg, schema):
        return cfg
    node = cfg if isinstance(cfg, DictConfig) else typed_node(cfg, schema)
    try:
        return OmegaConf.to_object(node)
    except OmegaConfBaseException as exc:
        raise ConfigError(_one_line(exc)) from None


def typed_node(settings: dict, schema: type = RunConfig) -> DictConfig:
    """Plain settings (a run's config.yaml, a search trial's) merged into the schemas their
    group keys name: an unknown key or a bad value is one line."""
    load_plugins()  # a plugin's component may be named; the registries find the rest
    node = OmegaConf.structured(schema)
    for group, (registry, key) in GROUPS.items():
        if group in settings:
            name = (settings[group] or {}).get(key)
            if name is None:
                raise ConfigError(f"invalid config: {group}.{key} is missing (it names the choice)")
            chosen = registry.get(name).schema
            try:
                node[group] = OmegaConf.merge(OmegaConf.structured(chosen), settings[group])
            except OmegaConfBaseException as exc:
                raise ConfigError(_one_line(exc, f"{group}.")) from None
    try:
        return OmegaConf.merge(node, {k: v for k, v in settings.items() if k not in GROUPS})
    except OmegaConfBaseException as exc:
        raise ConfigError(_one_line(exc)) from None


def settings_of(cfg: Any) -> dict:
    """A config (typed or composed) as plain Python data, enums as their names, without the
    PLACEMENT_KEYS: what config.yaml holds."""
    node = cfg if isinstance(cfg, DictConfig) else OmegaConf.structured(cfg)
    settings = OmegaConf.to_container(node, resolve=True, enum_to_str=True)
    for key in PLACEMENT_KEYS:
        settings.pop(key, None)
    return settings


def _one_line(exc: OmegaConfBaseException, prefix: str = "") -> str:
    key = getattr(exc, "full_key", None)
    reason = str(exc).splitlines()[0]
    return f"invalid config at {prefix}{key}: {reason}" if key else f"invalid config: {reason}"


PATH_KEYS = ("data.path", "data.root", "trainer.resume_dir")


def absolute_path(value: str) -> str:
    """A path given on the command line, absolute: relative to where it ran (`~` is the
    user's home: the shell does not expand it after `=`), as Hydra's job may run elsewhere."""
    return os.path.normpath(to_absolute_path(os.path.expanduser(value)))


def absolute_paths(cfg: DictConfig) -> None:
    """Make the config's PATH_KEYS absolute."""
    for key in PATH_KEYS:
        value = OmegaConf.select(cfg, key)
        if value:
            OmegaConf.update(cfg, key, absolute_path(value))
