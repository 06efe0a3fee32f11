"""The config of `tsadlab-evaluate`: which finished run, and the threshold and alignment to
re-score it with."""

from dataclasses import dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from tsadlab.scoring.config import Alignment


@dataclass
class EvaluateConfig:
    """A finished run re-scored under another threshold or alignment."""

    run_dir: str = MISSING
    threshold: Any = MISSING  # a ThresholdConfig: the schema of the chosen strategy
    alignment: Alignment | None = None  # null: the run's own
    name: str | None = None  # null: made from the threshold, its parameters and alignment


def register_evaluate_configs() -> None:
    """Store the schema in Hydra's ConfigStore (idempotent)."""
    ConfigStore.instance().store(name="base_evaluate", node=EvaluateConfig)
