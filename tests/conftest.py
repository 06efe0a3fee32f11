"""Shared fixtures: composing configs the way the CLI does, and tiny runs."""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import DictConfig

from tsadlab.cli import common

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# the default config's backend, for test modules that import Keras before any run chooses it
os.environ.setdefault("KERAS_BACKEND", "jax")
# pytest-xdist already runs the tests on every core: a collection's series run one after
# another (workers=auto means 1) unless a test asks for workers=N; tests/test_parallel_series.py
# tests auto itself with this variable removed
os.environ.setdefault("TSADLAB_CORES", "1")

# A model and a series small enough that a full run takes a few seconds.
TINY = [
    "model.encoder_units=[4]",
    "model.decoder_units=[4]",
    "trainer.epochs=2",
    "trainer.verbose=0",
    "data.rows=400",
    "data.window=10",
]


def compose_config(overrides: list[str] | None = None, config_name: str = "config") -> DictConfig:
    """The config `tsadlab-train <overrides>` would run (`tsadlab-tune` with config_name=tune)."""
    return common.compose_config(overrides, config_name)


def model_config(name: str, **params: object):
    """The registered model `name`'s schema with `params` set (its defaults otherwise)."""
    from tsadlab.models import MODELS

    return MODELS.get(name).schema(**params)


def detector(name: str, window: int = 4, n_features: int = 1, seed: int = 0, **params: object):
    """A registered detector (not a Keras model), built as a run builds it."""
    from tsadlab.models import build_model

    return build_model(model_config(name, **params), window, n_features, seed)


def threshold_config(name: str, **params: object):
    """The registered threshold strategy `name`'s config with `params` set."""
    from tsadlab.thresholds import THRESHOLDS

    return THRESHOLDS.get(name).schema(**params)


def train_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """`tsadlab-train <args>` in a new process, as a user runs it."""
    return command("train", *args, cwd=cwd)


def command(
    name: str, *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    """`tsadlab-<name> <args>` in a new process, as a user runs it (`env` adds variables)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", f"tsadlab.cli.{name}", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


@pytest.fixture(autouse=True, scope="session")
def _run_outside_the_clone(tmp_path_factory):
    """Tests run where a user would run a command, in a folder of their own, so that
    relative outputs (the resume state under outputs/.resume) never land in the clone."""
    previous = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cwd"))
    yield
    os.chdir(previous)


def _draw_nothing(*args: object, **kwargs: object) -> None:
    return None


# what a run draws (tsadlab.figures.run, as run_series calls it), drawing nothing; the figure
# functions themselves, imported from their module, are left as they are
NO_FIGURES = types.SimpleNamespace(
    loss_curve=_draw_nothing, series_page=_draw_nothing, detection_figures=_draw_nothing
)


@pytest.fixture(autouse=True)
def _runs_draw_no_figures(request, monkeypatch):
    """A run in this process draws no figures unless its test is marked `figures`: drawing
    took about half of a detector's run (0.7 of 1.3 s), some 30 s of the default run's CPU.
    Runs of a command in a new process (train_cli, command) and in series workers still
    draw theirs."""
    if request.node.get_closest_marker("figures"):
        return
    from tsadlab import run_series

    monkeypatch.setattr(run_series, "figures", NO_FIGURES)


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


def tiny_nab(root: Path) -> list[str]:
    """Overrides for a quick run over the `nab_root` fixture's category."""
    return [
        "data=nab",
        f"data.root={root}",
        "data.category=cat",
        "data.window=10",
        "model.encoder_units=[4]",
        "model.decoder_units=[4]",
        "trainer.epochs=1",
        "trainer.verbose=0",
    ]


@pytest.fixture
def nab_root(tmp_path):
    """A two-series NAB layout, plus a label entry whose file is absent."""
    data = tmp_path / "data" / "cat"
    data.mkdir(parents=True)
    stamps = pd.date_range("2020-01-01", periods=300, freq="5min")
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        pd.DataFrame(
            {
                "timestamp": stamps.strftime("%Y-%m-%d %H:%M:%S"),
                "value": np.sin(np.arange(300) / 5) + rng.normal(0, 0.1, 300),
            }
        ).to_csv(data / f"{name}.csv", index=False)
    windows = {
        "cat/a.csv": [["2020-01-01 10:00:00.000000", "2020-01-01 11:00:00.000000"]],
        "cat/b.csv": [],
        "cat/missing.csv": [["2020-01-01 00:00:00", "2020-01-01 01:00:00"]],
        "other/c.csv": [],
    }
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "combined_windows.json").write_text(json.dumps(windows))
    return tmp_path
