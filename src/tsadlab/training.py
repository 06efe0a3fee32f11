"""Keras fit with the project's callbacks; returns the per-epoch history as a table."""

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tsadlab.errors import ConfigError, TrainingError
from tsadlab.resume import TrainingBackup

# Above this many bytes of float32 training windows, batches are cut from views on the fly.
STREAM_ABOVE_BYTES = 256 * 2**20


def fit_targets(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Targets shaped like the model output.

    For target `next`, y is the (m, d) row after each window. The tutorial passes it as is
    and Keras silently broadcasts it over every output step; broadcasting here says so openly
    and gives the same loss.
    """
    if y.shape == x.shape:
        return y
    return np.broadcast_to(y[:, None, :], x.shape)


def check_trainer(epochs: int, batch_size: int, patience: int) -> None:
    """Epochs and batch size of at least 1, patience of at least 0."""
    if epochs < 1 or batch_size < 1 or patience < 0:
        raise ConfigError(
            f"Received: trainer.epochs={epochs}, trainer.batch_size={batch_size}, "
            f"trainer.patience={patience} (need epochs >= 1, batch_size >= 1, patience >= 0)"
        )


def fit_model(
    model: Any,
    x_train: Any,
    y_train: np.ndarray | None,
    validation: Any,
    epochs: int,
    batch_size: int,
    shuffle: bool = False,
    patience: int = 3,
    min_delta: float = 0.0,
    restore_best_weights: bool = True,
    tensorboard_dir: Path | None = None,
    verbose: int = 2,
    callbacks: list | None = None,
    initial_epoch: int = 0,
    backup: TrainingBackup | None = None,
) -> pd.DataFrame:
    """Train with early stopping on val_loss (loss without validation); stop with a clear error
    if the loss becomes NaN or infinite. `x_train` is an array of windows with targets
    `y_train`, or a Keras PyDataset of (windows, targets) batches with `y_train` None (then
    `validation` is one too, and batch_size and shuffle are the dataset's). `callbacks` are
    added to the project's own; with a `backup`, training resumes from its saved state and
    saves its own after every epoch."""
    import keras

    check_trainer(epochs, batch_size, patience)
    monitor = "val_loss" if validation is not None else "loss"
    earlier = backup.restore(model) if backup else pd.DataFrame()
    if backup and backup.training_done(epochs):
        # early stopping's end-of-training restore had not run yet when the state was saved
        best = backup.best_weights() if restore_best_weights and not backup.complete else None
        if best:
            model.set_weights(best)
        return _history_table(earlier, 0)
    initial_epoch = backup.initial_epoch if backup else initial_epoch
    early_stopping = keras.callbacks.EarlyStopping(
        monitor=monitor,
        patience=patience,
        min_delta=min_delta,
        mode="min",
        restore_best_weights=restore_best_weights,
        verbose=1 if verbose else 0,
    )
    callbacks = [early_stopping, keras.callbacks.TerminateOnNaN(), *(callbacks or [])]
    if backup:
        callbacks.append(backup.callback(early_stopping))
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(tensorboard_dir)))
    batching = {} if y_train is None else {"batch_size": batch_size, "shuffle": shuffle}
    history = model.fit(
        x_train,
        y_train,
        validation_data=validation,
        epochs=epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        verbose=verbose,
        **batching,
    )
    table = pd.concat([earlier, pd.DataFrame(history.history)], ignore_index=True)
    return _history_table(table, initial_epoch - len(earlier))


def _history_table(table: pd.DataFrame, first_epoch: int) -> pd.DataFrame:
    """Per-epoch history with an `epoch` column counted from `first_epoch` + 1; checked finite."""
    table = table.copy()
    table.insert(0, "epoch", np.arange(first_epoch + 1, first_epoch + len(table) + 1))
    _check_finite(table)
    return table


def _check_finite(history: pd.DataFrame) -> None:
    for column in ("loss", "val_loss"):
        if column not in history:
            continue
        bad = ~np.isfinite(history[column].to_numpy(dtype=float))
        if bad.any():
            first = int(np.argmax(bad))
            raise TrainingError(
                f"training {column} became {history[column].iloc[first]} at epoch "
                f"{history['epoch'].iloc[first]}; usual causes: a learning rate too high "
                "(model.learning_rate), unscaled or huge inputs (data.scaler, data.transform), "
                "or inf values in the data"
            )


def stream_windows(n_windows: int, window_shape: tuple, steps_per_epoch: int | None) -> bool:
    """Cut training batches from the window views on the fly (instead of one array of windows)
    when training is bounded by steps_per_epoch or the windows would take more than
    STREAM_ABOVE_BYTES as float32."""
    size = n_windows * int(np.prod(window_shape)) * 4
    return steps_per_epoch is not None or size > STREAM_ABOVE_BYTES


def training_data(
    x: np.ndarray, y: np.ndarray, at: int, t: dict, seed: int, first_epoch: int
) -> tuple[Any, np.ndarray | None, Any]:
    """What fit_model takes: (windows, targets, validation pair) as arrays, or (batches, None,
    validation batches) when streaming (see `stream_windows`)."""
    steps = t["steps_per_epoch"]
    if not stream_windows(len(x), x.shape[1:], steps):
        validation = None
        if at < len(x):
            validation = (np.ascontiguousarray(x[at:]), fit_targets(x[at:], y[at:]))
        return np.ascontiguousarray(x[:at]), fit_targets(x[:at], y[:at]), validation
    from tsadlab.batches import WindowBatches

    batch = t["batch_size"]
    order = "sample" if steps is not None else "shuffle" if t["shuffle"] else "sequential"
    reconstruct = y is x  # the window is its own target: WindowBatches takes None

    def part(rows: slice) -> tuple[np.ndarray, np.ndarray | None]:
        return x[rows], None if reconstruct else y[rows]

    train = WindowBatches(*part(slice(None, at)), batch, order, steps, seed, first_epoch)
    validation = None
    if at < len(x):
        validation_order = "even" if steps else "sequential"
        validation = WindowBatches(*part(slice(at, None)), batch, validation_order, steps)
    return train, None, validation
