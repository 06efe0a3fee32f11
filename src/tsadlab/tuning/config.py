"""The `search` config of `tsadlab-tune`: the tuner, its budget, the objective and the space."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from tsadlab.config import RunConfig
from tsadlab.errors import ConfigError
from tsadlab.metrics import directed_columns

LOSS_OBJECTIVE = "val_loss"


class TunerKind(Enum):
    """KerasTuner's tuners."""

    random = "random"
    bayesian = "bayesian"
    hyperband = "hyperband"


def detection_objectives() -> dict[str, tuple[str, str]]:
    """Search objectives from the metric registry: `val_<column>` for every column with a
    direction that is not inflated -> (metric name, column)."""
    return {
        f"val_{name}": (column.metric, name)
        for name, column in directed_columns().items()
        if not column.inflated
    }


def objective_direction(objective: str) -> str:
    """'min' for the validation loss; for a detection metric, its column's direction."""
    if objective == LOSS_OBJECTIVE:
        return "min"
    return directed_columns()[detection_objectives()[objective][1]].direction


@dataclass
class SearchConfig:
    """A KerasTuner search: the tuner, its budget, and the space as {config key: spec}."""

    name: str = MISSING
    tuner: TunerKind = TunerKind.random
    max_trials: int = 20
    executions_per_trial: int = 1
    seed: int = 0
    # auto: val_loss without labels, val_event_f1 with labeled validation rows; or val_loss,
    # or val_<metric column> of a registered metric (val_point_f1, val_vus_pr, ...)
    objective: str = "auto"
    max_epochs: int | None = None  # hyperband's budget per model; null: trainer.epochs
    factor: int = 3  # hyperband's reduction factor
    max_consecutive_failed_trials: int = 10
    directory: str = "outputs/tune"
    retrain_best: bool = False
    space: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        allowed = ["auto", LOSS_OBJECTIVE, *detection_objectives()]
        if self.objective not in allowed:
            raise ConfigError(
                f"Received: search.objective={self.objective} (must be one of {', '.join(allowed)})"
            )


@dataclass
class TuneConfig(RunConfig):
    """A KerasTuner search over the run config."""

    search: SearchConfig = MISSING


def register_tune_configs() -> None:
    """Store the search schemas in Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="base_tune", node=TuneConfig)
    cs.store(group="search", name="base_search", node=SearchConfig)
