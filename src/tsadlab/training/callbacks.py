"""The project's own Keras callbacks. This module imports Keras: import it only after the
backend is chosen (`runtime.load_keras`)."""

from collections.abc import Callable
from typing import Any

import keras

from tsadlab.runtime import raise_if_terminated


class StopOnTerminate(keras.callbacks.Callback):
    """Stop a fit within a batch of SIGTERM. The signal handler raises too, but on JAX it
    usually lands inside numpy's conversion of the step's loss, which swallows it; the flag
    it sets survives. (Scoring checks the flag between its chunks.)"""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        raise_if_terminated()

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        raise_if_terminated()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        raise_if_terminated()


class EpochBackup(keras.callbacks.Callback):
    """Save the training state after every epoch and at the end, so that an interrupted
    training resumes where it stopped; early stopping's counters are restored at the start,
    so it stops at the same epoch as an uninterrupted run."""

    def __init__(self, backup: Any, early_stopping: keras.callbacks.EarlyStopping) -> None:
        super().__init__()
        self.backup = backup
        self.early_stopping = early_stopping
        self.history: list[dict] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        state = self.backup.state
        if not state:
            return
        self.history = list(state["history"])
        for name, value in state["early_stopping"].items():
            setattr(self.early_stopping, name, value)
        self.early_stopping.best_weights = self.backup.best_weights()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.history.append({k: float(v) for k, v in (logs or {}).items()})
        self._save(epoch + 1, complete=False)

    def on_train_end(self, logs: dict | None = None) -> None:
        # early stopping has restored its best weights by now (it runs first)
        self._save(len(self.history), complete=True)

    def _save(self, epoch: int, complete: bool) -> None:
        es = self.early_stopping
        stopping = {
            "wait": int(es.wait),
            "best": None if es.best is None else float(es.best),
            "best_epoch": int(es.best_epoch),
            "stopped_epoch": int(es.stopped_epoch),
        }
        self.backup.save(self.model, epoch, self.history, stopping, es.best_weights, complete)


class EpochReport(keras.callbacks.Callback):
    """Call `report(epoch, logs)` after every epoch, the epoch counted from 1 as history.csv
    counts it (a resumed fit goes on from its first epoch): a tracker's live loss curves."""

    def __init__(self, report: Callable[[int, dict[str, float]], None]) -> None:
        super().__init__()
        self.report = report

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.report(epoch + 1, {k: float(v) for k, v in (logs or {}).items()})
