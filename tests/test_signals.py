"""SIGTERM (`kill`, a SLURM time limit) stops a real `tsadlab-train` process within seconds:
exit status 143, the run marked interrupted, the training state kept for a resume. On JAX the
signal used to land inside numpy's conversion of a step's loss, which swallowed it."""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tsadlab import artifacts

BACKENDS = [b for b in ("jax", "tensorflow") if importlib.util.find_spec(b) is not None]
# A training that would run for minutes: a short series, so that it starts quickly, and the
# default model, so that the main thread spends most of a step waiting for its loss (where
# the signal used to be lost).
LONG_TRAINING = [
    "data.length=2000",
    "data.window=10",
    "trainer.epochs=10000",
    "trainer.patience=10000",
]
DATA = {
    "series": ["data=synthetic"],
    "category": ["data=synthetic_suite", "data.anomalies=[spike,flatline]", "workers=2"],
}
SECONDS_TO_STOP = 15


def start(tmp_path: Path, backend: str, data: str) -> tuple[subprocess.Popen, Path, Path]:
    name = f"{backend}-{data}"
    run_dir, resume_dir = tmp_path / name, tmp_path / f"resume-{name}"
    args = [*DATA[data], *LONG_TRAINING, f"backend={backend}", f"trainer.resume_dir={resume_dir}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "tsadlab.cli.train", *args, f"hydra.run.dir={run_dir}"],
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": backend},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, run_dir, resume_dir


def saved_epoch(resume_dir: Path) -> int:
    for state in resume_dir.glob("*/state.json"):
        try:
            return json.loads(state.read_text())["epoch"]
        except (OSError, ValueError):
            return 0
    return 0


@pytest.mark.parametrize(
    "backend",
    [pytest.param(b, marks=[pytest.mark.slow] if b == "tensorflow" else []) for b in BACKENDS],
)
def test_sigterm_stops_training_for_a_series_and_a_category(tmp_path, backend):
    """Both runs at once (they share the machine's cores while they import): each is
    signalled once it has trained two epochs. TensorFlow's case is a slow test: its import
    alone takes longer than JAX's whole case."""
    runs = {(backend, data): start(tmp_path, backend, data) for data in DATA}
    stopped: dict = {}
    deadline = time.monotonic() + 240
    try:
        while len(stopped) < len(runs) and time.monotonic() < deadline:
            for key, (process, _, resume_dir) in runs.items():
                if key in stopped:
                    continue
                assert process.poll() is None, f"{key} ended early: {process.stderr.read()}"
                if saved_epoch(resume_dir) >= 2:
                    process.send_signal(signal.SIGTERM)
                    signalled = time.monotonic()
                    process.wait(timeout=SECONDS_TO_STOP + 30)
                    stopped[key] = time.monotonic() - signalled
            time.sleep(0.2)
    finally:
        for process, _, _ in runs.values():
            process.kill()
    assert len(stopped) == len(runs), f"never trained two epochs: {set(runs) - set(stopped)}"
    for key, (process, run_dir, resume_dir) in runs.items():
        err = process.stderr.read()
        assert process.returncode == 143, (key, err)
        assert stopped[key] < SECONDS_TO_STOP, (key, stopped[key])
        assert err.strip().splitlines()[-1] == (
            f"terminated: {run_dir} is marked interrupted; run the same command again to resume "
            "from the last epoch"
        )
        assert artifacts.run_state(run_dir) == "interrupted", key
        assert artifacts.read_status(run_dir)["error"] == "terminated"
        assert saved_epoch(resume_dir) >= 2, key  # kept for the same command to resume
        if key[1] == "category":  # every series started (side by side in two workers)
            for series_dir in (run_dir / "series").iterdir():
                assert artifacts.run_state(series_dir) == "interrupted", (key, series_dir.name)
