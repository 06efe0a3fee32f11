"""The Keras runtime: where JAX keeps compiled programs, and no TensorFlow on JAX."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tsadlab.runtime import jax_cache_dir


def test_the_jax_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TSADLAB_JAX_CACHE", str(tmp_path / "here"))
    assert jax_cache_dir() == tmp_path / "here"
    monkeypatch.setenv("TSADLAB_JAX_CACHE", "off")
    assert jax_cache_dir() is None
    monkeypatch.delenv("TSADLAB_JAX_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert jax_cache_dir() == tmp_path / "xdg" / "tsadlab" / "jax"


def test_a_jax_run_seeds_saves_unrolls_and_caches_without_importing_tensorflow(tmp_path):
    script = f"""
import sys
from pathlib import Path

from tsadlab import artifacts
from tsadlab.cli.common import compose_config
from tsadlab.config import to_run_config
from tsadlab.scoring.predict import unrolled_copy
from tsadlab.training.fit import new_model
cfg = to_run_config(compose_config(["model.encoder_units=[4]", "model.decoder_units=[4]"]))
model = new_model(cfg.model, 30, 1, cfg.seed, cfg.backend)
artifacts.save_keras_model(Path(r"{tmp_path}") / "model.keras", model)
assert unrolled_copy(model) is not None
assert "tensorflow" not in sys.modules, "TensorFlow was imported"
"""
    env = {**os.environ, "TSADLAB_JAX_CACHE": str(tmp_path / "cache")}
    env.pop("KERAS_BACKEND", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "model.keras").exists()
    assert Path(tmp_path / "cache").is_dir()


@pytest.mark.slow  # a fresh process builds, saves and loads every Keras model
def test_every_keras_model_builds_saves_and_loads_on_jax_without_importing_tensorflow(tmp_path):
    script = f"""
import sys
from pathlib import Path

from tsadlab import artifacts
from tsadlab.models import MODELS, load_keras_model
from tsadlab.training.fit import new_model
for spec in MODELS:
    if spec.keras:
        model = new_model(spec.schema(), 30, 1, 0, "jax")
        artifacts.save_keras_model(Path(r"{tmp_path}") / f"{{spec.name}}.keras", model)
        load_keras_model(Path(r"{tmp_path}") / f"{{spec.name}}.keras")
        assert "tensorflow" not in sys.modules, f"{{spec.name}} imported TensorFlow"
"""
    env = {**os.environ, "TSADLAB_JAX_CACHE": str(tmp_path / "cache")}
    env.pop("KERAS_BACKEND", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_sigterm_flag_does_not_outlive_its_run():
    """A process that runs again after a SIGTERM (a notebook, a sweep in one process) starts
    afresh."""
    import signal

    from tsadlab.runtime import Terminated, raise_if_terminated, sigterm_stops_the_run

    with pytest.raises(Terminated), sigterm_stops_the_run():
        signal.raise_signal(signal.SIGTERM)
    raise_if_terminated()  # nothing pending once the run has ended
