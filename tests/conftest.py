"""Shared fixtures: composing configs the way the CLI does, and tiny runs."""

import os
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from tsadlab.cli import CONFIG_DIR
from tsadlab.config import register_configs

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# A model and a series small enough that a full run takes a few seconds.
TINY = [
    "model.encoder_units=[4]",
    "model.decoder_units=[4]",
    "trainer.epochs=2",
    "trainer.verbose=0",
    "data.rows=400",
    "data.window=10",
]


def compose_config(overrides: list[str] | None = None) -> DictConfig:
    """The config `tsadlab-train <overrides>` would run."""
    register_configs()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="config", overrides=overrides or [])


@pytest.fixture
def tiny_config() -> DictConfig:
    return compose_config(TINY)


@pytest.fixture
def write_csv(tmp_path: Path):
    """Write text to a CSV file in tmp_path and return its path."""

    def _write(text: str, name: str = "series.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write
