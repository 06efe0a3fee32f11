"""The same model, weights and windows give the same training and scores on every Keras
backend installed (within float32 tolerance): a run's numbers do not depend on the backend."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tsadlab.data.windows import sliding_windows

HELPER = Path(__file__).with_name("backend_run.py")
BACKENDS = [b for b in ("jax", "tensorflow") if importlib.util.find_spec(b) is not None]


def initial_weights(tmp_path: Path) -> Path:
    """Windows of a noisy sine, and initial weights shaped like the 16-unit LSTM autoencoder
    (drawn here, so that no backend's random generator decides them)."""
    rng = np.random.default_rng(0)
    values = np.sin(np.arange(600) / 8)[:, None] + rng.normal(0, 0.1, (600, 1))
    shapes = [(1, 64), (16, 64), (64,), (16, 64), (16, 64), (64,), (16, 1), (1,)]
    weights = {
        f"w{i}": rng.normal(0, 0.2, shape).astype(np.float32) for i, shape in enumerate(shapes)
    }
    x = np.ascontiguousarray(sliding_windows(values.astype(np.float32), 20))
    path = tmp_path / "given.npz"
    np.savez(path, x=x, **weights)
    return path


@pytest.mark.slow
@pytest.mark.skipif(len(BACKENDS) < 2, reason="needs two Keras backends installed")
def test_training_and_scores_agree_across_backends(tmp_path):
    given = initial_weights(tmp_path)
    learned = {}
    for backend in BACKENDS:
        out = tmp_path / f"{backend}.npz"
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run(
            [sys.executable, str(HELPER), backend, str(given), str(out)],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        learned[backend] = np.load(out)
    first, second = (learned[b] for b in BACKENDS)
    # training moved the weights, the same way on both
    assert not np.allclose(first["arr_0"], np.load(given)["w0"])
    np.testing.assert_allclose(first["loss"], second["loss"], rtol=1e-4)
    np.testing.assert_allclose(first["errors"], second["errors"], rtol=1e-3, atol=1e-5)
    for i in range(8):
        np.testing.assert_allclose(first[f"arr_{i}"], second[f"arr_{i}"], rtol=1e-3, atol=1e-4)
