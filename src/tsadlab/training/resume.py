"""Resuming an interrupted training where it stopped, when the same command runs again.

After every epoch the training state is saved under `<trainer.resume_dir>/<key>/`, where the
key is a hash of everything that decides the training (data, model, trainer, seed, backend
and the data's hash; not the threshold or the scoring, which act after training). Saved: the weights
and optimizer state, the dropout layers' random-generator states (Keras' `save_weights` leaves
them out, and without them a resumed run draws other dropout masks), early stopping's
counters and best weights, and the history so far. So a run resumed from epoch k trains
exactly as the uninterrupted run would have: with `trainer.shuffle=false` the scores are
identical. The state is deleted once the run has finished.

A lock file keeps two live processes with the same key from sharing one state: the second
trains without backups.
"""

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsadlab import artifacts

log = logging.getLogger(__name__)

# The settings that decide what is trained, and the trainer keys among them that do not.
TRAINING_SETTINGS = ("data", "model", "trainer", "seed", "backend")
NOT_TRAINING = (
    "verbose",
    "resume",
    "resume_dir",
    "tensorboard",
    "predict_batch_size",
    "predict_unroll_from",
)
STATE_FILE = "state.json"
LOCK_FILE = "owner.json"
SEED_STATE = "seed_generator_state"


def resume_key(settings: dict, data_sha256: str) -> str:
    """A hash of the settings (the run config as plain data) and data that decide a training."""
    kept = {key: settings[key] for key in TRAINING_SETTINGS}
    kept["trainer"] = {k: v for k, v in kept["trainer"].items() if k not in NOT_TRAINING}
    text = json.dumps({"settings": kept, "data": data_sha256}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class TrainingBackup:
    """The saved state of one training, in its own folder."""

    def __init__(self, directory: Path, run_dir: Path) -> None:
        self.directory = Path(directory)
        self.run_dir = Path(run_dir)
        self.state: dict | None = None
        self.found: dict | None = None  # the state this run started from

    @classmethod
    def open(cls, settings: dict, data_sha256: str, run_dir: Path) -> "TrainingBackup | None":
        """The backup for this run's key, claimed for this process; None when resuming is
        off or a live process already trains the same key."""
        trainer = settings["trainer"]
        if not trainer["resume"] or not trainer["resume_dir"]:
            return None
        key = resume_key(settings, data_sha256)
        backup = cls(Path(trainer["resume_dir"]) / key, run_dir)
        if not backup._claim():
            return None
        backup.state = backup.found = backup._read_state()
        return backup

    def _claim(self) -> bool:
        lock = self.directory / LOCK_FILE
        owner = {**artifacts.this_process(), "run_dir": str(self.run_dir)}
        self.directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, artifacts.FILE_MODE)
        except FileExistsError:
            try:
                previous = json.loads(lock.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            other = previous and previous.get("pid") != os.getpid()
            if other and artifacts.process_alive(previous):
                log.warning(
                    "another live run (pid %s, %s) is training the same config; this one "
                    "trains without resumable backups",
                    previous.get("pid"),
                    previous.get("run_dir"),
                )
                return False
            artifacts.write_json(lock, owner)
            return True
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(owner, handle)
        return True

    def _read_state(self) -> dict | None:
        path = self.directory / STATE_FILE
        if not path.exists():
            return None
        state = json.loads(path.read_text(encoding="utf-8"))
        if not (self.directory / state["weights"]).exists():
            return None
        return state

    @property
    def initial_epoch(self) -> int:
        """Epochs already trained (0 for a fresh start)."""
        return self.state["epoch"] if self.state else 0

    @property
    def complete(self) -> bool:
        """Whether the saved training had already ended (only the rest of the run was lost)."""
        return bool(self.state and self.state["complete"])

    def training_done(self, epochs: int) -> bool:
        """Whether the saved training had ended (all epochs, or early stopping) before the
        interruption, so that only the rest of the run must be redone."""
        if not self.state:
            return False
        stopped = self.state["early_stopping"]["stopped_epoch"] > 0
        return self.complete or stopped or self.state["epoch"] >= epochs

    def restore(self, model: Any) -> pd.DataFrame:
        """Load the saved weights, optimizer and random states into `model`; the history of
        the epochs already trained (empty for a fresh start)."""
        if not self.state:
            return pd.DataFrame()
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        model.load_weights(self.directory / self.state["weights"])
        seeds = self.state["seed_states"]
        for variable in model.variables:
            if variable.path in seeds:
                variable.assign(np.asarray(seeds[variable.path], dtype=variable.dtype))
        log.info("resuming from epoch %d (state of %s)", self.state["epoch"], self.state["run_dir"])
        return pd.DataFrame(self.state["history"])

    def callback(self, early_stopping: Any) -> Any:
        """A Keras callback that saves the state after every epoch and restores
        `early_stopping`'s counters when training starts."""
        from tsadlab.training.callbacks import EpochBackup

        return EpochBackup(self, early_stopping)

    def save(
        self,
        model: Any,
        epoch: int,
        history: list[dict],
        stopping: dict,
        best_weights: list[np.ndarray] | None,
        complete: bool,
    ) -> None:
        """Write the state atomically: weights and best weights under new names first, then
        the state file that names them, then remove the old ones."""
        weights = f"epoch_{epoch:05d}{'_end' if complete else ''}.weights.h5"
        artifacts.write_atomic(self.directory / weights, lambda tmp: model.save_weights(tmp))
        best = None
        if best_weights is not None:
            best = f"best_{epoch:05d}.npz"
            artifacts.write_atomic(self.directory / best, lambda tmp: np.savez(tmp, *best_weights))
        state = {
            "epoch": epoch,
            "complete": complete,
            "weights": weights,
            "best_weights": best,
            "seed_states": {
                v.path: np.asarray(v).tolist() for v in model.variables if SEED_STATE in v.path
            },
            "early_stopping": stopping,
            "history": history,
            "run_dir": str(self.run_dir),
        }
        artifacts.write_text(self.directory / STATE_FILE, json.dumps(state, default=float))
        self.state = state
        for path in [*self.directory.glob("*.weights.h5"), *self.directory.glob("best_*.npz")]:
            if path.name not in (weights, best):
                path.unlink(missing_ok=True)

    def best_weights(self) -> list[np.ndarray] | None:
        """Early stopping's best weights as saved, or None."""
        if not self.state or not self.state.get("best_weights"):
            return None
        with np.load(self.directory / self.state["best_weights"], allow_pickle=False) as data:
            return [data[f"arr_{i}"] for i in range(len(data.files))]

    def resumed_from(self) -> dict | None:
        """What metrics.json records about the interrupted run this one continued."""
        if not self.found or self.found["run_dir"] == str(self.run_dir):
            return None
        return {"epoch": self.found["epoch"], "run_dir": self.found["run_dir"]}

    def discard(self) -> None:
        """Delete the state (the run finished) and release the lock."""
        for path in self.directory.glob("*"):
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # a file another process just wrote stays
            self.directory.rmdir()

    def release(self) -> None:
        """Keep the state for a later resume, but let another process claim it."""
        (self.directory / LOCK_FILE).unlink(missing_ok=True)
