"""An interrupted training resumes from its last epoch when the same config runs again, and
ends exactly where the uninterrupted run ends."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pandas as pd
import pytest
from conftest import TINY, compose_config

from tsadlab import artifacts, run_series
from tsadlab.config import settings_of
from tsadlab.run import run
from tsadlab.training import fit as fitting
from tsadlab.training.resume import TrainingBackup, resume_key


class StopAfterEpoch(keras.callbacks.Callback):
    """Ctrl-C at the end of an epoch (before the backup of that epoch is written)."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt


def interrupt_training_at(monkeypatch, epoch: int) -> None:
    fit = fitting.fit_keras

    def interrupted_fit(*args, **kwargs):
        kwargs["callbacks"] = [*(kwargs.get("callbacks") or []), StopAfterEpoch(epoch)]
        return fit(*args, **kwargs)

    monkeypatch.setattr(fitting, "fit_keras", interrupted_fit)


def overrides(tmp_path: Path, *extra: str) -> list[str]:
    return [*TINY, "trainer.epochs=6", f"trainer.resume_dir={tmp_path / 'resume'}", *extra]


@pytest.mark.parametrize(
    ("extra", "epochs"),
    [
        (["trainer.patience=10"], 6),
        # no epoch improves by 10, so early stopping stops at epoch 3, counting across the cut
        pytest.param(
            ["trainer.patience=2", "trainer.min_delta=10"],
            3,
            marks=pytest.mark.slow,  # 10 s
        ),
    ],
    ids=["all_epochs", "early_stopping"],
)
def test_resumed_run_equals_the_uninterrupted_run(tmp_path, monkeypatch, extra, epochs):
    whole = run(compose_config(overrides(tmp_path, *extra)), tmp_path / "whole")
    assert whole.metrics["training"]["epochs_run"] == epochs
    with monkeypatch.context() as patch:
        interrupt_training_at(patch, 2)
        with pytest.raises(KeyboardInterrupt):
            run(compose_config(overrides(tmp_path, *extra)), tmp_path / "cut")
    cut = artifacts.read_status(tmp_path / "cut")
    assert cut["status"] == "failed" and cut["error"] == "interrupted"
    assert not (tmp_path / "cut" / "metrics.json").exists()

    resumed = run(compose_config(overrides(tmp_path, *extra)), tmp_path / "resumed")
    assert resumed.metrics["training"]["resumed_from"] == {
        "epoch": 1,
        "run_dir": str(tmp_path / "cut"),
    }
    assert artifacts.read_status(tmp_path / "cut")["resumed_in"] == str(tmp_path / "resumed")
    for table in ("history.csv", "scores.csv", "window_errors.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "whole" / table), pd.read_csv(tmp_path / "resumed" / table)
        )
    assert list((tmp_path / "resume").iterdir()) == []  # the state is gone once finished


def test_a_run_stopped_after_training_does_not_train_again(tmp_path, monkeypatch):
    whole = run(compose_config(overrides(tmp_path)), tmp_path / "whole")
    with monkeypatch.context() as patch:

        def stop(*args, **kwargs):
            raise KeyboardInterrupt

        patch.setattr(run_series, "predict_errors", stop)  # Ctrl-C right after training
        with pytest.raises(KeyboardInterrupt):
            run(compose_config(overrides(tmp_path)), tmp_path / "cut")
    with monkeypatch.context() as patch:
        patch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained again"))
        resumed = run(compose_config(overrides(tmp_path)), tmp_path / "resumed")
    assert resumed.metrics["training"]["resumed_from"]["epoch"] == 6
    for table in ("history.csv", "scores.csv"):
        pd.testing.assert_frame_equal(
            pd.read_csv(tmp_path / "whole" / table), pd.read_csv(tmp_path / "resumed" / table)
        )
    assert whole.metrics["training"]["epochs_run"] == 6


def test_a_different_config_does_not_resume(tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        interrupt_training_at(patch, 2)
        with pytest.raises(KeyboardInterrupt):
            run(compose_config(overrides(tmp_path)), tmp_path / "cut")
    other = run(compose_config(overrides(tmp_path, "seed=1")), tmp_path / "other")
    assert "resumed_from" not in other.metrics["training"]
    assert len(list((tmp_path / "resume").iterdir())) == 1  # the cut run's state is kept


def test_resume_key_ignores_what_does_not_change_training():
    s = settings_of(compose_config(TINY))
    # a changed threshold or scoring re-scores the same training: it resumes from its state
    for same in ("trainer.verbose=2", "threshold=pot", "threshold.q=0.9", "scoring.alignment=mean"):
        changed = settings_of(compose_config([*TINY, same]))
        assert resume_key(s, "abc") == resume_key(changed, "abc"), same
    other = settings_of(compose_config([*TINY, "model.dropout=0.3"]))
    assert resume_key(s, "abc") != resume_key(other, "abc")
    assert resume_key(s, "abc") != resume_key(s, "abd")  # other data


def test_a_live_owner_keeps_its_state_to_itself(tmp_path):
    s = settings_of(compose_config([*TINY, f"trainer.resume_dir={tmp_path}"]))
    first = TrainingBackup.open(s, "abc", tmp_path / "a")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock = first.directory / "owner.json"
        owner = json.loads(lock.read_text())
        lock.write_text(json.dumps({**owner, "pid": sleeper.pid}))
        assert TrainingBackup.open(s, "abc", tmp_path / "b") is None
    finally:
        sleeper.kill()
        sleeper.wait()
    assert TrainingBackup.open(s, "abc", tmp_path / "c") is not None  # its owner is gone


def test_resume_can_be_switched_off(tmp_path):
    s = settings_of(compose_config([*TINY, "trainer.resume=false"]))
    assert TrainingBackup.open(s, "abc", tmp_path / "a") is None


@pytest.mark.slow
def test_killed_cli_run_resumes_when_the_same_command_runs_again(tmp_path):
    """SIGKILL mid-training, then the same command: the run continues from the saved epoch
    and its scores equal an uninterrupted run's."""
    command = [
        sys.executable,
        "-m",
        "tsadlab.cli.train",
        *overrides(tmp_path, "trainer.epochs=40", "trainer.patience=40", "data.rows=1500"),
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    first = subprocess.Popen(
        [*command, f"hydra.run.dir={tmp_path / 'killed'}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    states = tmp_path / "resume"
    while time.monotonic() < deadline:
        found = list(states.glob("*/state.json"))
        if found and json.loads(found[0].read_text())["epoch"] >= 3:
            break
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert artifacts.read_status(tmp_path / "killed")["status"] == "running"  # never "finished"

    again = subprocess.run(
        [*command, f"hydra.run.dir={tmp_path / 'resumed'}"], env=env, capture_output=True
    )
    assert again.returncode == 0, again.stderr
    metrics = json.loads((tmp_path / "resumed" / "metrics.json").read_text())
    assert metrics["training"]["resumed_from"]["epoch"] >= 3
    whole = subprocess.run(
        [*command, f"hydra.run.dir={tmp_path / 'whole'}"], env=env, capture_output=True
    )
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "whole" / "scores.csv"),
        pd.read_csv(tmp_path / "resumed" / "scores.csv"),
    )
